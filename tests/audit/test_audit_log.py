"""/beheer/audit and GET /api/v1/audit: newest first, filters by period, actor and action,
paging, Dutch refusals; and the nightly retention job."""

from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from sqlmodel import col, select

from app.accounts.models import Role
from app.audit import jobs as audit_jobs
from app.audit import service as audit_service
from app.audit.models import Action, AuditEvent
from app.config import get_settings
from app.db import utcnow
from tests.factories import login, make_user


def add(db, action, actor, at, summary=""):  # type: ignore[no-untyped-def]
    event = audit_service.record(db, action, actor_id=actor.id if actor else None, summary=summary, address="10.0.0.1")
    db.flush()
    event.at = at
    db.flush()
    return event


def rows(response):  # type: ignore[no-untyped-def]
    soup = BeautifulSoup(response.text, "html.parser")
    return soup, [[" ".join(td.get_text().split()) for td in tr.find_all("td")] for tr in soup.select("#audit tbody tr")]


@pytest.fixture
def log(db):  # type: ignore[no-untyped-def]
    """Three events by two people on three Dutch days, and a reader."""
    anna = make_user(db, Role.kwaliteit, name="Anna Auditlog")
    bert = make_user(db, Role.medewerker, name="Bert Auditlog")
    # 23:30 UTC on 2 March is 00:30 on 3 March in Amsterdam.
    add(db, Action.item_published, anna, datetime(2026, 3, 1, 10, 0, tzinfo=UTC), "Eerste")
    add(db, Action.export, bert, datetime(2026, 3, 2, 23, 30, tzinfo=UTC), "Tweede")
    add(db, Action.item_archived, anna, datetime(2026, 3, 4, 9, 0, tzinfo=UTC), "Derde")
    reader = make_user(db, Role.beheerder)
    return anna, bert, reader


def test_the_page_shows_newest_first_with_who_what_when_and_where(client, db, log):
    anna, bert, reader = log
    login(client, db, reader)
    response = client.get("/beheer/audit?van=2026-03-01&tot=2026-03-31")
    soup, table = rows(response)
    assert response.status_code == 200
    assert [r[2] for r in table] == ["Item gearchiveerd: Derde", "Export: Tweede", "Item gepubliceerd: Eerste"]
    assert table[0][1] == "Anna Auditlog" and table[1][1] == "Bert Auditlog"
    assert table[1][0] == "3 maart 2026, 00:30 uur" and table[0][3] == "10.0.0.1"


def test_the_period_is_in_dutch_days_and_inclusive(client, db, log):
    login(client, db, log[2])
    _, table = rows(client.get("/beheer/audit?van=2026-03-03&tot=2026-03-03"))
    assert [r[2] for r in table] == ["Export: Tweede"]


def test_filter_by_actor_and_by_action(client, db, log):
    anna, bert, reader = log
    login(client, db, reader)
    _, table = rows(client.get(f"/beheer/audit?actor={anna.id}&van=2026-03-01&tot=2026-03-31"))
    assert [r[2] for r in table] == ["Item gearchiveerd: Derde", "Item gepubliceerd: Eerste"]
    _, table = rows(client.get("/beheer/audit?action=export&van=2026-03-01&tot=2026-03-31"))
    assert [r[1] for r in table] == ["Bert Auditlog"]


def test_paging(client, db, log):
    login(client, db, log[2])
    for n in range(60):
        add(db, Action.export, log[1], datetime(2026, 5, 1, tzinfo=UTC) + timedelta(minutes=n), f"nr {n}")
    soup, first = rows(client.get("/beheer/audit?van=2026-05-01&tot=2026-05-01"))
    assert len(first) == 50 and first[0][2] == "Export: nr 59"
    assert soup.select_one("a[rel=next]")["href"] == "?page=2&van=2026-05-01&tot=2026-05-01"
    _, second = rows(client.get("/beheer/audit?page=2&van=2026-05-01&tot=2026-05-01"))
    assert [r[2] for r in second] == [f"Export: nr {n}" for n in range(9, -1, -1)]


