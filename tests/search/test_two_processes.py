"""Two service processes publishing into one data folder at once: no update lost, index intact."""

import os
import subprocess
import sys

import pytest
from sqlmodel import Session

from app import migrate
from app.accounts import service as accounts_service
from app.config import PROJECT_ROOT
from app.search.index import SearchIndex
from app.wiki import service as wiki_service
from tests.conftest import BACKENDS, new_database

PER_PROCESS = 15


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_processes_publishing_at_once(backend, tmp_path):
    engine, url, cleanup = new_database(backend)
    try:
        migrate.upgrade(engine)
        with Session(engine) as session:
            wiki_service.upsert_theme(session, slug="thema", name="Thema")
            accounts_service.create_user(session, email="kwaliteit@example.org", name="K", role="kwaliteit")
            session.commit()
        index = SearchIndex(tmp_path / "data" / "zoekindex")
        index.create_empty()
        env = {**os.environ, "KENNISBANK_DATABASE_URL": url, "KENNISBANK_DATA_DIR": str(tmp_path / "data")}
        start = tmp_path / "start"
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "tests.search.publisher", name, str(PER_PROCESS), str(start)],
                cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )
            for name in ("a", "b")
        ]
        start.touch()
        for process in processes:
            out, err = process.communicate(timeout=300)
            assert process.returncode == 0, err
            assert "Zoekindex niet bijgewerkt" not in err, err
        indexed = SearchIndex(index.path).versions()
        expected = {f"{name}-{n}" for name in "ab" for n in range(PER_PROCESS)}
        assert set(indexed) == expected
        with Session(engine) as session:
            assert set(wiki_service.published_versions(session)) == expected
        assert SearchIndex(index.path).problem() is None
    finally:
        cleanup()  # type: ignore[operator]
