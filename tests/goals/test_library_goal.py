"""The library goal as the plan words it: "gebouwd, ingericht en na een half jaar
geactualiseerd" (app/goals/library.py). Hand-made scenarios, each on the real database."""

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import JSON, column, insert, table, text
from sqlmodel import Session

from app import clock, migrate
from app.accounts.models import Role
from app.config import CONTENT_DIR, LOCAL_TZ
from app.goals import service
from app.wiki import service as wiki_service
from tests.conftest import BACKENDS
from tests.factories import make_item, make_theme, make_user

START = date(2027, 1, 4)
DEADLINE = date(2027, 7, 4)


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), LOCAL_TZ)


@pytest.fixture
def library(db):  # type: ignore[no-untyped-def]
    """The starter goals from START; two themes; the library goal asks for 4 items."""
    service.seed(db, service.load_file(CONTENT_DIR / "goals.yaml"), START)
    goal = service.get_goal(db, "bibliotheek_actueel")
    goal.params = {**goal.params, "min_items": 4}
    db.add(goal)
    db.flush()
    kees = make_user(db, Role.kwaliteit, name="Kees")
    return {"goal": goal, "themes": [make_theme(db), make_theme(db)], "kees": kees}


def publish(db, library, day: date, theme: int = 0, review: date | None = None):  # type: ignore[no-untyped-def]
    with clock.frozen(at(day)):
        return make_item(db, library["themes"][theme], library["kees"],
                         review_date=(review or day + timedelta(days=182)).isoformat())


def judge(db, library, day: date, now: datetime | None = None):  # type: ignore[no-untyped-def]
    with clock.frozen(now or at(day, 23)):
        return service.view(db, library["goal"], day, trend=False)


def parts(shown) -> dict[str, bool]:  # type: ignore[no-untyped-def]
    return {p.key: p.met for p in shown.result.parts}


def test_an_empty_library_is_not_met_and_a_past_day_does_not_see_later_items(db, library):
    first = judge(db, library, START)
    assert parts(first) == {"gebouwd": False, "ingericht": False, "nieuw": False, "gecontroleerd": False}
    assert first.value == 0 and first.status.key == "op-schema"  # being built: the first month
    for n in range(4):
        publish(db, library, START + timedelta(days=3), theme=n % 2)
    # Computed later for the first day (as a demo or a missed nightly job does): the items of
    # three days later do not count.
    assert judge(db, library, START, now=at(START + timedelta(days=10))).value == 0
    built = judge(db, library, START + timedelta(days=3))
    assert parts(built) == {"gebouwd": True, "ingericht": True, "nieuw": False, "gecontroleerd": False}
    assert built.status.key == "op-schema" and built.figure == "2 van 4 onderdelen"
    assert "Nieuwe kennis: nee" in built.explanation and "4 items gepubliceerd (nodig: 4)" in built.explanation


def test_an_empty_theme_means_not_ingericht_and_falls_behind_after_the_first_month(db, library):
    for _ in range(4):
        publish(db, library, START + timedelta(days=2), theme=0)
    shown = judge(db, library, START + timedelta(days=45))
    assert parts(shown)["gebouwd"] and not parts(shown)["ingericht"]
    assert "1 van 2 thema's hebben items" in shown.explanation
    assert shown.status.key == "loopt-achter"


def test_new_knowledge_counts_only_after_the_library_was_built(db, library):
    for n in range(5):  # the fifth on the same day as the fourth: the filling, not new knowledge
        publish(db, library, START + timedelta(days=2), theme=n % 2)
    assert not parts(judge(db, library, START + timedelta(days=20)))["nieuw"]
    publish(db, library, START + timedelta(days=21), theme=1)
    assert parts(judge(db, library, START + timedelta(days=21)))["nieuw"]


