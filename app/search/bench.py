"""Search benchmark: our Whoosh index and search in PostgreSQL against SQLite FTS5 on one
synthetic Dutch corpus.

The corpus samples Dutch words by frequency (wordfreq), mixed with the sector's terms and
compounds; the same fixed mix of queries runs on every engine in the same run.
"""

import os
import platform
import random
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from whoosh.highlight import ContextFragmenter, HtmlFormatter

from app.search import query as search_query
from app.search.analysis import DOMAIN_WORDS, fold
from app.search.index import Document, SearchIndex, top_hits

DOMAIN_PHRASES = [
    "beslagvrije voet", "schone lei", "minnelijk traject", "vrij te laten bedrag",
    "wet schuldsanering natuurlijke personen", "betalingsachterstand", "hersteloperatie",
    "saneringskrediet", "schuldhulpverlening", "beschermingsbewind", "huurachterstand",
    "implementatiestrategieën", "kwijtschelding", "vroegsignalering", "budgetbeheer",
]


@dataclass
class Figures:
    engine: str
    items: int
    build_s: float
    size_mb: float
    p50: float
    p95: float
    p99: float
    hl_p95: float
    publish_p50: float
    publish_p95: float
    p95_by_kind: dict[str, float] | None = None
    # Save (the database commit) until another searcher finds the item.
    visible_p50: float | None = None
    visible_p95: float | None = None
    # Save until the background drain has written it into the index.
    indexed_p50: float | None = None
    indexed_p95: float | None = None


QUERY_KINDS = ("one word", "two words", "sector term", "quoted phrase")


def _words(count: int = 20_000) -> tuple[list[str], list[float]]:
    from wordfreq import top_n_list, word_frequency

    words = [w for w in top_n_list("nl", count) if w.isalpha() and len(w) > 1]
    return words, [word_frequency(w, "nl") for w in words]


