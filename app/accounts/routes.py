"""Login, logout and the user's own account page."""

from typing import Annotated

import anyio
from fastapi import APIRouter, Form, HTTPException, Path, Request
from fastapi.responses import RedirectResponse, Response
from starlette.types import Receive, Scope, Send

from app.accounts import manage, oidc, service
from app.config import Settings, get_settings
from app.web.deps import (
    CsrfProtected,
    CurrentUser,
    OptionalUser,
    SessionDep,
    SettingsDep,
    client_address,
    on_refusal,
    renew_csrf_cookie,
    session_cookie_name,
)
from app.web.templating import render

router = APIRouter(tags=["accounts"], include_in_schema=False)


def safe_next(target: str | None) -> str:
    # Only local paths: never send a user to another site after login.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


pause = anyio.sleep  # replaced in tests


class _AfterPause(Response):
    """Send `response` only after `seconds`. The request's transaction has ended by then (the
    session dependency closes before the response is sent), and the wait holds no thread."""

    def __init__(self, response: Response, seconds: float):
        self.response, self.seconds = response, seconds
        self.status_code, self.background = response.status_code, response.background
        self.raw_headers = response.raw_headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.seconds > 0:
            await pause(self.seconds)
        self.response.background = self.background  # FastAPI may have set tasks on this one
        await self.response(scope, receive, send)


NOTICES = {
    "wachtwoord": "Uw wachtwoord is opgeslagen. Log nu in met uw e-mailadres en dit wachtwoord.",
    "uitgelogd": "U bent uitgelogd.",
}
LOCAL_LOGIN_OFF = ("Inloggen met een wachtwoord staat uit bij deze gemeente. Log in met uw "
                   "gemeenteaccount.")


def login_page_response(request: Request, settings: Settings, *, next_path: str = "/", email: str = "",
                        error: str | None = None, notice: str | None = None, status: int = 200) -> Response:
    """The login page: the e-mail and password form (unless switched off) and, with OpenID
    Connect set up, the button "Inloggen met uw gemeenteaccount"."""
    return render(request, "login.html", {
        "next": next_path, "email": email, "error": error, "notice": notice,
        "local_login": settings.local_login, "oidc": settings.oidc_enabled,
    }, status)


def set_session_cookie(response: Response, settings: Settings, token: str) -> None:
    response.set_cookie(
        session_cookie_name(settings),
        token,
        max_age=settings.session_days * 86400,
        httponly=True,
        secure=settings.cookie_secure,
        samesite="lax",
        path="/",
    )
    renew_csrf_cookie(response, settings)


@router.get("/login")
def login_page(request: Request, user: OptionalUser, settings: SettingsDep, next: str | None = None,
               wachtwoord: str | None = None, uitgelogd: str | None = None) -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    notice = NOTICES["wachtwoord"] if wachtwoord else NOTICES["uitgelogd"] if uitgelogd else None
    return login_page_response(request, settings, next_path=safe_next(next), notice=notice)


@router.post("/login", dependencies=[CsrfProtected])
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    def page(error: str, status: int) -> Response:
        return login_page_response(request, settings, next_path=safe_next(next), email=email, error=error,
                                   status=status)

    if not settings.local_login:
        return page(LOCAL_LOGIN_OFF, 403)
    if not email.strip() or not password:
        return page("Vul uw e-mailadres en wachtwoord in.", 422)
    try:
        result = service.login_with_password(
            session, settings, email, password, client_address(request)
        )
    except service.LoginThrottled:
        return page("Te veel mislukte pogingen voor dit account vanaf dit adres. Probeer het over "
                    f"{settings.login_window_minutes} minuten opnieuw, of vraag de beheerder om hulp.", 429)
    user = result.user
    if result.deactivated:
        return _AfterPause(page("Uw account is gedeactiveerd. Vraag de functioneel beheerder het weer te activeren.",
                                403), result.delay)
    if user is None:
        return _AfterPause(page("Dit e-mailadres en wachtwoord horen niet bij elkaar. Probeer het opnieuw.", 401),
                           result.delay)
    # A new session, and a new pre-session CSRF cookie: nothing from before the login (or
    # planted before it) carries over.
    previous = request.cookies.get(session_cookie_name(settings))
    if previous:
        service.end_session(session, previous)
    token = service.start_session(session, settings, user, method="password")
    response = RedirectResponse(safe_next(next), status_code=303)
    set_session_cookie(response, settings, token)
    return _AfterPause(response, result.delay)


