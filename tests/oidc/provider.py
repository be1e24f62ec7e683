"""A real OpenID Connect provider for the tests: panva's `oidc-provider` (Node.js) on loopback.

How it works
------------
`tests/oidc/provider/provider.mjs` is a small Node.js program around the npm package
`oidc-provider` (exact version pinned in `package.json`/`package-lock.json`). It reads one JSON
config file (issuer, port, clients, ID token lifetime, where the accounts are) and serves a
complete provider over plain http on 127.0.0.1: discovery, /auth, /token, /me (userinfo),
/jwks (a fresh RS256 key each start), /session/end (RP-initiated logout). PKCE with S256 is
required. Everything lives in the Node process's memory and goes when it stops.

Sign-in is a form with one field, `login`: a key of the accounts file, no password. Signing
in grants every scope and claim the request asked for; there is no consent page. The accounts
file is read again at every look-up, so `provider.set_accounts(...)` between two sign-ins
changes what the next ID token says (e.g. a person's groups). Logout asks nothing.

Scopes and claims: `openid` -> sub; `email` -> email, email_verified; `profile` -> name;
`groups` -> groups. They are in the ID token (oidc-provider's `conformIdTokenClaims: false`)
and in the userinfo alike, for the scopes requested.

What a test calls
-----------------
    from tests.oidc.provider import sign_in, sign_out, start_provider

    with start_provider(tmp_path, clients=[{
        "client_id": "kennisbank", "client_secret": "s3cret",
        "redirect_uris": ["http://testserver/auth/callback"],
        "post_logout_redirect_uris": ["http://testserver/"],
    }], accounts={"anna": {"sub": "anna-1", "email": "anna@example.org",
                           "email_verified": True, "name": "Anna", "groups": ["redactie"]}},
    ) as provider:
        # provider.issuer: "http://127.0.0.1:<port>"; the app is configured with it.
        with httpx.Client() as browser:      # the person's browser, at the provider
            callback = sign_in(browser, authorize_url_the_app_redirected_to, "anna")
            # callback: the app's redirect URI with ?code=...&state=...&iss=... (or ?error=...)
            provider.set_accounts({...})      # e.g. other groups for the next sign-in
            back = sign_out(browser, end_session_url_the_app_redirected_to)

What the app must do to be let in: send PKCE (`code_challenge_method=S256`), use a
`redirect_uri` registered exactly, authenticate at /token with HTTP Basic
(`client_secret_basic`; put `"token_endpoint_auth_method": "client_secret_post"` in the
client to use the form instead). The callback carries `iss` too (RFC 9207). Endpoints:
read them from `provider.metadata()` (discovery) rather than building them.

Mind the provider's session: a browser (httpx client) that signed in stays signed in there,
so a second `sign_in` with it as someone else silently comes back as the first person (no
form is shown). Use a new httpx.Client per person, `sign_out` first, or have the app send
`prompt=login`. `sign_in` raises SignInFailed when the provider stops on a page (an unknown
login, an error page such as a wrong redirect_uri) instead of sending the browser back.

The provider's clock is the machine's: a test that moves the app's clock should know that
the ID token's iat/exp are real time.

`start_provider` installs the npm package on first use (`npm ci`, once, under a file lock so
parallel pytest-xdist workers wait for one another) and skips the test when Node.js or npm is
missing (fails it instead when CI=true). Set OIDC_PROVIDER_DEBUG=1 to see the provider's
own notices and errors on its stderr (`<tmp_path>/oidc-provider.stderr`).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from bs4 import BeautifulSoup

from tests.factories import free_port

PROVIDER_DIR = Path(__file__).parent / "provider"
START_TIMEOUT = 30.0
NPM_CI_TIMEOUT = 300.0
_MAX_STEPS = 20


class SignInFailed(AssertionError):
    """The provider did not send the browser back to the app: it said why on a page."""


def _missing_tool(what: str) -> None:
    message = f"{what} not found: the OpenID Connect provider tests need Node.js and npm"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def _lock_digest() -> str:
    return hashlib.sha256((PROVIDER_DIR / "package-lock.json").read_bytes()).hexdigest()


def ensure_installed(npm: str) -> None:
    """`npm ci` in tests/oidc/provider unless node_modules was installed from this very
    package-lock.json; one process at a time (xdist workers wait on the lock)."""
    stamp = PROVIDER_DIR / "node_modules" / ".kennisbank-installed"
    digest = _lock_digest()
    with open(PROVIDER_DIR / ".npm-ci.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if stamp.exists() and stamp.read_text() == digest:
                return
            result = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund"],
                cwd=PROVIDER_DIR,
                capture_output=True,
                text=True,
                timeout=NPM_CI_TIMEOUT,
            )
            if result.returncode != 0:
                pytest.fail(
                    f"npm ci in {PROVIDER_DIR} failed ({result.returncode}):\n"
                    f"{result.stdout}\n{result.stderr}"
                )
            stamp.write_text(digest)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


class Provider:
    """A running provider: its issuer, its pages, and the accounts it knows."""

    def __init__(self, issuer: str, accounts_file: Path, clients: list[dict[str, Any]]):
        self.issuer = issuer
        self.accounts_file = accounts_file
        self.clients = clients

    def url(self, path: str) -> str:
        """The provider's address for `path` (e.g. "/jwks")."""
        return self.issuer + "/" + path.lstrip("/")

    def set_accounts(self, accounts: dict[str, dict[str, Any]]) -> None:
        """Replace the accounts; the provider reads them again at its next look-up."""
        _write_json(self.accounts_file, accounts)

    def metadata(self) -> dict[str, Any]:
        """The discovery document (/.well-known/openid-configuration)."""
        return _get(self.url("/.well-known/openid-configuration")).raise_for_status().json()

    def jwks(self) -> dict[str, Any]:
        """The provider's public keys (its jwks_uri)."""
        return _get(self.metadata()["jwks_uri"]).raise_for_status().json()


