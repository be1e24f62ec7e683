"""Every operation of the API, fuzzed from its own OpenAPI document by schemathesis: its
examples, coverage (boundaries and wrong types) and fuzzing phases, with a fixed seed and a
bounded number of examples. No input may make a server error, and every answer must be what
the document declares (issue #11). KENNISBANK_FUZZ_EXAMPLES=500 runs a longer search."""

import os
from datetime import timedelta

import pytest
import schemathesis
from schemathesis.engine import Status, events

from app import clock
from app.accounts import service as accounts_service
from app.accounts.models import Audience, Role
from app.config import PROJECT_ROOT
from app.goals import service as goals_service
from app.meetings import agenda as agenda_service
from app.questions import service as questions_service
from app.questions.models import QuestionIn
from tests.factories import make_item, make_meeting, make_theme, make_user

SEED = 20270301
# Per operation, phase and kind of data (valid and invalid): about a minute for all four runs
# (two roles on two databases) on an idle machine.
EXAMPLES = int(os.environ.get("KENNISBANK_FUZZ_EXAMPLES", "20"))
CHECKS = ("not_a_server_error", "response_schema_conformance", "content_type_conformance")


@pytest.fixture(params=[Role.kwaliteit, Role.medewerker])
def api_user(request, db, search_index):  # type: ignore[no-untyped-def]
    """A small library with a team, its meetings, a question and the goals; and the headers of
    the user the API is called as (a bearer token)."""
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
    goals_service.seed(db, goals_service.load_file(PROJECT_ROOT / "content" / "goals.yaml"), clock.today())
    db.commit()
    user = editor if request.param == Role.kwaliteit else member
    return {"Authorization": f"Bearer {accounts_service.create_api_token(db, user)}"}


def test_no_input_makes_a_server_error(app, api_user):  # type: ignore[no-untyped-def]
    config = schemathesis.Config.from_dict({
        "seed": SEED,
        "headers": api_user,
        "cache": {"enabled": False},
        "generation": {"max-examples": EXAMPLES, "database": "none"},
        # Stateful runs need links between operations, which the document does not declare.
        "phases": {"stateful": {"enabled": False}},
        "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
    })
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)
    operations = {result.ok().label for result in schema.get_all_operations()}
    tested: dict[str, set[str]] = {}
    failures: list[str] = []
    errors: list[str] = []
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished) and event.label:
            if event.status != Status.SKIP:
                tested.setdefault(event.label, set()).add(event.phase.value)
            for case_id, checks in event.recorder.checks.items():
                for check in checks:
                    if check.status == Status.FAILURE:
                        case = event.recorder.cases[case_id].value
                        title = check.failure_info.failure.title if check.failure_info else ""
                        failures.append(f"{event.label} ({event.phase.value}) {check.name}: {title}\n"
                                        f"    {case.as_curl_command()}")
        elif isinstance(event, events.NonFatalError):
            errors.append(f"{event.label} ({event.phase.value if event.phase else ''}): {event.value!r}")
        elif isinstance(event, events.FatalError):
            errors.append(repr(event.exception))
    assert not errors, "\n".join(errors)
    assert not failures, "\n".join(dict.fromkeys(failures))
    assert len(operations) >= 17 and set(tested) == operations  # every operation of the API
    assert all({"coverage", "fuzzing"} <= phases for phases in tested.values()), tested
