"""The index on its own: a long-lived searcher sees every commit exactly once."""

from datetime import UTC, datetime

from whoosh import query as wq

from app.search.index import SMALL_SEGMENTS_BEFORE_MERGE, Document, SearchIndex


def doc(slug: str, version: int, title: str) -> Document:
    return Document(
        slug=slug, version=version, title=title, summary="Samenvatting.", text="Tekst.",
        theme="thema", audience="beide", published=datetime(2026, 1, 1, tzinfo=UTC),
    )


def hits(index: SearchIndex, field: str, word: str) -> list[tuple[str, int]]:
    results = index.searcher().search(wq.Term(field, word), limit=None)
    return [(r["slug"], r["version"]) for r in results]


def test_a_long_lived_searcher_sees_each_edit_once_and_forgets_old_titles(tmp_path):
    index = SearchIndex(tmp_path / "zoekindex")
    index.create_empty()
    index.apply([doc("intake", 1, "Intake oud0"), doc("ander", 1, "Intake ander")], [])
    assert len(hits(index, "title", "intak")) == 2  # the searcher of this thread now lives on
    for n in range(1, 6):
        index.apply([doc("intake", n + 1, f"Intake nieuw{n}")], [])
        found = hits(index, "title", "intak")
        assert sorted(found) == [("ander", 1), ("intake", n + 1)], f"after edit {n}: {found}"
        for old in range(n):
            assert hits(index, "title", f"oud{old}" if old == 0 else f"nieuw{old}") == []
    index.apply([], [("intake", 100)])
    assert hits(index, "title", "intak") == [("ander", 1)]


def test_a_searcher_sees_a_rebuild_made_by_another_process(tmp_path):
    """A rebuild starts the generations anew: a searcher must not take the new index for the
    one it has open because the numbers agree."""
    ours = SearchIndex(tmp_path / "zoekindex")
    ours.create_empty()
    assert hits(ours, "title", "intak") == []
    theirs = SearchIndex(tmp_path / "zoekindex")  # as `kennisbank reindex` would open it
    theirs.rebuild([doc("intake", 1, "Intake")])
    assert hits(ours, "title", "intak") == [("intake", 1)]


def test_saves_merge_only_small_segments_and_optimize_merges_all(tmp_path):
    index = SearchIndex(tmp_path / "zoekindex")
    index.rebuild([doc(f"groot-{n}", 1, f"Blorf {n}") for n in range(100)])
    counts = []
    for n in range(20):
        index.apply([doc(f"klein-{n}", 1, f"Quapto {n}")], [])
        counts.append(index.segment_count())
    assert max(counts) <= SMALL_SEGMENTS_BEFORE_MERGE + 1  # small ones merged together, now and then
    assert min(counts) >= 2  # ... but never into the large segment of the rebuild
    assert len(hits(index, "title", "quapto")) == 20 and len(hits(index, "title", "blorf")) == 100
    with index.exclusive():
        index.optimize()
    assert index.segment_count() == 1
    assert len(hits(index, "title", "quapto")) == 20
