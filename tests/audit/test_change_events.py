"""Publishing, archiving, goal changes, the MT approval and exports leave an event in the audit
log, in the same transaction as the change: actor, subject, summary and the client's address."""

from datetime import date

from sqlmodel import Session, select

from app.accounts.models import Role
from app.audit.models import Action, AuditEvent
from app.config import CONTENT_DIR
from app.goals import service as goals_service
from app.wiki import service as wiki_service
from app.wiki.models import ItemStatus
from tests.conftest import new_database
from tests.factories import item_data, login, make_item, make_theme, make_user, post_form
from tests.test_cli import kennisbank, ok


def events(db, action):  # type: ignore[no-untyped-def]
    return list(db.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def seed_goals(db) -> None:  # type: ignore[no-untyped-def]
    goals_service.seed(db, goals_service.load_file(CONTENT_DIR / "goals.yaml"), date(2026, 1, 5))


def test_publishing_and_archiving_an_item_are_logged_and_saving_a_draft_is_not(db):
    editor = make_user(db, Role.kwaliteit)
    theme = make_theme(db)
    draft = wiki_service.create_item(db, item_data(theme, status="draft", title="Concept"), editor)
    assert events(db, Action.item_published) == []
    wiki_service.change_status(db, draft, ItemStatus.published, editor, draft.version)
    wiki_service.change_status(db, draft, ItemStatus.archived, editor, draft.version)
    published = make_item(db, theme, editor, title="Meteen gepubliceerd")

    assert [(e.subject_id, e.actor_id) for e in events(db, Action.item_published)] == [
        (str(draft.id), editor.id), (str(published.id), editor.id)]
    (archived,) = events(db, Action.item_archived)
    assert archived.subject_type == "item" and archived.actor_id == editor.id and "Concept" in archived.summary


def test_a_status_change_through_the_page_is_logged_with_the_address(client, db):
    editor = make_user(db, Role.kwaliteit)
    item = make_item(db, make_theme(db), editor)
    token = login(client, db, editor)
    response = post_form(client, f"/items/{item.slug}/status", {"status": "archived", "version": str(item.version)}, token)
    assert response.status_code == 303
    (event,) = events(db, Action.item_archived)
    assert event.actor_id == editor.id and event.address == "testclient"


def test_a_refused_status_change_leaves_no_event(client, db):
    editor = make_user(db, Role.kwaliteit)
    item = make_item(db, make_theme(db), editor)
    token = login(client, db, editor)
    # A stale version: refused, and the transaction (with any event) rolled back.
    response = post_form(client, f"/items/{item.slug}/status", {"status": "archived", "version": "99"}, token)
    assert response.status_code < 500
    db.refresh(item)
    assert item.status == ItemStatus.published
    assert events(db, Action.item_archived) == []


def test_a_goal_change_is_logged_with_old_and_new_values(client, db):
    seed_goals(db)
    editor = make_user(db, Role.kwaliteit)
    token = login(client, db, editor)
    response = post_form(client, "/doelen/vakoverleggen/bewerken",
                         {"target": "7", "start": "2026-01-05", "horizon_months": "6"}, token)
    assert response.status_code == 303
    (event,) = events(db, Action.goal_changed)
    assert event.actor_id == editor.id and event.subject_id == "vakoverleggen" and event.address == "testclient"
    assert event.detail["changed"]["target"][1] == 7


def test_the_mt_approval_is_logged(client, db):
    seed_goals(db)
    manager = make_user(db, Role.management)
    token = login(client, db, manager)
    assert post_form(client, "/doelen/mt-akkoord", {"reached_on": "2026-01-05"}, token).status_code == 303
    (event,) = events(db, Action.mt_approval)
    assert event.actor_id == manager.id and "2026-01-05" in event.summary


def test_the_goals_csv_is_logged_as_an_export(client, db):
    seed_goals(db)
    user = make_user(db, Role.kwaliteit)
    login(client, db, user)
    assert client.get("/doelen.csv").status_code == 200
    (event,) = events(db, Action.export)
    assert event.actor_id == user.id and event.subject_id == "doelen.csv" and event.address == "testclient"


def test_kennisbank_export_is_logged(tmp_path):
    engine, url, cleanup = new_database("sqlite")
    try:
        ok(kennisbank(url, "migrate"))
        ok(kennisbank(url, "export", str(tmp_path / "uit")))
        with Session(engine) as s:
            (event,) = events(s, Action.export)
        assert event.subject_id == "kennisbank export" and event.actor_id is None and event.address == ""
    finally:
        cleanup()
