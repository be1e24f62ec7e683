"""ASGI middleware: request size limit, NUL characters, the CSRF cookie and security headers."""

import json
import re
import secrets

from starlette.datastructures import MutableHeaders
from starlette.requests import Request, cookie_parser
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.textinput import NUL, NUL_MESSAGE, SURROGATE_MESSAGE, nul_path, surrogate_path
from app.web.deps import CSRF_COOKIE, csrf_cookie_header

_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        b"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    ),
]


class LimitBodyMiddleware:
    """Refuse request bodies over `max_bytes` with 413, whether or not Content-Length is sent."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        length = headers.get(b"content-length")
        if length is not None:
            # The server holds the client to its Content-Length, so checking it is enough.
            if not length.isdigit() or int(length) > self.max_bytes:
                await self._refuse(scope, send)
                return
            await self.app(scope, receive, send)
            return
        # No length given (chunked): read up to the limit first, then replay it to the app.
        messages: list[Message] = []
        received = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                await self._refuse(scope, send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        mb = self.max_bytes / 1_000_000
        if not scope.get("path", "").startswith("/api/"):
            # A person's form or upload: a page of the site that says so, not JSON.
            from app.web.errors import error_page

            async def nothing() -> Message:
                return {"type": "http.disconnect"}

            page = error_page(Request(scope), 413, f"Wat u verstuurde is groter dan {mb:g} MB, en dat neemt de "
                              "Wiki-bibliotheek niet aan. Maak de tekst korter of het bestand kleiner (een "
                              "CSV-bestand kunt u in delen importeren) en probeer het opnieuw.")
            page.headers["connection"] = "close"
            await page(scope, nothing, send)
            return
        body = json.dumps(
            {
                "detail": [
                    {
                        "field": "body",
                        "message": f"Het verzoek is groter dan {mb:g} MB. Maak de tekst korter.",
                        "type": "too_large",
                        "loc": ["body"],
                    }
                ]
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"connection", b"close")],
            }
        )
        await send({"type": "http.response.body", "body": body})


_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# How a NUL can be written in a body: raw (multipart), percent-encoded (a form), escaped (JSON).
_NUL_SPELLINGS = (b"\x00", b"%00", b"\\u0000")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


_NUL_PAGE = """<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Ongeldig adres · Wiki-bibliotheek</title></head>
<body><main><h1>Ongeldig adres</h1><p>{message} Ga terug, of begin op de <a href="/">startpagina</a>.</p></main></body></html>
"""


class RejectNulMiddleware:
    """A NUL character is never valid input: SQLite would store it, PostgreSQL refuses it with
    an error. Refused here, before anything reaches the database, the same on both: in the path
    or query string with a 400, in a form or JSON body with a 422 naming the field. (Inside the
    body limit: the body is read whole, then handed on.)"""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = scope.get("raw_path", b"") + b"?" + scope.get("query_string", b"")
        if b"%00" in raw or b"\x00" in raw or "\x00" in scope.get("path", ""):
            field = "query" if b"%00" in scope.get("query_string", b"") else "path"
            message = "Het adres bevat een ongeldig teken (NUL)."
            if scope.get("path", "").startswith("/api/"):
                body = json.dumps({"detail": [{
                    "field": field, "type": "nul_character", "loc": [field], "message": message,
                }]}).encode()
                kind = b"application/json"
            else:  # a person typed or followed it: a page, not JSON
                body = _NUL_PAGE.format(message=message).encode()
                kind = b"text/html; charset=utf-8"
            await send({"type": "http.response.start", "status": 400, "headers": [(b"content-type", kind)]})
            await send({"type": "http.response.body", "body": body})
            return
        if scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request" or not message.get("more_body", False):
                break
        body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.request")

        def replay() -> Receive:
            pending = list(messages)

            async def next_message() -> Message:
                return pending.pop(0) if pending else await receive()

            return next_message

        if any(spelling in body for spelling in _NUL_SPELLINGS):
            path = await _nul_field(scope, replay(), body)
            if path is not None:
                await _refuse_nul(scope, replay(), send, path)
                return
        if scope["path"].startswith("/api/") and _SURROGATE_ESCAPE.search(body):
            # JSON may spell half of a character pair (\ud800) that no text can hold: stored,
            # it could not be written out again (a 500 on the answer, an export, a backup).
            try:
                path = surrogate_path(json.loads(body))
            except ValueError:
                path = None
            if path is not None:
                await JSONResponse({"detail": [{
                    "field": ".".join(path) or "body", "message": SURROGATE_MESSAGE,
                    "type": "string_unicode", "loc": ["body", *path],
                }]}, status_code=422)(scope, replay(), send)
                return
        await self.app(scope, replay(), send)


async def _nul_field(scope: Scope, receive: Receive, body: bytes) -> tuple[str, ...] | None:
    """The field of a form or JSON body that holds a NUL, as a path; None if none does."""
    content_type = dict(scope.get("headers", [])).get(b"content-type", b"").decode("latin-1").lower()
    media_type = content_type.split(";", 1)[0].strip()  # the JSON types FastAPI reads, with parameters
    if media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json")):
        try:
            return nul_path(json.loads(body))
        except ValueError:
            return None  # not JSON: the route says so
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        try:
            form = await Request(scope, receive).form()
        except Exception:  # noqa: BLE001 - a malformed form: the route says so
            return None
        for key, value in form.multi_items():
            if isinstance(value, str) and (NUL in key or NUL in value):
                return (key.replace(NUL, ""),)
    return None


async def _refuse_nul(scope: Scope, receive: Receive, send: Send, path: tuple[str, ...]) -> None:
    field = ".".join(path) or "body"
    if scope["path"].startswith("/api/"):
        response: Response = JSONResponse({"detail": [{
            "field": field, "message": NUL_MESSAGE, "type": "nul_character", "loc": ["body", *path],
        }]}, status_code=422)
    else:
        from app.web.templating import render  # the templates import this package's deps

        request = Request(scope, receive)
        form = await request.form()
        # Nothing typed is lost: shown (without the NUL), to copy into the form again.
        from app.web.errors import HIDDEN_FIELDS, label_of

        typed = {label_of(k): v.replace(NUL, "") for k, v in form.multi_items()
                 if isinstance(v, str) and v.strip() and k not in HIDDEN_FIELDS}
        response = render(request, "error.html", {
            "title": "Ongeldige invoer", "message": f"{label_of(field)}: {NUL_MESSAGE}", "typed": typed,
        }, 422)
    await response(scope, receive, send)


class DropEmptyQueryParameters:
    """An empty query parameter means "not given", for every route. A form sent with GET sends
    its empty fields too (`?team=` for "Alle teams", `?van=` for no date): left out here, before
    any route sees them, an optional filter takes its default and a required one is missing."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        query = scope.get("query_string", b"") if scope["type"] == "http" else b""
        if query:
            kept = [part for part in query.split(b"&") if part.partition(b"=")[2]]
            if len(kept) != query.count(b"&") + 1:
                # In place, not a copy: the router notes the matched route in this scope, and
                # the metrics around us read it there (app/observability/middleware.py).
                scope["query_string"] = b"&".join(kept)
        await self.app(scope, receive, send)