class Corpus:
    def __init__(self, seed: int = 42):
        self.random = random.Random(seed)
        self.words, self.weights = _words()
        self.domain = DOMAIN_WORDS + DOMAIN_PHRASES

    def text(self, n: int) -> str:
        words = self.random.choices(self.words, self.weights, k=n)
        for _ in range(max(1, n // 25)):
            words[self.random.randrange(n)] = self.random.choice(self.domain)
        return " ".join(words)

    def documents(self, count: int) -> list[Document]:
        start = datetime(2024, 1, 1, tzinfo=UTC)
        return [
            Document(
                slug=f"item-{n}", version=1,
                title=self.text(self.random.randint(4, 9)).capitalize(),
                summary=self.text(self.random.randint(15, 30)),
                text=self.text(self.random.randint(150, 300)),
                theme=f"thema-{n % 12}",
                audience=self.random.choice(["klantbegeleider", "schuldregelaar", "beide"]),
                published=start + timedelta(hours=n),
            )
            for n in range(count)
        ]

    def queries(self, count: int = 200) -> list[str]:
        """A fixed mix: one word, two words, a sector term or phrase, a quoted phrase."""
        mid = self.words[200:5000]
        out = []
        for n in range(count):
            kind = n % 4
            if kind == 0:
                out.append(self.random.choice(mid))
            elif kind == 1:
                out.append(f"{self.random.choice(mid)} {self.random.choice(mid)}")
            elif kind == 2:
                out.append(self.random.choice(self.domain))
            else:
                out.append(f'"{self.random.choice(DOMAIN_PHRASES)}"')
        return out


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def _size_mb(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 1_000_000


def bench_whoosh(
    docs: list[Document], queries: list[str], extra: list[Document], work: Path,
    progress: Callable[[int], None] | None = None,
) -> Figures:
    index = SearchIndex(work / "whoosh")
    start = time.perf_counter()
    index.rebuild(iter(docs), progress)
    build = time.perf_counter() - start
    searcher = index.searcher()
    parser = search_query.parser(index.schema)
    parsed = [parser.parse(search_query.prepare(q, [], searcher.reader()).text) for q in queries]
    for q in parsed:  # one full pass first: a running service has its caches warm
        top_hits(searcher, q, 10)
    # As the service searches: the top ten and the exact total (see index.top_hits).
    plain = [_timed(lambda q=q: (len(r := top_hits(searcher, q, 10)), list(r))) for q in parsed]
    formatter, fragmenter = HtmlFormatter(tagname="mark"), ContextFragmenter(maxchars=220, surround=60)
    texts = {d.slug: d.text for d in docs}

    def with_highlights(q):  # type: ignore[no-untyped-def]
        results = top_hits(searcher, q, 10, terms=True)
        results.formatter, results.fragmenter = formatter, fragmenter
        return [hit.highlights("body", text=texts[hit["slug"]], top=2) for hit in results]

    highlighted = [_timed(lambda q=q: with_highlights(q)) for q in parsed]
    publish = [_timed(lambda d=d: index.apply([d], [])) for d in extra]
    visible, indexed = publish_to_searchable(index, extra, work)
    by_kind = {
        kind: _percentile([t for n, t in enumerate(plain) if n % 4 == k], 95)
        for k, kind in enumerate(QUERY_KINDS)
    }
    return Figures(
        "Whoosh (whoosh-reloaded)", len(docs), build, _size_mb(index.path),
        _percentile(plain, 50), _percentile(plain, 95), _percentile(plain, 99),
        _percentile(highlighted, 95), _percentile(publish, 50), _percentile(publish, 95), by_kind,
        _percentile(visible, 50), _percentile(visible, 95),
        _percentile(indexed, 50), _percentile(indexed, 95),
    )


def save_marked(engine, editor_id: int, doc: Document, n: int, theme: str) -> str:  # type: ignore[no-untyped-def]
    """Save and publish `doc` through the wiki service as the editor does, committed, with a
    word of its own in the title (returned) to search it by."""
    from sqlmodel import Session

    from app.accounts import service as accounts_service
    from app.wiki import service as wiki_service
    from app.wiki.models import ItemIn

    marker = f"zichtbaarheidstoets{chr(97 + n % 26)}{chr(97 + n // 26)}"
    with Session(engine) as session:
        wiki_service.create_item(session, ItemIn.model_validate({
            "title": f"{doc.title} {marker}", "summary": doc.summary[:300], "body": doc.text,
            "dossier_meaning": "Zie tekst.", "theme": theme, "status": "published",
        }), accounts_service.get_user(session, editor_id))
        session.commit()
    return marker


def publish_to_searchable(
    index: SearchIndex, extra: list[Document], work: Path
) -> tuple[list[float], list[float]]:
    """Milliseconds from the start of a save (the item's transaction and its outbox row) until
    a searcher of its own, as in another worker, finds it; and until the background drain has
    written it into the index (its outbox row is gone)."""
    from sqlmodel import Session

    from app import migrate
    from app.accounts import service as accounts_service
    from app.db import make_engine
    from app.search import service as search_service
    from app.search import sync
    from app.wiki import service as wiki_service

    engine = make_engine(f"sqlite:///{work / 'publish.db'}")
    migrate.upgrade(engine)
    with Session(engine) as session:
        wiki_service.upsert_theme(session, slug="thema", name="Thema")
        editor_id = accounts_service.create_user(
            session, email="bench@example.org", name="B", role="kwaliteit").id
        session.commit()
    sync.install()
    sync.use_index(index)
    reader = SearchIndex(index.path)  # another worker's view of the same folder
    times, indexed = [], []
    try:
        for n, doc in enumerate(extra):
            start = time.perf_counter()
            marker = save_marked(engine, editor_id, doc, n, "thema")
            while True:
                with Session(engine) as session:
                    if search_service.search(session, reader, marker, log_query=False).total:
                        break
            times.append((time.perf_counter() - start) * 1000)
            while sync.pending(engine):
                time.sleep(0.001)
            indexed.append((time.perf_counter() - start) * 1000)
    finally:
        sync.drainer.wait_idle(60)
        sync.use_index(None)
        engine.dispose()
    return times, indexed


def _fts_query(text: str) -> str:
    """The same intent in FTS5 syntax: words OR'ed, quoted phrases kept."""
    text = fold(text)
    if text.startswith('"'):
        return text
    return " OR ".join(f'"{w}"' for w in text.split())


def bench_fts5(docs: list[Document], queries: list[str], extra: list[Document], work: Path) -> Figures:
    path = work / "fts5.db"
    db = sqlite3.connect(path)
    db.execute(
        "CREATE VIRTUAL TABLE items USING fts5(slug UNINDEXED, title, summary, body, "
        "tokenize='unicode61 remove_diacritics 2')"
    )
    start = time.perf_counter()
    with db:
        db.executemany(
            "INSERT INTO items VALUES (?, ?, ?, ?)",
            ((d.slug, d.title, d.summary, d.text) for d in docs),
        )
    build = time.perf_counter() - start
    sql = "SELECT slug FROM items WHERE items MATCH ? ORDER BY bm25(items, 0, 3, 2, 1) LIMIT 10"
    sql_hl = (
        "SELECT slug, snippet(items, 3, '<mark>', '</mark>', ' … ', 24) FROM items "
        "WHERE items MATCH ? ORDER BY bm25(items, 0, 3, 2, 1) LIMIT 10"
    )
    fts = [_fts_query(q) for q in queries]
    for q in fts:
        db.execute(sql, (q,)).fetchall()
    plain = [_timed(lambda q=q: db.execute(sql, (q,)).fetchall()) for q in fts]
    highlighted = [_timed(lambda q=q: db.execute(sql_hl, (q,)).fetchall()) for q in fts]

    def publish(d: Document) -> None:
        with db:
            db.execute("INSERT INTO items VALUES (?, ?, ?, ?)", (d.slug, d.title, d.summary, d.text))

    published = [_timed(lambda d=d: publish(d)) for d in extra]
    db.close()
    return Figures(
        "SQLite FTS5 (unicode61, geen Nederlandse stemmer)", len(docs), build, _size_mb(path),
        _percentile(plain, 50), _percentile(plain, 95), _percentile(plain, 99),
        _percentile(highlighted, 95), _percentile(published, 50), _percentile(published, 95),
    )


def write_section(path: Path, name: str, body: str) -> None:
    """Put a benchmark's section into the Markdown file, between its markers
    (`<!-- name:start -->`, `<!-- name:end -->`): replaced when there, else appended."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    section = f"{start}\n{body}\n{end}"
    text = path.read_text("utf-8") if path.exists() else "# Benchmarks\n\nFigures from the benchmark scripts; each section says how it was measured.\n"
    if start in text and end in text:
        text = text[: text.index(start)] + section + text[text.index(end) + len(end):]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")


def machine() -> str:
    cpu = "onbekend"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, Python {platform.python_version()}"


def run(
    sizes: list[int],
    query_count: int,
    report: Callable[[str], None],
    progress: Callable[[int], Callable[[int], None]] | None = None,
    postgres_url: str | None = None,
) -> list[list[Figures]]:
    """Per size: [Whoosh, PostgreSQL (with a URL), FTS5]."""
    from app.search.bench_postgres import bench_postgres

    corpus = Corpus()
    queries = corpus.queries(query_count)
    largest = corpus.documents(max(sizes) + 30)
    extra = largest[-30:]
    results = []
    for size in sizes:
        docs = largest[:size]
        work = Path(tempfile.mkdtemp(prefix=f"kb-bench-{size}-"))
        row = []
        try:
            report(f"{size} items: Whoosh …")
            row.append(bench_whoosh(docs, queries, extra, work, progress(size) if progress else None))
            if postgres_url:
                report(f"{size} items: PostgreSQL …")
                row.append(bench_postgres(docs, queries, extra, postgres_url, Figures, report))  # type: ignore[arg-type]
            report(f"{size} items: SQLite FTS5 …")
            row.append(bench_fts5(docs, queries, extra, work))
        finally:
            shutil.rmtree(work, ignore_errors=True)
        results.append(row)
        report(table([row]))
    return results


def table(results: list[list[Figures]]) -> str:
    lines = [
        "| items | engine | build | index size | query p50 / p95 / p99 | p95 with highlights "
        "| publish one p50 / p95 | save → searchable p50 / p95 | save → in the index p50 / p95 |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results:
        for f in row:
            visible = f"{f.visible_p50:.1f} / {f.visible_p95:.1f} ms" if f.visible_p50 is not None else "–"
            indexed = f"{f.indexed_p50:.1f} / {f.indexed_p95:.1f} ms" if f.indexed_p50 is not None else "–"
            if f.engine.startswith("PostgreSQL"):
                indexed = "0 (same transaction)"
            lines.append(
                f"| {f.items:,} | {f.engine} | {f.build_s:.1f} s | {f.size_mb:.1f} MB | "
                f"{f.p50:.1f} / {f.p95:.1f} / {f.p99:.1f} ms | {f.hl_p95:.1f} ms | "
                f"{f.publish_p50:.1f} / {f.publish_p95:.1f} ms | {visible} | {indexed} |"
            )
    return "\n".join(lines)


def by_kind(results: list[list[Figures]]) -> str:
    lines = ["| items | engine | " + " | ".join(QUERY_KINDS) + " |", "|---:|---|" + "---:|" * len(QUERY_KINDS)]
    for row in results:
        for f in row:
            if f.p95_by_kind:
                kinds = f.p95_by_kind
                lines.append(f"| {f.items:,} | {f.engine.split(' (')[0]} | "
                             + " | ".join(f"{kinds.get(k, 0):.1f} ms" for k in QUERY_KINDS) + " |")
    return "\n".join(lines)


def _ratio(a: float, b: float) -> str:
    return f"{a / max(b, 1e-6):.1f}×"


def ratios(results: list[list[Figures]]) -> str:
    lines = ["| items | query p95 Whoosh/FTS5 | query p95 PostgreSQL/Whoosh | with highlights PostgreSQL/Whoosh "
             "| build PostgreSQL/Whoosh |", "|---:|---:|---:|---:|---:|"]
    for row in results:
        whoosh, fts5 = row[0], row[-1]
        pg = row[1] if len(row) == 3 else None
        lines.append(
            f"| {whoosh.items:,} | {_ratio(whoosh.p95, fts5.p95)} | "
            + (f"{_ratio(pg.p95, whoosh.p95)} | {_ratio(pg.hl_p95, whoosh.hl_p95)} | {_ratio(pg.build_s, whoosh.build_s)} |"
               if pg else "– | – | – |")
        )
    return "\n".join(lines)


def _verdict(results: list[list[Figures]]) -> str:
    def find(items: int, engine: str) -> Figures | None:
        return next((f for row in results for f in row if f.items == items and f.engine.startswith(engine)), None)

    def met(value: float, limit: float) -> str:
        return "met" if value <= limit else "NOT met"

    lines = []
    for engine in ("Whoosh", "PostgreSQL"):
        ten = find(10_000, engine)
        if ten:
            lines.append(f"- {engine}, 10,000 items: search p95 with highlights {ten.hl_p95:.1f} ms "
                         f"(target ≤ 25 ms: {met(ten.hl_p95, 25)}).")
    pg_ten, pg_fifty = find(10_000, "PostgreSQL"), find(50_000, "PostgreSQL")
    if pg_fifty:
        lines.append(f"- PostgreSQL, 50,000 items: search p95 with highlights {pg_fifty.hl_p95:.1f} ms "
                     f"(target ≤ 60 ms: {met(pg_fifty.hl_p95, 60)}).")
    if pg_ten:
        lines.append(f"- PostgreSQL, 10,000 items: save p95 {pg_ten.publish_p95:.1f} ms (target ≤ 100 ms: "
                     f"{met(pg_ten.publish_p95, 100)}); found by another session right after the commit in "
                     "30 of 30 saves (publish-to-searchable: 0 ms by construction).")
    return "\n".join(lines)


def write_markdown(path: Path, results: list[list[Figures]], query_count: int) -> None:
    """Replace the search section of docs/benchmarks.md, keeping other sections."""
    verdict = "\n" + _verdict(results) + "\n"
    section = f"""## Search (`kennisbank bench search`)

Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}.
Synthetic Dutch corpus (wordfreq frequencies plus sector terms and compounds; title, summary,
body of 150–300 words), {query_count} fixed queries (one word, two words, a sector term, a quoted
phrase; top 10), measured after one full warm-up pass of the same queries (a running service
has its caches warm); 30 single-item publications. All engines in the same run, on the same
corpus and queries. Whoosh and PostgreSQL run our Dutch analysis (stems, compounds); FTS5 only
folds accents. Whoosh and FTS5 are measured at the index ("query": the top ten and the exact
total; "with highlights": plus the body's snippets). PostgreSQL's "query" is what a search asks
of the database (the exact total and the ranked top ten); its "with highlights" is the whole
search as a request makes it (synonyms, "Bedoelde u", the items from the database, the
snippets of the page made afresh each time). Its "build" is `kennisbank reindex` on items
already in the database (analysis, rows, vocabulary); its "publish one" a whole save through
the wiki service (the item, its revision and its search row in one transaction, committed).
"Save → searchable": 30 items saved through the wiki service on SQLite (transaction and outbox
row; the drain into the index follows in the background), each timed until a searcher of its
own, as in another worker process, finds it: from the database while the row waits, from the
index after. "Save → in the index": until the background drain has taken it in (the drainer
first lets saves gather for 1 s, `PAUSE` in app/search/sync.py, to write them in one commit).
{verdict}
{table(results)}

Ratios (same run):

{ratios(results)}

Query p95 per kind of query (a quarter of the queries each):

{by_kind(results)}"""
    write_section(path, "search", section)