@pytest.mark.parametrize("query, field", [
    ("van=gisteren", "van"), ("tot=2026-13-01", "tot"), ("van=1900-01-01", "van"),
    ("van=2026-03-05&tot=2026-03-01", "tot"), ("actor=bert", "actor"), ("action=hacken", "action"),
    ("page=0", "page"), ("actor=%C2%B9", "actor"), ("page=%C2%B9", "page"), ("actor=%D9%A1", "actor"),
])
def test_bad_filter_input_is_a_dutch_message_not_a_500(client, db, log, query, field):
    login(client, db, log[2])
    response = client.get(f"/beheer/audit?{query}")
    assert response.status_code == 422
    soup = BeautifulSoup(response.text, "html.parser")
    assert "Het filter is niet toegepast" in soup.select_one("#filter-error").get_text()
    if field != "page":
        assert soup.select_one(f"#{field}")["aria-invalid"] == "true"


def test_an_anonymised_actor_shows_as_such(client, db, log):
    anna, _, reader = log
    anna.name, anna.anonymised_at = "Oud-medewerker 7", utcnow()
    db.flush()
    login(client, db, reader)
    _, table = rows(client.get(f"/beheer/audit?actor={anna.id}&van=2026-03-01&tot=2026-03-31"))
    assert table[0][1] == "Oud-medewerker 7 geanonimiseerd"


@pytest.mark.parametrize("role", [Role.medewerker, Role.management, Role.contactpersoon])
def test_other_roles_may_not_read_the_log(client, db, role):
    login(client, db, make_user(db, role))
    assert client.get("/beheer/audit").status_code == 403


def test_api_filters_and_pages(client, db, log):
    anna, _, reader = log
    login(client, db, reader)
    body = client.get(f"/api/v1/audit?from=2026-03-01&to=2026-03-31&actor={anna.id}&limit=1").json()
    assert body["total"] == 2 and body["limit"] == 1 and len(body["events"]) == 1
    first = body["events"][0]
    assert first["summary"] == "Derde" and first["actor"] == "Anna Auditlog" and first["label"] == "Item gearchiveerd"
    second = client.get(f"/api/v1/audit?from=2026-03-01&to=2026-03-31&actor={anna.id}&limit=1&offset=1").json()
    assert [e["summary"] for e in second["events"]] == ["Eerste"]
    only = client.get("/api/v1/audit?from=2026-03-01&to=2026-03-31&action=export").json()
    assert [e["summary"] for e in only["events"]] == ["Tweede"]


def test_api_401_403_and_422_naming_the_field(client, db, log):
    assert client.get("/api/v1/audit").status_code == 401
    login(client, db, make_user(db, Role.medewerker))
    assert client.get("/api/v1/audit").status_code == 403
    login(client, db, log[2])
    for query, field in [("from=kapot", "from"), ("to=2026-02-30", "to"), ("action=x", "action"),
                         ("actor=-1", "actor"), ("actor=%C2%B9", "actor"), ("limit=0", "limit"),
                         ("offset=-5", "offset")]:
        response = client.get(f"/api/v1/audit?{query}")
        assert response.status_code == 422, query
        assert field in str(response.json()["detail"]), (query, response.json())


def test_retention_job_removes_events_older_than_the_setting(db):
    old = audit_service.record(db, Action.export, summary="retentie-oud")
    new = audit_service.record(db, Action.export, summary="retentie-nieuw")
    db.flush()
    old.at = utcnow() - timedelta(days=731)
    new.at = utcnow() - timedelta(days=729)
    db.flush()
    settings = get_settings()
    assert settings.audit_retention_days == 730
    assert audit_jobs.retention(db, settings) == 1
    assert audit_jobs.retention(db, settings) == 0  # twice (or in a second process): nothing more
    db.expire_all()
    left = {e.summary for e in db.exec(select(AuditEvent).where(col(AuditEvent.summary).startswith("retentie")))}
    assert left == {"retentie-nieuw"}
    shorter = settings.model_copy(update={"audit_retention_days": 100})
    assert audit_jobs.retention(db, shorter) == 1


def test_the_retention_job_is_registered_with_the_scheduler(engine):
    from apscheduler.schedulers.background import BackgroundScheduler

    from app.scheduler import safely

    scheduler = BackgroundScheduler()
    audit_jobs.register(scheduler, engine, get_settings(), safely)
    (job,) = scheduler.get_jobs()
    assert job.id == "auditlog-bewaartermijn" and job.max_instances == 1
