"""Small factories for test data, and helpers to act as a logged-in browser."""

import itertools
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
from fastapi.testclient import TestClient
from sqlmodel import Session

from app import clock
from app.accounts import service as accounts_service
from app.accounts.models import Role, Team, User
from app.config import get_settings
from app.meetings.models import Meeting, MeetingKind
from app.web.deps import CSRF_COOKIE, SESSION_COOKIE, csrf_token_for_browser, csrf_token_for_session
from app.wiki import service as wiki_service
from app.wiki.models import Item, ItemIn, Theme

_seq = itertools.count(1)
PASSWORD = "een-goed-wachtwoord"


def make_user(db: Session, role: Role | str = Role.medewerker, **kw) -> User:  # type: ignore[no-untyped-def]
    n = next(_seq)
    return accounts_service.create_user(
        db,
        email=kw.pop("email", f"user{n}@example.org"),
        name=kw.pop("name", f"Gebruiker {n}"),
        role=str(role),
        password=kw.pop("password", PASSWORD),
        **kw,
    )


def make_theme(db: Session, slug: str | None = None, name: str | None = None) -> Theme:
    n = next(_seq)
    theme, _ = wiki_service.upsert_theme(
        db, slug=slug or f"thema-{n}", name=name or f"Thema {n}", description="Testthema"
    )
    return theme


def item_data(theme: Theme, **kw) -> ItemIn:  # type: ignore[no-untyped-def]
    n = next(_seq)
    values = {
        "title": f"Item {n}",
        "summary": "Korte samenvatting.",
        "body": "Tekst met **nadruk**.",
        "dossier_meaning": "Controleer dit in het dossier.",
        "theme": theme.slug,
        "status": "published",
    }
    values.update(kw)
    return ItemIn.model_validate(values)


def make_item(db: Session, theme: Theme, author: User | None = None, **kw) -> Item:  # type: ignore[no-untyped-def]
    author = author or make_user(db, Role.kwaliteit)
    return wiki_service.create_item(db, item_data(theme, **kw), author)


def make_meeting(
    db: Session, team: Team | None, days_ahead: float = 10, *, with_agenda: bool = False,
    location: str = "Kamer 1",
) -> Meeting:
    """A single meeting (no rule) `days_ahead` days from now (negative: in the past)."""
    from app.meetings import agenda as agenda_service

    meeting = Meeting(
        kind=MeetingKind.werkoverleg if team else MeetingKind.vakoverleg,
        team_id=team.id if team else None,
        starts_at=clock.now() + timedelta(days=days_ahead), location=location,
    )
    db.add(meeting)
    db.flush()
    if with_agenda:
        agenda_service.assemble(db, meeting, min(clock.now(), meeting.starts_at))
    return meeting


def browser(client: TestClient) -> str:
    """Give the client a CSRF cookie like a browser has after its first page; returns the
    token of the forms it is shown while not logged in."""
    client.cookies.set(CSRF_COOKIE, "test-csrf-cookie")
    return csrf_token_for_browser("test-csrf-cookie")


def login(client: TestClient, db: Session, user: User) -> str:
    """Log the client in as `user` (a real web session row); returns the CSRF form token,
    which is bound to that session."""
    token = accounts_service.start_session(db, get_settings(), user, method="password")
    client.cookies.set(SESSION_COOKIE, token)
    browser(client)
    return csrf_token_for_session(token)


def post_form(client: TestClient, url: str, data: dict, token: str, **kw):  # type: ignore[no-untyped-def]
    return client.post(url, data={**data, "csrf_token": token}, follow_redirects=False, **kw)


def wait_until_healthy(
    base: str, process: subprocess.Popen, output: Callable[[], str], timeout: float = 90
) -> None:
    """Poll a started service's /api/v1/health until it answers 200. If the process stops or
    the time runs out, fail with what `output()` gives (the service's log)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the service did not start:\n{output()}")
        time.sleep(0.25)


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now, for a server a test starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def http_server(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 answering with `handler`, for as long as the block runs;
    yields its base address (http://127.0.0.1:port)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
