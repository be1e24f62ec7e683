"""Searching the library, suggestions as you type, synonyms and the anonymous query log."""

import logging
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import nh3
from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select
from whoosh import query as wq
from whoosh.highlight import ContextFragmenter, HtmlFormatter

from app import clock
from app.accounts.models import Audience, User
from app.config import LOCAL_TZ
from app.db import execute_at_commit, utcnow
from app.errors import InputError
from app.search import overlay, postgres
from app.search import query as search_query
from app.search.analysis import STOP_WORDS, fold
from app.search.index import IndexUnavailable, SearchIndex, top_hits
from app.search.models import SearchHit, SearchLog, SearchResponse, SuggestResponse, SynonymGroup
from app.search.postgres import PostgresSearch
from app.search.sync import plain_text
from app.usage import service as usage_service
from app.usage.models import UsageKind
from app.wiki import service as wiki_service

log = logging.getLogger("kennisbank.search")
PER_PAGE = 10
# Analytics show a query only when it was searched at least this often in the month: a query
# typed once may name a resident or point to the one colleague who typed it.
MIN_SHOWN = 2
# Five digits or more, also in groups (a BSN typed as 111 222 333, 111.222.333 or 111-222-333).
_LONG_NUMBER = re.compile(r"\d(?:[ .\-_/,]?\d){4,}")


class SearchError(InputError):
    pass


@dataclass
class Filters:
    theme: str | None = None
    audience: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def validate(self, session: Session) -> None:
        if self.theme and wiki_service.get_theme(session, self.theme) is None:
            raise SearchError("theme", f"Het thema '{self.theme}' bestaat niet.")
        if self.audience and self.audience not in (Audience.klantbegeleider, Audience.schuldregelaar):
            raise SearchError("audience", "Kies klantbegeleider of schuldregelaar.")
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise SearchError("to", "De einddatum ligt vóór de begindatum.")

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """The chosen days as Dutch days (Europe/Amsterdam), in UTC."""
        start = end = None
        if self.date_from:
            start = datetime.combine(self.date_from, time.min, LOCAL_TZ).astimezone(UTC)
        if self.date_to:
            end = datetime.combine(self.date_to, time.max, LOCAL_TZ).astimezone(UTC)
        return start, end

    def admits(self, item: overlay.Analysed) -> bool:
        """What query() asks of the index, for an item the index does not hold yet."""
        start, end = self.bounds()
        published = item.published
        return (
            (not self.theme or item.theme == self.theme)
            and (not self.audience or self.audience in item.audiences)
            and (start is None or published >= start.replace(tzinfo=None))
            and (end is None or published <= end.replace(tzinfo=None))
        )

    def query(self) -> wq.Query | None:
        parts: list[wq.Query] = []
        if self.theme:
            parts.append(wq.Term("theme", self.theme))
        if self.audience:
            parts.append(wq.Term("audience", self.audience))
        if self.date_from or self.date_to:
            start, end = self.bounds()
            # The index stores naive UTC.
            parts.append(wq.DateRange(
                "published",
                start.replace(tzinfo=None) if start else None,
                end.replace(tzinfo=None) if end else None,
            ))
        return wq.And(parts) if parts else None


# --- searching -------------------------------------------------------------------------------


def search(
    session: Session,
    index: SearchIndex | PostgresSearch,
    text: str,
    *,
    filters: Filters | None = None,
    page: int = 1,
    viewer: User | None = None,
    log_query: bool = True,
) -> SearchResponse:
    """Search published items. `log_query=False` for results shown while someone is still
    typing: half-typed words would fill the search analytics with noise."""
    filters = filters or Filters()
    filters.validate(session)
    text = text.strip()[:200]
    if not text:
        return SearchResponse(query="", total=0, page=page, per_page=PER_PAGE, results=[], suggestion=None)
    if viewer is not None:
        usage_service.record(session, viewer, UsageKind.search, at_commit=True)
    groups = synonym_terms(session)
    if isinstance(index, PostgresSearch):
        try:
            response = _search_postgres(session, index, text, groups, filters, page)
        except postgres.Unsupported as exc:
            log.warning("Zoekvraag niet te vertalen (%s); eenvoudig zoeken in de database", exc)
            response = _search_database(session, text, filters, page)
    else:
        response = _search_whoosh(session, index, text, groups, filters, page)
    if page == 1 and log_query:
        _log_query(session, text, response.total)
    return response


