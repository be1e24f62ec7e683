"""Whether this process can serve: the checks behind /readyz, each with a short Dutch reason."""

from functools import lru_cache

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from app import migrate
from app.search import sync as search_sync

OK = "ok"


@lru_cache(maxsize=1)
def _revisions() -> tuple[frozenset[str], frozenset[str]]:
    """The newest migration(s) this code ships, and all it knows; read once per process (that
    parses every script), so a poll costs only the query of the database's own revision."""
    scripts = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    return frozenset(scripts.get_heads()), frozenset(r.revision for r in scripts.walk_revisions())


def _migrations(current: set[str]) -> str:
    heads, known = _revisions()
    if current == heads:
        return OK
    if not current:
        return "database niet gemigreerd"
    if current - known:  # migrated by a newer release of the service
        return "database heeft een nieuwere versie dan deze dienst"
    return "database loopt achter: migratie nodig"


def checks(engine: Engine) -> dict[str, str]:
    """One connection and one small query for the database and its migrations, then search.

    Reasons name no address, URL or exception text: /readyz answers anyone who can reach it.
    """
    results: dict[str, str] = {}
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except Exception:  # noqa: BLE001 - whatever the cause, the database cannot be used
        results["database"] = "niet bereikbaar"
        results["migrations"] = "onbekend"
    else:
        results["database"] = OK
        results["migrations"] = _migrations(current)
    try:
        problem = search_sync.readiness_problem(engine)
    except Exception:  # noqa: BLE001 - a check that fails says: not ready
        problem = "niet te controleren"
    results["search"] = OK if problem is None else problem
    return results
