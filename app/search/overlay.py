"""What the index has not taken in yet, searched from the database.

A save answers as soon as its transaction is committed; the drainer (app/search/sync.py) brings
the change into the index a moment later and only then deletes its outbox row. Until then a
search must not trust the index for that item. So a search first reads the outbox, and then:

- the index answers for every other item (its hits for the waiting items are masked out);
- the waiting items are searched as the database holds them now, in a small index in memory
  with the same schema and the same query, scored with the big index's statistics so that
  the two sets of hits can be merged by score.

The order makes it exact: the outbox is read before the index is opened, and the drainer
deletes a row only after its index commit. A row this search did not see was therefore
drained into a generation the searcher opens; a row it did see is searched from the database.
"""

import threading
from collections import OrderedDict
from math import log
from dataclasses import dataclass

from sqlmodel import Session
from whoosh import query as wq
from whoosh import scoring
from whoosh.filedb.filestore import RamStorage
from whoosh.index import Index
from whoosh.reading import IndexReader, MultiReader
from whoosh.searching import Searcher

from app.search import sync
from app.search.index import SearchIndex
from app.wiki import service as wiki_service
from app.wiki.models import ItemStatus

# More waiting changes than this (a rebuild that held the index for a long while) and the
# search uses the plain database search until the drainer has caught up.
MAX_PENDING = 50


class TooFarBehind(Exception):
    pass


class CollectionBM25F(scoring.BM25F):
    """BM25F over the big and the small index together: term rarity and field lengths of both,
    so that the small index's scores compare with the big index's."""

    def __init__(self, statistics: Searcher):
        super().__init__()
        self.statistics = statistics

    def scorer(self, searcher, fieldname, text, qf=1):  # type: ignore[no-untyped-def]
        scorer = super().scorer(searcher, fieldname, text, qf)
        if isinstance(scorer, scoring.BM25FScorer):
            big, small = self.statistics, searcher.get_parent()  # the whole small index
            documents = big.doc_count_all() + small.doc_count_all()
            holding = big.doc_frequency(fieldname, text) + small.doc_frequency(fieldname, text)
            scorer.idf = log(documents / (holding + 1)) + 1 if documents else 1.0
            length = big.field_length(fieldname) + small.field_length(fieldname)
            scorer.avgfl = (length / documents if documents else 0) or 1
        return scorer


@dataclass
class Overlay:
    masked: set[str]  # slugs the index must not answer for
    memory: list[Index]  # the waiting items that are published, one small index each

    @property
    def mask(self) -> wq.Query | None:
        return wq.Or([wq.Term("slug", s) for s in sorted(self.masked)]) if self.masked else None

    def _reader(self) -> IndexReader | None:
        # A reader of its own per search: a reader's files are not for two threads at once.
        readers = [m.reader() for m in self.memory]
        if not readers:
            return None
        return readers[0] if len(readers) == 1 else MultiReader(readers)

    def searcher(self, statistics: Searcher) -> Searcher | None:
        reader = self._reader()
        return Searcher(reader, weighting=CollectionBM25F(statistics)) if reader else None

    def spelling(self) -> set[str]:
        """Words the waiting items hold: not typos, even if the index does not know them yet."""
        reader = self._reader()
        if reader is None:
            return set()
        with reader:
            return {t.decode() if isinstance(t, bytes) else t for t in reader.lexicon("spell")}


class _MemoryStorage(RamStorage):
    """Whoosh's RamStorage keeps its temporary files on disk, in one folder of the system's
    temporary directory whose name every memory index shares (`MAIN.tmp`): two built at once,
    in any thread or process, deleted each other's files. These stay in memory."""

    def temp_storage(self, name=None):  # type: ignore[no-untyped-def]
        return RamStorage()


_cache_lock = threading.Lock()
_cache: OrderedDict[tuple, Index] = OrderedDict()
CACHED = 100  # items; analysing one takes some 40 ms, so each is analysed once per process


def _memory_index(index: SearchIndex, row: wiki_service.IndexRow) -> Index:
    """A small index of one published item as the database holds it now."""
    key = (id(index.schema), row.item.id, row.item.version, row.item.updated_at, row.theme_slug)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    memory = _MemoryStorage().create_index(index.schema)
    writer = memory.writer()
    writer.add_document(**sync.document(row).fields())
    writer.commit()
    with _cache_lock:
        _cache[key] = memory
        while len(_cache) > CACHED:
            _cache.popitem(last=False)
    return memory


def read(session: Session, index: SearchIndex) -> Overlay | None:
    """The outbox as this session sees it, before the index is opened; None when empty."""
    rows = sync.pending_changes(session, MAX_PENDING + 1)
    if not rows:
        return None
    if len(rows) > MAX_PENDING:
        raise TooFarBehind(f"{len(rows)}+ wijzigingen wachten op de zoekindex")
    current = wiki_service.index_rows(session, {r.item_id for r in rows})
    masked = {r.slug for r in rows} | {r.item.slug for r in current}
    memory = [_memory_index(index, r) for r in current if r.item.status == ItemStatus.published]
    return Overlay(masked=masked, memory=memory)
