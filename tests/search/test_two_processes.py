"""Two service processes writing into one data folder at once: no update lost, index intact,
also while a third process rebuilds the index."""

import os
import subprocess
import sys

import pytest
from sqlmodel import Session

from app import migrate
from app.accounts import service as accounts_service
from app.config import PROJECT_ROOT
from app.search.index import SearchIndex
from app.search.postgres import PostgresSearch
from app.wiki import service as wiki_service
from app.wiki.models import ItemIn
from tests.conftest import BACKENDS, new_database

PER_PROCESS = 20


def start(mode: str, name: str, count: int, start_file, env):  # type: ignore[no-untyped-def]
    return subprocess.Popen(
        [sys.executable, "-m", "tests.search.publisher", mode, name, str(count), str(start_file)],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def finish(process) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    assert "Zoekindex niet bijgewerkt" not in err and "Zoekindex bezet" not in err, err
    first, last = map(float, out.split())
    return first, last


SETUPS = [(database, "whoosh") for database in BACKENDS] + [("postgresql", "postgresql")]


@pytest.mark.parametrize(("backend", "search"), SETUPS, ids=[f"{d}-{b}" for d, b in SETUPS])
def test_two_processes_publishing_and_editing_at_once(backend, search, tmp_path):
    engine, url, cleanup = new_database(backend)
    try:
        migrate.upgrade(engine)
        with Session(engine) as session:
            wiki_service.upsert_theme(session, slug="thema", name="Thema")
            editor = accounts_service.create_user(session, email="kwaliteit@example.org", name="K", role="kwaliteit")
            wiki_service.create_item(session, ItemIn.model_validate({
                "title": "Gedeeld", "summary": "S.", "dossier_meaning": "D.", "theme": "thema",
                "status": "published", "slug": "gedeeld"}), editor)
            session.commit()
        index = SearchIndex(tmp_path / "data" / "zoekindex")
        index.create_empty()
        env = {**os.environ, "KENNISBANK_DATABASE_URL": url, "KENNISBANK_DATA_DIR": str(tmp_path / "data"),
               "KENNISBANK_SEARCH_BACKEND": search}
        go = tmp_path / "start"
        processes = [
            start("publish", "a", PER_PROCESS, go, env),
            start("publish", "b", PER_PROCESS, go, env),
            start("edit", "c", PER_PROCESS, go, env),
            start("edit", "d", PER_PROCESS, go, env),
        ]
        go.touch()
        # Meanwhile a rebuild from the database, as `kennisbank reindex` does.
        reindex = subprocess.run(
            [sys.executable, "-m", "app.cli", "reindex"], cwd=PROJECT_ROOT, env=env,
            capture_output=True, text=True, timeout=300,
        )
        assert reindex.returncode == 0, reindex.stderr
        a, b, c, d = (finish(p) for p in processes)
        # The two publishers, and the two editors of one item, really wrote at the same time.
        for one, other in ((a, b), (c, d)):
            assert max(one[0], other[0]) < min(one[1], other[1]), (one, other)

        with Session(engine) as session:
            in_database = wiki_service.published_versions(session)
        assert in_database["gedeeld"] == 1 + 2 * PER_PROCESS  # no save lost
        expected = {f"{name}-{n}" for name in "ab" for n in range(PER_PROCESS)} | {"gedeeld"}
        assert set(in_database) == expected
        if search == "postgresql":
            assert PostgresSearch().versions(engine) == in_database  # every item, at its latest version
        else:
            reopened = SearchIndex(index.path)
            assert reopened.problem() is None
            assert reopened.versions() == in_database  # every item, at its latest version
    finally:
        cleanup()  # type: ignore[operator]