def _search_whoosh(
    session: Session, index: SearchIndex, text: str, groups: list[list[str]], filters: Filters, page: int
) -> SearchResponse:
    try:
        return _search_index(session, index, text, groups, filters, page)
    except IndexUnavailable as exc:
        log.error("Zoekindex niet bruikbaar (%s); eenvoudig zoeken in de database", exc)
        _repair_later(index)
    except overlay.TooFarBehind as exc:
        log.warning("Zoekindex loopt achter (%s); eenvoudig zoeken in de database", exc)
        _drain_later(session)
    except overlay.Unsupported as exc:
        log.warning("Zoekvraag niet na te gaan op wachtende items (%s); eenvoudig zoeken in de database", exc)
    return _search_database(session, text, filters, page)


def _search_index(
    session: Session, index: SearchIndex, text: str, groups: list[list[str]], filters: Filters, page: int
) -> SearchResponse:
    # The outbox before the index: see app/search/overlay.py for why this order is exact.
    waiting = overlay.read(session, index)
    searcher = index.searcher()
    known = waiting.knows(re.findall(r"\w+", search_query.normalise(text))) if waiting is not None else set()
    return _corrected(
        text, groups, page, searcher.reader(), known,
        lambda words, on_page: _run(session, index, searcher, waiting, words, groups, filters, on_page),
    )


def _corrected(text, groups, page, vocabulary, known: set[str], run) -> SearchResponse:  # type: ignore[no-untyped-def]
    """`run(text, page)`, with "Bedoelde u …?" when a word is unknown to `vocabulary` and its
    correction finds something; the corrected results when the query itself found nothing."""
    response = run(text, page)
    protected = {fold(w) for g in groups for t in g for w in t.split()} | known
    suggestion = search_query.correct(vocabulary, text, protected)
    if suggestion:
        # A vocabulary may keep the words of replaced versions for a while: offer
        # "Bedoelde u …?" only when it finds a current item.
        corrected = run(suggestion, page if response.total == 0 else 1)
        if corrected.total == 0:
            suggestion = None
        elif response.total == 0:
            corrected.query, corrected.suggestion, corrected.corrected = text, suggestion, True
            return corrected
    response.suggestion = suggestion
    return response


def _search_postgres(
    session: Session, backend: PostgresSearch, text: str, groups: list[list[str]], filters: Filters, page: int
) -> SearchResponse:
    vocabulary = backend.vocabulary(session)
    theme = wiki_service.get_theme(session, filters.theme) if filters.theme else None
    where = postgres.where(theme.id if theme else None, filters.audience, *filters.bounds())

    def run(words: str, on_page: int) -> SearchResponse:
        prepared = search_query.prepare(words, groups, is_rare=lambda w: vocabulary.is_rare(w, search_query.RARE_BELOW))
        parsed = search_query.parse(backend.schema, prepared)
        tsquery = postgres.to_tsquery(parsed)
        empty = SearchResponse(query=words, total=0, page=on_page, per_page=PER_PAGE, results=[], suggestion=None)
        if tsquery is None:
            return empty
        total, page_hits = backend.page(session, tsquery, where, (on_page - 1) * PER_PAGE, PER_PAGE)
        if total == 0:
            return empty
        options = {
            "schema": backend.schema, "fragmenter": ContextFragmenter(maxchars=220, surround=60),
            "formatter": HtmlFormatter(tagname="mark", between=" … "),
        }
        marked = postgres.query_words(parsed)
        hits = [
            postgres.Hit(slug, version, score, marked, options)
            for slug, version, score in page_hits
        ]
        rows = wiki_service.published_by_slugs(session, [h["slug"] for h in hits])
        # Written in the item's own transaction: a row is always the item's current version.
        found = [_hit(h, rows[h["slug"]]) for h in hits if h["slug"] in rows]
        return SearchResponse(query=words, total=total, page=on_page, per_page=PER_PAGE, results=found, suggestion=None)

    return _corrected(text, groups, page, vocabulary, set(), run)


