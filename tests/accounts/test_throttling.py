"""Login throttling: limits per address and per account-and-address, a growing delay for the
account as a whole; never a lockout of a colleague by a stranger, also under parallel attempts,
and the slow password check outside any write lock."""

import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app import migrate
from app.accounts import routes as account_routes
from app.accounts import service
from app.accounts.models import LoginAttempt
from app.config import get_settings
from app.db import get_session, make_engine
from app.main import create_app
from tests.conftest import BACKENDS, new_database
from tests.factories import PASSWORD, browser, make_user, post_form

WRONG = "fout-fout-fout"


def attempt(db, email, password, address):  # type: ignore[no-untyped-def]
    try:
        return service.authenticate_password(db, get_settings(), email, password, address)
    except service.LoginThrottled:
        return "throttled"


def delay_of(db, email, password, address) -> float:  # type: ignore[no-untyped-def]
    return service.login_with_password(db, get_settings(), email, password, address).delay


def test_guessing_from_one_address_is_refused_there_only(db):
    make_user(db, email="collega@example.org")
    for _ in range(5):
        assert attempt(db, "collega@example.org", WRONG, "10.0.0.66") is None
    assert attempt(db, "collega@example.org", PASSWORD, "10.0.0.66") == "throttled"
    # From the colleague's own address the account still works.
    assert attempt(db, "collega@example.org", PASSWORD, "10.0.0.7") is not None


def failed_before(db, email: str, address: str) -> None:  # type: ignore[no-untyped-def]
    """A failed attempt as the service records it (argon2 is too slow to run fifty times)."""
    db.add(LoginAttempt(email=email, address=address, succeeded=False))
    db.flush()


def test_a_stranger_on_changing_addresses_cannot_lock_a_colleague_out(db):
    make_user(db, email="doel@example.org")
    for n in range(3):
        assert attempt(db, "doel@example.org", WRONG, f"10.1.0.{n}") is None
    for n in range(3, 60):
        failed_before(db, "doel@example.org", f"10.1.0.{n}")
    # The account is being guessed at: it slows down, a bounded delay, but a correct password
    # from an address that has not failed itself always works.
    result = service.login_with_password(db, get_settings(), "doel@example.org", PASSWORD, "10.2.0.1")
    assert result.user is not None
    assert result.delay == get_settings().login_max_delay_seconds


def test_the_account_wide_delay_grows_and_is_bounded(db):
    make_user(db, email="traag@example.org")
    free = get_settings().login_max_failures_per_account
    delays = [delay_of(db, "traag@example.org", WRONG, f"10.3.0.{n}") for n in range(free + 6)]
    assert delays[:free + 1] == [0.0] * (free + 1)  # a colleague's own typing errors cost nothing
    grown = delays[free + 1:]
    assert grown == sorted(grown) and grown[0] > 0
    assert grown[-1] == get_settings().login_max_delay_seconds
    # The right password waits as long as a wrong one: the delay reveals nothing.
    assert delay_of(db, "traag@example.org", PASSWORD, "10.3.1.1") == grown[-1]
    # An account nobody guesses at is not slowed down.
    make_user(db, email="snel@example.org")
    assert delay_of(db, "snel@example.org", PASSWORD, "10.3.1.1") == 0.0


def test_a_shared_address_with_many_failures_does_not_block_a_correct_password(db):
    """Twenty failures from one address (a NAT shared by a department): that address may no
    longer try the accounts it has been failing on, but a colleague behind it whose account it
    did not fail on logs in."""
    make_user(db, email="nat-collega@example.org")
    make_user(db, email="gok0@example.org")
    assert attempt(db, "gok0@example.org", WRONG, "10.4.0.1") is None
    for n in range(1, 20):
        failed_before(db, f"gok{n}@example.org", "10.4.0.1")
    assert attempt(db, "gok0@example.org", PASSWORD, "10.4.0.1") == "throttled"
    assert attempt(db, "nat-collega@example.org", PASSWORD, "10.4.0.1") is not None
    # Guessing on at a new account: one guess, then that account is refused from here too.
    assert attempt(db, "nieuw@example.org", WRONG, "10.4.0.1") is None
    assert attempt(db, "nieuw@example.org", WRONG, "10.4.0.1") == "throttled"
    # From elsewhere every account works.
    assert attempt(db, "gok0@example.org", PASSWORD, "10.4.0.2") is not None


def race_engine(kind: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    # The app's own engines: on SQLite deferred transactions that take the write lock at the
    # first write (app/db.py), which the login path must be right under.
    engine, _, cleanup = new_database(kind)
    return engine, cleanup


@pytest.mark.parametrize("kind", BACKENDS)
def test_parallel_guesses_cannot_pass_the_count(kind, tmp_path):
    engine, cleanup = race_engine(kind, tmp_path)
    try:
        migrate.upgrade(engine)
        with Session(engine) as s:
            make_user(s, email="race@example.org")
            s.commit()

        def guess(_n: int) -> object:
            with Session(engine) as s:
                result = attempt(s, "race@example.org", WRONG, "10.9.9.9")
                s.commit()
                return result

        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(guess, range(16)))
        assert results.count(None) == 5  # exactly five passwords were checked
        assert results.count("throttled") == 11
        with Session(engine) as s:
            failures = s.exec(select(func.count()).select_from(LoginAttempt).where(
                col(LoginAttempt.succeeded).is_(False))).one()
        assert failures == 5
    finally:
        cleanup()  # type: ignore[operator]


def write_lock_is_free(path: Path) -> bool:
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()


