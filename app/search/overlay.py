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
from math import log
from dataclasses import astuple, dataclass

from sqlmodel import Session
from whoosh import query as wq
from whoosh import scoring
from whoosh.filedb.filestore import RamStorage
from whoosh.index import Index
from whoosh.searching import Searcher

from app.search import sync
from app.search.index import Document, SearchIndex
from app.wiki import service as wiki_service
from app.wiki.models import ItemStatus

# More waiting changes than this (a rebuild that held the index for a long while) and the
# search uses the plain database search until the drainer has caught up.
MAX_PENDING = 500


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
            big = self.statistics
            documents = big.doc_count_all() + searcher.doc_count_all()
            holding = big.doc_frequency(fieldname, text) + searcher.doc_frequency(fieldname, text)
            scorer.idf = log(documents / (holding + 1)) + 1 if documents else 1.0
            length = big.field_length(fieldname) + searcher.field_length(fieldname)
            scorer.avgfl = (length / documents if documents else 0) or 1
        return scorer


@dataclass
class Overlay:
    masked: set[str]  # slugs the index must not answer for
    memory: Index | None  # the waiting items that are published, as the database holds them

    @property
    def mask(self) -> wq.Query | None:
        return wq.Or([wq.Term("slug", s) for s in sorted(self.masked)]) if self.masked else None

    def searcher(self, statistics: Searcher) -> Searcher | None:
        if self.memory is None:
            return None
        return self.memory.searcher(weighting=CollectionBM25F(statistics))

    def spelling(self) -> set[str]:
        """Words the waiting items hold: not typos, even if the index does not know them yet."""
        if self.memory is None:
            return set()
        with self.memory.reader() as reader:
            return {t.decode() if isinstance(t, bytes) else t for t in reader.lexicon("spell")}


_cache_lock = threading.Lock()
_cache: dict[tuple, Index] = {}


def _memory_index(index: SearchIndex, documents: list[Document]) -> Index:
    """A small index of these documents; the last few are kept, since many searches come in
    between a save and its drain."""
    key = (id(index.schema), tuple(astuple(d) for d in sorted(documents, key=lambda d: d.slug)))
    with _cache_lock:
        if key in _cache:
            return _cache[key]
    memory = RamStorage().create_index(index.schema)
    writer = memory.writer()
    for document in documents:
        writer.add_document(**document.fields())
    writer.commit()
    with _cache_lock:
        while len(_cache) >= 4:
            _cache.pop(next(iter(_cache)))
        _cache[key] = memory
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
    documents = [sync.document(r) for r in current if r.item.status == ItemStatus.published]
    return Overlay(masked=masked, memory=_memory_index(index, documents) if documents else None)
