"""Two hosts: two `kennisbank serve` processes, each with a data folder of its own, on one
PostgreSQL database with search in PostgreSQL, as two hosts behind a load balancer are.

What one host does, the other sees at once: a publication is found and read on the other
host straight after its save answers; a login on one is valid on the other (its forms too);
and the planners of both (three processes: one host runs two workers) assemble each due
agenda once."""

import os
import subprocess
import sys
import time
from datetime import time as clock_time
from datetime import timedelta
from pathlib import Path

import httpx
from bs4 import BeautifulSoup
from sqlmodel import Session, select

from app import clock, migrate
from app.accounts import service as accounts_service
from app.accounts.models import Audience, Role
from app.config import PROJECT_ROOT
from app.meetings import service as meetings_service
from app.meetings.models import Agenda, AgendaEvent, MeetingKind
from app.wiki import service as wiki_service
from app.wiki.models import ItemIn
from tests.conftest import new_database
from tests.factories import free_port, wait_until_healthy

PASSWORD = "twee-hosts-wachtwoord"


def _meeting_rule() -> meetings_service.RuleIn:
    """A werkoverleg about a week from now, with its agenda due already (30 days ahead)."""
    day = clock.today() + timedelta(days=7)
    while day.weekday() > 4:
        day += timedelta(days=1)
    week = (day.day - 1) // 7 + 1
    last = (day + timedelta(days=7)).month != day.month
    return meetings_service.RuleIn(weekday=day.weekday(), week=-1 if week > 4 or last and week == 5 else week,
                                   start_time=clock_time(10), lead_days=30)


def _serve(data: Path, port: int, workers: int, env: dict) -> subprocess.Popen:
    data.mkdir()
    log = (data / "server.log").open("w")
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", str(workers)],
        cwd=PROJECT_ROOT, env={**env, "KENNISBANK_DATA_DIR": str(data)}, stdout=log, stderr=subprocess.STDOUT,
    )


def _csrf(page: httpx.Response) -> str:
    field = BeautifulSoup(page.text, "html.parser").find("input", attrs={"name": "csrf_token"})
    assert field is not None, page.text[:500]
    return field["value"]  # type: ignore[return-value,index]


