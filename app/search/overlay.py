"""What the index has not taken in yet, searched as the database holds it.

A save answers as soon as its transaction is committed; the drainer (app/search/sync.py) brings
the change into the index a moment later and only then deletes its outbox row. Until then a
search must not trust the index for that item. So a search first reads the outbox, and then:

- the index answers for every other item (its hits for the waiting items are masked out);
- each waiting item that is published is analysed as the index would analyse it (the same
  schema, so the same words, weights and positions) and the same parsed query is evaluated
  on it here, scored with BM25F over the index and the waiting items together, so that the
  two sets of hits merge by score.

The order makes it exact: the outbox is read before the index is opened, and the drainer
deletes a row only after its index commit. A row this search did not see was therefore
drained into a generation the searcher opens; a row it did see is searched from the database.

Why not a small Whoosh index in memory: building one cost some 40 ms per item in each process
(Whoosh writes and compresses a posting block per word), and under load that tripled every
page's latency. Analysing an item costs some 7 ms and is done once per process and version.
"""

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from math import log

from sqlmodel import Session
from whoosh import query as wq
from whoosh.highlight import highlight
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length, length_to_byte

from app.search import sync
from app.search.index import SearchIndex
from app.search.query import SEARCH_FIELDS
from app.wiki import service as wiki_service
from app.wiki.models import ItemStatus

# More waiting changes than this (a rebuild that held the index for a long while) and the
# search uses the plain database search until the drainer has caught up.
MAX_PENDING = 50
CACHED = 200  # analysed item versions kept per process
B, K1 = 0.75, 1.2  # Whoosh's BM25F defaults, as the index scores


class TooFarBehind(Exception):
    """The outbox holds more than the overlay takes on."""


class Unsupported(Exception):
    """A query of a kind the overlay cannot evaluate."""


@dataclass
class Analysed:
    """One published item as the index would hold it."""

    slug: str
    version: int
    theme: str
    audiences: set[str]
    published: datetime  # naive UTC, as the index stores it
    # field → word → (weight, positions); field → length as the index stores it
    words: dict[str, dict[str, tuple[float, list[int]]]] = field(default_factory=dict)
    lengths: dict[str, float] = field(default_factory=dict)
    spelling: set[str] = field(default_factory=set)


def analyse(index: SearchIndex, row: wiki_service.IndexRow) -> Analysed:
    values = sync.document(row).fields()
    analysed = Analysed(
        slug=values["slug"], version=values["version"], theme=values["theme"],
        audiences=set(values["audience"].split()), published=values["published"],
    )
    for name in SEARCH_FIELDS:
        fieldtype = index.schema[name]
        words, length = {}, 0
        for text, freq, weight, encoded in fieldtype.index(values[name]):
            words[text.decode()] = (weight, fieldtype.format.decode_positions(encoded))
            length += freq
        analysed.words[name] = words
        analysed.lengths[name] = byte_to_length(length_to_byte(length))  # the index rounds so
    analysed.spelling = {text.decode() for text, *_ in index.schema["spell"].index(values["spell"])}
    return analysed


class MemoryHit(dict):
    """A hit on a waiting item, used as a Whoosh hit is: hit["slug"], hit.score, highlights()."""

    def __init__(self, item: Analysed, score: float, matched: set[tuple[str, str]], options: dict):
        super().__init__(slug=item.slug, version=item.version)
        self.score = score
        self._matched = matched
        self._options = options

    def highlight_terms(self) -> set[tuple[str, str]]:
        return set(self._matched)

    def highlights(self, fieldname: str, text: str, top: int = 3) -> str:
        terms = {word for name, word in self._matched if name == fieldname}
        if not terms:
            return ""
        return highlight(
            text, terms, self._options["schema"][fieldname].analyzer,
            self._options["fragmenter"], self._options["formatter"], top=top,
        )


