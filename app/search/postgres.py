"""Search in PostgreSQL (KENNISBANK_SEARCH_BACKEND=postgresql): nothing outside the database.

The application's own Dutch analysis (app/search/analysis.py: folding, stop words, the -ieën
rule, stems, compound parts) makes the words; PostgreSQL stores and indexes them. Each
published item has one `search_document` row, written by the commit hook (app/search/sync.py)
inside the transaction that saves the item: a search in any process on any host finds the
change the moment that transaction commits, and never one that was rolled back.

- `vector`: every analysed word with its positions, weighted by field (title A, summary B,
  body C, compound parts D), the fields apart by a gap so that a phrase never spans two.
  Whoosh's query parser (app/search/query.py) still reads what was typed; its query becomes
  a tsquery of the same words.
- `spell`: the item's words as typed, folded, not stemmed: suggestions while typing, and
  whether a word is known before "Bedoelde u …?" is offered.
- `search_word`: the vocabulary of those words with a trigram index (pg_trgm), to find the
  closest known word to a typo. A word is added in the saving transaction; its document
  count (for choosing among close words) is recounted nightly and after a rebuild.

Ranking reads each candidate's vector, so only a bounded set is ranked: the newest
`CANDIDATES` matches (see `PostgresSearch.page`). The exact number of matches is counted in
the same pass.
"""

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session
from whoosh import query as wq
from whoosh.highlight import highlight
from whoosh.support.levenshtein import damerau_levenshtein

from app.search.analysis import STOP_WORDS, dutch_analyzer, fold, highlight_analyzer
from app.search.documents import document
from app.search.index import SCHEMA_VERSION, make_schema
from app.wiki import service as wiki_service
from app.wiki.models import ItemStatus

log = logging.getLogger("kennisbank.search")

FIELDS = (("title", "A"), ("summary", "B"), ("body", "C"), ("parts", "D"))
# ts_rank's weights for D, C, B, A: Whoosh's field boosts (parts 0.5, body 1, summary 2,
# title 3), so both backends weigh a word in the title alike.
RANK_WEIGHTS = "{0.05,0.1,0.2,0.3}"
# Rank divided by 1 + log(the document's length): a long text does not win by length alone.
RANK_NORMALISATION = 1
FIELD_GAP = 10  # positions between two fields
MAX_POSITION = 16383  # PostgreSQL's limit; later words keep this position
MAX_POSITIONS = 256  # per word, PostgreSQL's limit
MAX_WORD = 100  # longer "words" (a pasted hash) are not searchable
CANDIDATES = 400  # rows ranked by ts_rank at most, beyond the page asked for
SUGGEST_CANDIDATES = 100  # the same while typing
BATCH = 200


class Unsupported(Exception):
    """A query of a kind this backend cannot translate."""


def _quote(word: str) -> str:
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


# --- documents -------------------------------------------------------------------------------


@dataclass
class Row:
    item_id: int
    slug: str
    version: int
    theme_id: int
    audience: str
    published: datetime
    vector: str
    spell: str
    words: list[str]


class Analyser:
    """Our analysis, as tsvector text. One per process (the analysers load word lists)."""

    def __init__(self) -> None:
        self.schema = make_schema()

    def row(self, item_id: int, theme_id: int, index_row: wiki_service.IndexRow) -> Row:
        values = document(index_row).fields()
        lexemes: dict[str, list[str]] = {}
        base = 1
        for name, weight in FIELDS:
            last = -1
            for token in self.schema[name].analyzer(values[name], positions=True):
                word = token.text
                if len(word) > MAX_WORD:
                    continue
                last = max(last, token.pos)
                positions = lexemes.setdefault(word, [])
                if len(positions) < MAX_POSITIONS:
                    positions.append(f"{min(base + token.pos, MAX_POSITION)}{weight}")
            base += last + 1 + FIELD_GAP
        vector = " ".join(f"{_quote(w)}:{','.join(p)}" for w, p in lexemes.items())
        words = sorted({
            t.text for t in self.schema["spell"].analyzer(values["spell"]) if len(t.text) <= MAX_WORD
        })
        return Row(
            item_id=item_id, slug=values["slug"], version=values["version"], theme_id=theme_id,
            audience=index_row.item.audience, published=values["published"], vector=vector,
            spell=" ".join(_quote(w) for w in words), words=words,
        )