def _run(session, index, searcher, waiting, text, groups, filters, page) -> SearchResponse:  # type: ignore[no-untyped-def]
    prepared = search_query.prepare(text, groups, searcher.reader())
    parsed = search_query.parse(index.schema, prepared)
    limit = page * PER_PAGE
    results = top_hits(
        searcher, parsed, limit, filter=filters.query(), mask=waiting.mask if waiting else None, terms=True,
    )
    # A fresh formatter per search: Whoosh's keeps state between calls.
    results.fragmenter = ContextFragmenter(maxchars=220, surround=60)
    results.formatter = HtmlFormatter(tagname="mark", between=" … ")
    total, ranked = len(results), list(results)
    if waiting is not None:
        options = {"schema": index.schema, "fragmenter": results.fragmenter, "formatter": results.formatter}
        extra = waiting.search(parsed, filters.admits, searcher, options)
        total += len(extra)
        ranked = sorted(ranked + extra, key=lambda hit: -hit.score)  # stable: the index's order first
    hits = ranked[limit - PER_PAGE:limit]
    rows = wiki_service.published_by_slugs(session, [h["slug"] for h in hits])
    found, behind = [], False
    for hit in hits:
        row = rows.get(hit["slug"])
        # What we show always comes from the database; the index only chose the hits.
        behind = behind or row is None or row.item.version != hit["version"]
        if row is not None:
            found.append(_hit(hit, row))
    if behind:
        # A change the index holds and this session's snapshot does not yet, or a drain that
        # failed: take in what the outbox holds, outside this request.
        _drain_later(session)
    return SearchResponse(
        query=text, total=total, page=page, per_page=PER_PAGE,
        results=found, suggestion=None,
    )


_snippets: OrderedDict[tuple, str] = OrderedDict()
_snippets_lock = threading.Lock()
SNIPPETS = 2_000  # kept per process; the same item found by the same words has the same one


def _snippet(hit, item) -> str:  # type: ignore[no-untyped-def]
    """The highlighted fragment for a hit. Highlighting analyses the item's whole text again
    (a third of a search's time): keep what was made for the same words and version."""
    # What the highlighter uses: the item's text, and the words it marks (Whoosh takes those of
    # the whole result set; a waiting item's own).
    used = hit.highlight_terms() if hasattr(hit, "highlight_terms") else hit.results.matched_terms()
    key = (hash((item.title, item.summary, item.body)), frozenset(used))
    with _snippets_lock:
        if key in _snippets:
            _snippets.move_to_end(key)
            return _snippets[key]
    snippet = (
        hit.highlights("summary", text=item.summary, top=1)
        or hit.highlights("body", text=plain_text(item.body), top=2)
        or hit.highlights("title", text=item.title, top=1)
    )
    snippet = nh3.clean(snippet, tags={"mark"}, attributes={}) if snippet else nh3.clean(item.summary, tags=set())
    with _snippets_lock:
        _snippets[key] = snippet
        while len(_snippets) > SNIPPETS:
            _snippets.popitem(last=False)
    return snippet


def _hit(hit, row: wiki_service.IndexRow) -> SearchHit:  # type: ignore[no-untyped-def]
    item = row.item
    return SearchHit(
        slug=item.slug, title=item.title, summary=item.summary, theme=row.theme_slug,
        theme_name=row.theme_name, audience=item.audience, published_at=item.published_at,
        snippet=_snippet(hit, item), score=round(float(hit.score or 0), 4),
    )


