"""Model-based: random sequences of creates, edits, publications and archivings, and after each
step every search compared with what the database holds, in one and in two processes.

A search must return each item at most once, with its current text, nothing for text it no
longer holds, and totals that agree with the hits over all pages."""

import json
import os
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlmodel import Session

from app import migrate
from app.accounts import service as accounts_service
from app.config import PROJECT_ROOT
from app.search import sync
from app.search.index import SearchIndex
from app.search.postgres import PostgresSearch
from app.wiki import service as wiki_service
from tests.conftest import BACKENDS, new_database
from tests.search import model_ops

# Made-up words that Dutch analysis keeps as they are (no stem, no compound parts).
WORDS = ["blorf", "snizzel", "quapto", "vrimpel", "droxta", "zwurk", "plomtik"]
texts = st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(" ".join)
statuses = st.sampled_from(["draft", "published", "published", "archived"])


SETUPS = [(database, "whoosh") for database in BACKENDS] + [("postgresql", "postgresql")]


@pytest.fixture(scope="module", params=SETUPS, ids=[f"{d}-{b}" for d, b in SETUPS])
def library(request, tmp_path_factory):  # type: ignore[no-untyped-def]
    """One database and data folder for the whole run: the processes live as long as it."""
    database, backend = request.param
    engine, url, cleanup = new_database(database)
    data = tmp_path_factory.mktemp("model-data")
    migrate.upgrade(engine)
    with Session(engine) as session:
        wiki_service.upsert_theme(session, slug="model", name="Model")
        accounts_service.create_user(session, email=model_ops.EDITOR, name="Redacteur", role="kwaliteit")
        session.commit()
    if backend == "postgresql":
        index = PostgresSearch()
    else:
        index = SearchIndex(data / "zoekindex")
        index.create_empty()
    sync.install()
    sync.use_index(index)
    env = {**os.environ, "KENNISBANK_DATABASE_URL": url, "KENNISBANK_DATA_DIR": str(data),
           "KENNISBANK_SEARCH_BACKEND": backend}
    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.search.worker"], cwd=PROJECT_ROOT, env=env, text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
    )
    yield engine, index, worker
    worker.stdin.close()  # type: ignore[union-attr]
    worker.wait(timeout=30)
    sync.use_index(None)
    cleanup()  # type: ignore[operator]


def ask(worker, command: dict) -> dict:  # type: ignore[no-untyped-def]
    worker.stdin.write(json.dumps(command) + "\n")
    worker.stdin.flush()
    line = worker.stdout.readline()
    assert line, "the worker process stopped"
    return json.loads(line)


def machine(engine, index, worker, two_processes: bool):  # type: ignore[no-untyped-def]
    class Library(RuleBasedStateMachine):
        @initialize()
        def start(self) -> None:
            model_ops.empty_library(engine, index)
            self.items: dict[str, int] = {}  # slug -> the version this client last saw

        def _save(self, command: dict, remote: bool) -> None:
            if remote:
                answer = ask(worker, command)
            else:
                with Session(engine) as session:
                    answer = model_ops.save(session, command)
                    session.commit()
            assert not answer.get("stale"), "only this test writes"
            self.items[answer["slug"]] = answer["version"]

        @rule(title=texts, summary=texts, body=texts, status=statuses, remote=st.booleans())
        def create(self, title, summary, body, status, remote) -> None:  # type: ignore[no-untyped-def]
            self._save({"op": "save", "slug": None, "title": title.capitalize(), "summary": summary,
                        "body": body, "status": status}, remote and two_processes)

        @precondition(lambda self: self.items)
        @rule(pick=st.integers(0, 99), title=texts, summary=texts, body=texts, status=statuses, remote=st.booleans())
        def edit(self, pick, title, summary, body, status, remote) -> None:  # type: ignore[no-untyped-def]
            slug = list(self.items)[pick % len(self.items)]  # in the order they were made
            self._save({"op": "save", "slug": slug, "version": self.items[slug], "title": title.capitalize(),
                        "summary": summary, "body": body, "status": status}, remote and two_processes)

        @invariant()
        def every_search_matches_the_database(self) -> None:
            if not hasattr(self, "items"):
                return
            for word in WORDS:
                expected = model_ops.truth(engine, word)
                answers = [model_ops.search_all_pages(engine, index, word)]
                if two_processes:
                    answers.append(ask(worker, {"op": "search", "q": word}))
                for where, answer in zip(("this process", "the worker"), answers, strict=False):
                    slugs = [h["slug"] for h in answer["hits"]]
                    assert len(slugs) == len(set(slugs)), f"{where}, '{word}': an item twice: {slugs}"
                    assert set(slugs) == set(expected), f"{where}, '{word}': {sorted(slugs)} != {sorted(expected)}"
                    assert answer["totals"] == [len(slugs)], f"{where}, '{word}': totals {answer['totals']}"
                    for hit in answer["hits"]:
                        assert hit == expected[hit["slug"]], f"{where}: old text shown for {hit['slug']}"

        def teardown(self) -> None:
            # The drainers catch up: then the index alone holds what the database holds.
            if two_processes:
                assert ask(worker, {"op": "idle"})["idle"]
            assert sync.drainer.wait_idle(30)
            assert sync.pending(engine) == 0
            held = index.versions(engine) if isinstance(index, PostgresSearch) else index.versions()
            with Session(engine) as session:
                assert held == wiki_service.published_versions(session)

    return Library


@pytest.mark.parametrize("two_processes", [False, True], ids=["one-process", "two-processes"])
def test_search_always_matches_the_database(library, two_processes):
    engine, index, worker = library
    Library = machine(engine, index, worker, two_processes)
    run = settings(
        max_examples=8, stateful_step_count=12, deadline=None, derandomize=True, database=None,
        suppress_health_check=list(HealthCheck),
    )(Library)
    run.TestCase().runTest()
