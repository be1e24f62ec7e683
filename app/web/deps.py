"""Shared dependencies: the database session, settings, the current user and role checks."""

import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session
from starlette.datastructures import FormData

from app.accounts import service as accounts_service
from app.accounts.models import Role, User
from app.config import Settings, get_settings
from app.db import get_session
from app.errors import InputError

# Cookie names: with secure cookies (the default) the __Host- prefix, which a browser accepts only
# from this host over https, for path /, without Domain: a neighbouring subdomain or a plain-http
# response cannot plant them. The constants are the names with the default settings.
SESSION_COOKIE = "__Host-kb_session"
CSRF_COOKIE = "__Host-kb_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def _cookie_name(name: str, settings: Settings | None) -> str:
    secure = (settings or get_settings()).cookie_secure
    return name if secure else name.removeprefix("__Host-")


def session_cookie_name(settings: Settings | None = None) -> str:
    return _cookie_name(SESSION_COOKIE, settings)


def csrf_cookie_name(settings: Settings | None = None) -> str:
    return _cookie_name(CSRF_COOKIE, settings)


CLIENT_ADDRESS = "client_address"


def client_address(request: Request) -> str:
    """The client's address. Never X-Forwarded-For itself: uvicorn puts the client's address
    here, from that header only when the request came from a trusted proxy
    (KENNISBANK_FORWARDED_ALLOW_IPS)."""
    return request.client.host if request.client else "onbekend"


RefusalPage = Callable[[InputError], Response]


def on_refusal(request: Request, page: RefusalPage) -> None:
    """Declare how this request's form is shown again if a refusal (an InputError) ends the
    request: `page(error)` renders it with what was typed and the message next to its field.
    It runs after the rollback, in the request's session, so it shows what is stored."""
    request.state.refusal_page = page


def _request_session(
    request: Request, session: Annotated[Session, Depends(get_session, scope="function")]
) -> Iterator[Session]:
    """The request's session. A refusal passes through here on its way to the one handler
    (app/web/errors.py): get_session rolls the transaction back, so nothing of a refused
    request is committed; a form page is rendered first, after a rollback of its own, while
    the session is still open."""
    # The audit log notes where a change came from (app/audit/service.record).
    session.info[CLIENT_ADDRESS] = client_address(request)
    try:
        yield session
    except InputError as refusal:
        page = getattr(request.state, "refusal_page", None)
        # A refusal of what was typed shows the form again; one of access (403) or of
        # something that does not exist (404) is an error page.
        if page is not None and refusal.status in (409, 422) and not is_api(request):
            session.rollback()
            refusal.page = page(refusal)  # type: ignore[attr-defined]
        raise