class CsrfCookieAndHeadersMiddleware:
    """Give every browser a random pre-session CSRF cookie, and every response the security
    headers."""

    def __init__(self, app: ASGIApp, secure: bool):
        self.app = app
        self.secure = secure
        self.cookie = CSRF_COOKIE if secure else CSRF_COOKIE.removeprefix("__Host-")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookie_header = dict(scope.get("headers", [])).get(b"cookie", b"").decode("latin-1")
        new_value = None
        if not cookie_parser(cookie_header).get(self.cookie):
            new_value = secrets.token_urlsafe(32)
            scope.setdefault("state", {})["csrf_cookie"] = new_value

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for key, value in _SECURITY_HEADERS:
                    # Swagger UI on the API documentation page sets inline styles.
                    if key == b"content-security-policy" and scope["path"] == "/docs":
                        value = value.replace(b"style-src 'self'", b"style-src 'self' 'unsafe-inline'")
                    if key.decode() not in headers:
                        headers.append(key.decode(), value.decode())
                # Pages and API answers are about a person or their work: no copy in a shared
                # computer's cache or a proxy. Static files (the only other thing) may be kept.
                if not scope["path"].startswith("/static/") and "cache-control" not in headers:
                    headers.append("cache-control", "no-store")
                # A route that renewed the cookie (login, logout) has set it already.
                renewed = any(v.startswith(f"{self.cookie}=") for v in headers.getlist("set-cookie"))
                if new_value is not None and not renewed:
                    headers.append("set-cookie", csrf_cookie_header(new_value, self.secure))
            await send(message)

        await self.app(scope, receive, send_with_headers)