class _Evaluation:
    """The parsed query on one item: whether it matches, its BM25F score, the matched words."""

    def __init__(self, item: Analysed, statistics: Searcher, waiting: list[Analysed]):
        self.item, self.statistics, self.waiting = item, statistics, waiting
        self.matched: set[tuple[str, str]] = set()

    def term(self, name: str, word: str) -> float | None:
        found = self.item.words.get(name, {}).get(word)
        if found is None:
            return None
        self.matched.add((name, word))
        return self._bm25(name, word, found[0])

    def _bm25(self, name: str, word: str, weight: float) -> float:
        big = self.statistics
        documents = big.doc_count_all() + len(self.waiting)
        holding = big.doc_frequency(name, word) + sum(1 for w in self.waiting if word in w.words.get(name, {}))
        idf = log(documents / (holding + 1)) + 1
        total_length = big.field_length(name) + sum(w.lengths.get(name, 0) for w in self.waiting)
        average = (total_length / documents) or 1
        length = self.item.lengths.get(name, 0)
        return idf * ((weight * (K1 + 1)) / (weight + K1 * ((1 - B) + B * length / average)))

    def phrase(self, name: str, words: list[str], slop: int) -> float | None:
        found = [self.item.words.get(name, {}).get(w) for w in words]
        if not words or any(f is None for f in found):
            return None
        starts = found[0][1]  # type: ignore[index]
        for start in starts:
            position, ok = start, True
            for _, positions in found[1:]:  # type: ignore[misc]
                following = [p for p in positions if position < p <= position + slop]
                if not following:
                    ok = False
                    break
                position = following[0]
            if ok:
                return sum(self.term(name, w) or 0 for w in words)
        return None

    def evaluate(self, node: wq.Query) -> float | None:
        """The node's score on this item, or None when it does not match."""
        if isinstance(node, wq.Term):
            score = self.term(node.fieldname, node.text)
        elif isinstance(node, wq.Phrase):
            score = self.phrase(node.fieldname, list(node.words), node.slop)
        elif type(node) is wq.Or:
            scores = [s for s in (self.evaluate(q) for q in node.subqueries) if s is not None]
            score = sum(scores) if scores else None
        elif type(node) is wq.And:
            before = set(self.matched)
            scores = [self.evaluate(q) for q in node.subqueries]
            score = None if any(s is None for s in scores) or not scores else sum(scores)  # type: ignore[arg-type]
            if score is None:
                self.matched = before  # a failed AND marks none of its words, as in Whoosh
        elif isinstance(node, wq.NullQuery.__class__):
            score = None
        else:
            raise Unsupported(f"zoekvraag van het type {type(node).__name__}")
        return None if score is None else score * node.boost


@dataclass
class Overlay:
    masked: set[str]  # slugs the index must not answer for
    waiting: list[Analysed]  # the waiting items that are published, as the database holds them

    @property
    def mask(self) -> wq.Query | None:
        return wq.Or([wq.Term("slug", s) for s in sorted(self.masked)]) if self.masked else None

    def search(self, parsed: wq.Query, admit, statistics: Searcher, options: dict) -> list[MemoryHit]:  # type: ignore[no-untyped-def]
        """The waiting items this query finds, best first; `admit(item)` applies the filters."""
        hits = []
        for item in self.waiting:
            if not admit(item):
                continue
            evaluation = _Evaluation(item, statistics, self.waiting)
            score = evaluation.evaluate(parsed)
            if score is not None:
                hits.append(MemoryHit(item, score, evaluation.matched, options))
        return sorted(hits, key=lambda h: -h.score)

    def knows(self, words: list[str]) -> set[str]:
        """Those of these words a waiting item holds: not typos, even if the index does not
        know them yet (the spelling field holds words as typed, folded)."""
        return {w for w in words for item in self.waiting if w in item.spelling}


_cache_lock = threading.Lock()
_cache: OrderedDict[tuple, Analysed] = OrderedDict()


def _analysed(index: SearchIndex, row: wiki_service.IndexRow) -> Analysed:
    key = (id(index.schema), row.item.id, row.item.version, row.item.updated_at, row.theme_slug)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    analysed = analyse(index, row)  # two threads may both analyse it: the same result
    with _cache_lock:
        _cache[key] = analysed
        while len(_cache) > CACHED:
            _cache.popitem(last=False)
    return analysed


def read(session: Session, index: SearchIndex) -> Overlay | None:
    """The outbox as this session sees it, before the index is opened; None when empty."""
    rows = sync.pending_changes(session, MAX_PENDING + 1)
    if not rows:
        return None
    if len(rows) > MAX_PENDING:
        raise TooFarBehind(f"{len(rows)}+ wijzigingen wachten op de zoekindex")
    current = wiki_service.index_rows(session, {r.item_id for r in rows})
    masked = {r.slug for r in rows} | {r.item.slug for r in current}
    waiting = [_analysed(index, r) for r in current if r.item.status == ItemStatus.published]
    return Overlay(masked=masked, waiting=waiting)
