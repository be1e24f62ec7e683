"""Engine, naming convention and the one transaction boundary of a request."""

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import datetime
from functools import lru_cache

from sqlalchemy import MetaData, event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.sql import Executable
from sqlmodel import Session, SQLModel, create_engine

from app import clock

# Stable constraint names on SQLite and PostgreSQL, so autogenerate and batch migrations agree.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION
metadata: MetaData = SQLModel.metadata


def utcnow() -> datetime:
    """Aware UTC: SQLModel's datetime columns store and return UTC. Asks app.clock, so that
    tests can move time."""
    return clock.now()


def make_engine(url: str) -> Engine:
    # Enough connections for every thread of a worker (Starlette runs 40), so that a request
    # never waits for one; on PostgreSQL fewer, since several workers share its 100.
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=40, max_overflow=20,
        )
        _enable_sqlite_transactions(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


# Set on a connection before its first BEGIN: take SQLite's write lock at once and keep it
# (the tests' outer transaction, which is rolled back at the end and cannot be split).
WRITE_LOCK_UPFRONT = "kennisbank.write_lock_upfront"
_WRITING = "kennisbank.writing"
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER", "SAVEPOINT")


def _enable_sqlite_transactions(engine: Engine) -> None:
    """SQLite, WAL: reads never wait for a writer, and a transaction takes the one write lock
    only when it writes.

    A transaction starts deferred (a read snapshot, no lock). At its first write it ends the
    snapshot and begins anew with BEGIN IMMEDIATE, which waits (busy_timeout) for the write
    lock instead of failing: upgrading an old snapshot in place would fail at once with
    SQLITE_BUSY whenever another writer committed since it began. Reads before the first
    write are then as PostgreSQL's READ COMMITTED sees them; the writes that need more guard
    themselves (the conditional UPDATE of an item's version). A savepoint counts as a write,
    since the snapshot cannot end inside one. The pysqlite driver would do neither BEGIN nor
    SAVEPOINT itself, nor foreign keys."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if connection.info.get(WRITE_LOCK_UPFRONT):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            connection.info[_WRITING] = True
        else:
            connection.exec_driver_sql("BEGIN")
            connection.info[_WRITING] = False

    @event.listens_for(engine, "before_cursor_execute")
    def _before_execute(connection, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if connection.info.get(_WRITING) is False and statement.lstrip()[:9].upper().startswith(_WRITES):
            cursor.execute("COMMIT")  # the read snapshot; nothing was written in it
            cursor.execute("BEGIN IMMEDIATE")
            connection.info[_WRITING] = True

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(connection: Connection) -> None:
        connection.info.pop(_WRITING, None)


def lock_for_writing(session: Session) -> None:
    """Take SQLite's one write lock now, so that what the transaction reads next is what it
    writes on (a check that must not race). PostgreSQL needs no such lock: there the reads that
    matter lock their rows (SELECT … FOR UPDATE)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text('UPDATE "user" SET id = id WHERE 0 = 1'))  # a write: BEGIN IMMEDIATE


def read_savepoint(session: Session) -> AbstractContextManager[object]:
    """Guard reads that may fail, so the transaction goes on after them: PostgreSQL needs a
    savepoint for that (a failed statement aborts the transaction), SQLite does not, and there
    a savepoint would take the write lock for as long as the reads take."""
    if session.get_bind().dialect.name == "postgresql":
        return session.begin_nested()
    return nullcontext()


# --- writes that wait for the commit ----------------------------------------------------------

_AT_COMMIT = "kennisbank.at_commit"


def execute_at_commit(session: Session, statement: Executable) -> None:
    """Run a small, idempotent write (a usage day, the query log) just before the commit, so
    that a page's write lock is not held while the rest of the page is made."""
    session.info.setdefault(_AT_COMMIT, []).append(statement)


@event.listens_for(OrmSession, "before_commit")
def _run_at_commit(session: OrmSession) -> None:
    if not session.in_nested_transaction():
        for statement in session.info.pop(_AT_COMMIT, []):
            session.execute(statement)


@event.listens_for(OrmSession, "after_soft_rollback")
def _forget_at_commit(session: OrmSession, previous) -> None:  # type: ignore[no-untyped-def]
    if not previous.nested:
        session.info.pop(_AT_COMMIT, None)


@lru_cache
def get_engine() -> Engine:
    from app.config import get_settings

    settings = get_settings()
    if settings.uses_embedded_database:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return make_engine(settings.effective_database_url)


@contextmanager
def session_scope() -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def get_session() -> Iterator[Session]:
    """The request's unit of work (a FastAPI dependency)."""
    with session_scope() as session:
        yield session
