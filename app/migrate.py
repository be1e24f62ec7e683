"""Run Alembic migrations from code: the CLI, the service's start-up and the tests use this."""

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Engine

from app.config import MIGRATIONS_DIR

# Arbitrary constant: one migrating process at a time on PostgreSQL.
_PG_LOCK_ID = 4_242_001


# Tables made by migrations only, with SQL the models cannot say (PostgreSQL's tsvector, its
# GIN and trigram indexes): the search in PostgreSQL (app/search/postgres.py). Autogenerate
# leaves them alone.
SQL_ONLY_TABLES = frozenset({"search_document", "search_word"})


def include_object(obj, name, type_, reflected, compare_to) -> bool:  # type: ignore[no-untyped-def]
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    return table not in SQL_ONLY_TABLES


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.set_main_option(
        "file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s"
    )
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _PG_LOCK_ID})
        config = alembic_config(engine.url.render_as_string(hide_password=False))
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as connection:
        config = alembic_config(engine.url.render_as_string(hide_password=False))
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
