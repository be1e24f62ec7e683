"""CSRF: bound to the web session once logged in, a pre-session token for the login form,
renewed at login and logout, and __Host- cookies when cookies are secure."""

from http.cookies import SimpleCookie

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from app.accounts.models import Role
from app.config import Settings
from app.web.deps import csrf_cookie_name, session_cookie_name
from tests.factories import PASSWORD, make_user, post_form


def form_token(response) -> str:  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.text, "html.parser").find("input", attrs={"name": "csrf_token"})["value"]


def set_cookies(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """name -> the raw Set-Cookie header."""
    found = {}
    for header in response.headers.get_list("set-cookie"):
        jar = SimpleCookie()
        jar.load(header)
        for name in jar:
            found[name] = header
    return found


def log_in(client: TestClient, email: str) -> None:
    response = client.get("/login")
    response = post_form(client, "/login", {"email": email, "password": PASSWORD}, form_token(response))
    assert response.status_code == 303


def test_cookies_have_the_host_prefix_when_cookies_are_secure(client, db):
    make_user(db, email="prefix@example.org")
    response = client.get("/login")
    csrf = set_cookies(response)["__Host-kb_csrf"].lower()
    assert "secure" in csrf and "path=/" in csrf and "domain" not in csrf
    response = post_form(client, "/login", {"email": "prefix@example.org", "password": PASSWORD},
                         form_token(response))
    session = set_cookies(response)["__Host-kb_session"].lower()
    assert "secure" in session and "httponly" in session and "path=/" in session and "domain" not in session
    # Plain names over http, where a browser refuses __Host- cookies.
    assert session_cookie_name(Settings(cookie_secure=False)) == "kb_session"
    assert csrf_cookie_name(Settings(cookie_secure=False)) == "kb_csrf"


def test_a_planted_csrf_cookie_and_its_token_do_not_help_an_attacker(app, db):
    user = make_user(db, Role.medewerker, email="slachtoffer@example.org")
    # The attacker fetches a cookie and its matching token in a browser of their own...
    with TestClient(app, base_url="https://testserver") as attacker:
        response = attacker.get("/login")
        planted, token = response.cookies[csrf_cookie_name()], form_token(response)
    # ...and plants that cookie in the browser of a colleague who is logged in.
    with TestClient(app, base_url="https://testserver") as victim:
        log_in(victim, user.email)
        victim.cookies.delete(csrf_cookie_name())
        victim.cookies.set(csrf_cookie_name(), planted)
        response = victim.post("/account/tokens", data={"name": "van de aanvaller", "csrf_token": token},
                               follow_redirects=False)
        assert response.status_code == 403
        # The colleague's own form, from a page, still works.
        token = form_token(victim.get("/account"))
        assert post_form(victim, "/account/tokens", {"name": "eigen"}, token).status_code == 200


def test_the_csrf_token_is_renewed_at_login_and_logout(client, db):
    make_user(db, email="nieuw@example.org")
    response = client.get("/login")
    before, anonymous = response.cookies[csrf_cookie_name()], form_token(response)
    response = post_form(client, "/login", {"email": "nieuw@example.org", "password": PASSWORD}, anonymous)
    assert response.status_code == 303
    after_login = response.cookies[csrf_cookie_name()]
    assert after_login != before
    # Logged in, the login page's token is no longer accepted; the session's is.
    assert post_form(client, "/logout", {}, anonymous).status_code == 403
    logged_in = form_token(client.get("/account"))
    assert logged_in != anonymous
    response = post_form(client, "/logout", {}, logged_in)
    assert response.status_code == 303
    assert response.cookies[csrf_cookie_name()] not in (before, after_login)
    # After logging out, the session's token is worthless too.
    assert post_form(client, "/logout", {}, logged_in).status_code == 403


def test_a_second_login_ends_the_first_session(client, db):
    make_user(db, email="twee@example.org")
    log_in(client, "twee@example.org")
    first = client.cookies[session_cookie_name()]
    token = form_token(client.get("/account"))
    response = post_form(client, "/login", {"email": "twee@example.org", "password": PASSWORD}, token)
    assert response.status_code == 303
    assert client.cookies[session_cookie_name()] != first
    client.cookies.delete(session_cookie_name())
    client.cookies.set(session_cookie_name(), first)
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_an_api_write_without_any_credentials_is_a_401_not_a_csrf_refusal(client, db):
    """No token and no session: the answer says to authenticate (401), as GET does."""
    for path, body in [("/api/v1/sources", {"name": "x", "url": "https://example.org/f.xml"}),
                       ("/api/v1/sources/1/poll", None), ("/api/v1/inbox/1/reject", None)]:
        sent = client.post(path, json=body)
        assert sent.status_code == 401, (path, sent.status_code, sent.text)
        assert "csrf" not in sent.text.lower()
    assert client.get("/api/v1/sources").status_code == 401
