"""Keeping the index in step with the database: a durable outbox, drained by one writer.

A transaction that changes items (the wiki marks them in session.info) also writes a row per
item into `search_outbox`, so the database never holds a change the index cannot learn of.
Once the commit has succeeded the request wakes this process's drainer thread and answers: a
save never waits for the index. The drainer takes the index's writer lock (one writer across
threads and processes), reads every waiting row, writes the items as the database holds them
now in one index commit, and deletes those rows. Saves that arrive together share one commit.
Until a row is gone, searches take that item from the database instead of from the index
(app/search/overlay.py), so a search right after a save's answer finds the change, in every
process. A drain that could not run (a full disk, a lock held by a rebuild) leaves its rows
for the next drain, the planner's minute, the start of the service or `kennisbank reindex`.
"""

import atexit
import logging
import os
import threading
import time
from collections.abc import Callable

from sqlalchemy import delete, event, func
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from app.config import get_settings
from app.search.documents import document, plain_text  # noqa: F401 - where callers find them
from app.search.index import Document, IndexUnavailable, SearchIndex
from app.search.models import SearchOutbox
from app.search.postgres import PostgresSearch
from app.wiki import service as wiki_service
from app.wiki.models import ItemStatus

log = logging.getLogger("kennisbank.search")
_PENDING = "kennisbank.search_outbox_written"
_active: "SearchIndex | PostgresSearch | None" = None
_lock = threading.Lock()


Backend = SearchIndex | PostgresSearch


def get_index() -> Backend:
    """This process's search backend (KENNISBANK_SEARCH_BACKEND): the Whoosh index in the data
    folder, or the search tables in PostgreSQL."""
    global _active
    with _lock:
        if _active is None:
            settings = get_settings()
            if settings.search_backend == "postgresql":
                _active = PostgresSearch()
            else:
                _active = SearchIndex(settings.data_dir / "zoekindex")
        return _active


def warm_up() -> None:
    """Open the index and load the Dutch analysis (its word lists take a second or two) before
    the first search, not during it."""
    try:
        index = get_index()
        if isinstance(index, SearchIndex):
            index.searcher()
        for field in ("title", "parts", "spell"):
            list(index.schema[field].analyzer("schuldhulpverlening beslagvrije voet"))
    except IndexUnavailable as exc:
        log.warning("Zoekindex niet geopend bij de start (%s)", exc)


def use_index(index: Backend | None) -> None:
    """Point this process at another index (tests, benchmarks)."""
    global _active
    with _lock:
        _active = index


# --- transaction hooks -----------------------------------------------------------------------

# How long a request waits for the index's writer lock after its commit (a rebuild holds it
# throughout); past that its rows wait for the next drain, at the latest the planner's minute.
DRAIN_WAIT = 60.0
BATCH = 500
# How long the drainer lets saves gather before it writes them: one index commit for several
# saves. Searches meanwhile take waiting items from the database (overlay.py), so nobody sees
# the delay; each commit costs a new segment, a merge now and then and a fresh searcher in
# every process (a fifth of the service's processor time under the load benchmark).
PAUSE = 1.0


def _before_commit(session: OrmSession) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the outer transaction's commit decides
    changed = session.info.pop(wiki_service.CHANGED_ITEMS, None)
    renamed = session.info.pop(wiki_service.RENAMED_ITEMS, set())
    if changed:
        session.flush()
        backend = get_index()
        if isinstance(backend, PostgresSearch) and session.get_bind().dialect.name == "postgresql":
            # Search is in the database: the rows change with the items, in this transaction.
            backend.write(session, changed)  # type: ignore[arg-type]
            return
        for item_id, slug in wiki_service.slugs_by_id(session, set(changed)).items():  # type: ignore[arg-type]
            session.add(SearchOutbox(item_id=item_id, slug=slug))
        for item_id, old_slug in sorted(renamed):
            # A row under the old address: the drain takes that document out of the index.
            session.add(SearchOutbox(item_id=item_id, slug=old_slug))
        session.flush()
        session.info[_PENDING] = True


def _after_commit(session: OrmSession) -> None:
    if session.in_nested_transaction():
        return
    if session.info.pop(_PENDING, False):
        bind = session.get_bind()
        if isinstance(bind, Engine):
            drainer.wake(bind)
        else:
            # A session inside a connection's transaction (the tests' rolled-back one): no
            # other connection can see its rows, so drain on that connection, now.
            drain(bind)


def _after_rollback(session: OrmSession) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(wiki_service.CHANGED_ITEMS, None)
    session.info.pop(wiki_service.RENAMED_ITEMS, None)


def install() -> None:
    """Register the hooks once per process."""
    if not event.contains(OrmSession, "before_commit", _before_commit):
        event.listen(OrmSession, "before_commit", _before_commit)
        event.listen(OrmSession, "after_commit", _after_commit)
        event.listen(OrmSession, "after_soft_rollback", _after_soft_rollback)


