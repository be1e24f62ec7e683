"""What the schemathesis tests share: a small library to fuzz against, and one run of the
schemathesis engine that collects what it found."""

from datetime import timedelta

import schemathesis
from schemathesis.engine import Status, events
from sqlmodel import Session

from app import clock
from app.accounts import service as accounts_service
from app.accounts.models import Audience, Role, User
from app.config import CONTENT_DIR
from app.goals import service as goals_service
from app.meetings import agenda as agenda_service
from app.plan import service as plan_service
from app.plan.schemas import ActionIn
from app.questions import service as questions_service
from app.questions.models import QuestionIn
from tests.factories import make_item, make_meeting, make_theme, make_user

SEED = 20270301


def small_library(db: Session) -> dict[Role, User]:
    """A team, a published item, a meeting held (with its agenda) and one to come, a question
    and the goals; returns a Kwaliteit user and a medewerker of the team."""
    team = accounts_service.ensure_team(db, "noord", "Team Noord", Audience.beide)
    editor = make_user(db, Role.kwaliteit, email="kwaliteit@example.org")
    member = make_user(db, Role.medewerker, team_slug="noord", email="medewerker@example.org")
    theme = make_theme(db, slug="beslag", name="Beslag")
    make_item(db, theme, editor, title="Beslag op loon", slug="beslag-op-loon")
    held = make_meeting(db, team, days_ahead=-3)
    with clock.frozen(held.starts_at - timedelta(days=7)):
        agenda_service.assemble(db, held, clock.now())
    make_meeting(db, team, days_ahead=10)
    questions_service.ask(db, QuestionIn(text="Hoe werkt de bvv?", theme="beslag"), member, clock.now())
    goals_service.seed(db, goals_service.load_file(CONTENT_DIR / "goals.yaml"), clock.today())
    # The starter plan, with an action of the medewerker's (their status is theirs to change).
    plan = plan_service.load_starter(db, CONTENT_DIR / "plan.md", clock.now())
    plan_service.add_action(db, plan, ActionIn(title="Lezen", owner=member.email, due=clock.today()),  # type: ignore[arg-type]
                            editor, clock.now())
    db.commit()
    return {Role.kwaliteit: editor, Role.medewerker: member}


def config(headers: dict[str, str], examples: int, checks: tuple[str, ...]) -> schemathesis.Config:
    return schemathesis.Config.from_dict({
        "seed": SEED,
        "headers": headers,
        "cache": {"enabled": False},
        # A redirect is an answer; following it would drop the session cookie sent as a header.
        "max-redirects": 0,
        "generation": {"max-examples": examples, "database": "none"},
        # Stateful runs need links between operations, which the document does not declare.
        "phases": {"stateful": {"enabled": False}},
        "checks": {"enabled": False, **{name: {"enabled": True} for name in checks}},
    })


def run(schema) -> tuple[dict[str, set[str]], list[str]]:  # type: ignore[no-untyped-def]
    """Run every phase; returns the phases each operation was tested in, and what went wrong
    (a failed check with its curl command, or an error raised while calling the app)."""
    tested: dict[str, set[str]] = {}
    problems: list[str] = []
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished) and event.label:
            if event.status != Status.SKIP:
                tested.setdefault(event.label, set()).add(event.phase.value)
            for case_id, checks in event.recorder.checks.items():
                for check in checks:
                    if check.status == Status.FAILURE:
                        case = event.recorder.cases[case_id].value
                        title = check.failure_info.failure.title if check.failure_info else ""
                        problems.append(f"{event.label} ({event.phase.value}) {check.name}: {title}\n"
                                        f"    {case.as_curl_command()}")
        elif isinstance(event, events.NonFatalError):
            problems.append(f"{event.label} ({event.phase.value if event.phase else ''}): {event.value!r}")
        elif isinstance(event, events.FatalError):
            problems.append(repr(event.exception))
    return tested, list(dict.fromkeys(problems))