def test_a_review_that_fell_due_must_be_checked_or_updated_in_time(db, library):
    items = [publish(db, library, START + timedelta(days=2), theme=n % 2, review=START + timedelta(days=60))
             for n in range(4)]
    publish(db, library, START + timedelta(days=10), theme=0)  # new knowledge
    # Three checked in time (20 days before, on the day, 10 days after), one forgotten.
    for item, offset in zip(items[:3], (-20, 0, 10), strict=True):
        with clock.frozen(at(START + timedelta(days=60 + offset))):
            wiki_service.mark_checked(db, item, library["kees"], item.version, START + timedelta(days=240))
    # Day 65: two checked, the one of day 70 and the forgotten one still open (within the grace).
    during = judge(db, library, START + timedelta(days=65))
    review = next(p for p in during.result.parts if p.key == "gecontroleerd")
    assert not review.met and review.on_pace  # judged over the half year, at the deadline
    assert "2 van 2 op tijd" in review.detail and "2 controles lopen nog" in review.detail
    assert during.status.key == "op-schema"
    later = judge(db, library, START + timedelta(days=80))  # grace over: 3 of 4 is below 90%
    review = next(p for p in later.result.parts if p.key == "gecontroleerd")
    assert not review.met and not review.on_pace and "3 van 4 op tijd" in review.detail
    assert later.status.key == "loopt-achter"
    # Checked a month late: still not in time.
    with clock.frozen(at(START + timedelta(days=95))):
        wiki_service.mark_checked(db, items[3], library["kees"], items[3].version, START + timedelta(days=240))
    assert "3 van 4 op tijd" in judge(db, library, START + timedelta(days=100)).explanation


def test_at_the_deadline_all_four_parts_make_it_gehaald_and_one_missing_makes_it_niet_gehaald(db, library):
    for n in range(4):
        publish(db, library, START + timedelta(days=2), theme=n % 2)
    # No new knowledge during the half year: niet gehaald, and the figure says why.
    missed = judge(db, library, DEADLINE)
    assert missed.due and missed.status.key == "niet-gehaald"
    assert parts(missed) == {"gebouwd": True, "ingericht": True, "nieuw": False, "gecontroleerd": True}
    publish(db, library, START + timedelta(days=100), theme=1)
    met = judge(db, library, DEADLINE)
    assert met.value == 1 and met.status.key == "gehaald"
    # Before the deadline the goal cannot be gehaald yet: more review dates can fall due.
    early = judge(db, library, START + timedelta(days=120))
    assert early.status.key == "op-schema" and early.figure == "3 van 4 onderdelen"


@pytest.mark.parametrize("fresh_database", BACKENDS, indirect=True)
def test_a_database_with_the_old_definition_gets_the_new_one(fresh_database):
    """Migration 0007 on a database that still has the starter goals as first loaded."""
    engine, _ = fresh_database
    migrate.upgrade(engine, "0006")
    old_group = {"group": {"roles": ["medewerker", "contactpersoon"], "functions": ["klantbegeleider"]},
                 "event": "consulted", "more_than": 1}
    changed = {"group": {"roles": ["kwaliteit"]}, "event": "werkoverleg_present", "min_count": 3}
    with engine.begin() as conn:
        goal = table("goal", column("id"), column("key"), column("position"), column("group"), column("text"),
                     column("how"), column("measure"), column("params", JSON), column("target"), column("start"),
                     column("horizon_months"), column("updated_at"))
        common = {"position": 1, "group": "G", "text": "T", "how": "oud", "target": 0.9, "start": START,
                  "horizon_months": 6, "updated_at": at(START)}
        conn.execute(insert(goal), [
            {**common, "key": "bibliotheek_actueel", "measure": "library_fresh", "params": {"min_items": 40}},
            {**common, "key": "raadplegen", "measure": "share_of_persons", "params": old_group},
            {**common, "key": "klantbegeleiders_werkoverleg", "measure": "count_per_person", "params": changed},
        ])
        goal_id = conn.execute(text("SELECT id FROM goal WHERE key = 'bibliotheek_actueel'")).scalar_one()
        conn.execute(text("INSERT INTO goal_snapshot (goal_id, day, value, population) VALUES (:g, :d, 1.0, 50)"),
                     {"g": goal_id, "d": START})
    migrate.upgrade(engine)
    with Session(engine) as session:
        library_goal = service.get_goal(session, "bibliotheek_actueel")
        assert (library_goal.measure, library_goal.target) == ("library_built_current", 1.0)
        assert library_goal.params["min_items"] == 40 and "review_share" in library_goal.params
        assert service.snapshots(session, library_goal) == []  # the old meaning is gone
        assert service.get_goal(session, "raadplegen").params["group"]["roles"] == ["medewerker"]
        # A goal Kwaliteit changed is left as it was.
        assert service.get_goal(session, "klantbegeleiders_werkoverleg").params == changed
