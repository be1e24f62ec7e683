"""Page benchmark: how long the server takes for the home, infographic, theme and item pages
with a large library (`kennisbank bench pages`).

The library is synthetic: 12 themes and N items of Dutch text (the search benchmark's corpus),
published over two years, with one revision each. The pages are requested in-process through
the ASGI application, logged in as a medewerker and as a kwaliteitsmedewerker; "server time" is
measured inside the application, from the request's arrival to its last byte.
"""

import gc
import random
import secrets
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app import migrate
from app.accounts import service as accounts_service
from app.accounts.models import Role
from app.config import get_settings
from app.db import get_session, make_engine
from app.search.bench import Corpus, _percentile, machine, write_section
from app.web.deps import SESSION_COOKIE
from app.wiki.models import Item, ItemStatus, Revision, Theme

THEMES = 12
PAGES = ("start", "infographic", "thema (pagina 1)", "thema (pagina 10)", "item")


@dataclass
class PageFigures:
    backend: str
    items: int
    role: str
    page: str
    p50: float
    p95: float
    p99: float
    client_p50: float


class ServerTimer:
    """ASGI wrapper: the time from a request's arrival to its last body byte, per request."""

    def __init__(self, app):  # type: ignore[no-untyped-def]
        self.app = app
        self.last_ms = 0.0

    async def __call__(self, scope, receive, send):  # type: ignore[no-untyped-def]
        start = time.perf_counter()

        async def timed_send(message):  # type: ignore[no-untyped-def]
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                self.last_ms = (time.perf_counter() - start) * 1000

        await self.app(scope, receive, timed_send)


def fill(engine: Engine, count: int, progress: Callable[[int], None] | None = None) -> list[str]:
    """A migrated database with `count` published items over 12 themes; returns item slugs."""
    migrate.upgrade(engine)
    corpus = Corpus(seed=7)
    rng = random.Random(7)
    start = datetime.now(UTC) - timedelta(days=730)
    slugs = []
    with Session(engine) as session:
        themes = [
            Theme(slug=f"thema-{n}", name=f"Thema {n}", description=corpus.text(20), icon="boek", position=n)
            for n in range(THEMES)
        ]
        session.add_all(themes)
        session.flush()
        batch = 500
        for first in range(0, count, batch):
            items = []
            for n in range(first, min(count, first + batch)):
                body = "\n\n".join(
                    [f"## {corpus.text(4).capitalize()}", corpus.text(80),
                     "- " + corpus.text(8) + "\n- " + corpus.text(8), corpus.text(80)]
                )
                published = start + timedelta(minutes=int(730 * 24 * 60 * n / count))
                items.append(Item(
                    slug=f"item-{n}", theme_id=themes[n % THEMES].id, status=ItemStatus.published,
                    title=corpus.text(rng.randint(4, 9)).capitalize()[:200],
                    summary=corpus.text(rng.randint(15, 30))[:300], body=body,
                    dossier_meaning=corpus.text(25),
                    audience=rng.choice(["klantbegeleider", "schuldregelaar", "beide"]),
                    published_at=published, created_at=published, updated_at=published,
                    review_date=(published + timedelta(days=182)).date(),
                ))
            session.add_all(items)
            session.flush()
            session.add_all(
                Revision(item_id=i.id, number=1, theme_id=i.theme_id, status=i.status, note="Aangemaakt",
                         **{f: getattr(i, f) for f in ("title", "summary", "body", "dossier_meaning",
                                                       "audience", "tags", "review_date")})
                for i in items
            )
            session.commit()
            slugs += [i.slug for i in items]
            if progress:
                progress(len(items))
    return slugs


