"""ASGI middleware: request size limit, the CSRF cookie and security headers."""

import json
import secrets

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.web.deps import CSRF_COOKIE

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


class RejectNulMiddleware:
    """A NUL character in a path or query string is never valid input; PostgreSQL refuses it
    with an error, so answer with a clear 400 before anything reaches the database."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw = scope.get("raw_path", b"") + b"?" + scope.get("query_string", b"")
            if b"%00" in raw or b"\x00" in raw or "\x00" in scope.get("path", ""):
                field = "query" if b"%00" in scope.get("query_string", b"") else "path"
                body = json.dumps({"detail": [{
                    "field": field, "type": "nul_character", "loc": [field],
                    "message": "Het adres bevat een ongeldig teken (NUL).",
                }]}).encode()
                await send({"type": "http.response.start", "status": 400,
                            "headers": [(b"content-type", b"application/json")]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


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
                scope = {**scope, "query_string": b"&".join(kept)}
        await self.app(scope, receive, send)


class CsrfCookieAndHeadersMiddleware:
    """Give every browser a random CSRF cookie, and every response the security headers."""

    def __init__(self, app: ASGIApp, secure: bool):
        self.app = app
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookie_header = dict(scope.get("headers", [])).get(b"cookie", b"").decode("latin-1")
        new_value = None
        if f"{CSRF_COOKIE}=" not in cookie_header:
            new_value = secrets.token_urlsafe(32)
            scope.setdefault("state", {})["csrf_cookie"] = new_value

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for key, value in _SECURITY_HEADERS:
                    # The OpenAPI page loads Swagger UI from its CDN: no CSP there.
                    if key == b"content-security-policy" and scope["path"].startswith("/docs"):
                        continue
                    if key.decode() not in headers:
                        headers.append(key.decode(), value.decode())
                if new_value is not None:
                    # Lax, not Strict: a link from mail or Teams must not replace the cookie and so
                    # invalidate the form in an editor tab that is already open.
                    flags = "; Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if self.secure else "")
                    headers.append("set-cookie", f"{CSRF_COOKIE}={new_value}{flags}")
            await send(message)

        await self.app(scope, receive, send_with_headers)
