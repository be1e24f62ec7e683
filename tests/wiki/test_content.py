"""The starter library in content/ loads whole and meets the bar a klantbegeleider needs."""

from collections import Counter

from app.config import CONTENT_DIR
from app.wiki import loader, service
from app.wiki.models import ItemStatus

CONTENT = CONTENT_DIR


def test_starter_library_loads_complete(db):
    report = loader.import_folder(db, CONTENT)
    assert report.errors == []
    themes = service.list_themes(db)
    assert len(themes) >= 12
    items, total = service.list_items(db, viewer=None, per_page=1000)
    assert total >= 48 and report.created == total
    per_theme = Counter(i.theme_id for i in items)
    assert all(per_theme[t.id] >= 4 for t in themes)
    for item in items:
        assert item.status == ItemStatus.published
        assert item.summary and len(item.summary) <= 300
        assert item.dossier_meaning.strip()
        assert item.audience in ("klantbegeleider", "schuldregelaar", "beide")
        assert item.source_name and item.source_url.startswith("https://")
        assert item.is_example, f"{item.slug} must be marked as example content"
        assert "Voorbeeldinhoud" in item.body


def test_second_import_changes_nothing(db):
    loader.import_folder(db, CONTENT)
    again = loader.import_folder(db, CONTENT)
    assert not again.changed and again.errors == []
    assert again.unchanged >= 48
