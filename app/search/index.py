"""The Whoosh index: derived from the database, rebuilt when missing, corrupt or outdated.

One writer at a time, across threads and processes: every write holds an exclusive lock on a
file beside the index (`writing()`, `exclusive()`), so Whoosh's own lock file never makes a
writer fail. Each thread keeps its own searcher and reopens it when a writer has committed.
"""

import fcntl
import json
import logging
import random
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.codec import base as whoosh_codec
from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.reading import SegmentReader
from whoosh.searching import Searcher

from app.search.analysis import dutch_analyzer, parts_analyzer, spelling_analyzer

log = logging.getLogger("kennisbank.search")


def _unique_segment_id(cls, size: int = 16) -> str:  # type: ignore[no-untyped-def]
    return "".join(_system_random.choice("0123456789abcdefghijklmnopqrstuvwxyz") for _ in range(size))


# Whoosh names a new segment with the global `random` module: whoever seeds it (a test tool,
# a library) makes two writers pick the same name, and the second commit fails on an
# assertion. The operating system's randomness cannot be seeded.
_system_random = random.SystemRandom()
whoosh_codec.Segment._random_id = classmethod(_unique_segment_id)  # type: ignore[method-assign,assignment]

# Raise when the schema or the analysis changes: every index of an older version is rebuilt.
SCHEMA_VERSION = 4
WRITE_TIMEOUT = 60.0  # seconds a writer waits for another process's lock
# A save adds a small segment. Whoosh's own policy (MERGE_SMALL) then sometimes rewrites
# much larger ones inside that save's commit: the publish p95 of 250-450 ms. We merge only
# small segments, once there are several; `optimize()` (nightly, search/jobs.py) merges all.
SMALL_SEGMENT = 64
SMALL_SEGMENTS_BEFORE_MERGE = 24
VERSION_FILE = "kennisbank-schema.json"


def make_schema() -> Schema:
    dutch = dutch_analyzer()
    return Schema(
        slug=ID(unique=True, stored=True),
        version=NUMERIC(stored=True),
        # A word that analyses into several tokens (Wsnp-verzoek, or a compound's parts) needs
        # all of them: 'hersteloperatie' finds 'herstel operatie', not everything with 'herstel'.
        title=TEXT(analyzer=dutch, field_boost=3.0, multitoken_query="and"),
        summary=TEXT(analyzer=dutch, field_boost=2.0, multitoken_query="and"),
        body=TEXT(analyzer=dutch, multitoken_query="and"),
        parts=TEXT(analyzer=parts_analyzer(), field_boost=0.5, multitoken_query="and"),
        spell=TEXT(analyzer=spelling_analyzer(), phrase=False),
        title_start=KEYWORD(lowercase=True, commas=False),
        theme=ID(stored=True),
        audience=KEYWORD(),
        published=DATETIME(sortable=True),
        meta=STORED,
    )


@dataclass
class Document:
    """What the index needs of one published item; built from the database."""

    slug: str
    version: int
    title: str
    summary: str
    text: str  # body and dossier meaning as plain text, tags
    theme: str
    audience: str
    published: datetime

    def fields(self) -> dict[str, Any]:
        audiences = (
            "klantbegeleider schuldregelaar" if self.audience == "beide" else self.audience
        )
        everything = f"{self.title} {self.summary} {self.text}"
        return {
            "slug": self.slug,
            "version": self.version,
            "title": self.title,
            "summary": self.summary,
            "body": self.text,
            "parts": everything,
            "spell": everything,
            "title_start": " ".join(self.title.lower().split()),
            "theme": self.theme,
            "audience": audiences,
            "published": self.published.replace(tzinfo=None),
        }


def merge_small_segments(writer, segments):  # type: ignore[no-untyped-def]
    """A Whoosh merge policy: merge the small segments together once there are enough."""
    small = [s for s in segments if s.doc_count_all() <= SMALL_SEGMENT]
    if len(small) < SMALL_SEGMENTS_BEFORE_MERGE:
        return segments
    for segment in small:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return [s for s in segments if s not in small]


