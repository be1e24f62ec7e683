"""Two service processes running the planner at the same moment: exactly one agenda per
meeting, because the database (a unique meeting_id) decides, not timing."""

import os
import subprocess
import sys
import time as _time
from datetime import datetime, time

import pytest
from sqlmodel import Session, select

from app import clock, migrate
from app.accounts import service as accounts_service
from app.accounts.models import Audience, Role
from app.config import LOCAL_TZ, PROJECT_ROOT
from app.meetings import service
from app.meetings.models import Agenda, AgendaEntry, AgendaEvent, MeetingKind
from app.wiki import service as wiki_service
from app.wiki.models import ItemIn
from tests.conftest import BACKENDS, new_database

TEAMS = 40


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_planners_at_once_make_one_agenda_per_meeting(backend, tmp_path):
    engine, url, cleanup = new_database(backend)
    try:
        migrate.upgrade(engine)
        with clock.frozen(datetime(2027, 1, 4, 9, tzinfo=LOCAL_TZ)) as frozen, Session(engine) as s:
            for n in range(TEAMS):
                team = accounts_service.ensure_team(s, f"team-{n}", f"Team {n}", Audience.beide)
                service.set_rule(s, MeetingKind.werkoverleg, team,
                                 service.RuleIn(weekday=n % 5, week=2 + n % 2, start_time=time(10)))
            frozen.set(datetime(2027, 2, 1, 9, tzinfo=LOCAL_TZ))  # news for every February agenda
            wiki_service.upsert_theme(s, slug="thema", name="Thema")
            author = accounts_service.create_user(s, email="k@example.org", name="K", role=Role.kwaliteit)
            for n in range(12):
                wiki_service.create_item(s, ItemIn(title=f"Item {n}", summary="S.", dossier_meaning="D.",
                                                   theme="thema", status="published"), author)
            s.commit()
        # Late January: every team's February meeting is within reach, some agendas due.
        moment = datetime(2027, 2, 10, 8, tzinfo=LOCAL_TZ)
        env = {**os.environ, "KENNISBANK_DATABASE_URL": url, "KENNISBANK_DATA_DIR": str(tmp_path)}
        go = tmp_path / "start"
        processes = [
            subprocess.Popen([sys.executable, "-m", "tests.meetings.planner_process", str(go), moment.isoformat()],
                             cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        deadline = _time.monotonic() + 60
        while len(list(tmp_path.glob("start.*.ready"))) < 2 and _time.monotonic() < deadline:
            _time.sleep(0.01)
        go.touch()
        results = []
        for process in processes:
            out, err = process.communicate(timeout=300)
            assert process.returncode == 0, err
            began, ended, made = out.split()
            results.append((float(began), float(ended), int(made)))
        (a0, a1, a_made), (b0, b1, b_made) = results
        assert max(a0, b0) < min(a1, b1), "the two rounds must overlap in time"

        with Session(engine) as s:
            agendas = s.exec(select(Agenda)).all()
            meetings = {a.meeting_id for a in agendas}
            assert len(agendas) == len(meetings)  # one agenda per meeting
            assert a_made + b_made == len(agendas) > 10  # each agenda made by exactly one round
            events = s.exec(select(AgendaEvent).where(AgendaEvent.action == "assembled")).all()
            assert len(events) == len(agendas)
            for agenda in agendas:
                entries = s.exec(select(AgendaEntry).where(AgendaEntry.agenda_id == agenda.id)).all()
                assert sorted(e.position for e in entries) == list(range(1, 13))  # whole, not doubled
    finally:
        cleanup()  # type: ignore[operator]