@contextmanager
def bench_client(engine: Engine) -> Iterator[tuple[TestClient, ServerTimer]]:
    from app.main import create_app

    application = create_app(run_scheduler=False)

    def session_override() -> Iterator[Session]:
        with Session(engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    application.dependency_overrides[get_session] = session_override
    timer = ServerTimer(application)
    with TestClient(timer, base_url="https://bench") as client:  # type: ignore[arg-type]
        # As `kennisbank serve` does in each worker (app.main.create_served_app); unfrozen after,
        # so that a test running this benchmark does not keep the application alive.
        gc.collect()
        gc.freeze()
        try:
            yield client, timer
        finally:
            gc.unfreeze()


def measure(
    backend: str, engine: Engine, slugs: list[str], requests: int, report: Callable[[str], None],
) -> list[PageFigures]:
    rng = random.Random(11)
    figures = []
    with bench_client(engine) as (client, timer):
        for role in (Role.medewerker, Role.kwaliteit):
            with Session(engine) as session:
                user = accounts_service.create_user(
                    session, email=f"bench-{role}-{secrets.token_hex(3)}@example.org", name=f"Bench {role}",
                    role=role.value, password=secrets.token_urlsafe(16),
                    function="klantbegeleider" if role == Role.medewerker else None,
                )
                token = accounts_service.start_session(session, get_settings(), user, method="password")
                session.commit()
            client.cookies.set(SESSION_COOKIE, token)
            urls: dict[str, Callable[[], str]] = {
                "start": lambda: "/",
                "infographic": lambda: "/themas/overzicht",
                "thema (pagina 1)": lambda: f"/themas/thema-{rng.randrange(THEMES)}",
                "thema (pagina 10)": lambda: f"/themas/thema-{rng.randrange(THEMES)}?page=10",
                "item": lambda: f"/items/{rng.choice(slugs)}",
            }
            for page, url in urls.items():
                for _ in range(10):  # warm-up: templates compiled, caches filled
                    client.get(url())
                server, seen = [], []
                for _ in range(requests):
                    start = time.perf_counter()
                    response = client.get(url())
                    seen.append((time.perf_counter() - start) * 1000)
                    assert response.status_code == 200, (page, response.status_code)
                    server.append(timer.last_ms)
                f = PageFigures(backend, len(slugs), str(role), page, _percentile(server, 50),
                                _percentile(server, 95), _percentile(server, 99), statistics.median(seen))
                figures.append(f)
                report(f"{backend} · {role} · {page}: p50 {f.p50:.1f} / p95 {f.p95:.1f} / p99 {f.p99:.1f} ms")
    return figures


def postgres_engine(url: str) -> tuple[Engine, Callable[[], None]]:
    """An engine on a schema of its own in the given PostgreSQL database, and its cleanup."""
    schema = f"kbbench_{secrets.token_hex(4)}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in url else "?"
    engine = make_engine(f"{url}{sep}options=-csearch_path%3D{schema}")

    def cleanup() -> None:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return engine, cleanup


def table(figures: list[PageFigures]) -> str:
    lines = [
        "| database | role | page | server p50 / p95 / p99 | seen by the client, p50 |",
        "|---|---|---|---:|---:|",
    ]
    for f in figures:
        lines.append(f"| {f.backend} | {f.role} | {f.page} | {f.p50:.1f} / {f.p95:.1f} / {f.p99:.1f} ms | {f.client_p50:.1f} ms |")
    return "\n".join(lines)


def write_markdown(path: Path, figures: list[PageFigures], requests: int, build: dict[str, float]) -> None:
    target = [f for f in figures if f.page in ("start", "thema (pagina 1)", "item")]
    worst = max(target, key=lambda f: f.p95)
    verdict = (
        f"Target p95 ≤ 50 ms for home, theme and item pages at {figures[0].items:,} items: worst "
        f"p95 = {worst.p95:.1f} ms ({worst.backend}, {worst.role}, {worst.page}): "
        f"{'met' if worst.p95 <= 50 else 'NOT met'}."
    )
    filled = "; ".join(f"{name} {seconds:.0f} s" for name, seconds in build.items())
    section = f"""## Pages (`kennisbank bench pages`)

Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}.
{figures[0].items:,} published items in 12 themes (synthetic Dutch text, Markdown bodies of
about 200 words, published over two years; filling took {filled}). Each page {requests} times
after 10 warm-up requests, in-process through the ASGI application, logged in; the item page
picks a random item each time, the theme page a random theme. "Server" is measured inside the
application from the request's arrival to its last byte (routing, session, queries, templates,
gzip); the client column adds the in-process HTTP client.

{verdict}

{table(figures)}"""
    write_section(path, "pages", section)
