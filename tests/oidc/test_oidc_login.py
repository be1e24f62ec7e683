"""Inloggen met uw gemeenteaccount, against a real OpenID Connect provider (oidc-provider on
loopback, tests/oidc/provider.py): first login creates the account from the group mapping, the
next login brings it up to date, a withdrawn group or a deactivated account is refused, a
colleague's local account is linked, tokens that are not for us (another audience, expired,
a bad signature, another nonce) are refused, a broken callback is a Dutch page, and logging
out ends the session at the provider too."""

import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from app.accounts import oidc
from app.accounts import service as accounts_service
from app.accounts.models import Role, User, WebSession
from app.audit.models import Action, AuditEvent
from app.config import get_settings
from app.config import get_settings as deps_get_settings
from app.web.deps import SESSION_COOKIE
from tests.factories import PASSWORD, browser, free_port, make_user, post_form
from tests.oidc.provider import Provider, sign_in, sign_out, start_provider
from tests.oidc.test_provider_harness import OTHER_APP
from tests.oidc.test_provider_harness import login as provider_login

pytestmark = pytest.mark.any_database

BASE = "https://testserver"
APP = {
    "client_id": "wiki-bibliotheek",
    "client_secret": "wiki-geheim-" + "z" * 24,
    "redirect_uris": [f"{BASE}/login/oidc/callback"],
    "post_logout_redirect_uris": [f"{BASE}/login?uitgelogd=1"],
}
GROUPS = {
    "sg-wiki-zuid": {"role": "medewerker", "team": "team-zuid"},
    "sg-wiki-kwaliteit": {"role": "kwaliteit"},
}
PEOPLE = {
    "fatima": {"sub": "entra-0001", "email": "Fatima.Bakker@gemeente.example", "email_verified": True,
               "name": "Fatima Bakker", "groups": ["sg-wiki-zuid", "sg-overig"]},
    "gert": {"sub": "entra-0002", "email": "gert@gemeente.example", "email_verified": True,
             "name": "Gert Lokaal", "groups": ["sg-wiki-zuid"]},
    "hans": {"sub": "entra-0003", "email": "hans@gemeente.example", "email_verified": True,
             "name": "Hans Zondergroep", "groups": ["sg-overig"]},
}


@pytest.fixture(scope="module")
def module_provider(tmp_path_factory) -> Iterator[Provider]:
    with start_provider(tmp_path_factory.mktemp("oidc"), clients=[APP, OTHER_APP], accounts=PEOPLE) as provider:
        yield provider


@pytest.fixture
def provider(module_provider: Provider) -> Provider:
    module_provider.set_accounts(PEOPLE)
    return module_provider


def oidc_settings(provider: Provider, **changes):  # type: ignore[no-untyped-def]
    return get_settings().model_copy(update={
        "oidc_issuer": provider.issuer, "oidc_client_id": APP["client_id"],
        "oidc_client_secret": APP["client_secret"], "oidc_scopes": "openid email profile groups",
        "oidc_group_map": GROUPS, "base_url": BASE, **changes,
    })


@pytest.fixture
def settings(app, provider):  # type: ignore[no-untyped-def]
    chosen = oidc_settings(provider)
    app.dependency_overrides[deps_get_settings] = lambda: chosen
    return chosen


@pytest.fixture
def team(db):  # type: ignore[no-untyped-def]
    return accounts_service.ensure_team(db, "team-zuid", "Team Zuid")


def log_in(client, login: str):  # type: ignore[no-untyped-def]
    """The whole round trip as a browser makes it: to the provider, sign in there (a browser
    of its own per person), back to the callback. Returns the callback's answer."""
    start = client.get("/login/oidc?next=/account", follow_redirects=False)
    assert start.status_code == 303, start.text
    with httpx.Client(timeout=10) as at_provider:
        callback = sign_in(at_provider, start.headers["location"], login)
    assert callback.startswith(f"{BASE}/login/oidc/callback?")
    return client.get(callback.removeprefix(BASE), follow_redirects=False)


def page_error(response) -> str:  # type: ignore[no-untyped-def]
    found = BeautifulSoup(response.text, "html.parser").select_one("#login-error")
    return found.get_text(" ", strip=True) if found else ""


