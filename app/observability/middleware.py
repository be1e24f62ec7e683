"""Count and time every HTTP request under its route template."""

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.observability import metrics


def route_label(scope: Scope) -> str:
    """The matched route's path template (`/themas/{slug}`), never the path itself.

    The router notes the route in the scope it is given; so a middleware between here and the
    router changes the scope in place rather than passing on a copy (app/web/middleware.py).
    """
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else metrics.UNMATCHED


class MetricsMiddleware:
    """Outermost, so that refusals by the other middleware (a body too large, a NUL) count too."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the application raises before answering

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            method = scope.get("method", "")
            method = method if method in metrics.HTTP_METHODS else "OTHER"
            route = route_label(scope)
            metrics.REQUESTS.labels(method, route, str(status)).inc()
            metrics.REQUEST_DURATION.labels(method, route).observe(time.perf_counter() - started)
