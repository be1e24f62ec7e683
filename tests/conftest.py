"""Test fixtures: every database test runs on SQLite and, when reachable, on PostgreSQL.

Each backend is migrated once per run (PostgreSQL in a schema of its own, so runs can share
the server); each test runs inside a transaction that is rolled back, with the app's session
dependency swapped for the test's session.
"""

import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

# Settings are read from the environment once: set them before the app is imported.
_DATA_DIR = Path(tempfile.mkdtemp(prefix="kennisbank-tests-"))
os.environ.update(
    KENNISBANK_DATA_DIR=str(_DATA_DIR),
    KENNISBANK_SECRET_KEY="test-secret-" + "x" * 40,
    KENNISBANK_LOAD_STARTER_CONTENT="false",
    KENNISBANK_LOAD_DEMO_ACCOUNTS="false",
    # Tests run the planner themselves, with a clock they control.
    KENNISBANK_SCHEDULER="false",
)
os.environ.pop("KENNISBANK_DATABASE_URL", None)

import psycopg  # noqa: E402
import pytest  # noqa: E402
from argon2 import PasswordHasher  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlmodel import Session  # noqa: E402

from app import migrate  # noqa: E402
from app.accounts import service as _accounts_service  # noqa: E402
from app.db import WRITE_LOCK_UPFRONT, get_session, make_engine  # noqa: E402
from app.main import create_app  # noqa: E402

# Hash passwords cheaply in this process: argon2's real cost (64 MiB, three passes) is there to
# slow an attacker, and would make every login of the suite wait. Processes that tests start
# (live servers, the CLI) keep the real cost.
_accounts_service._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_URL = os.environ.get("KENNISBANK_TEST_POSTGRES_URL", DEFAULT_PG)
_pg_problem: str | None = None


def _pg_reachable() -> str | None:
    """None when PostgreSQL answers, otherwise why not."""
    try:
        plain = PG_URL.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(plain, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure means: not reachable
        return f"{type(exc).__name__}: {exc}".strip()
    return None


def pytest_configure(config: pytest.Config) -> None:
    global _pg_problem
    _pg_problem = _pg_reachable()
    if _pg_problem and os.environ.get("CI") == "true":
        raise pytest.UsageError(f"CI must test on PostgreSQL, but {PG_URL} is not reachable: {_pg_problem}")


def pytest_report_header(config: pytest.Config) -> str:
    if _pg_problem:
        return f"PostgreSQL: NOT reachable at {PG_URL} ({_pg_problem}); PostgreSQL tests are SKIPPED"
    return f"PostgreSQL: {PG_URL} (database tests run on SQLite and PostgreSQL)"


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # type: ignore[no-untyped-def]
    if _pg_problem:
        terminalreporter.write_line(
            f"WARNING: PostgreSQL was not reachable ({_pg_problem}); every PostgreSQL "
            "variant of the database tests was skipped.",
            yellow=True,
        )


def new_database(backend: str) -> tuple[Engine, str, object]:
    """A fresh, empty database: (engine, url, cleanup)."""
    if backend == "sqlite":
        path = Path(tempfile.mkdtemp(prefix="kb-db-")) / "test.db"
        url = f"sqlite:///{path}"
        engine = make_engine(url)
        return engine, url, engine.dispose
    if _pg_problem:
        pytest.skip(f"PostgreSQL not reachable: {_pg_problem}")
    schema = f"kbtest_{os.getpid()}_{secrets.token_hex(4)}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        # The search backend's trigram index needs pg_trgm: in public, once for every test
        # schema (created inside one, it would go when that schema is dropped).
        conn.execute(text("SELECT pg_advisory_xact_lock(4242002)"))
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    engine = make_engine(url)

    def cleanup() -> None:
        # The search index's background drain may still read this schema after a commit:
        # let it finish first, or DROP SCHEMA and its reads deadlock (seen in CI).
        from app.search import sync

        sync.drainer.wait_idle(30)
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return engine, url, cleanup


BACKENDS = ["sqlite", "postgresql"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Database tests run on both backends; a module marked `any_database` (pages, texts,
    roles: nothing that SQL decides) runs on SQLite only, to keep the suite fast."""
    if "engine" in metafunc.fixturenames:
        one = metafunc.definition.get_closest_marker("any_database") is not None
        if "search_index" in metafunc.fixturenames:
            # Search tests run on each search backend too: Whoosh on both databases (on
            # SQLite only where SQL decides nothing), search in PostgreSQL on PostgreSQL.
            combos = [("sqlite", "whoosh")] + ([] if one else [("postgresql", "whoosh")]) + [("postgresql", "postgresql")]
            metafunc.parametrize(
                ["engine", "search_backend"], combos, indirect=True, scope="session",
                ids=[f"{d}-{b}" for d, b in combos],
            )
            return
        metafunc.parametrize("engine", ["sqlite"] if one else BACKENDS, indirect=True, scope="session")


@pytest.fixture(scope="session")
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    engine, _, cleanup = new_database(request.param)
    migrate.upgrade(engine)
    yield engine
    cleanup()  # type: ignore[operator]


@pytest.fixture(params=BACKENDS, scope="module")
def real_engine(request):  # type: ignore[no-untyped-def]
    """A migrated database of each backend that tests commit to, for one module (not rolled
    back: for what needs real commits, such as a transaction that fails)."""
    engine, _, cleanup = new_database(request.param)
    migrate.upgrade(engine)
    yield engine
    cleanup()  # type: ignore[operator]


@pytest.fixture
def fresh_database(request: pytest.FixtureRequest) -> Iterator[tuple[Engine, str]]:
    """An empty, unmigrated database of the backend named by the test's `backend` param."""
    engine, url, cleanup = new_database(request.param)
    yield engine, url
    cleanup()  # type: ignore[operator]


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    connection = engine.connect()
    connection.info[WRITE_LOCK_UPFRONT] = True  # one outer transaction, rolled back at the end
    outer = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    yield session
    session.close()
    outer.rollback()
    connection.close()


@pytest.fixture
def app(db: Session):  # type: ignore[no-untyped-def]
    application = create_app()

    def session_override() -> Iterator[Session]:
        # What the test set up was "committed" before this request, as in real life, so a
        # request that fails rolls back only its own work.
        db.commit()
        try:
            yield db
            db.commit()
        except BaseException:
            db.rollback()
            raise

    application.dependency_overrides[get_session] = session_override
    return application


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    # https: the session and CSRF cookies are Secure and would not be sent back over http.
    with TestClient(app, base_url="https://testserver") as c:
        yield c


@pytest.fixture(scope="session")
def search_backend(request) -> str:  # type: ignore[no-untyped-def]
    """The search backend a search test runs on (parametrized with `engine`)."""
    return getattr(request, "param", "whoosh")


@pytest.fixture
def search_index(search_backend, tmp_path):  # type: ignore[no-untyped-def]
    """A fresh, empty search backend that this process writes to and searches, for one test:
    a Whoosh index, or (parametrized `search_backend`) the search tables of the test's
    PostgreSQL transaction."""
    from app.search import overlay, sync
    from app.search import service as search_service
    from app.search.index import SearchIndex
    from app.search.postgres import PostgresSearch

    # Item ids and versions repeat between the tests' databases: start without what another
    # test analysed or highlighted.
    overlay._cache.clear()
    search_service._snippets.clear()
    if search_backend == "postgresql":
        index = PostgresSearch()
    else:
        index = SearchIndex(tmp_path / "zoekindex")
        index.create_empty()
    sync.install()
    sync.use_index(index)
    yield index
    sync.use_index(None)