class RecordingHasher:
    """The real hasher, noting at each check which writes had been sent and whether another
    connection could write meanwhile."""

    def __init__(self, real, path: Path, statements: list[str]):  # type: ignore[no-untyped-def]
        self.real, self.path, self.statements, self.checks = real, path, statements, []

    def verify(self, hash_: str, password: str) -> bool:
        writes = [s for s in self.statements if s.split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]
        self.checks.append((writes, write_lock_is_free(self.path)))
        return self.real.verify(hash_, password)

    def __getattr__(self, name):  # type: ignore[no-untyped-def]
        return getattr(self.real, name)


@pytest.fixture
def deferred_app(tmp_path) -> Iterator[tuple[TestClient, Engine, Path]]:
    path = tmp_path / "kb.db"
    engine = make_engine(f"sqlite:///{path}")  # deferred transactions, as the service runs
    migrate.upgrade(engine)
    application = create_app()

    def session() -> Iterator[Session]:
        with Session(engine, expire_on_commit=False) as s:
            try:
                yield s
                s.commit()
            except BaseException:
                s.rollback()
                raise

    application.dependency_overrides[get_session] = session
    with TestClient(application, base_url="https://testserver") as client:
        yield client, engine, path
    engine.dispose()


def test_the_password_is_checked_before_any_write_and_the_delay_waits_outside_the_transaction(
    deferred_app, monkeypatch
):
    client, engine, path = deferred_app
    with Session(engine) as s:
        make_user(s, email="slot@example.org")
        s.commit()
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *_a: statements.append(statement))
    hasher = RecordingHasher(service._hasher, path, statements)
    monkeypatch.setattr(service, "_hasher", hasher)
    pauses: list[tuple[float, bool]] = []

    async def pause(seconds: float) -> None:
        pauses.append((seconds, write_lock_is_free(path)))

    monkeypatch.setattr(account_routes, "pause", pause)
    token = browser(client)

    def from_address(address: str) -> TestClient:
        other = TestClient(client.app, base_url="https://testserver", client=(address, 5000))
        other.cookies = client.cookies
        return other

    for n in range(get_settings().login_max_failures_per_account + 2):
        statements.clear()
        response = post_form(from_address(f"10.5.0.{n}"), "/login",
                             {"email": "slot@example.org", "password": WRONG}, token)
        assert response.status_code == 401
    statements.clear()
    response = post_form(from_address("10.5.1.1"), "/login",
                         {"email": "slot@example.org", "password": PASSWORD}, token)
    assert response.status_code == 303
    # Every check ran before the attempt was written, with the write lock free for others.
    assert hasher.checks and all(writes == [] and free for writes, free in hasher.checks)
    # The account is being guessed at: the answer waited, after the transaction had ended.
    assert pauses and pauses[-1][0] > 0 and all(free for _, free in pauses)


def recorded_addresses(db) -> list[str]:  # type: ignore[no-untyped-def]
    return [a.address for a in db.exec(select(LoginAttempt).order_by(col(LoginAttempt.id)))]


def test_x_forwarded_for_counts_only_from_a_trusted_proxy(app, db):
    make_user(db, email="proxy@example.org")
    # The app itself never reads X-Forwarded-For: the address is the connection's.
    with TestClient(app, base_url="https://testserver", client=("10.6.0.1", 5000)) as direct:
        token = browser(direct)
        post_form(direct, "/login", {"email": "proxy@example.org", "password": WRONG}, token,
                  headers={"x-forwarded-for": "10.6.6.6"})
    # Behind uvicorn's proxy handling (KENNISBANK_FORWARDED_ALLOW_IPS): believed from the
    # proxy, ignored from anyone else.
    proxied = ProxyHeadersMiddleware(app, trusted_hosts="10.6.0.2")
    for peer in ("10.6.0.2", "10.6.0.3"):
        with TestClient(proxied, base_url="https://testserver", client=(peer, 5000)) as via:
            token = browser(via)
            post_form(via, "/login", {"email": "proxy@example.org", "password": WRONG}, token,
                      headers={"x-forwarded-for": "10.6.7.7"})
    assert recorded_addresses(db) == ["10.6.0.1", "10.6.7.7", "10.6.0.3"]


def test_expired_sessions_and_old_attempts_are_pruned(db):
    from datetime import timedelta

    from app.accounts.models import WebSession
    from app.db import utcnow

    user = make_user(db)
    service.start_session(db, get_settings(), user, "password")
    db.add(WebSession(token_hash="0" * 64, user_id=user.id, expires_at=utcnow() - timedelta(minutes=1)))
    db.add(LoginAttempt(email="x@example.org", address="1.2.3.4", succeeded=False, at=utcnow() - timedelta(days=2)))
    db.add(LoginAttempt(email="x@example.org", address="1.2.3.4", succeeded=False))
    db.flush()
    service.prune_expired(db, get_settings())
    assert len(db.exec(select(WebSession)).all()) == 1
    assert len(db.exec(select(LoginAttempt)).all()) == 1


def test_served_processes_believe_x_forwarded_for_only_from_configured_proxies(monkeypatch):
    """By default no proxy: uvicorn would otherwise trust 127.0.0.1, so anyone on the host could
    name any address, lock colleagues out and guess without limit."""
    from app.cli import proxy_options
    from app.config import Settings

    monkeypatch.delenv("KENNISBANK_FORWARDED_ALLOW_IPS", raising=False)
    assert proxy_options(Settings())["proxy_headers"] is False
    monkeypatch.setenv("KENNISBANK_FORWARDED_ALLOW_IPS", "10.0.0.5")
    assert proxy_options(Settings()) == {"proxy_headers": True, "forwarded_allow_ips": "10.0.0.5"}
