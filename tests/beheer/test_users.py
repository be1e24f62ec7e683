"""The beheerder's user pages: create, edit, deactivate and reactivate, and the audit log."""

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from app.accounts import service as accounts_service
from app.accounts.models import Role, User
from app.audit.models import Action, AuditEvent
from app.config import get_settings
from tests.factories import PASSWORD, browser, login, make_user, post_form

pytestmark = pytest.mark.any_database


def soup(response) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.text, "html.parser")


def events(db, action: str) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    return list(db.exec(select(AuditEvent).where(AuditEvent.action == action)))


@pytest.fixture
def admin(client, db):  # type: ignore[no-untyped-def]
    user = make_user(db, Role.beheerder, name="Bea Beheer")
    return user, login(client, db, user)


def test_list_shows_people(client, db, admin):
    accounts_service.ensure_team(db, "noord", "Team Noord")
    make_user(db, Role.medewerker, name="Mila Medewerker", team_slug="noord", function="schuldregelaar")
    page = client.get("/beheer/gebruikers")
    assert page.status_code == 200
    rows = [[td.get_text(strip=True) for td in tr.find_all("td")] for tr in soup(page).select("#gebruikers tbody tr")]
    mila = next(r for r in rows if r[0] == "Mila Medewerker")
    assert mila[2:6] == ["Medewerker", "Team Noord", "schuldregelaar", "ja"]
    assert mila[6] == "nog niet"


def test_create_and_change_role_is_audited(client, db, admin):
    user, csrf = admin
    accounts_service.ensure_team(db, "noord", "Team Noord")
    response = post_form(client, "/beheer/gebruikers", {"email": "Nieuw@Example.org", "name": "Nina Nieuw",
                                                       "role": "medewerker", "team": "noord"}, csrf)
    assert response.status_code == 303
    nina = accounts_service.get_user_by_email(db, "nieuw@example.org")
    assert nina is not None and nina.password_hash is None
    assert response.headers["location"] == f"/beheer/gebruikers/{nina.id}?aangemaakt=1"
    assert [e.subject_id for e in events(db, Action.user_created)] == [str(nina.id)]

    response = post_form(client, f"/beheer/gebruikers/{nina.id}", {"name": "Nina Nieuw", "role": "contactpersoon",
                                                                  "team": "", "function": "klantbegeleider"}, csrf)
    assert response.status_code == 303
    db.refresh(nina)
    assert (nina.role, nina.team_id, nina.function) == ("contactpersoon", None, "klantbegeleider")
    [changed] = events(db, Action.user_changed)
    assert changed.actor_id == user.id and changed.address == "testclient"
    assert changed.detail == {"role": {"old": "medewerker", "new": "contactpersoon"},
                              "team": {"old": "noord", "new": None},
                              "function": {"old": None, "new": "klantbegeleider"}}


def test_refused_input_is_shown_next_to_the_field(client, db, admin):
    _, csrf = admin
    make_user(db, email="bestaat@example.org")
    response = post_form(client, "/beheer/gebruikers", {"email": "bestaat@example.org", "name": "X",
                                                       "role": "medewerker"}, csrf)
    assert response.status_code == 422
    assert "bestaat al" in soup(response).select_one("#email-error").get_text()
    response = post_form(client, "/beheer/gebruikers", {"email": "a@example.org", "name": "X", "role": "baas"}, csrf)
    assert response.status_code == 422
    assert soup(response).select_one("#role-error") is not None
    assert accounts_service.get_user_by_email(db, "a@example.org") is None


def test_deactivated_person_cannot_log_in_and_keeps_history(client, db, admin):
    _, csrf = admin
    person = make_user(db, Role.medewerker, email="weg@example.org")
    token = accounts_service.create_api_token(db, person)
    session_token = accounts_service.start_session(db, get_settings(), person, "password")
    response = post_form(client, f"/beheer/gebruikers/{person.id}/deactiveren", {}, csrf)
    assert response.status_code == 303
    db.refresh(person)
    assert person.is_active is False
    assert db.get(User, person.id) is not None
    assert accounts_service.user_for_session(db, session_token) is None
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    [event] = events(db, Action.user_deactivated)
    assert event.subject_id == str(person.id)

    client.cookies.clear()
    anon = browser(client)
    refused = post_form(client, "/login", {"email": "weg@example.org", "password": PASSWORD}, anon)
    # The right password: told what is the matter (a wrong one says only that it does not match).
    assert refused.status_code == 403 and "gedeactiveerd" in soup(refused).select_one("#login-error").get_text()
    wrong = post_form(client, "/login", {"email": "weg@example.org", "password": "niet-het-wachtwoord"}, anon)
    assert wrong.status_code == 401 and "gedeactiveerd" not in wrong.text

    csrf = login(client, db, admin[0])
    page = client.get(f"/beheer/gebruikers/{person.id}")
    assert page.status_code == 200
    assert soup(page).find("form", action=f"/beheer/gebruikers/{person.id}/heractiveren") is not None
    assert post_form(client, f"/beheer/gebruikers/{person.id}/heractiveren", {}, csrf).status_code == 303
    assert len(events(db, Action.user_reactivated)) == 1
    client.cookies.clear()
    anon = browser(client)
    assert post_form(client, "/login", {"email": "weg@example.org", "password": PASSWORD}, anon).status_code == 303
    # The API token from before stays revoked: reactivating does not bring it back.
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_beheerder_cannot_lock_themself_out(client, db, admin):
    user, csrf = admin
    response = post_form(client, f"/beheer/gebruikers/{user.id}/deactiveren", {}, csrf)
    assert response.status_code == 422
    response = post_form(client, f"/beheer/gebruikers/{user.id}", {"name": user.name, "role": "medewerker"}, csrf)
    assert response.status_code == 422
    db.refresh(user)
    assert user.is_active and user.role == "beheerder"


def test_settings_page_hides_secrets(client, db, admin):
    page = client.get("/beheer/instellingen")
    assert page.status_code == 200
    values = {th.get_text(strip=True): th.find_next("td").get_text(strip=True)
              for th in soup(page).select("#instellingen tbody th")}
    assert values["KENNISBANK_SECRET_KEY"] == "•••••• (verborgen)"
    assert values["KENNISBANK_SMTP_PASSWORD"] == "(niet ingesteld)"
    assert values["KENNISBANK_SESSION_DAYS"] == "14"
    assert get_settings().secret_key not in page.text