def test_two_hosts_on_one_database(tmp_path):
    engine, url, cleanup = new_database("postgresql")
    processes: list[subprocess.Popen] = []
    try:
        migrate.upgrade(engine)
        with Session(engine) as session:
            wiki_service.upsert_theme(session, slug="werkwijze", name="Werkwijze")
            editor = accounts_service.create_user(session, email="kwaliteit@example.org", name="Kees Kwaliteit",
                                                  role=Role.kwaliteit)
            accounts_service.set_password(editor, PASSWORD)
            token = accounts_service.create_api_token(session, editor)
            team = accounts_service.ensure_team(session, "team-noord", "Team Noord", Audience.beide)
            meetings_service.set_rule(session, MeetingKind.werkoverleg, team, _meeting_rule())
            wiki_service.create_item(session, ItemIn(title="Nieuws voor het overleg", summary="S.",
                                                     dossier_meaning="D.", theme="werkwijze", status="published"), editor)
            session.commit()
        env = {
            **os.environ, "KENNISBANK_DATABASE_URL": url, "KENNISBANK_SEARCH_BACKEND": "postgresql",
            "KENNISBANK_ENVIRONMENT": "production", "KENNISBANK_SECRET_KEY": "gedeeld-geheim-" + "k" * 40,
            "KENNISBANK_COOKIE_SECURE": "false", "KENNISBANK_LOAD_STARTER_CONTENT": "false",
            "KENNISBANK_LOAD_DEMO_ACCOUNTS": "false", "KENNISBANK_SCHEDULER": "true",
            "KENNISBANK_BASE_URL": "http://127.0.0.1",
        }
        ports = free_port(), free_port()
        processes = [_serve(tmp_path / "host-a", ports[0], 2, env), _serve(tmp_path / "host-b", ports[1], 1, env)]
        a, b = (f"http://127.0.0.1:{p}" for p in ports)
        for base, process, host in zip((a, b), processes, ("host-a", "host-b"), strict=True):
            wait_until_healthy(base, process, (tmp_path / host / "server.log").read_text, timeout=120)
        api = {"Authorization": f"Bearer {token}"}

        # Published on A, found and read on B the moment the save has answered.
        for n in range(5):
            created = httpx.post(f"{a}/api/v1/items", headers=api, json={
                "title": f"Tweede host ziet dit {n}", "summary": f"Een zeldzaam woord: quorxtel{n}.",
                "body": "Beslagvrije voet bij twee hosts.", "dossier_meaning": "D.", "theme": "werkwijze",
                "status": "published"})
            assert created.status_code == 201, created.text
            found = httpx.get(f"{b}/api/v1/search", headers=api, params={"q": f"quorxtel{n}"}).json()
            assert [r["slug"] for r in found["results"]] == [created.json()["slug"]]
            read = httpx.get(f"{b}/api/v1/items/{created.json()['slug']}", headers=api)
            assert read.status_code == 200 and read.json()["summary"] == f"Een zeldzaam woord: quorxtel{n}."
        # An edit on B is what A finds next, by its new words only.
        slug = created.json()["slug"]
        current = httpx.get(f"{b}/api/v1/items/{slug}", headers=api).json()
        edited = httpx.put(f"{b}/api/v1/items/{slug}", headers=api, json={
            **{k: current[k] for k in ("title", "body", "dossier_meaning", "theme", "status")},
            "summary": "Nu met het woord zwilbrecht.", "version": current["version"]})
        assert edited.status_code == 200, edited.text
        assert httpx.get(f"{a}/api/v1/search", headers=api, params={"q": "zwilbrecht"}).json()["total"] == 1
        assert httpx.get(f"{a}/api/v1/search", headers=api, params={"q": "quorxtel4"}).json()["total"] == 0

        # A login on A is valid on B: the session lives in the database, the key is the setting.
        with httpx.Client(base_url=a) as on_a:
            login_form = on_a.get("/login")
            done = on_a.post("/login", data={"email": "kwaliteit@example.org", "password": PASSWORD,
                                             "csrf_token": _csrf(login_form)})
            assert done.status_code == 303, done.text[:500]
            cookies = dict(on_a.cookies)
        with httpx.Client(base_url=b, cookies=cookies) as on_b:
            account = on_b.get("/account")
            assert account.status_code == 200
            assert "Kees Kwaliteit" in BeautifulSoup(account.text, "html.parser").get_text()
            item_page = on_b.get(f"/items/{slug}")
            assert item_page.status_code == 200
            assert "zwilbrecht" in BeautifulSoup(item_page.text, "html.parser").get_text()
            # A form shown by B, sent with the session made on A, is accepted.
            logout = on_b.post("/logout", data={"csrf_token": _csrf(account)})
            assert logout.status_code == 303
        with httpx.Client(base_url=a, cookies=cookies) as on_a_again:
            assert on_a_again.get("/account").status_code in (302, 303)  # logged out on B: gone on A too

        # The planners of both hosts (three processes) met the same due agendas at their start:
        # each agenda once.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with Session(engine) as session:
                if session.exec(select(Agenda)).first() is not None:
                    break
            time.sleep(0.2)
        time.sleep(3)  # every start-up round has run by now
        with Session(engine) as session:
            agendas = session.exec(select(Agenda)).all()
            assembled = session.exec(select(AgendaEvent).where(AgendaEvent.action == "assembled")).all()
        assert agendas, "no agenda was assembled"
        assert len({a.meeting_id for a in agendas}) == len(agendas) == len(assembled), (agendas, assembled)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        cleanup()  # type: ignore[operator]
