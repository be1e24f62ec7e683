"""The test OpenID Connect provider itself (tests/oidc/provider.py), proven with a plain
confidential client done here with Authlib: code flow with PKCE (S256), the ID token checked
against the provider's JWKS (signature, iss, aud, nonce, exp), userinfo, logout."""

import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidClaimError
from joserfc.jwk import KeySet

from tests.oidc.provider import Provider, SignInFailed, sign_in, sign_out, start_provider

APP = {
    "client_id": "kennisbank",
    "client_secret": "kennisbank-secret-" + "x" * 20,
    "redirect_uris": ["http://testserver/auth/callback"],
    "post_logout_redirect_uris": ["http://testserver/"],
}
OTHER_APP = {
    "client_id": "other-app",
    "client_secret": "other-secret-" + "y" * 20,
    "redirect_uris": ["http://other.test/callback"],
    "post_logout_redirect_uris": ["http://other.test/"],
}
ACCOUNTS = {
    "anna": {
        "sub": "anna-0001",
        "email": "anna@gemeente.example",
        "email_verified": True,
        "name": "Anna de Vries",
        "groups": ["kb-redactie"],
    },
    "bert": {
        "sub": "bert-0002",
        "email": "bert@gemeente.example",
        "email_verified": True,
        "name": "Bert Jansen",
        "groups": [],
    },
}
SCOPE = "openid email profile groups"


@pytest.fixture(scope="module")
def module_provider(tmp_path_factory) -> Iterator[Provider]:
    with start_provider(
        tmp_path_factory.mktemp("oidc"), clients=[APP, OTHER_APP], accounts=ACCOUNTS
    ) as provider:
        yield provider


@pytest.fixture
def provider(module_provider: Provider) -> Provider:
    module_provider.set_accounts(ACCOUNTS)
    return module_provider


@pytest.fixture
def browser() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:
        yield client


