"""What the model-based search test does to the library, in this process or in a worker."""

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.accounts import service as accounts_service
from app.search import service as search_service
from app.search import sync
from app.search.index import SearchIndex
from app.search.models import SearchOutbox
from app.wiki import service as wiki_service
from app.wiki.models import Item, ItemIn, ItemStatus, ItemUpdateIn, Revision

EDITOR = "model-redacteur@example.org"


def save(session: Session, command: dict) -> dict:
    """Create an item or save a new version of it (content and status); returns its slug and
    version, or {"stale": true} when someone else saved first."""
    editor = accounts_service.get_user_by_email(session, EDITOR)
    fields = {
        "title": command["title"], "summary": command["summary"], "body": command["body"],
        "dossier_meaning": "Zie de tekst.", "theme": "model", "status": command["status"],
    }
    if command.get("slug") is None:
        item = wiki_service.create_item(session, ItemIn.model_validate(fields), editor)
    else:
        item = session.exec(select(Item).where(Item.slug == command["slug"])).one()
        try:
            wiki_service.update_item(
                session, item, ItemUpdateIn.model_validate({**fields, "version": command["version"]}), editor
            )
        except wiki_service.StaleVersion:
            return {"stale": True}
    return {"slug": item.slug, "version": item.version}


def search_all_pages(engine: Engine, index: SearchIndex, text: str) -> dict:
    """Every page of a search, as a client paging through it would see them."""
    pages, totals, page = [], set(), 1
    while True:
        with Session(engine) as session:
            response = search_service.search(session, index, text, page=page, log_query=False)
            session.commit()
        totals.add(response.total)
        pages.append([{"slug": r.slug, "title": r.title, "summary": r.summary} for r in response.results])
        if not response.results or page * response.per_page >= response.total:
            break
        page += 1
    return {"totals": sorted(totals), "hits": [hit for p in pages for hit in p]}


def truth(engine: Engine, word: str) -> dict[str, dict]:
    """What the database says a search for `word` must find: published items holding it."""
    with Session(engine, expire_on_commit=False) as session:
        items = session.exec(select(Item).where(Item.status == ItemStatus.published)).all()
        session.commit()
    return {
        i.slug: {"slug": i.slug, "title": i.title, "summary": i.summary}
        for i in items
        if word in f"{i.title} {i.summary} {i.body}".lower().replace(".", " ").split()
    }


def empty_library(engine: Engine, index: SearchIndex) -> None:
    """Start an example from nothing, as `kennisbank reindex` would find it."""
    with Session(engine) as session:
        for table in (Revision, SearchOutbox, Item):
            session.exec(delete(table))  # type: ignore[call-overload]
        session.commit()
    sync.rebuild(engine, index)
