"""OpenID Connect login (issue 14): the protocol with the municipality's identity provider, and
which role and team its groups give.

The flow is the authorisation code flow with PKCE (S256), a state and a nonce, done with
Authlib's OAuth 2 client; the ID token is checked with joserfc (Authlib's own JOSE library):
its signature against the provider's published keys (asymmetric algorithms only), the issuer,
the audience (and `azp` when there are several), the nonce, and exp/iat with
`KENNISBANK_OIDC_LEEWAY_SECONDS` of clock skew. The provider's discovery document and keys are
read over HTTPS (plain HTTP only for a provider on this machine) and kept for an hour; an
unknown key id reads the keys again (a provider that rotated them), at most once a minute.

Groups to role and team: several mapped groups give the highest role, in this order (low to
high): medewerker, contactpersoon, kwaliteit, leidinggevende, management, beheerder. The team
comes from the winning group, else from the first matching group (in the order of the mapping)
that names one. No mapped group: no role, so no access; an earlier role is not kept.
"""

import logging
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from authlib.integrations.httpx_client import OAuth2Client
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from app.accounts.models import Role
from app.config import Settings

log = logging.getLogger(__name__)

ROLE_ORDER = (Role.medewerker, Role.contactpersoon, Role.kwaliteit,
              Role.leidinggevende, Role.management, Role.beheerder)
# Signature algorithms an ID token may use: asymmetric only (never "none", never a shared secret).
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
TIMEOUT = httpx.Timeout(10.0)
CACHE_SECONDS = 3600
KEYS_REREAD_SECONDS = 60


@dataclass(frozen=True)
class Grant:
    role: Role
    team: str | None


def grant_for_groups(groups: object, group_map: dict[str, dict[str, str]]) -> Grant | None:
    """The role and team slug the groups give, or None when no group is mapped."""
    if isinstance(groups, str):
        groups = [groups]
    if not isinstance(groups, list | tuple):
        return None
    held = {g for g in groups if isinstance(g, str)}
    matches = [target for group, target in group_map.items() if group in held]
    if not matches:
        return None
    best = max(matches, key=lambda t: ROLE_ORDER.index(Role(t["role"])))
    team = best.get("team") or next((t["team"] for t in matches if t.get("team")), None)
    return Grant(role=Role(best["role"]), team=team)


# --- the protocol ------------------------------------------------------------------------------


class OidcFailed(Exception):
    """The login through the provider did not succeed. `reason` is for the audit log and the
    service's log (English, technical); `message` is what the person reads."""

    def __init__(self, reason: str, message: str, status: int = 400):
        super().__init__(reason)
        self.reason, self.message, self.status = reason, message, status


UNREACHABLE = ("Inloggen met uw gemeenteaccount lukt nu niet: de inlogdienst van de gemeente "
               "antwoordt niet. Probeer het over een paar minuten opnieuw.")
REFUSED = ("Inloggen met uw gemeenteaccount is niet gelukt: de inlogdienst gaf een antwoord dat "
           "niet klopt. Probeer het opnieuw; lukt het weer niet, meld het dan de beheerder.")
EXPIRED = "Deze inlogpoging is verlopen of al gebruikt. Probeer het opnieuw."


def callback_url(settings: Settings) -> str:
    return f"{settings.base_url}/login/oidc/callback"


def after_logout_url(settings: Settings) -> str:
    return f"{settings.base_url}/login?uitgelogd=1"


def _secure_enough(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in ("127.0.0.1", "::1", "localhost"))