def _after_soft_rollback(session: OrmSession, previous) -> None:  # type: ignore[no-untyped-def]
    if not previous.nested:  # a rolled-back savepoint leaves the outer transaction's changes
        _after_rollback(session)


def _session(bind: Engine | Connection) -> Session:
    # Bound to a connection (the tests' rolled-back transaction): work in a savepoint of it.
    return Session(bind=bind, join_transaction_mode="create_savepoint", expire_on_commit=False)


def drain(bind: Engine | Connection, index: Backend | None = None, wait: float = DRAIN_WAIT) -> int:
    """Bring every waiting change into the index; returns how many rows it took. Never raises:
    the database is committed, and what is not drained now is drained later.

    The rows are deleted before the writer lock is let go: a drain of another process that
    read them in between would write them all again, and under load a backlog grew that way
    (each drain rewrote every row not yet deleted). Holding the lock while waiting for the
    database's write lock only delays other drains: no request waits for this lock."""
    index = index or get_index()
    if isinstance(index, PostgresSearch):
        return 0  # written with each item: nothing waits
    try:
        with index.writing(wait) as locked:
            if not locked:
                log.warning("Zoekindex bezet; de wijziging volgt bij de volgende verwerking")
                return 0
            taken = _drain_locked(bind, index)
            _forget(bind, taken)
        return len(taken)
    except IndexUnavailable as exc:
        log.warning("Zoekindex niet bijgewerkt (%s); herstel volgt bij de start of met reindex", exc)
    except Exception:  # noqa: BLE001 - the database is committed; the outbox keeps the change
        log.exception("Zoekindex niet bijgewerkt; de wachtrij blijft staan")
    return 0


def _drain_locked(bind: Engine | Connection, index: SearchIndex) -> list[int]:
    """drain() for a caller that holds the writer lock: writes what the outbox holds into the
    index and returns the rows it took, for the caller to delete."""
    taken: list[int] = []
    while True:
        with _session(bind) as session:
            # The outbox first, the items after: a row seen here belongs to a committed change
            # that the read of the items sees too.
            last = taken[-1] if taken else 0
            rows = list(session.exec(
                select(SearchOutbox).where(col(SearchOutbox.id) > last)
                .order_by(col(SearchOutbox.id)).limit(BATCH)
            ))
            current = {r.item.id: r for r in wiki_service.index_rows(session, {r.item_id for r in rows})}
            session.commit()  # let go of the read snapshot before the slow part
        if not rows:
            return taken
        upserts: dict[str, Document] = {}
        deletes: dict[str, int] = {}
        for row in rows:
            now = current.get(row.item_id)
            if now is None or now.item.slug != row.slug:
                deletes[row.slug] = 2**31  # deleted or renamed: the old document goes
            if now is not None:
                if now.item.status == ItemStatus.published:
                    upserts[now.item.slug] = document(now)
                else:
                    deletes[now.item.slug] = now.item.version
        index.write_unlocked(list(upserts.values()), list(deletes.items()))
        taken += [r.id for r in rows]  # type: ignore[misc]
        if len(rows) < BATCH:
            return taken


class Drainer:
    """This process's background drain: one thread, woken after each commit that wrote outbox
    rows. It waits PAUSE seconds for more saves first (unless someone waits for it), and wakes
    that arrive while it drains are served by one more drain, not one each."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._asked = 0  # wakes so far
        self._done = 0  # wakes the finished drains covered
        self._hurry = False  # someone waits for the drain: no pause
        self._engine: Engine | None = None
        self._thread: threading.Thread | None = None
        self._pid = 0

    def wake(self, engine: Engine, hurry: bool = False) -> None:
        with self._cond:
            self._engine = engine
            self._asked += 1
            self._hurry = self._hurry or hurry
            if self._thread is None or not self._thread.is_alive() or self._pid != os.getpid():
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._run, name="zoekindex-drain", daemon=True)
                self._thread.start()
                # A command that saves and ends (an import, the demo) leaves nothing behind.
                atexit.register(self.wait_idle, DRAIN_WAIT + 30.0)
            self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._done == self._asked:
                    self._cond.wait()
                deadline = time.monotonic() + PAUSE
                while not self._hurry and (left := deadline - time.monotonic()) > 0:
                    self._cond.wait(left)
                self._hurry = False
                target, engine = self._asked, self._engine
            try:
                drain(engine)  # type: ignore[arg-type]
            finally:
                with self._cond:
                    self._done = target
                    if self._done == self._asked:
                        # A wait_idle() during this drain asked to hurry a drain that is now
                        # done: the next save's pause must not be skipped for it.
                        self._hurry = False
                    self._cond.notify_all()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until every wake so far has been drained (tests, benchmarks, shutting down)."""
        with self._cond:
            target = self._asked
            if self._done < target:
                self._hurry = True
                self._cond.notify_all()
            return self._cond.wait_for(lambda: self._done >= target, timeout)


