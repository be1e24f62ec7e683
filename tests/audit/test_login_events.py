"""Logins leave an event in the audit log: who, what, when, from where, and the method."""

from sqlmodel import select

from app.accounts.models import Role
from app.audit import service as audit_service
from app.audit.models import Action, AuditEvent
from tests.factories import PASSWORD, browser, make_user, post_form


def events(db, action):  # type: ignore[no-untyped-def]
    return list(db.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_a_login_and_a_failed_one_are_logged(client, db):
    user = make_user(db, Role.medewerker, email="audit-login@example.org")
    token = browser(client)
    assert post_form(client, "/login", {"email": user.email, "password": "fout-wachtwoord"}, token).status_code == 401
    assert post_form(client, "/login", {"email": "niemand@example.org", "password": "x"}, token).status_code == 401
    assert post_form(client, "/login", {"email": user.email, "password": PASSWORD}, token).status_code == 303

    failed = events(db, Action.login_failed)
    assert [(e.subject_id, e.actor_id) for e in failed] == [(str(user.id), None), (None, None)]
    assert failed[0].summary == "Wachtwoord onjuist" and failed[0].detail == {"method": "password"}
    # The typed address of an account that does not exist is not kept.
    assert all("niemand" not in (e.summary + str(e.detail)) for e in failed)
    (ok,) = events(db, Action.login)
    assert ok.actor_id == user.id and ok.detail == {"method": "password"} and ok.address == "testclient"


def test_retention_removes_only_old_events(db):
    from datetime import timedelta

    from app.db import utcnow

    audit_service.record(db, Action.export, summary="oud")
    audit_service.record(db, Action.export, summary="nieuw")
    db.flush()
    old, new = events(db, Action.export)[-2:]
    old.at = utcnow() - timedelta(days=400)
    db.flush()
    assert audit_service.remove_older_than(db, 365) == 1
    assert [e.summary for e in events(db, Action.export)][-1:] == ["nieuw"]
    assert db.get(AuditEvent, old.id) is None and db.get(AuditEvent, new.id) is not None