_UPSERT = text("""
    INSERT INTO search_document
        (item_id, slug, version, theme_id, audience, published, analysis, vector, spell)
    VALUES (:item_id, :slug, :version, :theme_id, :audience, :published, :analysis,
            CAST(:vector AS tsvector), CAST(:spell AS tsvector))
    ON CONFLICT (item_id) DO UPDATE SET
        slug = excluded.slug, version = excluded.version, theme_id = excluded.theme_id,
        audience = excluded.audience, published = excluded.published,
        analysis = excluded.analysis, vector = excluded.vector, spell = excluded.spell
""")
# Sorted, so that two saves add shared new words in the same order (no deadlock). A new word
# counts the items of its transaction that hold it (right for an import); known words keep
# their count until the nightly recount, so that saves never queue on a shared row.
_ADD_WORDS = text("""
    INSERT INTO search_word (word, documents)
    SELECT w, count(*) FROM unnest(CAST(:words AS varchar[])) AS w GROUP BY w ORDER BY w
    ON CONFLICT (word) DO NOTHING
""")


# --- queries ---------------------------------------------------------------------------------


def to_tsquery(node: wq.Query) -> str | None:
    """The tsquery text of a parsed query, or None when it can match nothing. The search
    fields all hold the same words (the parts field its compounds' parts), and Whoosh's
    multifield parser asks every field for every word: so one lexeme without weight asks
    what the query asked."""
    if isinstance(node, wq.Term):
        return _quote(node.text)
    if isinstance(node, wq.Phrase):
        if node.slop != 1:
            raise Unsupported(f"woordgroep met slop {node.slop}")
        return "(" + " <-> ".join(_quote(w) for w in node.words) + ")" if node.words else None
    if type(node) is wq.Or:
        parts = list(dict.fromkeys(p for p in map(to_tsquery, node.subqueries) if p is not None))
        return None if not parts else parts[0] if len(parts) == 1 else "(" + " | ".join(parts) + ")"
    if type(node) is wq.And:
        parts = [to_tsquery(q) for q in node.subqueries]
        if not parts or any(p is None for p in parts):
            return None
        unique = list(dict.fromkeys(parts))
        return unique[0] if len(unique) == 1 else "(" + " & ".join(unique) + ")"  # type: ignore[arg-type,return-value]
    if node is wq.NullQuery or isinstance(node, wq.NullQuery.__class__):
        return None
    raise Unsupported(f"zoekvraag van het type {type(node).__name__}")


def query_words(node: wq.Query) -> set[str]:
    """Every word a query asks for, to mark in the snippets."""
    if isinstance(node, wq.Term):
        return {node.text}
    if isinstance(node, wq.Phrase):
        return set(node.words)
    return {w for q in getattr(node, "subqueries", ()) for w in query_words(q)}


class Hit(dict):
    """A hit used as a Whoosh hit is: hit["slug"], hit["version"], hit.score, highlights()."""

    def __init__(self, slug: str, version: int, score: float, words: set[str], options: dict):
        super().__init__(slug=slug, version=version)
        self.score = score
        self._words = words
        self._options = options

    def highlight_terms(self) -> set[tuple[str, str]]:
        return {("any", w) for w in self._words}

    def highlights(self, fieldname: str, text: str, top: int = 3) -> str:
        return highlight(
            text, self._words, highlight_analyzer(),
            self._options["fragmenter"], self._options["formatter"], top=top,
        )


@dataclass
class Where:
    """The filters as SQL on search_document, with their parameters."""

    sql: str
    params: dict


def where(theme_id: int | None, audience: str | None, start: datetime | None, end: datetime | None) -> Where:
    clauses, params = [], {}
    if theme_id is not None:
        clauses.append("theme_id = :theme_id")
        params["theme_id"] = theme_id
    if audience:
        clauses.append("audience IN (:audience, 'beide')")
        params["audience"] = audience
    if start is not None:
        clauses.append("published >= :start")
        params["start"] = start.astimezone(UTC).replace(tzinfo=None)
    if end is not None:
        clauses.append("published <= :end")
        params["end"] = end.astimezone(UTC).replace(tzinfo=None)
    return Where("".join(f" AND {c}" for c in clauses), params)