drainer = Drainer()


def _after_fork_in_child() -> None:
    # A forked child (not uvicorn's workers: they are spawned) inherits locks that another
    # thread may have held at the fork: start with fresh ones.
    global drainer, _active, _lock
    drainer._done = drainer._asked  # its thread did not come along: nothing to wait for at exit
    drainer = Drainer()
    _active = None
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)


def pending_changes(session: Session, limit: int) -> list[SearchOutbox]:
    """The outbox as this session sees it, oldest first, at most `limit` rows."""
    return list(session.exec(select(SearchOutbox).order_by(col(SearchOutbox.id)).limit(limit)))


def pending(bind: Engine | Connection) -> int:
    """Changes the index has not taken in yet."""
    with _session(bind) as session:
        return session.exec(select(func.count()).select_from(SearchOutbox)).one()


# --- rebuilding and repairing ----------------------------------------------------------------


def _published_rows(engine: Engine) -> tuple[list[wiki_service.IndexRow], list[int]]:
    """Every published item, and the outbox rows they cover (read first: a row seen belongs to
    a change the read of the items sees). Read everything and let go of the database before
    the slow part, building the index."""
    with Session(engine, expire_on_commit=False) as session:
        queued = list(session.exec(select(SearchOutbox.id)))
        rows = [r for r in wiki_service.index_rows(session) if r.item.status == ItemStatus.published]
        session.commit()
    return rows, queued  # type: ignore[return-value]


def _forget(bind: Engine | Connection, outbox_ids: list[int]) -> None:
    """Delete outbox rows the index holds now."""
    if not outbox_ids:
        return
    with _session(bind) as session:
        for start in range(0, len(outbox_ids), BATCH):
            chunk = outbox_ids[start:start + BATCH]
            session.exec(delete(SearchOutbox).where(col(SearchOutbox.id).in_(chunk)))  # type: ignore[call-overload]
        session.commit()


def _rebuild_locked(
    engine: Engine, index: SearchIndex, progress: Callable[[int, int], None] | None = None
) -> tuple[int, list[int]]:
    """Rebuild; returns the count and the outbox rows it covered, to forget after the lock."""
    rows, queued = _published_rows(engine)
    count = index.rebuild(
        (document(r) for r in rows), (lambda n: progress(n, len(rows))) if progress else None
    )
    return count, queued


def rebuild(engine: Engine, index: Backend, progress: Callable[[int, int], None] | None = None) -> int:
    if isinstance(index, PostgresSearch):
        return index.rebuild(engine, progress)
    # Read the database only once writers are held off: a change committed after this read
    # stays in the outbox and is drained into the new index, not into the old one that the
    # swap throws away.
    with index.exclusive():
        count, queued = _rebuild_locked(engine, index, progress)
    _forget(engine, queued)
    return count


def ensure(engine: Engine, index: Backend) -> str:
    """At start-up: rebuild a missing, corrupt or outdated index, take in the outbox, and repair
    documents whose version differs from the database's. Safe from several processes at once.
    Returns what it did, in Dutch."""
    if isinstance(index, PostgresSearch):
        return index.ensure(engine)
    with index.exclusive():
        problem = index.problem()
        if problem is not None:
            count, queued = _rebuild_locked(engine, index)
            message = f"Zoekindex opnieuw opgebouwd ({problem}): {count} items."
        else:
            queued = _drain_locked(engine, index)
            message = _repair_locked(engine, index, len(queued))
    _forget(engine, queued)
    return message


def _repair_locked(engine: Engine, index: SearchIndex, drained: int) -> str:
    with Session(engine) as session:
        wanted = wiki_service.published_versions(session)
        session.commit()
    indexed = index.versions()
    stale = {s for s, v in wanted.items() if indexed.get(s) != v}
    extra = [(s, v) for s, v in indexed.items() if s not in wanted]
    if not stale and not extra:
        waited = f" ({drained} wijzigingen uit de wachtrij verwerkt)" if drained else ""
        return f"Zoekindex is actueel: {len(wanted)} items{waited}."
    rows, _ = _published_rows(engine)
    upserts = [document(r) for r in rows if r.item.slug in stale]
    # Repairs follow the database, whatever version the index holds.
    index.write_unlocked([], [(slug, 2**31) for slug in stale])
    index.write_unlocked(upserts, [(slug, 2**31) for slug, _ in extra])
    return f"Zoekindex bijgewerkt: {len(upserts)} items vernieuwd, {len(extra)} verwijderd."


def readiness_problem(engine: Engine) -> str | None:
    """Why this process's search cannot serve (for /readyz), or None."""
    index = get_index()
    if isinstance(index, PostgresSearch):
        return index.problem(engine)
    problem = index.problem()
    # Words only, no exception's name: /readyz answers anyone who reaches it.
    return f"zoekindex {problem.split(' (')[0]}" if problem else None
