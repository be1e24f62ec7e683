"""Inloggen met uw gemeenteaccount: to the identity provider and back (OpenID Connect).

Between the two the browser keeps the login's state, nonce and PKCE verifier in a short-lived
cookie signed with the service's secret key, so any process on any host can finish a login that
another one started, and nothing is stored for a login that is never finished.
"""

import base64
import hashlib
import hmac
import json
import logging
import time
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from app.accounts import oidc, oidc_login, service
from app.accounts.routes import login_page_response, safe_next, set_session_cookie
from app.audit import service as audit
from app.audit.models import Action
from app.config import Settings
from app.observability import metrics
from app.web.deps import OptionalUser, SessionDep, SettingsDep, client_address, session_cookie_name

log = logging.getLogger(__name__)
router = APIRouter(tags=["accounts"], include_in_schema=False)

FLOW_COOKIE = "kb_oidc"
FLOW_PATH = "/login/oidc"
FLOW_SECONDS = 600  # ten minutes to log in at the provider


def _mac(settings: Settings, payload: str) -> str:
    key = settings.effective_secret_key().encode()
    return hmac.new(key, ("oidc-flow:" + payload).encode(), hashlib.sha256).hexdigest()


def _seal(settings: Settings, flow: oidc.Flow) -> str:
    payload = base64.urlsafe_b64encode(json.dumps({**asdict(flow), "until": int(time.time()) + FLOW_SECONDS})
                                       .encode()).decode()
    return f"{payload}.{_mac(settings, payload)}"


def _unseal(settings: Settings, value: str | None) -> oidc.Flow | None:
    if not value or "." not in value:
        return None
    payload, mac = value.rsplit(".", 1)
    if not hmac.compare_digest(mac, _mac(settings, payload)):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(payload.encode()))
        if int(data.pop("until")) < time.time():
            return None
        return oidc.Flow(**data)
    except (ValueError, TypeError, KeyError):
        return None


def _failed(request: Request, settings: Settings, message: str, status: int) -> Response:
    page = login_page_response(request, settings, error=message, status=status)
    page.delete_cookie(FLOW_COOKIE, path=FLOW_PATH, secure=settings.cookie_secure, httponly=True, samesite="lax")
    return page


@router.get("/login/oidc")
def to_provider(request: Request, settings: SettingsDep, user: OptionalUser,
                next: Annotated[str | None, Query(max_length=2000)] = None) -> Response:
    if not settings.oidc_enabled:
        return _failed(request, settings, "Inloggen met een gemeenteaccount is hier niet ingesteld.", 404)
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    try:
        url, flow = oidc.start(settings, safe_next(next))
    except oidc.OidcFailed as failed:
        log.warning("OIDC login could not start: %s", failed.reason)
        return _failed(request, settings, failed.message, failed.status)
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(FLOW_COOKIE, _seal(settings, flow), max_age=FLOW_SECONDS, path=FLOW_PATH,
                        httponly=True, secure=settings.cookie_secure, samesite="lax")
    response.headers["cache-control"] = "no-store"
    return response


@router.get("/login/oidc/callback")
def from_provider(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    if not settings.oidc_enabled:
        return _failed(request, settings, "Inloggen met een gemeenteaccount is hier niet ingesteld.", 404)
    address = client_address(request)
    flow = _unseal(settings, request.cookies.get(FLOW_COOKIE))
    if flow is None:
        return _failed(request, settings, oidc.EXPIRED, 400)
    params = {k: v[:4000] for k, v in request.query_params.items()}
    try:
        identity = oidc.finish(settings, flow, params)
    except oidc.OidcFailed as failed:
        log.warning("OIDC login refused: %s", failed.reason)
        audit.record(session, Action.login_failed, address=address, detail={"method": "oidc"},
                     summary=f"Gemeenteaccount: {failed.reason}"[:500])
        metrics.LOGIN_FAILURES.labels("oidc", "refused").inc()
        return _failed(request, settings, failed.message, failed.status)
    result = oidc_login.login_with_identity(session, settings, identity, address)
    if result.user is None:
        return _failed(request, settings, result.message, 403)
    previous = request.cookies.get(session_cookie_name(settings))
    if previous:
        service.end_session(session, previous)
    token = service.start_session(session, settings, result.user, method="oidc", id_token=identity.id_token)
    response = RedirectResponse(flow.next, status_code=303)
    set_session_cookie(response, settings, token)
    response.delete_cookie(FLOW_COOKIE, path=FLOW_PATH, secure=settings.cookie_secure, httponly=True, samesite="lax")
    return response