class _Provider:
    """What this process knows of the provider: its discovery document and keys, cached."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._metadata: dict[str, tuple[float, dict[str, Any]]] = {}
        self._keys: dict[str, tuple[float, KeySet]] = {}

    def _get(self, url: str) -> dict[str, Any]:
        if not _secure_enough(url):
            raise OidcFailed(f"refusing a plain-HTTP address of the provider: {url}", UNREACHABLE, 502)
        try:
            answer = httpx.get(url, timeout=TIMEOUT, follow_redirects=False, headers={"accept": "application/json"})
            answer.raise_for_status()
            data = answer.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise OidcFailed(f"provider not reachable or not JSON at {url}: {exc}", UNREACHABLE, 502) from exc
        if not isinstance(data, dict):
            raise OidcFailed(f"provider answered no JSON object at {url}", UNREACHABLE, 502)
        return data

    def metadata(self, settings: Settings) -> dict[str, Any]:
        issuer = settings.oidc_issuer.rstrip("/")
        with self._lock:
            cached = self._metadata.get(issuer)
        if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
            return cached[1]
        data = self._get(issuer + "/.well-known/openid-configuration")
        if str(data.get("issuer", "")).rstrip("/") != issuer:
            raise OidcFailed(f"discovery names issuer {data.get('issuer')!r}, not {issuer!r}", REFUSED, 502)
        for needed in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(data.get(needed), str) or not _secure_enough(data[needed]):
                raise OidcFailed(f"discovery lacks a usable {needed}", UNREACHABLE, 502)
        with self._lock:
            self._metadata[issuer] = (time.monotonic(), data)
        return data

    def keys(self, settings: Settings, fresh: bool = False) -> KeySet:
        uri = self.metadata(settings)["jwks_uri"]
        with self._lock:
            cached = self._keys.get(uri)
        if cached:
            age = time.monotonic() - cached[0]
            # Kept an hour; asked for fresh keys (an unknown key id), read again unless just read.
            if age < (KEYS_REREAD_SECONDS if fresh else CACHE_SECONDS):
                return cached[1]
        try:
            keys = KeySet.import_key_set(self._get(uri))  # type: ignore[arg-type]
        except (JoseError, ValueError, TypeError) as exc:
            raise OidcFailed(f"the provider's keys cannot be read: {exc}", REFUSED, 502) from exc
        with self._lock:
            self._keys[uri] = (time.monotonic(), keys)
        return keys

    def forget(self) -> None:
        with self._lock:
            self._metadata.clear()
            self._keys.clear()


provider = _Provider()


@dataclass(frozen=True)
class Flow:
    """What the browser keeps (signed) between leaving for the provider and coming back."""

    state: str
    nonce: str
    verifier: str
    next: str


def _client(settings: Settings, metadata: dict[str, Any]) -> OAuth2Client:
    methods = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    method = "client_secret_basic" if "client_secret_basic" in methods else "client_secret_post"
    return OAuth2Client(
        client_id=settings.oidc_client_id, client_secret=settings.oidc_client_secret or None,
        scope=settings.oidc_scopes, redirect_uri=callback_url(settings), code_challenge_method="S256",
        token_endpoint_auth_method=method if settings.oidc_client_secret else "none", timeout=10.0,
    )


def start(settings: Settings, next_path: str) -> tuple[str, Flow]:
    """The provider's address to send the browser to, and what to keep until it comes back."""
    metadata = provider.metadata(settings)
    flow = Flow(state=secrets.token_urlsafe(24), nonce=secrets.token_urlsafe(24),
                verifier=secrets.token_urlsafe(48), next=next_path)
    with _client(settings, metadata) as client:
        url, _ = client.create_authorization_url(
            metadata["authorization_endpoint"], state=flow.state, nonce=flow.nonce, code_verifier=flow.verifier,
        )
    return url, flow


@dataclass(frozen=True)
class Identity:
    """A person as the provider vouches for them."""

    subject: str
    email: str
    email_verified: bool | None
    name: str
    groups: object
    id_token: str


