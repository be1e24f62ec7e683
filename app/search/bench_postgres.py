"""The search benchmark's PostgreSQL side: the same corpus and queries as real items in a
database of its own, searched through the service as a request does."""

import time
from collections.abc import Callable

from sqlalchemy import text
from sqlmodel import Session

from app.search.index import Document


def bench_postgres(docs: list[Document], queries: list[str], extra: list[Document], url: str,
                   figures: Callable[..., object], report: Callable[[str], None]) -> object:
    from app import migrate
    from app.accounts import service as accounts_service
    from app.db import make_engine
    from app.loadbench.run import _postgres_database
    from app.search import postgres, sync
    from app.search import query as search_query
    from app.search import service as search_service
    from app.search.bench import _percentile, _timed, save_marked
    from app.wiki import service as wiki_service
    from app.wiki.models import Item, ItemStatus

    database, drop = _postgres_database(url)
    engine = make_engine(database)
    backend = postgres.PostgresSearch()
    try:
        migrate.upgrade(engine)
        with Session(engine) as session:
            themes = {}
            for n in range(12):
                themes[f"thema-{n}"] = wiki_service.upsert_theme(session, slug=f"thema-{n}", name=f"Thema {n}")[0].id
            editor_id = accounts_service.create_user(
                session, email="bench@example.org", name="B", role="kwaliteit").id
            session.commit()
        report(f"  {len(docs):,} items in PostgreSQL zetten …")
        for start in range(0, len(docs), 2000):
            with Session(engine) as session:
                session.add_all([
                    Item(slug=d.slug, title=d.title, summary=d.summary[:300], body=d.text,
                         dossier_meaning="", theme_id=themes[d.theme], audience=d.audience,
                         status=ItemStatus.published, published_at=d.published, owner_id=editor_id)
                    for d in docs[start:start + 2000]
                ])
                session.commit()
        report("  zoektabellen opbouwen (kennisbank reindex) …")
        began = time.perf_counter()
        backend.rebuild(engine)
        build = time.perf_counter() - began
        with engine.begin() as connection:
            connection.execute(text("ANALYZE search_document"))
            connection.execute(text("ANALYZE search_word"))
            size = connection.execute(text(
                "SELECT pg_total_relation_size('search_document') + pg_total_relation_size('search_word')"
            )).scalar_one() / 1_000_000
        sync.install()
        sync.use_index(backend)

        def plain(q: str) -> None:
            # What a search asks of the backend: the exact total and the top ten.
            with Session(engine) as session:
                vocabulary = backend.vocabulary(session)
                prepared = search_query.prepare(q, [], is_rare=lambda w: vocabulary.is_rare(w, search_query.RARE_BELOW))
                tsquery = postgres.to_tsquery(search_query.parse(backend.schema, prepared))
                if tsquery is not None:
                    where = postgres.where(None, None, None, None)
                    backend.page(session, tsquery, where, 0, 10)
                session.commit()

        def whole(q: str) -> None:
            # The whole search as a request makes it, snippets made afresh (no cache).
            search_service._snippets.clear()
            with Session(engine) as session:
                search_service.search(session, backend, q, log_query=False)
                session.commit()

        for q in queries:  # one full pass first: a running service has its caches warm
            whole(q)
        plain_ms = [_timed(lambda q=q: plain(q)) for q in queries]
        whole_ms = [_timed(lambda q=q: whole(q)) for q in queries]
        publish, visible = [], []
        for n, doc in enumerate(extra):
            began = time.perf_counter()
            marker = save_marked(engine, editor_id, doc, n, "thema-0")
            publish.append((time.perf_counter() - began) * 1000)
            with Session(engine) as session:  # another session, as another host's worker
                found = search_service.search(session, backend, marker, log_query=False).total
                session.commit()
            assert found == 1, f"{marker} niet gevonden direct na de commit"
            visible.append((time.perf_counter() - began) * 1000)
        by_kind = {
            kind: _percentile([t for n, t in enumerate(plain_ms) if n % 4 == k], 95)
            for k, kind in enumerate(("one word", "two words", "sector term", "quoted phrase"))
        }
        return figures(
            "PostgreSQL (tsvector + GIN, onze analyse)", len(docs), build, size,
            _percentile(plain_ms, 50), _percentile(plain_ms, 95), _percentile(plain_ms, 99),
            _percentile(whole_ms, 95), _percentile(publish, 50), _percentile(publish, 95), by_kind,
            _percentile(visible, 50), _percentile(visible, 95), 0.0, 0.0,
        )
    finally:
        sync.use_index(None)
        engine.dispose()
        drop()
