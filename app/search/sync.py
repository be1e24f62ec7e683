"""Keeping the index in step with the database.

The wiki marks the items a transaction changed (session.info); just before the commit we read
them, and once the commit has succeeded we write them to the index, before the request's
response is sent. A failed index write leaves the database as it is; it is repaired in the
background as soon as a search notices (service._repair_later), at the next start, or by
`kennisbank reindex`. Search shows only what the database holds.
"""

import html
import logging
import threading
from collections.abc import Callable, Iterator

import nh3
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

from app.config import get_settings
from app.search.index import Document, IndexUnavailable, SearchIndex
from app.wiki import service as wiki_service
from app.wiki.markdown import render as render_markdown
from app.wiki.models import ItemStatus

log = logging.getLogger("kennisbank.search")
_PENDING = "kennisbank.search_pending"
_active: SearchIndex | None = None
_lock = threading.Lock()


def get_index() -> SearchIndex:
    global _active
    with _lock:
        if _active is None:
            _active = SearchIndex(get_settings().data_dir / "zoekindex")
        return _active


def use_index(index: SearchIndex | None) -> None:
    """Point this process at another index (tests, benchmarks)."""
    global _active
    with _lock:
        _active = index


def plain_text(markdown: str) -> str:
    return html.unescape(nh3.clean(render_markdown(markdown), tags=set()))


def document(row: wiki_service.IndexRow) -> Document:
    item = row.item
    text = f"{plain_text(item.body)}\n{item.dossier_meaning}\n{' '.join(item.tags)}"
    return Document(
        slug=item.slug,
        version=item.version,
        title=item.title,
        summary=item.summary,
        text=text,
        theme=row.theme_slug,
        audience=item.audience,
        published=item.published_at or item.updated_at,
    )


def _split(rows: list[wiki_service.IndexRow]) -> tuple[list[Document], list[tuple[str, int]]]:
    upserts = [document(r) for r in rows if r.item.status == ItemStatus.published]
    deletes = [(r.item.slug, r.item.version) for r in rows if r.item.status != ItemStatus.published]
    return upserts, deletes


# --- transaction hooks -----------------------------------------------------------------------


def _before_commit(session: OrmSession) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the outer transaction's commit decides
    changed = session.info.pop(wiki_service.CHANGED_ITEMS, None)
    if changed:
        session.flush()
        rows = wiki_service.index_rows(session, set(changed))  # type: ignore[arg-type]
        pending = session.info.setdefault(_PENDING, ([], []))
        upserts, deletes = _split(rows)
        pending[0].extend(upserts)
        pending[1].extend(deletes)


def _after_commit(session: OrmSession) -> None:
    if session.in_nested_transaction():
        return
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    try:
        get_index().apply(*pending)
    except IndexUnavailable as exc:
        log.warning("Zoekindex niet bijgewerkt (%s); herstel volgt bij de start of met reindex", exc)
    except Exception:  # noqa: BLE001 - the database is committed; the index is repaired later
        log.exception("Zoekindex niet bijgewerkt; wordt hersteld bij de volgende start")


def _after_rollback(session: OrmSession) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(wiki_service.CHANGED_ITEMS, None)


def install() -> None:
    """Register the hooks once per process."""
    if not event.contains(OrmSession, "before_commit", _before_commit):
        event.listen(OrmSession, "before_commit", _before_commit)
        event.listen(OrmSession, "after_commit", _after_commit)
        event.listen(OrmSession, "after_soft_rollback", _after_soft_rollback)


def _after_soft_rollback(session: OrmSession, previous) -> None:  # type: ignore[no-untyped-def]
    if not previous.nested:  # a rolled-back savepoint leaves the outer transaction's changes
        _after_rollback(session)


# --- rebuilding and repairing ----------------------------------------------------------------


def _published_rows(engine: Engine) -> list[wiki_service.IndexRow]:
    """Read everything first and let go of the database (SQLite: its write lock) before the
    slow part, building the index."""
    with Session(engine, expire_on_commit=False) as session:
        rows = [r for r in wiki_service.index_rows(session) if r.item.status == ItemStatus.published]
        session.commit()
    return rows


def _all_documents(engine: Engine) -> Iterator[Document]:
    return (document(row) for row in _published_rows(engine))


def rebuild(engine: Engine, index: SearchIndex, progress: Callable[[int, int], None] | None = None) -> int:
    # Read the database only once writers are held off: a change committed after this read
    # waits for the lock and is then applied to the new index, instead of to the old one that
    # the swap throws away.
    with index.exclusive():
        rows = _published_rows(engine)
        return index.rebuild(
            (document(r) for r in rows), (lambda n: progress(n, len(rows))) if progress else None
        )


def ensure(engine: Engine, index: SearchIndex) -> str:
    """At start-up: rebuild a missing, corrupt or outdated index, or repair stale documents.
    Safe from several processes at once. Returns what it did, in Dutch."""
    with index.exclusive():
        problem = index.problem()
        if problem is not None:
            count = index.rebuild(_all_documents(engine))
            return f"Zoekindex opnieuw opgebouwd ({problem}): {count} items."
        with Session(engine) as session:
            wanted = wiki_service.published_versions(session)
            session.commit()
        indexed = index.versions()
        stale = {s for s, v in wanted.items() if indexed.get(s) != v}
        extra = [(s, v) for s, v in indexed.items() if s not in wanted]
        if not stale and not extra:
            return f"Zoekindex is actueel: {len(wanted)} items."
        upserts = [document(r) for r in _published_rows(engine) if r.item.slug in stale]
        # Repairs follow the database, whatever version the index holds.
        index.write_unlocked([], [(slug, 2**31) for slug in stale])
        index.write_unlocked(upserts, [(slug, 2**31) for slug, _ in extra])
        return f"Zoekindex bijgewerkt: {len(upserts)} items vernieuwd, {len(extra)} verwijderd."