def _search_database(session: Session, text: str, filters: Filters, page: int) -> SearchResponse:
    # Words as typed (lower-cased, accents kept: the database compares them as they are).
    words = [w for w in text.lower().replace('"', " ").split() if len(w) > 2][:5]
    start, end = filters.bounds()
    rows = wiki_service.simple_search(
        session, words, theme=filters.theme, audience=filters.audience,
        published_from=start, published_until=end,
    )
    start = (page - 1) * PER_PAGE
    hits = [
        SearchHit(
            slug=r.item.slug, title=r.item.title, summary=r.item.summary, theme=r.theme_slug,
            theme_name=r.theme_name, audience=r.item.audience, published_at=r.item.published_at,
            snippet=nh3.clean(r.item.summary, tags=set()), score=0.0,
        )
        for r in rows[start:start + PER_PAGE]
    ]
    return SearchResponse(
        query=text, total=len(rows), page=page, per_page=PER_PAGE, results=hits,
        suggestion=None, degraded=True,
    )


_repairing = threading.Lock()


def _in_background(name: str, job, guard: threading.Lock, engine=None) -> None:  # type: ignore[no-untyped-def]
    """Run `job(engine)` in a thread, one such job of a kind at a time; searches go on meanwhile."""
    if not guard.acquire(blocking=False):
        return

    def work() -> None:
        from app.db import get_engine

        try:
            job(engine or get_engine())
        except Exception:  # noqa: BLE001
            log.exception("Herstel van de zoekindex mislukt")
        finally:
            guard.release()

    threading.Thread(target=work, name=name, daemon=True).start()


def _drain_later(session: Session) -> None:
    """Take in what the outbox of this session's database holds (a hit was behind it)."""
    from sqlalchemy.engine import Engine

    from app.search import sync

    bind = session.get_bind()
    if isinstance(bind, Engine):  # a test's connection drains at its own commits
        # The process's one drainer, not a thread of its own: a drain that waits for the
        # index is then covered by drainer.wait_idle() at shutdown (a stray drain read a
        # database that was being dropped: a deadlock in CI).
        sync.drainer.wake(bind, hurry=True)


def _repair_later(index: SearchIndex) -> None:
    """Rebuild a broken index; searches use the database meanwhile."""
    from app.search import sync

    _in_background("zoekindex-herstel", lambda engine: log.warning(sync.ensure(engine, index)), _repairing)


def suggest(session: Session, index: SearchIndex | PostgresSearch, text: str, limit: int = 8) -> SuggestResponse:
    """Titles and words that start like what is being typed."""
    words = search_query.normalise(text).replace('"', " ").split()
    if not words or len(words[-1]) < 2:
        return SuggestResponse(items=[], terms=[])
    if isinstance(index, PostgresSearch):
        slugs, terms = postgres.suggest(session, index, words, limit)
        rows = wiki_service.published_by_slugs(session, slugs)
        return SuggestResponse(items=[{"slug": s, "title": rows[s].item.title} for s in slugs if s in rows], terms=terms)
    try:
        searcher = index.searcher()
    except IndexUnavailable:
        return SuggestResponse(items=[], terms=[])
    last = words[-1]
    reader = searcher.reader()
    candidates = sorted(
        (t.decode() if isinstance(t, bytes) else t for t in reader.expand_prefix("spell", last)),
        key=lambda t: -reader.doc_frequency("spell", t),
    )
    # The term list keeps the words of replaced versions until their segment is merged: offer a
    # word only while a current document holds it.
    terms = []
    for term in candidates[: limit * 4]:
        if len(terms) == limit:
            break
        if searcher.search(wq.Term("spell", term), limit=1).scored_length():
            terms.append(term)
    must = [wq.Or([wq.Prefix("spell", last), wq.Prefix("parts", last)])]
    # Earlier words count only when the spelling field can hold them (3+ letters, no digits).
    must += [wq.Term("spell", w) for w in words[:-1] if len(w) >= 3 and w.isalpha() and w not in STOP_WORDS]
    hits = searcher.search(wq.And(must), limit=limit)
    rows = wiki_service.published_by_slugs(session, [h["slug"] for h in hits])
    items = [{"slug": h["slug"], "title": rows[h["slug"]].item.title} for h in hits if h["slug"] in rows]
    return SuggestResponse(items=items, terms=terms)