class Vocabulary:
    """What "Bedoelde u …?" and the query's compound rule ask of the words, as a Whoosh
    reader answers them (app/search/query.py calls doc_frequency and terms_within)."""

    def __init__(self, connection: Connection, trigram: str | None):
        self.connection = connection
        self.trigram = trigram
        self._counts: dict[str, int] = {}

    def known(self, words: list[str]) -> list[str]:
        """Those of these words a published item holds, in their order, in one query: the
        vocabulary keeps words of versions that are gone until its nightly recount. Each
        word is looked up in the GIN index of `spell` (a bitmap scan per word)."""
        if not words:
            return []
        rows = self.connection.execute(text(
            "SELECT t.w FROM unnest(CAST(:ws AS text[]), CAST(:qs AS text[])) WITH ORDINALITY AS t(w, q, n) "
            "WHERE EXISTS (SELECT 1 FROM search_document WHERE spell @@ CAST(t.q AS tsquery)) ORDER BY t.n"
        ), {"ws": words, "qs": [_quote(w) for w in words]})
        return [w for (w,) in rows]

    def doc_frequency(self, fieldname: str, word: str) -> int:
        if word not in self._counts:
            self._counts[word] = len(self.known([word]))
        return self._counts[word]

    def terms_within(self, fieldname: str, word: str, maxdist: int, prefix: int = 0) -> list[str]:
        """Known words within `maxdist` edits that start with the same `prefix` letters."""
        bounds = {"w": word, "start": word[:prefix], "lo": len(word) - maxdist, "hi": len(word) + maxdist}
        if self.trigram:
            found = self.connection.execute(text(
                f'SELECT word, documents FROM search_word WHERE word OPERATOR("{self.trigram}".%) :w '
                "AND left(word, length(:start)) = :start AND length(word) BETWEEN :lo AND :hi "
                f'ORDER BY "{self.trigram}".similarity(word, :w) DESC LIMIT 50'
            ), bounds).all()
        else:
            found = self.connection.execute(text(
                "SELECT word, documents FROM search_word WHERE left(word, length(:start)) = :start "
                "AND length(word) BETWEEN :lo AND :hi LIMIT 100000"
            ), bounds).all()
        close = {w: n for w, n in found if damerau_levenshtein(word, w) <= maxdist}
        known = self.known(list(close))
        for candidate in known:
            self._counts[candidate] = max(close[candidate], 1)
        return known

    def is_rare(self, word: str, below: int) -> bool:
        """Whether fewer than `below` items hold this word (analysed), as the query's
        compound rule asks."""
        stems = [t.text for t in dutch_analyzer()(word, mode="query")]
        if not stems:
            return True
        # Title, summary and body (A, B, C), not compound parts: as the Whoosh index counts.
        # The query in the statement's text, not a parameter: a generic plan of a prepared
        # statement could test every row's vector to find three.
        literal = (_quote(stems[0]) + ":ABC").replace("'", "''").replace(":", r"\:")  # no bind parameter
        held = self.connection.execute(text(
            f"SELECT count(*) FROM (SELECT 1 FROM search_document WHERE vector @@ '{literal}'::tsquery "
            "LIMIT :n) AS x"
        ), {"n": below}).scalar_one()
        return held < below


# --- the backend -----------------------------------------------------------------------------


