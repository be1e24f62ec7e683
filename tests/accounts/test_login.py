"""Login, logout, cookies, CSRF and login throttling."""

from http.cookies import SimpleCookie

from bs4 import BeautifulSoup
from sqlmodel import select

from app.accounts import service as accounts_service
from app.accounts.models import Role, WebSession
from app.web.deps import CSRF_COOKIE, SESSION_COOKIE
from tests.factories import PASSWORD, browser, login, make_user, post_form


def cookie_attributes(response, name):  # type: ignore[no-untyped-def]
    for header in response.headers.get_list("set-cookie"):
        jar = SimpleCookie()
        jar.load(header)
        if name in jar:
            return jar[name], header.lower()
    raise AssertionError(f"no {name} cookie set")


def test_login_page_sets_csrf_cookie_and_form_token(client):
    response = client.get("/login")
    page = BeautifulSoup(response.text, "html.parser")
    assert page.find("input", attrs={"name": "csrf_token"})["value"]
    _, raw = cookie_attributes(response, CSRF_COOKIE)
    assert "httponly" in raw and "secure" in raw and "samesite=lax" in raw
    assert page.find("label", attrs={"for": "email"}) is not None


def test_password_is_stored_as_argon2(db):
    user = make_user(db)
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_login_and_logout(client, db):
    user = make_user(db, Role.medewerker, email="sanne@example.org")
    token = browser(client)
    response = post_form(
        client, "/login", {"email": "Sanne@Example.org ", "password": PASSWORD, "next": "/themas"}, token
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/themas"
    morsel, raw = cookie_attributes(response, SESSION_COOKIE)
    assert "httponly" in raw and "secure" in raw and "samesite=lax" in raw
    assert len(db.exec(select(WebSession).where(WebSession.user_id == user.id)).all()) == 1
    # The cookie holds a random token; the database only its hash.
    assert db.exec(select(WebSession)).first().token_hash != morsel.value

    account = client.get("/account")
    assert account.status_code == 200
    # Logged in, the forms carry a token bound to the new session.
    token = BeautifulSoup(account.text, "html.parser").find("input", attrs={"name": "csrf_token"})["value"]
    response = post_form(client, "/logout", {}, token)
    assert response.status_code == 303
    assert db.exec(select(WebSession).where(WebSession.user_id == user.id)).all() == []
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_login_never_redirects_to_another_site(client, db):
    make_user(db, email="a@example.org")
    token = browser(client)
    response = post_form(
        client, "/login", {"email": "a@example.org", "password": PASSWORD, "next": "//evil.example/x"}, token
    )
    assert response.headers["location"] == "/"


def test_wrong_password_keeps_the_email_and_says_so_in_dutch(client, db):
    make_user(db, email="a@example.org")
    token = browser(client)
    response = post_form(client, "/login", {"email": "a@example.org", "password": "fout-wachtwoord"}, token)
    assert response.status_code == 401
    page = BeautifulSoup(response.text, "html.parser")
    assert page.find("input", id="email")["value"] == "a@example.org"
    assert "horen niet bij elkaar" in page.select_one("[role=alert]").text
    assert page.find("input", id="email")["aria-describedby"] == "login-error"


def test_form_without_valid_csrf_token_is_refused(client, db):
    user = make_user(db, Role.kwaliteit)
    login(client, db, user)
    response = client.post("/logout", data={"csrf_token": "vervalst"}, follow_redirects=False)
    assert response.status_code == 403
    assert "formulier is verlopen" in response.text
    response = client.post("/logout", data={}, follow_redirects=False)
    assert response.status_code == 403
    # What was typed comes back under the field's name on the page; hidden fields do not.
    client.cookies.clear()
    response = client.post("/login", data={"email": "anna@example.nl", "password": "geheim", "next": "/doelen",
                                           "csrf_token": "vervalst"}, follow_redirects=False)
    page = BeautifulSoup(response.text, "html.parser")
    shown = {label.text.strip(): page.find(id=label["for"]).text for label in page.select("label")
             if label.get("for", "").startswith("typed-")}
    assert response.status_code == 403 and shown == {"E-mailadres": "anna@example.nl"}


def test_api_write_with_cookie_needs_csrf_header(client, db):
    user = make_user(db, Role.kwaliteit)
    token = login(client, db, user)
    response = client.post("/api/v1/items", json={})
    assert response.status_code == 403
    response = client.post("/api/v1/items", json={}, headers={"X-CSRF-Token": token})
    assert response.status_code == 422  # past CSRF, now the (empty) input is checked


def test_login_is_throttled_per_account(client, db):
    make_user(db, email="doelwit@example.org")
    token = browser(client)
    for _ in range(5):
        response = post_form(client, "/login", {"email": "doelwit@example.org", "password": "x" * 12}, token)
        assert response.status_code == 401
    # Even the right password is refused now, with a clear Dutch message.
    response = post_form(client, "/login", {"email": "doelwit@example.org", "password": PASSWORD}, token)
    assert response.status_code == 429
    assert "Te veel mislukte pogingen" in response.text
    # Another account from the same address still works.
    make_user(db, email="ander@example.org")
    response = post_form(client, "/login", {"email": "ander@example.org", "password": PASSWORD}, token)
    assert response.status_code == 303


def test_login_is_throttled_per_address_for_the_accounts_it_failed_on(client, db):
    token = browser(client)
    for n in range(20):
        post_form(client, "/login", {"email": f"gok{n}@example.org", "password": "x" * 12}, token)
    make_user(db, email="gok3@example.org")
    response = post_form(client, "/login", {"email": "gok3@example.org", "password": PASSWORD}, token)
    assert response.status_code == 429 and "vanaf dit adres" in response.text
    # A colleague behind the same address, whose account it did not fail on, logs in.
    make_user(db, email="echt@example.org")
    response = post_form(client, "/login", {"email": "echt@example.org", "password": PASSWORD}, token)
    assert response.status_code == 303


def test_inactive_user_cannot_log_in(client, db):
    user = make_user(db, email="weg@example.org")
    user.is_active = False
    token = browser(client)
    response = post_form(client, "/login", {"email": "weg@example.org", "password": PASSWORD}, token)
    assert response.status_code == 403 and "gedeactiveerd" in response.text
    assert SESSION_COOKIE not in response.cookies


def test_account_page_creates_and_revokes_a_token(client, db):
    user = make_user(db, Role.medewerker)
    token = login(client, db, user)
    response = post_form(client, "/account/tokens", {"name": "intranet"}, token)
    page = BeautifulSoup(response.text, "html.parser")
    api_token = page.find(id="new-token").text
    assert response.headers["cache-control"] == "no-store"
    client.cookies.delete(SESSION_COOKIE)
    assert client.get("/api/v1/themes", headers={"Authorization": f"Bearer {api_token}"}).status_code == 200
    token = login(client, db, user)
    token_id = page.select_one("form[action^='/account/tokens/']")["action"].split("/")[3]
    post_form(client, f"/account/tokens/{token_id}/intrekken", {}, token)
    client.cookies.delete(SESSION_COOKIE)
    assert client.get("/api/v1/themes", headers={"Authorization": f"Bearer {api_token}"}).status_code == 401


def test_security_headers(client, db):
    response = client.get("/login")
    assert response.headers["x-frame-options"] == "DENY"
    assert "script-src 'self'" in response.headers["content-security-policy"]
    # A page or an API answer about someone is never kept in a (shared) cache; static files may be.
    user = make_user(db, Role.medewerker)
    login(client, db, user)
    assert client.get(f"/doelen/personen/{user.id}").headers["cache-control"] == "no-store"
    token = accounts_service.create_api_token(db, user)
    assert client.get("/api/v1/questions", headers={"Authorization": f"Bearer {token}"}).headers["cache-control"] == "no-store"
    assert client.get("/static/js/suggest.js").headers.get("cache-control") != "no-store"


def test_a_person_changes_their_own_password_and_other_sessions_end(client, db):
    from app.audit.models import Action, AuditEvent
    from app.config import get_settings

    user = make_user(db, Role.medewerker, email="zelf@example.org")
    elsewhere = accounts_service.start_session(db, get_settings(), user, "password")
    csrf = login(client, db, user)
    here = client.cookies.get(SESSION_COOKIE)
    wrong = post_form(client, "/account/wachtwoord", {"current": "fout", "password": "een-nieuw-wachtwoord",
                                                      "repeat": "een-nieuw-wachtwoord"}, csrf)
    assert wrong.status_code == 422
    page = BeautifulSoup(wrong.text, "html.parser")
    assert "niet uw huidige wachtwoord" in page.select_one("#current-error").get_text()
    done = post_form(client, "/account/wachtwoord", {"current": PASSWORD, "password": "een-nieuw-wachtwoord",
                                                     "repeat": "een-nieuw-wachtwoord"}, csrf)
    assert done.status_code == 303
    assert accounts_service.user_for_session(db, elsewhere) is None
    assert accounts_service.user_for_session(db, here) is not None
    saved = BeautifulSoup(client.get(done.headers["location"]).text, "html.parser")
    assert saved.select_one("#password-saved") is not None
    db.refresh(user)
    assert accounts_service._hasher.verify(user.password_hash, "een-nieuw-wachtwoord")
    assert db.exec(select(AuditEvent).where(AuditEvent.action == Action.password_set)).first() is not None
