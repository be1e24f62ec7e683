"""`kennisbank demo simulate --months 6`, run as people run it: afterwards each demo role sees on
/doelen what DESIGN.md allows, and the figures there follow from the records in the app."""

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.accounts import service as accounts_service
from app.config import PROJECT_ROOT, get_settings
from app.db import get_session, make_engine
from app.goals import measures
from app.goals import service as goals_service
from app.goals.models import Appraisal
from app.main import create_app
from app.meetings.models import Attendance, Meeting
from app.web.deps import SESSION_COOKIE


def run(data_dir, *args: str) -> subprocess.CompletedProcess:  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if not k.startswith("KENNISBANK_")}
    env |= {"KENNISBANK_DATA_DIR": str(data_dir), "KENNISBANK_SCHEDULER": "false"}
    return subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


@contextmanager
def app_on(engine) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    application = create_app(run_scheduler=False)

    def session_override() -> Iterator[Session]:
        with Session(engine, expire_on_commit=False) as session:
            yield session
            session.commit()

    application.dependency_overrides[get_session] = session_override
    with TestClient(application, base_url="https://testserver") as client:
        yield client


def as_user(client: TestClient, engine, email: str) -> None:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        user = accounts_service.get_user_by_email(s, email)
        token = accounts_service.start_session(s, get_settings(), user, method="password")
        s.commit()
    client.cookies.set(SESSION_COOKIE, token)


def test_half_a_year_of_demo_and_what_each_role_sees(tmp_path):
    done = run(tmp_path, "demo", "simulate", "--months", "6")
    assert done.returncode == 0, done.stderr + done.stdout
    assert "Gesimuleerd vanaf" in done.stdout
    again = run(tmp_path, "demo", "simulate", "--months", "6")
    assert again.returncode == 1 and "al gedraaid" in again.stderr

    engine = make_engine(f"sqlite:///{tmp_path / 'kennisbank.db'}")
    try:
        with app_on(engine) as client:
            as_user(client, engine, "kwaliteit@example.org")
            goals = {g["key"]: g for g in client.get("/api/v1/goals").json()}
            assert len(goals) == 10
            met = {k for k, g in goals.items() if g["achieved"] >= 1}
            assert met and set(goals) - met  # some goals met, some not
            assert all(len(g["trend"]) > 150 for g in goals.values())  # a snapshot every night

            now = datetime.now(UTC)
            with Session(engine) as s:
                vak = goals_service.get_goal(s, "vakoverleggen")
                held = s.exec(select(func.count()).select_from(Meeting).where(
                    Meeting.kind == "vakoverleg", Meeting.status == "scheduled",
                    col(Meeting.starts_at) >= measures.day_start(vak.start), col(Meeting.starts_at) <= now)).one()
                cancelled = s.exec(select(func.count()).select_from(Meeting).where(
                    Meeting.kind == "vakoverleg", Meeting.status == "cancelled")).one()
                appraisals = s.exec(select(Appraisal)).all()
                noor = accounts_service.get_user_by_email(s, "noor.jansen@voorbeeldstad.example")
                werk = goals_service.get_goal(s, "klantbegeleiders_werkoverleg")
                noor_active = s.exec(select(func.count()).select_from(Attendance).join(
                    Meeting, col(Meeting.id) == Attendance.meeting_id).where(
                    Attendance.user_id == noor.id, Attendance.present, Attendance.active,
                    Meeting.kind == "werkoverleg", Meeting.status == "scheduled",
                    col(Meeting.starts_at) >= measures.day_start(werk.start), col(Meeting.starts_at) <= now)).one()
            # Every figure follows from the records.
            assert goals["vakoverleggen"]["value"] == held and cancelled == 1
            discussed = sum(a.discussed for a in appraisals)
            assert appraisals and goals["functioneringsgesprekken"]["value"] == discussed / len(appraisals)
            assert goals["mt_akkoord"]["value"] == 1
            progress = {p["goal"]: p for p in client.get(f"/api/v1/goals/persons/{noor.id}").json()}
            assert progress["klantbegeleiders_werkoverleg"]["count"] == noor_active

            # Kwaliteit sees every person; the others never another person's figures.
            page = client.get("/doelen").text
            assert "Noor Jansen" in page and "kb-goal__persons" in page
            for email in ("management@example.org", "leidinggevende@example.org",
                          "contactpersoon@example.org", "medewerker@example.org"):
                as_user(client, engine, email)
                page = client.get("/doelen").text
                assert "kb-goal__persons" not in page and "Noor Jansen" not in page, email
                assert client.get(f"/api/v1/goals/persons/{noor.id}").status_code == 403, email
            # The medewerker (Team Centrum) sees their own progress.
            as_user(client, engine, "medewerker@example.org")
            assert "Uw voortgang" in client.get("/doelen").text
    finally:
        engine.dispose()
