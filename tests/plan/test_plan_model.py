"""Model-based: random sequences of plan saves, then the derived things (the revisions, the
focus, the budget) compared with the database's rows, in one long-lived session and from
several threads committing at once."""

import random
import threading
from datetime import timedelta

from sqlmodel import Session, select

from app import clock
from app.accounts.models import Role, User
from app.config import CONTENT_DIR
from app.errors import InputError
from app.goals import service as goals_service
from app.plan import document, service
from app.plan.models import Direction, Phase, PlanFactor, PlanRevision
from app.plan.schemas import ActionIn, ActionPatch, ActivityIn, FactorIn, PartIn, StrategyIn
from tests.factories import make_user


def _step(db: Session, rng: random.Random, by, n: int) -> bool:  # type: ignore[no-untyped-def]
    plan = service.the_plan(db)
    before = plan.version
    data = service.read(db, plan)
    users = data.users
    choice = rng.randrange(7)
    now = clock.now()
    if choice == 0:
        service.add_factor(db, plan, FactorIn(group_id=rng.choice(users).id, text=f"Factor {n}",  # type: ignore[arg-type]
                                              direction=rng.choice(list(Direction)), impact=rng.choice([None, 1, 2, 3]),
                                              changeable=rng.choice([None, True, False]),
                                              priority=rng.choice([None, 1, 2])), by, now)
    elif choice == 1:
        barriers = [f for f in data.factors if f.direction == Direction.belemmerend]
        if barriers:
            service.add_strategy(db, plan, StrategyIn(text=f"Strategie {n}", factor_id=rng.choice(barriers).id), by, now)
    elif choice == 2:
        service.add_strategy(db, plan, StrategyIn(text=f"Fase {n}", group_id=rng.choice(users).id,  # type: ignore[arg-type]
                                                  phase=rng.choice(list(Phase))), by, now)
    elif choice == 3 and data.strategies:
        service.add_action(db, plan, ActionIn(title=f"Actie {n}", strategy_id=rng.choice(data.strategies).id,  # type: ignore[arg-type]
                                              due=clock.today() + timedelta(days=rng.randint(-5, 5))), by, now)
    elif choice == 4 and data.actions:
        service.change_action(db, plan, rng.choice(data.actions), ActionPatch(done=rng.random() < 0.5,  # type: ignore[arg-type]
                              status=rng.choice(["plan", "do", "check", "act"])), by, now, clock.today())
    elif choice == 5:
        service.add_activity(db, plan, ActivityIn(group_id=rng.choice(data.groups).id, phase=rng.choice(list(Phase)),  # type: ignore[arg-type]
                                                  text=f"Activiteit {n}", hours=rng.randint(1, 20)), by, now)
    else:
        factors = [f for f in data.factors if not data.strategies_for(f)]
        if factors and rng.random() < 0.5:
            service.remove_factor(db, plan, rng.choice(factors).id, by, now)  # type: ignore[arg-type]
        else:
            service.save_part(db, plan, "team", PartIn(body=f"Tekst {n}", version=plan.version), by, now)
    db.refresh(plan)
    return plan.version > before


def _check(db: Session) -> None:
    plan = service.the_plan(db)
    data = service.read(db, plan)
    numbers = [r.number for r in db.exec(select(PlanRevision).where(PlanRevision.plan_id == plan.id)
                                         .order_by(PlanRevision.number))]
    assert numbers == list(range(1, plan.version + 1))
    latest = service.get_revision(db, plan, plan.version)
    assert latest is not None and latest.document == document.dump(data)
    # The focus, from the rows by the guide's words, independently.
    rows = db.exec(select(PlanFactor).where(PlanFactor.plan_id == plan.id)).all()
    barriers = [f for f in rows if f.direction == "belemmerend" and f.changeable is True]
    heaviest = max((f.impact or 0 for f in barriers), default=0)
    expected = {f.id for f in barriers if (f.impact or 0) >= (2 if heaviest >= 2 else 1)}
    assert {f.id for f in data.focus} == expected
    budget = service.budget(data)
    assert budget.hours == sum(a.hours for a in data.activities)


def test_random_saves_in_one_long_lived_session(real_engine) -> None:  # type: ignore[no-untyped-def]
    with Session(real_engine) as db:
        goals_service.seed(db, goals_service.load_file(CONTENT_DIR / "goals.yaml"), clock.today())
        service.load_starter(db, CONTENT_DIR / "plan.md", clock.now())
        by = make_user(db, Role.kwaliteit)
        db.commit()
        rng = random.Random(16)
        for n in range(120):
            _step(db, rng, by, n)
            db.commit()
            if n % 20 == 19:
                _check(db)
        _check(db)
        # The last revision read back is the plan itself.
        plan = service.the_plan(db)
        again = document.parse(service.get_revision(db, plan, plan.version).document)  # type: ignore[union-attr]
        assert [g.name for g in again.groups] == [g.name for g in service.read(db, plan).groups]


def test_saves_from_several_threads_at_once(real_engine) -> None:  # type: ignore[no-untyped-def]
    with Session(real_engine) as db:
        if service.get_plan(db) is None:
            goals_service.seed(db, goals_service.load_file(CONTENT_DIR / "goals.yaml"), clock.today())
            service.load_starter(db, CONTENT_DIR / "plan.md", clock.now())
        by_id = make_user(db, Role.kwaliteit).id
        db.commit()
        start = service.the_plan(db).version
    errors: list[BaseException] = []
    done: list[int] = []

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        for n in range(15):
            for _ in range(20):  # a save that meets another is tried again, as a person would
                try:
                    with Session(real_engine) as db:
                        by = db.get(User, by_id)
                        saved = _step(db, rng, by, seed * 1000 + n)
                        db.commit()
                        done.append(int(saved))
                        break
                except InputError:
                    continue
                except Exception as exc:  # noqa: BLE001 - a lock timeout or a conflict: try again
                    if "lock" in str(exc).lower() or "serializ" in str(exc).lower() or "deadlock" in str(exc).lower():
                        continue
                    errors.append(exc)
                    return

    threads = [threading.Thread(target=worker, args=(s,)) for s in (1, 2, 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    with Session(real_engine) as db:
        _check(db)
        # Every save that answered made its own revision: none overwrote another's number.
        assert service.the_plan(db).version == start + sum(done)
