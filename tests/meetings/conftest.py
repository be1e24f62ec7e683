"""Meetings tests that run the planner the way the service does: its own sessions and commits,
on a database of their own (SQLite and PostgreSQL), with a clock the test moves."""

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from app import migrate
from tests.conftest import BACKENDS, new_database


@pytest.fixture(params=BACKENDS)
def planner_db(request: pytest.FixtureRequest) -> Iterator[tuple[Engine, str]]:
    """A fresh, migrated database: (engine, url)."""
    engine, url, cleanup = new_database(request.param)
    migrate.upgrade(engine)
    yield engine, url
    cleanup()  # type: ignore[operator]
