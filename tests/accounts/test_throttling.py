"""Login throttling per account and address, also under parallel attempts."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import Session, col, func, select

from app import migrate
from app.accounts import service
from app.accounts.models import LoginAttempt
from app.config import get_settings
from tests.conftest import BACKENDS, new_database
from tests.factories import PASSWORD, make_user


def attempt(db, email, password, address):  # type: ignore[no-untyped-def]
    try:
        return service.authenticate_password(db, get_settings(), email, password, address)
    except service.LoginThrottled:
        return "throttled"


def test_a_stranger_cannot_lock_a_colleague_out(db):
    make_user(db, email="collega@example.org")
    for _ in range(5):
        assert attempt(db, "collega@example.org", "fout-fout-fout", "10.0.0.66") is None
    assert attempt(db, "collega@example.org", PASSWORD, "10.0.0.66") == "throttled"
    # From the colleague's own address the account still works.
    assert attempt(db, "collega@example.org", PASSWORD, "10.0.0.7") is not None


def test_guessing_from_many_addresses_is_capped_per_account(db):
    make_user(db, email="doel@example.org")
    for n in range(50):
        attempt(db, "doel@example.org", "fout-fout-fout", f"10.1.0.{n}")
    assert attempt(db, "doel@example.org", PASSWORD, "10.2.0.1") == "throttled"


@pytest.mark.parametrize("backend", BACKENDS)
def test_parallel_guesses_cannot_pass_the_count(backend):
    engine, _, cleanup = new_database(backend)
    try:
        migrate.upgrade(engine)
        with Session(engine) as s:
            make_user(s, email="race@example.org")
            s.commit()

        def guess(_n: int) -> object:
            with Session(engine) as s:
                result = attempt(s, "race@example.org", "fout-fout-fout", "10.9.9.9")
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