def _get(url: str, timeout: float = 10) -> httpx.Response:
    # Straight to loopback, whatever proxy the environment names.
    return httpx.get(url, timeout=timeout, trust_env=False)


def _write_json(path: Path, data: Any) -> None:
    # Whole or not at all: the provider may read the file at any moment.
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2))
    os.replace(tmp, path)


@contextmanager
def start_provider(
    tmp_path: Path,
    clients: list[dict[str, Any]],
    accounts: dict[str, dict[str, Any]],
    *,
    id_token_ttl: int = 3600,
) -> Iterator[Provider]:
    """Run a provider for the block: `clients` as oidc-provider client metadata (client_id,
    client_secret, redirect_uris, post_logout_redirect_uris; anything else passes through,
    e.g. token_endpoint_auth_method), `accounts` as login -> claims. Stops it afterwards."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node:
        _missing_tool("node")
    if not npm:
        _missing_tool("npm")
    ensure_installed(npm)

    accounts_file = tmp_path / "oidc-accounts.json"
    _write_json(accounts_file, accounts)
    stderr_path = tmp_path / "oidc-provider.stderr"

    for attempt in range(3):
        port = free_port()
        issuer = f"http://127.0.0.1:{port}"
        config_path = tmp_path / "oidc-provider.json"
        _write_json(
            config_path,
            {
                "port": port,
                "issuer": issuer,
                "clients": clients,
                "accounts_file": str(accounts_file),
                "id_token_ttl": id_token_ttl,
                "exit_with_stdin": True,
            },
        )
        with open(stderr_path, "wb") as err:
            process = subprocess.Popen(
                [node, str(PROVIDER_DIR / "provider.mjs"), str(config_path)],
                cwd=PROVIDER_DIR,
                stdin=subprocess.PIPE,  # closed when this process ends: the provider ends too
                stdout=err,
                stderr=err,
            )
        try:
            if _wait_ready(process, issuer):
                break
            output = stderr_path.read_text(errors="replace")
            if "EADDRINUSE" in output and attempt < 2:
                continue  # another process took the free port first
            pytest.fail(
                f"the OpenID Connect provider did not start (exit {process.returncode}):\n{output}"
            )
        except BaseException:
            _stop(process)
            raise
    try:
        yield Provider(issuer, accounts_file, clients)
    finally:
        _stop(process)


def _wait_ready(process: subprocess.Popen, issuer: str) -> bool:
    """True once discovery answers; False when the process ended first. Fails after 30 s."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            if _get(f"{issuer}/.well-known/openid-configuration", timeout=1).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    _stop(process)
    pytest.fail(f"the OpenID Connect provider did not answer within {START_TIMEOUT:.0f} s")


