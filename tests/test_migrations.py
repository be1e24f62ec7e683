"""The migrations and the models agree, and the migrations run both ways, on both backends."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app import migrate
from app.db import metadata
from tests.conftest import BACKENDS


@pytest.mark.parametrize("fresh_database", BACKENDS, indirect=True)
def test_autogenerate_finds_no_difference(fresh_database):
    engine, _ = fresh_database
    migrate.upgrade(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "render_as_batch": conn.dialect.name == "sqlite",
                        "include_object": migrate.include_object}
        )
        assert compare_metadata(context, metadata) == []


@pytest.mark.parametrize("fresh_database", BACKENDS, indirect=True)
def test_upgrade_downgrade_upgrade(fresh_database):
    engine, _ = fresh_database
    migrate.upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"theme", "item", "revision", "user", "team"} <= tables
    migrate.downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(engine)
    assert set(inspect(engine).get_table_names()) == tables