class PostgresSearch:
    """The search backend in PostgreSQL; what it keeps in memory is only the analysis."""

    name = "postgresql"

    def __init__(self) -> None:
        self._analyser: Analyser | None = None
        self._trigram: dict[str, str | None] = {}

    @property
    def analyser(self) -> Analyser:
        if self._analyser is None:
            self._analyser = Analyser()
        return self._analyser

    @property
    def schema(self):  # type: ignore[no-untyped-def]
        return self.analyser.schema

    def trigram_schema(self, connection: Connection) -> str | None:
        key = str(connection.engine.url)
        if key not in self._trigram:
            self._trigram[key] = connection.execute(text(
                "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                "WHERE e.extname = 'pg_trgm'"
            )).scalar()
        return self._trigram[key]

    def vocabulary(self, session: Session) -> Vocabulary:
        connection = session.connection()
        return Vocabulary(connection, self.trigram_schema(connection))

    # --- writing ---------------------------------------------------------------------------

    def write(self, session: Session, item_ids: Iterable[int], *, lock: bool = False) -> int:
        """Make these items' rows what the database holds now, in this session's transaction.
        `lock`: hold the items (a rebuild beside saves: no save commits between the read and
        the write). Returns how many published items were written."""
        ids = set(item_ids)
        if not ids:
            return 0
        rows = wiki_service.index_rows(session, ids, for_share=lock)
        published = [r for r in rows if r.item.status == ItemStatus.published]
        connection = session.connection()
        gone = sorted(ids - {r.item.id for r in published})  # type: ignore[misc]
        if gone:
            connection.execute(text("DELETE FROM search_document WHERE item_id = ANY(:ids)"), {"ids": gone})
        documents = [self.analyser.row(r.item.id, r.item.theme_id, r) for r in published]  # type: ignore[arg-type]
        if documents:
            connection.execute(_UPSERT, [
                {**d.__dict__, "analysis": SCHEMA_VERSION} for d in documents
            ])
            connection.execute(_ADD_WORDS, {"words": [w for d in documents for w in d.words]})
        return len(documents)

    def rebuild(self, engine: Engine, progress: Callable[[int, int], None] | None = None) -> int:
        """Write every item's row anew, a batch per transaction beside the running service;
        safe twice at once (the same rows come out). Returns the published items."""
        with Session(engine) as session:
            ids = wiki_service.item_ids(session)
            session.commit()
        written = 0
        for start in range(0, len(ids), BATCH):
            with Session(engine) as session:
                written += self.write(session, ids[start:start + BATCH], lock=True)
                session.commit()
            if progress:
                progress(min(start + BATCH, len(ids)), len(ids))
        with engine.begin() as connection:
            connection.execute(text(
                "DELETE FROM search_document d WHERE NOT EXISTS (SELECT 1 FROM item i WHERE i.id = d.item_id)"
            ))
        self.recount(engine)
        return written

    def recount(self, engine: Engine) -> int:
        """The vocabulary anew from the documents: words that are gone leave, counts are exact."""
        with engine.begin() as connection:
            # Saves add words meanwhile; they wait these few seconds.
            connection.execute(text("LOCK TABLE search_word IN SHARE ROW EXCLUSIVE MODE"))
            connection.execute(text("DELETE FROM search_word"))
            connection.execute(text(
                "INSERT INTO search_word (word, documents) "
                "SELECT word, count(*) FROM search_document, unnest(tsvector_to_array(spell)) AS word "
                f"WHERE length(word) <= {MAX_WORD} GROUP BY word"
            ))
            return connection.execute(text("SELECT count(*) FROM search_word")).scalar_one()

    def ensure(self, engine: Engine) -> str:
        """At start-up: write the rows that differ from the database (a new analysis, a change
        made while this backend was off). Safe from several processes at once."""
        with Session(engine) as session:
            wanted = wiki_service.published_states(session)
            held = {
                item_id: (slug, version, theme_id, analysis)
                for item_id, slug, version, theme_id, analysis in session.connection().execute(text(
                    "SELECT item_id, slug, version, theme_id, analysis FROM search_document"
                ))
            }
            # The Whoosh index's outbox: nobody drains it while search is in the database.
            session.connection().execute(text("DELETE FROM search_outbox"))
            session.commit()
        stale = sorted(
            {i for i, state in wanted.items() if held.get(i) != (*state, SCHEMA_VERSION)}
            | (set(held) - set(wanted))
        )
        if not stale:
            return f"Zoeken in PostgreSQL is actueel: {len(wanted)} items."
        for start in range(0, len(stale), BATCH):
            with Session(engine) as session:
                self.write(session, stale[start:start + BATCH], lock=True)
                session.commit()
        self.recount(engine)
        return f"Zoeken in PostgreSQL bijgewerkt: {len(stale)} items vernieuwd ({len(wanted)} gepubliceerd)."

    @staticmethod
    def forget_words(session: Session, words: Iterable[str]) -> None:
        """Take words out of the vocabulary now (an erased person's name): the nightly recount
        would only do so hours later, and a backup meanwhile would keep them."""
        folded = sorted({fold(w) for w in words if len(w) >= 3})
        if folded and session.get_bind().dialect.name == "postgresql":
            session.connection().execute(text("DELETE FROM search_word WHERE word = ANY(:w)"), {"w": folded})

    def problem(self, engine: Engine) -> str | None:
        """Why search cannot serve, or None (for /readyz)."""
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1 FROM search_document LIMIT 1"))
                connection.execute(text("SELECT 1 FROM search_word LIMIT 1"))
        except Exception:  # noqa: BLE001 - any failure means: not usable
            return "zoektabellen niet bruikbaar"
        return None

    def versions(self, bind: Engine | Session) -> dict[str, int]:
        """slug → the version its row holds, to compare with the database (in this session's
        transaction, or in a connection of its own)."""
        query = text("SELECT slug, version FROM search_document")
        if isinstance(bind, Session):
            return dict(bind.connection().execute(query).all())  # type: ignore[arg-type]
        with bind.connect() as connection:
            return dict(connection.execute(query).all())  # type: ignore[arg-type]

    # --- searching -------------------------------------------------------------------------

    def count(self, session: Session, tsquery: str, filters: Where) -> int:
        return session.connection().execute(text(
            f"SELECT count(*) FROM search_document WHERE vector @@ CAST(:q AS tsquery){filters.sql}"
        ), {"q": tsquery, **filters.params}).scalar_one()

    def page(self, session: Session, tsquery: str, filters: Where, offset: int, limit: int) -> tuple[int, list[tuple[str, int, float]]]:
        """The exact number of matches, and (slug, version, score) of the best `limit` after
        `offset`, in one pass over the matches.

        ts_rank reads each row's whole vector (some 2.5 kB): only the newest CANDIDATES
        matches are ranked (more when the page asks for them). The matches are read first
        (MATERIALIZED, through the GIN index): a generic plan of a prepared statement
        otherwise walks the published index and tests every row's vector (33 ms instead of
        2 at 10,000 items)."""
        bound = max(CANDIDATES, offset + limit)
        rows = session.connection().execute(text(f"""
            WITH matches AS MATERIALIZED (
                SELECT item_id, published FROM search_document
                WHERE vector @@ CAST(:q AS tsquery){filters.sql}
            ), candidates AS (
                SELECT item_id FROM matches ORDER BY published DESC, item_id DESC LIMIT :bound
            )
            SELECT (SELECT count(*) FROM matches) AS total, d.slug, d.version,
                   ts_rank(CAST(:weights AS real[]), d.vector, CAST(:q AS tsquery), {RANK_NORMALISATION}) AS score
            FROM candidates JOIN search_document AS d USING (item_id)
            ORDER BY score DESC, d.item_id DESC
            OFFSET :offset LIMIT :limit
        """), {"q": tsquery, "weights": RANK_WEIGHTS, "bound": bound, "offset": offset, "limit": limit,
               **filters.params}).all()
        if not rows:
            return (self.count(session, tsquery, filters) if offset else 0), []
        return rows[0][0], [(slug, version, float(score)) for _, slug, version, score in rows]