def events(db, action: str) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    return list(db.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_the_login_page_offers_the_municipal_account(client, settings):
    page = BeautifulSoup(client.get("/login").text, "html.parser")
    button = page.select_one("a#oidc-login")
    assert button is not None and button.get_text(strip=True) == "Inloggen met uw gemeenteaccount"
    assert page.select_one("form[action='/login'] input[name=password]") is not None  # local login stays


def test_first_login_creates_the_account_from_the_group_mapping(client, db, settings, team):
    start = client.get("/login/oidc", follow_redirects=False)
    sent = parse_qs(urlsplit(start.headers["location"]).query)
    assert sent["code_challenge_method"] == ["S256"] and sent["code_challenge"][0]
    assert sent["state"][0] and sent["nonce"][0] and sent["response_type"] == ["code"]

    answer = log_in(client, "fatima")
    assert answer.status_code == 303 and answer.headers["location"] == "/account"
    person = db.exec(select(User).where(User.oidc_subject == "entra-0001")).one()
    assert (person.email, person.name, person.role, person.team_id) == (
        "fatima.bakker@gemeente.example", "Fatima Bakker", Role.medewerker, team.id)
    me = client.get("/api/v1/me").json()
    assert me["email"] == "fatima.bakker@gemeente.example"
    [row] = db.exec(select(WebSession).where(WebSession.user_id == person.id)).all()
    assert row.method == "oidc" and row.id_token and row.id_token.count(".") == 2
    [created] = events(db, Action.user_created)
    assert created.detail["source"] == "oidc" and created.subject_id == str(person.id)
    [login_event] = events(db, Action.login)
    assert login_event.detail == {"method": "oidc"} and login_event.actor_id == person.id


def test_the_next_login_brings_name_role_and_team_up_to_date(client, db, settings, team, provider):
    assert log_in(client, "fatima").status_code == 303
    client.cookies.clear()
    provider.set_accounts({**PEOPLE, "fatima": {**PEOPLE["fatima"], "name": "Fatima Bakker-de Wit",
                                                "groups": ["sg-wiki-kwaliteit", "sg-wiki-zuid"]}})
    assert log_in(client, "fatima").status_code == 303
    person = db.exec(select(User).where(User.oidc_subject == "entra-0001")).one()
    db.refresh(person)
    assert (person.name, person.role, person.team_id) == ("Fatima Bakker-de Wit", Role.kwaliteit, team.id)
    [changed] = events(db, Action.user_changed)
    assert changed.detail["role"] == {"old": "medewerker", "new": "kwaliteit"}
    assert changed.detail["source"] == "oidc" and changed.actor_id is None


def test_a_withdrawn_group_loses_the_role_at_the_next_login(client, db, settings, team, provider):
    assert log_in(client, "fatima").status_code == 303
    person = db.exec(select(User).where(User.oidc_subject == "entra-0001")).one()
    earlier = client.cookies.get(SESSION_COOKIE)
    provider.set_accounts({**PEOPLE, "fatima": {**PEOPLE["fatima"], "groups": ["sg-overig"]}})
    client.cookies.clear()
    refused = log_in(client, "fatima")
    assert refused.status_code == 403
    assert "geen toegang" in page_error(refused)
    assert db.exec(select(WebSession).where(WebSession.user_id == person.id)).all() == []  # the old session ended
    assert accounts_service.user_for_session(db, earlier) is None
    [failed] = events(db, Action.login_failed)
    assert failed.subject_id == str(person.id) and failed.detail == {"method": "oidc"}


def test_nobody_is_created_without_a_mapped_group(client, db, settings):
    refused = log_in(client, "hans")
    assert refused.status_code == 403 and "geen toegang" in page_error(refused)
    assert accounts_service.get_user_by_email(db, "hans@gemeente.example") is None


def test_a_deactivated_account_is_refused(client, db, settings, team):
    person = make_user(db, Role.medewerker, email="gert@gemeente.example", name="Gert Lokaal")
    person.is_active = False
    db.add(person)
    db.flush()
    refused = log_in(client, "gert")
    assert refused.status_code == 403 and "gedeactiveerd" in page_error(refused)


def test_a_colleague_with_a_local_password_is_linked_and_keeps_both_ways_in(client, db, settings, team):
    local = make_user(db, Role.medewerker, email="gert@gemeente.example", name="Gert Lokaal")
    db.commit()
    csrf = browser(client)
    assert post_form(client, "/login", {"email": "gert@gemeente.example", "password": PASSWORD}, csrf).status_code == 303
    client.cookies.clear()
    assert log_in(client, "gert").status_code == 303
    db.refresh(local)
    assert local.oidc_subject == "entra-0002"
    assert len(db.exec(select(User).where(User.email == "gert@gemeente.example")).all()) == 1
    methods = [e.detail["method"] for e in events(db, Action.login)]
    assert methods == ["password", "oidc"]


def test_logout_ends_the_session_here_and_at_the_provider(client, db, settings, team):
    start = client.get("/login/oidc", follow_redirects=False)
    with httpx.Client(timeout=10) as at_provider:
        callback = sign_in(at_provider, start.headers["location"], "fatima")
        assert client.get(callback.removeprefix(BASE), follow_redirects=False).status_code == 303
        csrf = BeautifulSoup(client.get("/account").text, "html.parser").select_one("input[name=csrf_token]")["value"]
        out = post_form(client, "/logout", {}, csrf)
        assert out.status_code == 303
        target = out.headers["location"]
        assert target.startswith(oidc.provider.metadata(settings)["end_session_endpoint"])
        assert parse_qs(urlsplit(target).query)["id_token_hint"][0].count(".") == 2
        back = sign_out(at_provider, target)
        assert back.startswith(f"{BASE}/login?uitgelogd=1")
        # Signed out at the provider too: the next login there asks who you are again.
        again = client.get("/login/oidc", follow_redirects=False)
        form = at_provider.get(again.headers["location"], follow_redirects=True)
        assert BeautifulSoup(form.text, "html.parser").select_one("input[name=login]") is not None
    assert client.get("/account", follow_redirects=False).status_code == 303
    notice = BeautifulSoup(client.get("/login?uitgelogd=1").text, "html.parser").select_one("#login-notice")
    assert notice.get_text(strip=True) == "U bent uitgelogd."


def test_a_callback_that_does_not_belong_to_this_browser_is_refused(client, db, settings, team):
    start = client.get("/login/oidc", follow_redirects=False)
    with httpx.Client(timeout=10) as at_provider:
        callback = sign_in(at_provider, start.headers["location"], "fatima")
    path = callback.removeprefix(BASE)
    forged = path.replace("state=", "state=x")
    refused = client.get(forged, follow_redirects=False)
    assert refused.status_code == 400 and "verlopen of al gebruikt" in page_error(refused)
    client.cookies.delete("kb_oidc", path="/login/oidc")
    no_cookie = client.get(path, follow_redirects=False)
    assert no_cookie.status_code == 400
    assert db.exec(select(User).where(User.oidc_subject == "entra-0001")).first() is None
    denied = client.get("/login/oidc/callback?error=access_denied&state=x", follow_redirects=False)
    assert denied.status_code == 400


def test_tokens_that_are_not_for_this_login_are_refused(provider, settings):
    """Real ID tokens from the provider: one for another client (audience), one checked after it
    expired, one with its signature changed, one for another login (nonce)."""
    with httpx.Client(timeout=10) as at_provider:
        other = provider_login(provider, at_provider, "fatima", app=OTHER_APP)
    token, nonce = other["token"]["id_token"], other["claims"]["nonce"]
    with pytest.raises(oidc.OidcFailed, match="aud"):
        oidc.validate_id_token(settings, token, nonce)

    mine = settings.model_copy(update={"oidc_client_id": OTHER_APP["client_id"]})
    claims = oidc.validate_id_token(mine, token, nonce)  # the same token is fine for its own client
    assert claims["sub"] == "entra-0001" and claims["groups"] == ["sg-wiki-zuid", "sg-overig"]
    leeway = mine.oidc_leeway_seconds
    oidc.validate_id_token(mine, token, nonce, now=claims["exp"] + leeway - 5)  # within the clock skew
    with pytest.raises(oidc.OidcFailed, match="exp"):
        oidc.validate_id_token(mine, token, nonce, now=claims["exp"] + leeway + 5)
    with pytest.raises(oidc.OidcFailed, match="nonce"):
        oidc.validate_id_token(mine, token, "een-andere-nonce")
    head, body, signature = token.split(".")
    flipped = ("B" if signature[5] != "B" else "C")
    with pytest.raises(oidc.OidcFailed, match="(?i)signature"):
        oidc.validate_id_token(mine, f"{head}.{body}.{signature[:5]}{flipped}{signature[6:]}", nonce)
    unsigned = f"eyJhbGciOiJub25lIn0.{body}."
    with pytest.raises(oidc.OidcFailed):
        oidc.validate_id_token(mine, unsigned, nonce)


def test_a_provider_that_does_not_answer_is_a_dutch_message(app, client):
    closed = get_settings().model_copy(update={
        "oidc_issuer": f"http://127.0.0.1:{free_port()}", "oidc_client_id": "x", "base_url": BASE})
    app.dependency_overrides[deps_get_settings] = lambda: closed
    started = time.monotonic()
    page = client.get("/login/oidc", follow_redirects=False)
    assert page.status_code == 502 and "antwoordt niet" in page_error(page)
    assert time.monotonic() - started < 15


def test_local_login_can_be_switched_off(app, client, db, provider):
    only_oidc = oidc_settings(provider, local_login=False)
    app.dependency_overrides[deps_get_settings] = lambda: only_oidc
    make_user(db, Role.medewerker, email="lokaal@example.org")
    db.commit()
    csrf = browser(client)
    page = BeautifulSoup(client.get("/login").text, "html.parser")
    assert page.select_one("a#oidc-login") is not None and page.select_one("input[name=password]") is None
    refused = post_form(client, "/login", {"email": "lokaal@example.org", "password": PASSWORD}, csrf)
    assert refused.status_code == 403 and "staat uit" in page_error(refused)


def test_without_settings_the_routes_are_not_there(client):
    assert client.get("/login/oidc", follow_redirects=False).status_code == 404
    assert BeautifulSoup(client.get("/login").text, "html.parser").select_one("a#oidc-login") is None