# --- query log (no person) -------------------------------------------------------------------


def _log_query(session: Session, text: str, total: int) -> None:
    month = clock.today().replace(day=1)
    # Long numbers (a BSN, a case number) are never kept, not even without a name.
    query = _LONG_NUMBER.sub(lambda m: "#" * len(m.group(0)), search_query.normalise(text))
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(SearchLog).values(
        month=month, query=query, searches=1, without_results=int(total == 0)
    )
    statement = statement.on_conflict_do_update(
        index_elements=["month", "query"],
        set_={
            "searches": SearchLog.searches + 1,
            "without_results": SearchLog.without_results + int(total == 0),
        },
    )
    execute_at_commit(session, statement)


@dataclass
class QueryCount:
    query: str
    count: int


def top_queries(session: Session, month: date, limit: int = 20) -> list[QueryCount]:
    return _counts(session, month, SearchLog.searches, limit)


def queries_without_results(session: Session, month: date, limit: int = 20) -> list[QueryCount]:
    return _counts(session, month, SearchLog.without_results, limit)


def _counts(session: Session, month: date, column, limit: int) -> list[QueryCount]:  # type: ignore[no-untyped-def]
    rows = session.exec(
        select(SearchLog.query, column)
        .where(SearchLog.month == month.replace(day=1), column >= MIN_SHOWN)
        .order_by(col(column).desc(), SearchLog.query)
        .limit(limit)
    )
    return [QueryCount(q, n) for q, n in rows]


def logged_months(session: Session) -> list[date]:
    rows = session.exec(select(SearchLog.month).distinct().order_by(col(SearchLog.month).desc()))
    return list(rows)


def month_totals(session: Session, month: date) -> tuple[int, int]:
    searches, empty = session.exec(
        select(func.coalesce(func.sum(SearchLog.searches), 0), func.coalesce(func.sum(SearchLog.without_results), 0))
        .where(SearchLog.month == month.replace(day=1))
    ).one()
    return int(searches), int(empty)


# --- synonyms --------------------------------------------------------------------------------


def list_synonyms(session: Session) -> list[SynonymGroup]:
    groups = list(session.exec(select(SynonymGroup)))
    return sorted(groups, key=lambda g: g.terms[0] if g.terms else "")


def synonym_terms(session: Session) -> list[list[str]]:
    return [g.terms for g in list_synonyms(session)]


def parse_terms(text: str) -> list[str]:
    return list(dict.fromkeys(" ".join(fold(t).split()) for t in text.split(",") if t.strip()))


def save_synonyms(session: Session, text: str, group: SynonymGroup | None = None) -> SynonymGroup:
    terms = parse_terms(text)
    if len(terms) < 2:
        raise SearchError("terms", "Geef minstens twee termen, gescheiden door komma's.")
    if any(len(t) > 60 for t in terms):
        raise SearchError("terms", "Een term is hoogstens 60 tekens.")
    taken = {t: g for g in list_synonyms(session) if g is not group for t in g.terms}
    clash = [t for t in terms if t in taken]
    if clash:
        raise SearchError("terms", f"'{clash[0]}' staat al in een andere groep: {', '.join(taken[clash[0]].terms)}.")
    if group is None:
        group = SynonymGroup(terms=terms)
        session.add(group)
    else:
        group.terms = terms
        group.updated_at = utcnow()
    session.flush()
    return group


def delete_synonyms(session: Session, group: SynonymGroup) -> None:
    session.delete(group)
    session.flush()


def seed_synonyms(session: Session, groups: list[list[str]]) -> int:
    """Load the sector's usual abbreviations when there are no synonyms yet."""
    if session.exec(select(SynonymGroup.id)).first() is not None:
        return 0
    for terms in groups:
        save_synonyms(session, ", ".join(terms))
    return len(groups)
