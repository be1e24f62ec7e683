"""`kennisbank demo simulate --months 6`, run as people run it: afterwards each demo role sees on
/doelen what DESIGN.md allows, and the figures there follow from the records in the app."""

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, col, select

from app import clock
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
            features_have_data(client, engine)
    finally:
        engine.dispose()


def features_have_data(client: TestClient, engine) -> None:  # type: ignore[no-untyped-def]
    """After the simulation every feature the README names has something to show."""
    as_user(client, engine, "kwaliteit@example.org")
    goals = {g["key"]: g for g in client.get("/api/v1/goals").json()}
    # The library goal does not claim what its data did not show: empty before the first item.
    library = goals["bibliotheek_actueel"]
    assert library["trend"][0]["value"] == 0 and library["status"] != "gehaald"
    last_month = (clock.today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    analytics = client.get("/api/v1/search/analytics", params={"month": last_month}).json()
    assert analytics["total"] > 20 and analytics["no_results"], analytics
    due = client.get("/api/v1/items", params={"review": "due"}).json()
    assert due["total"] > 0
    with Session(engine) as s:
        from app.goals.models import Appraisal as A
        from app.questions.models import Question
        from app.wiki.models import Revision

        checked = s.exec(select(func.count()).select_from(Revision).where(col(Revision.note).like("Gecontroleerd%"))).one()
        questions = s.exec(select(Question)).all()
        appraisals = s.exec(select(A)).all()
    assert checked > 0  # review dates fell due and Kwaliteit checked items
    answered = [q for q in questions if q.answered_at]
    assert len({q.answer for q in answered}) >= 4 and all(q.item_id for q in answered)
    assert all(q.theme_id for q in answered)
    from app.demo import QUESTIONS

    asked_without = {text for text, theme, _, _ in QUESTIONS if theme is None}
    assert any(q.text in asked_without for q in answered)  # "Weet ik niet", resolved when answering
    per_person: dict[int, int] = {}
    for a in appraisals:
        per_person[a.user_id] = per_person.get(a.user_id, 0) + 1
    assert per_person and max(per_person.values()) == 1
    work = client.get("/werk").text
    assert "gemaakt van een vraag uit het team" in work and "Alles is binnen de controledatum" not in work
    # The next werkoverleg: what is discussed fits its length, each item its own question.
    as_user(client, engine, "contactpersoon@example.org")
    upcoming = [m for m in client.get("/api/v1/meetings", params={"team": "team-centrum"}).json()
                if m["agenda_state"] and m["status"] == "scheduled" and m["starts_at"] > datetime.now(UTC).isoformat()]
    assert upcoming, "an assembled agenda for the next werkoverleg"
    detail = client.get(f"/api/v1/meetings/{upcoming[0]['id']}").json()
    discussed = [e for e in detail["agenda"] if e["section"] == "bespreken"]
    length = (datetime.fromisoformat(detail["ends_at"]) - datetime.fromisoformat(detail["starts_at"])).seconds // 60
    assert discussed and sum(e["minutes"] for e in discussed) <= length - 15
    prompts = [e["prompt"] for e in detail["agenda"] if e["kind"] == "item"]
    assert len(set(prompts)) == len(prompts)