def finish(settings: Settings, flow: Flow, params: dict[str, str]) -> Identity:
    """The identity from the provider's answer at the callback; raises OidcFailed."""
    if params.get("error"):
        raise OidcFailed(f"provider answered error {params.get('error')!r}: {params.get('error_description', '')[:200]}",
                         "Inloggen met uw gemeenteaccount is afgebroken of geweigerd. Probeer het opnieuw.", 400)
    if not params.get("state") or not secrets.compare_digest(params["state"], flow.state):
        raise OidcFailed("state does not match", EXPIRED, 400)
    if not params.get("code"):
        raise OidcFailed("no code in the callback", EXPIRED, 400)
    metadata = provider.metadata(settings)
    try:
        with _client(settings, metadata) as client:
            token = client.fetch_token(metadata["token_endpoint"], code=params["code"], code_verifier=flow.verifier,
                                       grant_type="authorization_code")
            raw = token.get("id_token")
            if not isinstance(raw, str):
                raise OidcFailed("the token answer holds no id_token", REFUSED, 502)
            claims = validate_id_token(settings, raw, flow.nonce)
            if settings.oidc_groups_claim not in claims and metadata.get("userinfo_endpoint"):
                claims = {**_userinfo(client, metadata["userinfo_endpoint"], claims["sub"]), **claims}
    except OidcFailed:
        raise
    except Exception as exc:  # Authlib raises its own OAuthError, httpx its errors, on a bad exchange
        raise OidcFailed(f"token exchange failed: {type(exc).__name__}: {exc}", REFUSED, 502) from exc
    email = next((str(claims[c]).strip().lower() for c in ("email", "preferred_username", "upn")
                  if isinstance(claims.get(c), str) and "@" in claims[c]), "")
    return Identity(subject=str(claims["sub"]), email=email,
                    email_verified=claims.get("email_verified") if isinstance(claims.get("email_verified"), bool) else None,
                    name=str(claims.get("name") or "").strip(), groups=claims.get(settings.oidc_groups_claim),
                    id_token=raw)


def _userinfo(client: OAuth2Client, url: str, subject: str) -> dict[str, Any]:
    if not _secure_enough(url):
        return {}
    answer = client.get(url)
    data = answer.json() if answer.status_code == 200 else {}
    # The userinfo must be about the same person as the ID token (OpenID Connect Core 5.3.2).
    return data if isinstance(data, dict) and data.get("sub") == subject else {}


def validate_id_token(settings: Settings, raw: str, nonce: str, now: int | None = None) -> dict[str, Any]:
    """The claims of a valid ID token for this client and this login; raises OidcFailed."""
    metadata = provider.metadata(settings)
    allowed = [a for a in metadata.get("id_token_signing_alg_values_supported") or ["RS256"] if a in ALGORITHMS]
    try:
        try:
            token = jwt.decode(raw, provider.keys(settings), algorithms=allowed or ["RS256"])
        except InvalidKeyIdError:
            # Perhaps a key the provider added since we read them: read them again (at most once
            # a minute), then the same check decides.
            token = jwt.decode(raw, provider.keys(settings, fresh=True), algorithms=allowed or ["RS256"])
        registry = jwt.JWTClaimsRegistry(
            now=now, leeway=settings.oidc_leeway_seconds,
            iss={"essential": True, "value": metadata["issuer"]},
            aud={"essential": True, "value": settings.oidc_client_id},
            sub={"essential": True}, exp={"essential": True}, iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        registry.validate(token.claims)
    except (JoseError, ValueError) as exc:
        raise OidcFailed(f"ID token refused: {type(exc).__name__}: {exc}", REFUSED, 401) from exc
    claims = token.claims
    audience = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audience) > 1 and claims.get("azp") != settings.oidc_client_id:
        raise OidcFailed("ID token for several audiences without this client as azp", REFUSED, 401)
    return claims


def end_session_url(settings: Settings, id_token: str | None) -> str | None:
    """Where to send the browser to log out at the provider too, or None when it offers none."""
    try:
        endpoint = provider.metadata(settings).get("end_session_endpoint")
    except OidcFailed:
        return None
    if not isinstance(endpoint, str) or not _secure_enough(endpoint):
        return None
    query = {"client_id": settings.oidc_client_id, "post_logout_redirect_uri": after_logout_url(settings)}
    if id_token:
        query["id_token_hint"] = id_token
    return endpoint + ("&" if "?" in endpoint else "?") + urlencode(query)