def top_hits(searcher: Searcher, parsed, limit: int, **options):  # type: ignore[no-untyped-def]
    """The best `limit` hits, and in len() the exact number of matches.

    Not `searcher.search()` as it is: every tenth match Whoosh's top-N collector replaces an
    OR's matcher by one that skips documents holding only words that can no longer reach the
    top N. The top N stays right, but the total then counts only what was not skipped: "16
    resultaten" where 24 items match, depending on how the segments lie. And optimize=False:
    block-quality skipping made our multi-field OR queries slower, not faster (p95 at 10,000
    items about 90-120 ms with it, 38 ms without; the same top 10)."""
    collector = searcher.collector(limit=limit, optimize=False, **options)
    inner = collector
    while hasattr(inner, "child"):  # the filter and terms wrappers
        inner = inner.child
    inner.replace = 0
    searcher.search_with_collector(parsed, collector)
    return collector.results()


class IndexUnavailable(Exception):
    """The index cannot be read; callers fall back and a rebuild is due."""


class SearchIndex:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._local = threading.local()
        self._thread_lock = threading.Lock()
        self._schema: Schema | None = None

    # --- lifecycle -----------------------------------------------------------------------

    @property
    def schema(self) -> Schema:
        if self._schema is None:
            self._schema = make_schema()
        return self._schema

    @property
    def _version_file(self) -> Path:
        return self.path / VERSION_FILE

    @contextmanager
    def _flock(self, mode: int) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.parent / f".{self.path.name}.lock", "w") as handle:
            fcntl.flock(handle, mode)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def exclusive(self) -> AbstractContextManager[None]:
        """Across threads and processes: one writer, check or rebuild at a time."""
        return self._flock(fcntl.LOCK_EX)

    @contextmanager
    def writing(self, wait: float) -> Iterator[bool]:
        """exclusive(), waiting at most `wait` seconds; yields whether the lock was had. Threads
        of this process queue on a lock of their own first, so one of them polls the file."""
        if not self._thread_lock.acquire(timeout=wait):
            yield False
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            deadline = time.monotonic() + wait
            with open(self.path.parent / f".{self.path.name}.lock", "w") as handle:
                while True:
                    try:
                        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() > deadline:
                            yield False
                            return
                        time.sleep(0.005)
                try:
                    yield True
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()

    def problem(self) -> str | None:
        """Why the index cannot be used as it is, or None."""
        try:
            if not whoosh_index.exists_in(self.path):
                return "ontbreekt"
            stored = json.loads(self._version_file.read_text())
            if stored.get("schema_version") != SCHEMA_VERSION:
                return f"schemaversie {stored.get('schema_version')} in plaats van {SCHEMA_VERSION}"
            with whoosh_index.open_dir(self.path, schema=self.schema).searcher() as searcher:
                searcher.doc_count()
        except (OSError, ValueError) as exc:
            if not self._version_file.exists():
                return "schemaversie onbekend"
            return f"beschadigd ({type(exc).__name__})"
        except Exception as exc:  # noqa: BLE001 - any failure to open means corrupt
            return f"beschadigd ({type(exc).__name__})"
        return None

    def create_empty(self) -> None:
        """An empty index (tests, a new data folder). Callers hold exclusive() when others run."""
        self.rebuild([])

    def rebuild(
        self, documents: Iterable[Document], progress: Callable[[int], None] | None = None
    ) -> int:
        """Build a new index beside the old one and swap it in; the version file comes last, so
        an interrupted build never looks healthy. Callers hold exclusive()."""
        fresh = self.path.with_name(self.path.name + ".nieuw")
        old = self.path.with_name(self.path.name + ".oud")
        for leftover in (fresh, old):
            shutil.rmtree(leftover, ignore_errors=True)
        fresh.mkdir(parents=True)
        writer = whoosh_index.create_in(fresh, self.schema).writer(limitmb=256)
        count = 0
        try:
            for document in documents:
                writer.add_document(**document.fields())
                count += 1
                if progress:
                    progress(count)
        except BaseException:
            writer.cancel()
            shutil.rmtree(fresh, ignore_errors=True)
            raise
        writer.commit(optimize=True)
        (fresh / VERSION_FILE).write_text(json.dumps({"schema_version": SCHEMA_VERSION}))
        if self.path.exists():
            self.path.rename(old)
        fresh.rename(self.path)
        shutil.rmtree(old, ignore_errors=True)
        self._local = threading.local()
        return count

    def versions(self) -> dict[str, int]:
        """slug → indexed version, to compare with the database."""
        with self._open().searcher() as searcher:
            return {f["slug"]: f["version"] for f in searcher.all_stored_fields()}

    # --- writing -------------------------------------------------------------------------

    def apply(
        self, upserts: list[Document], deletes: list[tuple[str, int]], timeout: float = WRITE_TIMEOUT
    ) -> None:
        """Add or replace documents and remove (slug, version) pairs in one commit, waiting for
        other writers. A change older than what the index holds is skipped, so two processes
        whose writes land in the other order cannot bring back an old version."""
        if not upserts and not deletes:
            return
        with self.exclusive():
            self.write_unlocked(upserts, deletes, timeout)

    def write_unlocked(
        self, upserts: list[Document], deletes: list[tuple[str, int]], timeout: float = WRITE_TIMEOUT
    ) -> None:
        """apply() for a caller that already holds exclusive()."""
        writer = self._open().writer(timeout=timeout, delay=0.05)
        try:
            searcher = writer.searcher()

            def newer_in_index(slug: str, version: int) -> bool:
                docnum = searcher.document_number(slug=slug)
                return docnum is not None and searcher.stored_fields(docnum)["version"] > version

            for slug, version in deletes:
                if not newer_in_index(slug, version):
                    writer.delete_by_term("slug", slug)
            for document in upserts:
                if not newer_in_index(document.slug, document.version):
                    writer.update_document(**document.fields())
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=merge_small_segments)

    def segment_count(self) -> int:
        return len(self._open()._segments())

    def optimize(self) -> None:
        """Merge every segment into one (callers hold exclusive())."""
        self._open().optimize()

    # --- reading -------------------------------------------------------------------------

    def _open(self):  # type: ignore[no-untyped-def]
        try:
            return whoosh_index.open_dir(self.path, schema=self.schema)
        except Exception as exc:  # noqa: BLE001
            raise IndexUnavailable(f"{type(exc).__name__}: {exc}") from exc

    def _open_searcher(self, attempts: int = 5) -> Searcher:
        """A writer in another process removes the previous generation's files right after its
        commit: one that was just listed may be gone when it is read. Read the new one then."""
        for attempt in range(attempts):
            try:
                return self._open().searcher()
            except (IndexUnavailable, OSError):
                if attempt == attempts - 1:
                    raise
                time.sleep(0.01 * (attempt + 1))
        raise AssertionError("unreachable")

    def searcher(self) -> Searcher:
        """This thread's searcher, reopened when another writer has committed.

        Never `Searcher.refresh()`: whoosh-reloaded 2.7.5 builds the refreshed reader from the
        new generation's segments *plus* every segment of the old reader, and reuses an old
        segment reader whenever the segment id matches, with the deletions it had then. An
        item edited five times was found six times, by every old title, until a restart
        (tests/search/test_index.py). Opening afresh costs a few milliseconds."""
        searcher = getattr(self._local, "searcher", None)
        try:
            # A rebuild swaps in a new folder whose generations start anew: compare the folder too.
            folder = self.path.stat().st_ino
            if searcher is None or self._local.folder != folder or not searcher.up_to_date():
                if searcher is not None:
                    searcher.close()
                searcher = None
                searcher = self._open_searcher()
                self._local.folder = folder
        except IndexUnavailable:
            self._local.searcher = None
            raise
        except Exception as exc:  # noqa: BLE001 - a vanished or broken segment
            self._local.searcher = None
            raise IndexUnavailable(f"{type(exc).__name__}: {exc}") from exc
        self._local.searcher = searcher
        return searcher

    def doc_count(self) -> int:
        return self.searcher().doc_count()
