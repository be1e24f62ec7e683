"""The wiki's rules, straight on the service: revisions, review queue and checks."""

from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup
from sqlmodel import Session

from app import clock, migrate
from app.accounts.models import Role
from app.wiki import service
from app.wiki.markdown import render
from app.wiki.models import Item, ItemStatus, ItemUpdateIn, Theme
from tests.conftest import BACKENDS, new_database
from tests.factories import item_data, make_item, make_theme, make_user


def test_every_save_is_a_revision(db):
    theme = make_theme(db)
    editor = make_user(db, Role.kwaliteit, name="Eva")
    item = make_item(db, theme, author=editor, status="draft")
    update = ItemUpdateIn.model_validate({**item_data(theme, title="Nieuw").model_dump(), "version": 1, "note": "Titel"})
    service.update_item(db, item, update, editor)
    service.change_status(db, item, ItemStatus.published, editor, based_on=2)
    revisions = service.revisions(db, item)
    assert [(r.number, r.note, r.author_name) for r in revisions] == [
        (3, "Gepubliceerd", "Eva"), (2, "Titel", "Eva"), (1, "Aangemaakt", "Eva")]
    assert item.version == 3
    assert item.published_at is not None
    assert item.review_date == item.published_at.date() + timedelta(days=service.REVIEW_AFTER_DAYS)


def test_stale_save_is_refused_at_the_database(db):
    theme = make_theme(db)
    editor = make_user(db, Role.kwaliteit)
    item = make_item(db, theme, author=editor)
    update = ItemUpdateIn.model_validate({**item_data(theme).model_dump(), "version": 1})
    service.update_item(db, item, update, editor)
    with pytest.raises(service.StaleVersion) as stale:
        service.update_item(db, item, update, editor)
    assert stale.value.current.version == 2


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_sessions_saving_the_same_version_one_wins(backend):
    """The conditional UPDATE decides, not the in-memory check: both saw version 1."""
    engine, _, cleanup = new_database(backend)
    try:
        migrate.upgrade(engine)
        with Session(engine, expire_on_commit=False) as s:
            editor = make_user(s, Role.kwaliteit)
            item = make_item(s, make_theme(s), author=editor)
            s.commit()
            data = {**item_data(s.get(Theme, item.theme_id)).model_dump(), "version": 1}
        with Session(engine, expire_on_commit=False) as second:
            mine = second.get(Item, item.id)
            second.commit()  # second now holds version 1 in memory
        with Session(engine) as first:
            service.update_item(first, first.get(Item, item.id), ItemUpdateIn.model_validate(data), editor)
            first.commit()
        with Session(engine, expire_on_commit=False) as second:
            second.add(mine)
            assert mine.version == 1  # the in-memory check passes ...
            with pytest.raises(service.StaleVersion) as stale:
                service.update_item(second, mine, ItemUpdateIn.model_validate(data), editor)
            assert stale.value.current.version == 2  # ... the database refuses
    finally:
        cleanup()  # type: ignore[operator]


def test_review_queue_holds_overdue_and_soon_due_items(db):
    theme = make_theme(db)
    today = clock.today()
    overdue = make_item(db, theme, title="Te laat", review_date=today - timedelta(days=3))
    soon = make_item(db, theme, title="Binnenkort", review_date=today + timedelta(days=30))
    make_item(db, theme, title="Later", review_date=today + timedelta(days=31))
    make_item(db, theme, title="Concept", status="draft", review_date=today - timedelta(days=1))
    queue = service.review_queue(db, today)
    assert [e.item.title for e in queue] == ["Te laat", "Binnenkort"]
    assert queue[0].overdue and queue[0].days_left == -3
    assert not queue[1].overdue and queue[1].days_left == 30
    assert overdue.id != soon.id


def test_mark_checked_records_who_and_when(db):
    theme = make_theme(db)
    checker = make_user(db, Role.kwaliteit, name="Carla")
    item = make_item(db, theme, review_date=clock.today() - timedelta(days=1))
    service.mark_checked(db, item, checker, based_on=1, next_review=date(2099, 1, 1), note="Klopt nog")
    check = service.last_check(db, item)
    assert (check.checked_by_name, check.next_review_date, check.note) == ("Carla", date(2099, 1, 1), "Klopt nog")
    assert item.review_date == date(2099, 1, 1) and item.checked_by_id == checker.id
    assert service.review_queue(db) == []
    assert service.revisions(db, item)[0].note.startswith("Gecontroleerd; volgende controle 1 januari 2099")
    with pytest.raises(service.WikiError):
        service.mark_checked(db, item, checker, based_on=2, next_review=clock.today())


def test_theme_review_puts_all_its_published_items_in_the_queue(db):
    theme, other = make_theme(db), make_theme(db)
    editor = make_user(db, Role.kwaliteit)
    far = clock.today() + timedelta(days=200)
    for _n in range(3):
        make_item(db, theme, author=editor, review_date=far)
    make_item(db, theme, author=editor, status="draft", review_date=far)
    make_item(db, other, author=editor, review_date=far)
    assert service.request_theme_review(db, theme, editor, "Nieuwe normen per 1 januari") == 3
    queue = service.review_queue(db)
    assert len(queue) == 3 and {e.theme.id for e in queue} == {theme.id}
    assert service.revisions(db, queue[0].item)[0].note == "Opnieuw controleren: Nieuwe normen per 1 januari"
    with pytest.raises(service.WikiError):
        service.request_theme_review(db, theme, editor, "  ")


def test_markdown_keeps_structure_and_removes_what_could_run():
    html = render(
        "# Kop\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- een\n- twee\n\n[bron](https://www.nvvk.nl/)\n\n"
        "<script>alert(1)</script> [x](javascript:alert(1)) <b onmouseover=alert(1)>b</b>"
    )
    assert "<h1>Kop</h1>" in html and "<table>" in html and "<li>een</li>" in html
    assert '<a href="https://www.nvvk.nl/" rel="noopener noreferrer">bron</a>' in html
    tree = BeautifulSoup(html, "html.parser")
    assert tree.find("script") is None and tree.find("b") is None
    assert all(a["href"].startswith("https://") for a in tree.find_all("a"))
    assert not any(attr.startswith("on") for tag in tree.find_all(True) for attr in tag.attrs)
    assert "&lt;script&gt;" in html  # shown as text, never run


def test_large_rewrites_diff_as_plain_lines():
    from app.wiki.diff import MAX_PAIRINGS, _line_diff

    old = "\n".join(f"oude regel {n}" for n in range(100))
    new = "\n".join(f"nieuwe regel {n}" for n in range(100))
    assert 100 * 100 > MAX_PAIRINGS
    kinds = {line.kind for line in _line_diff(old, new)}
    assert kinds == {"removed", "added"}