_LIKE = re.compile(r"([\\%_])")


def like_prefix(word: str) -> str:
    return _LIKE.sub(r"\\\1", word) + "%"


def suggest(session: Session, backend: PostgresSearch, words: list[str], limit: int) -> tuple[list[str], list[str]]:
    """(slugs, terms) for what is being typed: known words that start like the last word, most
    frequent first, and items holding the earlier words and a word that starts so."""
    connection = session.connection()
    last = words[-1]
    candidates = [w for (w,) in connection.execute(text(
        "SELECT word FROM search_word WHERE word LIKE :p ORDER BY documents DESC, word LIMIT :n"
    ), {"p": like_prefix(last), "n": limit * 4})]
    terms = backend.vocabulary(session).known(candidates)[:limit]
    earlier = [_quote(w) for w in words[:-1] if len(w) >= 3 and w.isalpha() and w not in STOP_WORDS]
    starts = _quote(last) + ":*"
    need = " & ".join(earlier)
    # The newest SUGGEST_CANDIDATES, those with the word in the title first.
    slugs = [slug for (slug,) in connection.execute(text(f"""
        WITH matches AS MATERIALIZED (
            SELECT item_id, published FROM search_document
            WHERE (spell @@ CAST(:starts AS tsquery) OR vector @@ CAST(:starts AS tsquery))
            {"AND spell @@ CAST(:need AS tsquery)" if need else ""}
        ), candidates AS (
            SELECT item_id FROM matches ORDER BY published DESC, item_id DESC LIMIT {SUGGEST_CANDIDATES}
        )
        SELECT d.slug FROM candidates JOIN search_document AS d USING (item_id)
        ORDER BY ts_rank(CAST(:weights AS real[]), d.vector, CAST(:starts AS tsquery)) DESC, d.published DESC, d.item_id DESC
        LIMIT :n
    """), {"starts": starts, "need": need, "n": limit, "weights": RANK_WEIGHTS})]
    return slugs, terms