@router.post("/logout", dependencies=[CsrfProtected])
def logout(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    cookie = request.cookies.get(session_cookie_name(settings))
    ended = service.end_session(session, cookie) if cookie else None
    # Logged in through the municipality's account: log out there too, which comes back to
    # /login?uitgelogd=1 (where the provider offers that).
    at_provider = oidc.end_session_url(settings, ended.id_token) if ended and ended.method == "oidc" and settings.oidc_enabled else None
    response = RedirectResponse(at_provider or "/login?uitgelogd=1", status_code=303)
    response.delete_cookie(
        session_cookie_name(settings), path="/", secure=settings.cookie_secure, httponly=True,
        samesite="lax",
    )
    renew_csrf_cookie(response, settings)
    return response


@router.get("/account")
def account_page(request: Request, session: SessionDep, user: CurrentUser, wachtwoord: str | None = None) -> Response:
    return _account(request, session, user, new_token=None, saved=bool(wachtwoord))


def _account(request: Request, session: SessionDep, user: CurrentUser, new_token: str | None,  # type: ignore[no-untyped-def]
             errors: dict | None = None, status: int = 200, saved: bool = False):
    context = {
        "tokens": service.list_api_tokens(session, user),
        "team": service.get_team(session, user.team_id) if user.team_id else None,
        "new_token": new_token, "errors": errors or {}, "password_saved": saved,
        # Not for a person who logs in only with the municipal account.
        "can_change_password": bool(user.password_hash) and get_settings().local_login,
    }
    return render(request, "account.html", context, status)


@router.post("/account/wachtwoord", dependencies=[CsrfProtected])
def change_password(
    request: Request, session: SessionDep, settings: SettingsDep, user: CurrentUser,
    current: Annotated[str, Form(max_length=1000)] = "", password: Annotated[str, Form(max_length=1000)] = "",
    repeat: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    on_refusal(request, lambda refused: _account(request, session, user, None, refused.errors, refused.status))
    service.change_own_password(session, user, current, password, repeat,
                                request.cookies.get(session_cookie_name(settings)))
    return RedirectResponse("/account?wachtwoord=1#wachtwoord-kop", status_code=303)


@router.post("/account/tokens", dependencies=[CsrfProtected])
def create_token(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    name: Annotated[str, Form(max_length=120)] = "",
) -> Response:
    new_token = service.create_api_token(session, user, name.strip())
    page = _account(request, session, user, new_token)
    # Shown once; the page must not be cached with the token in it.
    page.headers["cache-control"] = "no-store"
    return page


@router.post("/account/tokens/{token_id}/intrekken", dependencies=[CsrfProtected])
def revoke_token(
    session: SessionDep, user: CurrentUser, token_id: Annotated[int, Path(ge=1, le=2**31 - 1)]
) -> Response:
    if not service.revoke_api_token(session, user, token_id):
        raise HTTPException(404, "Dit token bestaat niet.")
    return RedirectResponse("/account", status_code=303)


# --- one-time links: choose a password (an invitation or a reset) -----------------------------


@router.get("/wachtwoord/{token}")
def password_page(request: Request, session: SessionDep, token: Annotated[str, Path(max_length=2000)]) -> Response:
    found = manage.valid_link(session, token)
    page = render(request, "password.html", {"person": found[1] if found else None, "errors": {}},
                  200 if found else 404)
    page.headers["cache-control"] = "no-store"
    page.headers["referrer-policy"] = "no-referrer"  # the token is in the address
    return page


@router.post("/wachtwoord/{token}", dependencies=[CsrfProtected])
def set_password(
    request: Request, session: SessionDep, token: Annotated[str, Path(max_length=2000)],
    password: Annotated[str, Form(max_length=1000)] = "", repeat: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    on_refusal(request, lambda refused: render(
        request, "password.html", {"person": (manage.valid_link(session, token) or (None, None))[1],
                                   "errors": refused.errors}, refused.status))
    manage.use_link(session, token, password, repeat)
    return RedirectResponse("/login?wachtwoord=1", status_code=303)