# scope="function": commit (or roll back) before the response is sent, so a client that was told
# "saved" and follows the redirect always sees the saved data, and a failed commit is an error.
SessionDep = Annotated[Session, Depends(_request_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]


@dataclass(frozen=True)
class Viewer:
    """Who is looking, for templates: a plain copy, still readable after the session has been
    rolled back and closed (error pages are rendered then)."""

    id: int
    email: str
    name: str
    role: str
    function: str | None
    team_id: int | None

    @classmethod
    def of(cls, user: User) -> "Viewer":
        return cls(user.id, user.email, user.name, user.role, user.function, user.team_id)  # type: ignore[arg-type]


class LoginRequired(Exception):
    """No (valid) credentials: pages redirect to /login, the API answers 401."""


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def get_optional_user(request: Request, session: SessionDep) -> User | None:
    token = _bearer(request)
    if token is not None:
        user = accounts_service.user_for_api_token(session, token)
        if user is None:
            raise LoginRequired
        request.state.auth = "token"
    else:
        cookie = request.cookies.get(session_cookie_name())
        user = accounts_service.user_for_session(session, cookie) if cookie else None
        request.state.auth = "cookie" if user else None
        # Forms of a logged-in user carry a token bound to this session.
        request.state.csrf_session = cookie if user else None
    request.state.user = Viewer.of(user) if user is not None else None
    return user


OptionalUser = Annotated[User | None, Depends(get_optional_user)]


# For the OpenAPI document only (get_optional_user reads the token): the API's operations say
# that they need `Authorization: Bearer <token>`.
api_token = HTTPBearer(auto_error=False, scheme_name="API-token",
                       description="Persoonlijk API-token: `kennisbank token create EMAIL` of *Mijn account*.")


def get_current_user(
    user: OptionalUser, _documented: Annotated[HTTPAuthorizationCredentials | None, Depends(api_token)]
) -> User:
    if user is None:
        raise LoginRequired
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def RequireRole(*roles: Role, message: str = "U heeft geen toegang tot deze pagina met uw rol.") -> Callable[[User], User]:  # noqa: N802 - reads like a type
    """A dependency: the logged-in person, if their role is one of `roles`; else a 403 with
    `message` (what this page is for, in Dutch)."""
    allowed = set(roles)

    def check(user: CurrentUser) -> User:
        if user.role not in allowed:
            raise HTTPException(403, message)
        return user

    return check


Editor = Annotated[User, Depends(RequireRole(Role.kwaliteit))]


# --- CSRF ------------------------------------------------------------------------------------
#
# Logged in, a form's token is an HMAC of the web session (of its token's hash): a cookie planted
# in the browser cannot help, and it changes with every login. Not logged in (the login form),
# it is an HMAC of a random pre-session cookie, renewed at login and logout.


def _csrf_mac(message: str) -> str:
    key = get_settings().effective_secret_key().encode()
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def csrf_token_for_session(session_token: str) -> str:
    return _csrf_mac("session:" + hashlib.sha256(session_token.encode()).hexdigest())


def csrf_token_for_browser(cookie: str) -> str:
    return _csrf_mac("browser:" + cookie)


def csrf_token_for(request: Request) -> str:
    """The token this request's forms must send back."""
    session_token = getattr(request.state, "csrf_session", None)
    if session_token:
        return csrf_token_for_session(session_token)
    raw = getattr(request.state, "csrf_cookie", None) or request.cookies.get(csrf_cookie_name(), "")
    return csrf_token_for_browser(raw)


def csrf_cookie_header(value: str, secure: bool) -> str:
    # Lax, not Strict: a link from mail or Teams must not replace the cookie and so invalidate
    # the form in a tab that is already open.
    name = CSRF_COOKIE if secure else CSRF_COOKIE.removeprefix("__Host-")
    return f"{name}={value}; Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if secure else "")


def renew_csrf_cookie(response: Response, settings: Settings) -> None:
    """A fresh pre-session cookie (at login and logout)."""
    response.headers.append("set-cookie", csrf_cookie_header(secrets.token_urlsafe(32), settings.cookie_secure))


def _csrf_valid(request: Request, sent: str | None) -> bool:
    if not sent:
        return False
    session_token = getattr(request.state, "csrf_session", None)
    if session_token:
        return hmac.compare_digest(sent, csrf_token_for_session(session_token))
    cookie = request.cookies.get(csrf_cookie_name())
    return bool(cookie) and hmac.compare_digest(sent, csrf_token_for_browser(cookie))  # type: ignore[arg-type]


async def verify_csrf(request: Request, user: OptionalUser) -> None:
    """Refuse a state-changing request that a form or script of another site could have sent.
    Depends on the user, so that it knows whether the token must be the session's."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if _bearer(request):
        return  # a browser never adds a bearer token on its own (and get_optional_user checked it)
    if user is None and is_api(request):
        raise LoginRequired  # no credentials at all: 401 says what is missing, not a CSRF token
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and not is_api(request):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not _csrf_valid(request, sent):
        typed = {}
        if not is_api(request):
            form = await request.form()
            typed = {
                k: v for k, v in form.items()
                if isinstance(v, str) and v.strip() and k not in (CSRF_FIELD, "password", "version")
            }
        raise CsrfFailed(typed)


class CsrfFailed(Exception):
    """A form whose CSRF token does not match; `typed` is what the user filled in."""

    message = (
        "Dit formulier is verlopen of niet door deze site verstuurd, en is daarom niet "
        "opgeslagen. Laad de pagina opnieuw en probeer het nog eens."
    )

    def __init__(self, typed: dict[str, str]):
        super().__init__(self.message)
        self.typed = typed


CsrfProtected = Depends(verify_csrf)


async def read_form(request: Request) -> FormData:
    """The posted form, read on the event loop, so that a route that posts can be a plain
    `def` whose database work runs in a worker thread. (A blocking database call inside an
    `async def` route stops every request of the process: on PostgreSQL two saves of one row
    at once waited for each other for ever, the second holding the loop the first needed.)"""
    return await request.form()


PostedForm = Annotated[FormData, Depends(read_form)]