def login(
    provider: Provider, browser: httpx.Client, who: str, app: dict = APP, scope: str = SCOPE
) -> dict:
    """The code flow as a relying party does it: returns the token response, the checked
    ID token claims and the client."""
    meta = provider.metadata()
    client = OAuth2Client(
        app["client_id"],
        app["client_secret"],
        scope=scope,
        redirect_uri=app["redirect_uris"][0],
        code_challenge_method="S256",
        timeout=10,
    )
    verifier, nonce = generate_token(48), generate_token(20)
    url, state = client.create_authorization_url(
        meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    callback = sign_in(browser, url, who)
    assert callback.startswith(app["redirect_uris"][0] + "?")
    params = parse_qs(urlsplit(callback).query)
    assert params["state"] == [state]
    assert params["iss"] == [provider.issuer]
    token = client.fetch_token(
        meta["token_endpoint"], authorization_response=callback, code_verifier=verifier
    )
    claims = verify_id_token(provider, token["id_token"], app["client_id"], nonce)
    assert claims["nonce"] == nonce
    return {"token": token, "claims": claims, "client": client, "meta": meta}


def with_query(url: str, **params: str) -> str:
    return f"{url}?{urlencode(params)}"


def verify_id_token(provider: Provider, id_token: str, client_id: str, nonce: str):
    """Signature against the provider's JWKS (RS256 only), then iss, aud, exp, iat, nonce.

    authlib.jose is deprecated in Authlib 1.9 in favour of joserfc, on which Authlib's own
    OIDC claims classes now stand (they raise joserfc's errors)."""
    decoded = jwt.decode(id_token, KeySet.import_key_set(provider.jwks()), algorithms=["RS256"])
    claims = CodeIDToken(
        decoded.claims,
        decoded.header,
        options={
            "iss": {"essential": True, "value": provider.issuer},
            "aud": {"essential": True, "value": client_id},
            "exp": {"essential": True},
        },
        params={"nonce": nonce, "client_id": client_id},
    )
    claims.validate()
    return claims


def test_id_token_and_userinfo_carry_the_person(provider, browser):
    result = login(provider, browser, "anna")
    claims = result["claims"]
    assert claims.header["alg"] == "RS256"
    assert claims["sub"] == "anna-0001"
    assert claims["email"] == "anna@gemeente.example"
    assert claims["email_verified"] is True
    assert claims["name"] == "Anna de Vries"
    assert claims["groups"] == ["kb-redactie"]
    assert claims["aud"] == "kennisbank"

    userinfo = result["client"].get(result["meta"]["userinfo_endpoint"]).raise_for_status().json()
    assert userinfo == {
        "sub": "anna-0001",
        "email": "anna@gemeente.example",
        "email_verified": True,
        "name": "Anna de Vries",
        "groups": ["kb-redactie"],
    }


def test_changed_groups_show_at_the_next_login(provider, browser):
    assert login(provider, browser, "anna")["claims"]["groups"] == ["kb-redactie"]

    accounts = {**ACCOUNTS, "anna": {**ACCOUNTS["anna"], "groups": ["kb-beheer", "kb-lezer"]}}
    provider.set_accounts(accounts)

    # The same browser: the provider's session stands, no form; the claims are read anew.
    assert login(provider, browser, "anna")["claims"]["groups"] == ["kb-beheer", "kb-lezer"]
    # A fresh browser signs in again.
    with httpx.Client(timeout=10) as other_browser:
        assert login(provider, other_browser, "anna")["claims"]["groups"] == [
            "kb-beheer",
            "kb-lezer",
        ]


def test_more_scopes_later_are_granted_without_a_page(provider, browser):
    claims = login(provider, browser, "anna", scope="openid")["claims"]
    assert claims["sub"] == "anna-0001"
    assert "email" not in claims and "groups" not in claims

    # Signed in already; the new scopes are granted on the way, no form, no consent page.
    claims = login(provider, browser, "anna")["claims"]
    assert claims["email"] == "anna@gemeente.example"
    assert claims["groups"] == ["kb-redactie"]


def test_id_token_of_another_client_has_another_audience(provider, browser):
    result = login(provider, browser, "bert", app=OTHER_APP)
    id_token = result["token"]["id_token"]
    assert result["claims"]["aud"] == "other-app"
    assert result["claims"]["sub"] == "bert-0002"
    assert result["claims"]["groups"] == []

    # The app, checking its own client_id, refuses it.
    with pytest.raises(InvalidClaimError, match="aud"):
        verify_id_token(provider, id_token, APP["client_id"], result["claims"]["nonce"])


def test_id_token_lifetime_is_configurable(tmp_path, browser):
    with start_provider(tmp_path, clients=[APP], accounts=ACCOUNTS, id_token_ttl=7) as provider:
        claims = login(provider, browser, "anna")["claims"]
    assert claims["exp"] - claims["iat"] == 7
    assert abs(claims["exp"] - (time.time() + 7)) < 5


def test_jwks_is_published_with_the_signing_key(provider, browser):
    jwks = provider.jwks()
    assert provider.metadata()["jwks_uri"] == provider.url("/jwks")
    [key] = jwks["keys"]
    assert key["kty"] == "RSA"
    assert key["alg"] == "RS256"
    assert key["use"] == "sig"
    assert "d" not in key  # the public half only
    claims = login(provider, browser, "anna")["claims"]
    assert claims.header["kid"] == key["kid"]


def test_logout_returns_to_the_app_with_state(provider, browser):
    result = login(provider, browser, "anna")
    url = with_query(
        provider.metadata()["end_session_endpoint"],
        id_token_hint=result["token"]["id_token"],
        post_logout_redirect_uri=APP["post_logout_redirect_uris"][0],
        state="after-logout",
    )
    assert sign_out(browser, url) == "http://testserver/?state=after-logout"

    # The provider's session is gone: the same browser is asked to sign in again.
    assert login(provider, browser, "bert")["claims"]["sub"] == "bert-0002"


def test_unregistered_post_logout_redirect_is_refused(provider, browser):
    result = login(provider, browser, "anna")
    url = with_query(
        provider.metadata()["end_session_endpoint"],
        id_token_hint=result["token"]["id_token"],
        post_logout_redirect_uri="http://evil.test/",
    )
    with pytest.raises(SignInFailed, match="post_logout_redirect_uri not registered"):
        sign_out(browser, url)


def test_unknown_login_is_refused(provider, browser):
    client = OAuth2Client(
        APP["client_id"],
        APP["client_secret"],
        scope=SCOPE,
        redirect_uri=APP["redirect_uris"][0],
        code_challenge_method="S256",
    )
    url, _ = client.create_authorization_url(
        provider.metadata()["authorization_endpoint"], code_verifier=generate_token(48)
    )
    with pytest.raises(SignInFailed, match="Unknown login: nobody"):
        sign_in(browser, url, "nobody")


def test_pkce_is_required(provider, browser):
    url = with_query(  # no code_challenge
        provider.metadata()["authorization_endpoint"],
        client_id=APP["client_id"],
        response_type="code",
        scope=SCOPE,
        redirect_uri=APP["redirect_uris"][0],
        state="s1",
    )
    callback = sign_in(browser, url, "anna")
    params = parse_qs(urlsplit(callback).query)
    assert params["error"] == ["invalid_request"]
    assert "PKCE" in params["error_description"][0]
    assert params["state"] == ["s1"]


def test_unregistered_redirect_uri_stops_at_the_provider(provider, browser):
    client = OAuth2Client(
        APP["client_id"],
        APP["client_secret"],
        scope=SCOPE,
        redirect_uri="http://evil.test/callback",
        code_challenge_method="S256",
    )
    url, _ = client.create_authorization_url(
        provider.metadata()["authorization_endpoint"], code_verifier=generate_token(48)
    )
    with pytest.raises(SignInFailed, match="redirect_uri did not match"):
        sign_in(browser, url, "anna")
