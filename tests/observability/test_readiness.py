"""/api/v1/health (alive) and /readyz (can serve), on real databases, migrated or not."""

import json

import pytest
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient

from app import migrate
from app.db import get_engine, make_engine
from app.main import create_app
from app.search import sync
from app.search.index import SearchIndex


def served(engine) -> TestClient:  # type: ignore[no-untyped-def]
    """The application on this database, without login, as a load balancer asks it."""
    app = create_app()
    app.dependency_overrides[get_engine] = lambda: engine
    return TestClient(app)


def previous_revision() -> str:
    scripts = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    (head,) = scripts.get_heads()
    return scripts.get_revision(head).down_revision  # type: ignore[return-value]


def test_ready_when_database_migrations_and_search_are(engine, search_index):
    with served(engine) as client:
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "migrations": "ok", "search": "ok"}}
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("fresh_database", ["sqlite", "postgresql"], indirect=True)
def test_not_ready_while_migrations_are_behind_then_ready_at_head(fresh_database, search_index):
    engine, _ = fresh_database
    with served(engine) as client:
        empty = client.get("/readyz")
        migrate.upgrade(engine, previous_revision())
        behind = client.get("/readyz")
        migrate.upgrade(engine)
        at_head = client.get("/readyz")
    assert empty.status_code == 503
    assert empty.json()["checks"] == {"database": "ok", "migrations": "database niet gemigreerd", "search": "ok"}
    assert behind.status_code == 503
    assert behind.json() == {"status": "niet gereed", "checks": {
        "database": "ok", "migrations": "database loopt achter: migratie nodig", "search": "ok"}}
    assert at_head.status_code == 200


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://postgres:geheim-wachtwoord@127.0.0.1:1/test?connect_timeout=2",
    "sqlite:////nonexistent-kennisbank-folder/geheim/kennisbank.db",
], ids=["postgresql", "sqlite"])
def test_not_ready_without_database_but_alive(url, search_index):
    engine = make_engine(url)
    try:
        with served(engine) as client:
            ready = client.get("/readyz")
            alive = client.get("/api/v1/health")
    finally:
        engine.dispose()
    assert ready.status_code == 503
    assert ready.json()["checks"] == {"database": "niet bereikbaar", "migrations": "onbekend", "search": "ok"}
    for secret in ("geheim", "127.0.0.1", "postgres", "sqlite", "nonexistent"):
        assert secret not in ready.text
    # Liveness does not ask the database: a database outage must not get processes restarted.
    assert alive.status_code == 200 and alive.json() == {"status": "ok"}


def test_not_ready_when_the_search_index_is_missing(engine, tmp_path, search_index):
    sync.use_index(SearchIndex(tmp_path / "geen-index"))
    with served(engine) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    checks = json.loads(response.text)["checks"]
    assert checks["database"] == checks["migrations"] == "ok"
    assert checks["search"] == "zoekindex ontbreekt"


def test_readyz_is_no_api_operation(client):
    assert "/readyz" not in client.get("/openapi.json").json()["paths"]