def _stop(process: subprocess.Popen) -> None:
    if process.stdin:
        process.stdin.close()
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


def _form(html: str) -> tuple[str, str, dict[str, str]] | None:
    """The page's first form: method, action, the values of its inputs."""
    form = BeautifulSoup(html, "html.parser").find("form")
    if form is None:
        return None
    fields = {
        field["name"]: field.get("value", "")
        for field in form.find_all("input")
        if field.get("name")
    }
    return form.get("method", "get").lower(), form.get("action", ""), fields


def _page_text(response: httpx.Response) -> str:
    return BeautifulSoup(response.text, "html.parser").get_text(" ", strip=True)


def _walk(
    http: httpx.Client, first: httpx.Response, provider_origin: tuple[str, str], login: str | None
) -> str:
    """Follow the provider's redirects and forms until a redirect leaves its origin; return
    that address. `login` fills the sign-in form; without it a sign-in form is a failure."""
    response = first
    logged_in = False
    for _ in range(_MAX_STEPS):
        here = str(response.url)
        if response.is_redirect:
            target = urljoin(here, response.headers["location"])
            if _origin(target) != provider_origin:
                return target
            response = http.get(target, follow_redirects=False)
            continue
        if response.status_code != 200:
            raise SignInFailed(f"{response.status_code} at {here}: {_page_text(response)}")
        form = _form(response.text)
        if form is None:
            if login is None:
                return here  # e.g. the provider's own "signed out" page
            raise SignInFailed(f"no form at {here}: {_page_text(response)}")
        method, action, fields = form
        target = urljoin(here, action or here)
        if _origin(target) != provider_origin:
            raise SignInFailed(f"a form at {here} posts to {target}: not expected")
        if "login" in fields:
            if login is None:
                raise SignInFailed(f"the provider asks to sign in at {here}")
            if logged_in:
                raise SignInFailed(f"sign-in as {login!r} refused: {_page_text(response)}")
            fields["login"] = login
            logged_in = True
        if method == "post":
            response = http.post(target, data=fields, follow_redirects=False)
        else:
            response = http.get(target, params=fields, follow_redirects=False)
    raise SignInFailed(f"more than {_MAX_STEPS} steps at the provider, last at {response.url}")


def sign_in(http: httpx.Client, authorize_url: str, login: str) -> str:
    """Sign in as `login` at the provider, starting from the authorization URL the app sent
    the browser to; return the URL the provider sends the browser back to (the app's redirect
    URI with `code` and `state`, or with `error`). `http` is the browser: it keeps the
    provider's cookies (a second sign-in with the same client reuses the session)."""
    first = http.get(authorize_url, follow_redirects=False)
    return _walk(http, first, _origin(authorize_url), login)


def sign_out(http: httpx.Client, end_session_url: str) -> str:
    """Walk the provider's logout from the end-session URL the app sent the browser to (with
    id_token_hint, post_logout_redirect_uri, state); return where the provider sends the
    browser: the post_logout_redirect_uri with `state`, or the provider's own
    "signed out" page when none was given."""
    first = http.get(end_session_url, follow_redirects=False)
    return _walk(http, first, _origin(end_session_url), None)
