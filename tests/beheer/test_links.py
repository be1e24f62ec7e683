"""Invitations and reset links: without SMTP the beheerder is shown the link; it sets a
password once, and not after it has expired."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from app.accounts.models import AccountLink, Role
from app.audit.models import Action, AuditEvent
from tests.factories import browser, login, make_user, post_form

pytestmark = pytest.mark.any_database


def _link(client, db, kind: str = "uitnodigen") -> tuple[str, str]:  # type: ignore[no-untyped-def]
    admin = make_user(db, Role.beheerder)
    csrf = login(client, db, admin)
    person = make_user(db, Role.medewerker, email="nieuw@example.org", password=None)
    page = post_form(client, f"/beheer/gebruikers/{person.id}/{kind}", {}, csrf)
    assert page.status_code == 200
    html = BeautifulSoup(page.text, "html.parser")
    assert "geen mailserver ingesteld" in html.select_one("#link").get_text()
    url = html.select_one("#link-url").get_text(strip=True)
    client.cookies.clear()
    return url.removeprefix("http://127.0.0.1:8000"), browser(client)


def test_invite_sets_a_password_once(client, db):
    path, csrf = _link(client, db)
    [row] = db.exec(select(AccountLink)).all()
    assert path.split("/")[-1] not in row.token_hash  # only the hash is stored
    assert timedelta(days=6) < row.expires_at - row.created_at <= timedelta(days=7)
    assert len(db.exec(select(AuditEvent).where(AuditEvent.action == Action.user_invited)).all()) == 1

    form = client.get(path)
    assert form.status_code == 200
    assert BeautifulSoup(form.text, "html.parser").select_one("form#wachtwoord") is not None
    short = post_form(client, path, {"password": "kort", "repeat": "kort"}, csrf)
    assert short.status_code == 422
    assert BeautifulSoup(short.text, "html.parser").select_one("#password-error") is not None
    done = post_form(client, path, {"password": "een-nieuw-wachtwoord", "repeat": "een-nieuw-wachtwoord"}, csrf)
    assert done.status_code == 303 and done.headers["location"].startswith("/login")

    assert post_form(client, "/login", {"email": "nieuw@example.org", "password": "een-nieuw-wachtwoord"},
                     browser(client)).status_code == 303
    client.cookies.clear()
    again = post_form(client, path, {"password": "nog-een-wachtwoord", "repeat": "nog-een-wachtwoord"},
                      browser(client))
    assert again.status_code == 404
    assert client.get(path).status_code == 404


def test_reset_link_expires_after_an_hour(client, db):
    path, csrf = _link(client, db, "herstellink")
    row = db.exec(select(AccountLink)).one()
    assert row.purpose == "reset" and row.expires_at - row.created_at == timedelta(hours=1)
    row.expires_at = row.created_at - timedelta(seconds=1)
    db.add(row)
    db.flush()
    assert client.get(path).status_code == 404
    late = post_form(client, path, {"password": "een-nieuw-wachtwoord", "repeat": "een-nieuw-wachtwoord"}, csrf)
    assert late.status_code == 404
    assert len(db.exec(select(AuditEvent).where(AuditEvent.action == Action.password_reset_sent)).all()) == 1


def _with_mail(app, port: int):  # type: ignore[no-untyped-def]
    from app.config import Settings, get_settings

    settings = Settings(secret_key="s" * 40, smtp_host="127.0.0.1", smtp_port=port, smtp_security="none",
                        base_url="https://wiki.gemeente.example", mail_from="wiki@gemeente.example")
    app.dependency_overrides[get_settings] = lambda: settings


def test_an_invitation_is_mailed_by_a_real_mail_server(app, client, db):
    from tests.meetings.test_mail import MailServer

    server = MailServer()
    server.start()
    try:
        _with_mail(app, server.port)
        admin = make_user(db, Role.beheerder)
        csrf = login(client, db, admin)
        person = make_user(db, Role.medewerker, email="gemaild@example.org", password=None)
        page = post_form(client, f"/beheer/gebruikers/{person.id}/uitnodigen", {}, csrf)
        assert page.status_code == 200
        assert "gemaild naar gemaild@example.org" in BeautifulSoup(page.text, "html.parser").select_one("#link").get_text()
        from email import message_from_bytes, policy

        [envelope] = server.inbox.envelopes
        assert envelope.rcpt_tos == ["gemaild@example.org"]
        mail = message_from_bytes(envelope.content, policy=policy.default)
        assert "https://wiki.gemeente.example/wachtwoord/" in mail.get_content()
    finally:
        server.stop()


def test_a_mail_server_that_is_down_gives_the_link_instead_of_an_error(app, client, db):
    from tests.factories import free_port

    _with_mail(app, free_port())  # nothing listens there
    admin = make_user(db, Role.beheerder)
    csrf = login(client, db, admin)
    person = make_user(db, Role.medewerker, email="onbereikbaar@example.org", password=None)
    page = post_form(client, f"/beheer/gebruikers/{person.id}/herstellink", {}, csrf)
    assert page.status_code == 200
    html = BeautifulSoup(page.text, "html.parser")
    assert "niet bereikbaar" in html.select_one("#link").get_text()
    assert html.select_one("#link-url").get_text(strip=True).startswith("https://wiki.gemeente.example/wachtwoord/")
