"""Alembic environment: the app's metadata, batch mode on SQLite, a shared connection if given."""

from alembic import context
from sqlalchemy import engine_from_config, pool

import app.accounts.models  # noqa: F401  (registers tables)
import app.audit.models  # noqa: F401
import app.goals.models  # noqa: F401
import app.inbox.models  # noqa: F401
import app.meetings.models  # noqa: F401
import app.plan.models  # noqa: F401
import app.questions.models  # noqa: F401
import app.search.models  # noqa: F401
import app.usage.models  # noqa: F401
import app.wiki.models  # noqa: F401
from app.db import metadata
from app.migrate import include_object

config = context.config


def _configure(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    engine = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with engine.connect() as connection:
        _configure(connection)


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
