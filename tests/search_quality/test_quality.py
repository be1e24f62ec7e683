"""Search quality on the starter library: recall@5 and MRR over Dutch queries a klantbegeleider
would type (queries.yaml), with a floor on recall@5."""

from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from app.config import CONTENT_DIR
from app.search import service as search_service
from app.wiki import loader

# Pages and texts: SQL does not decide them, so SQLite is enough.
pytestmark = pytest.mark.any_database

QUERIES = yaml.safe_load((Path(__file__).parent / "queries.yaml").read_text("utf-8"))
RECALL_FLOOR = 0.9


@pytest.fixture
def starter_library(db, search_index):  # type: ignore[no-untyped-def]
    content = CONTENT_DIR
    loader.import_folder(db, content)
    search_service.seed_synonyms(db, yaml.safe_load((content / "synonyms.yaml").read_text("utf-8")))
    db.commit()
    return search_index


def evaluate(db, index):  # type: ignore[no-untyped-def]
    rows = []
    for case in QUERIES:
        found = [r.slug for r in search_service.search(db, index, case["query"]).results[:5]]
        ranks = [found.index(slug) + 1 for slug in case["expect"] if slug in found]
        rows.append((case, min(ranks) if ranks else None, found))
    return rows


def test_recall_at_5_and_mrr(db, starter_library, capsys):
    rows = evaluate(db, starter_library)
    recall = sum(rank is not None for _, rank, _ in rows) / len(rows)
    mrr = sum(1 / rank for _, rank, _ in rows if rank) / len(rows)
    per_kind: dict[str, list] = defaultdict(list)
    for case, rank, _ in rows:
        per_kind[case["kind"]].append(rank)
    with capsys.disabled():
        print(f"\nZoekkwaliteit op de startbibliotheek: {len(rows)} vragen, "
              f"recall@5 = {recall:.3f}, MRR = {mrr:.3f}")
        for kind, ranks in sorted(per_kind.items()):
            hit = sum(r is not None for r in ranks)
            print(f"  {kind:12} {hit}/{len(ranks)} gevonden in de top 5")
        for case, rank, found in rows:
            if rank is None:
                print(f"  gemist: {case['query']!r} verwacht {case['expect']}, kreeg {found[:3]}")
    assert len(rows) >= 40
    assert recall >= RECALL_FLOOR, f"recall@5 {recall:.3f} < {RECALL_FLOOR}"
