"""JSON API for themes and items under /api/v1."""

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query

from app import clock
from app.web.deps import CsrfProtected, CurrentUser, Editor, SessionDep
from app.wiki import service
from app.wiki.markdown import render as render_markdown
from app.wiki.models import (
    Item,
    ItemIn,
    ItemPage,
    ItemPublic,
    ItemUpdateIn,
    ThemePublic,
)

router = APIRouter(prefix="/api/v1", tags=["wiki"])


def to_public(item: Item, theme_slug: str) -> ItemPublic:
    return ItemPublic(
        **item.model_dump(include=set(ItemPublic.model_fields) - {"theme", "body_html"}),
        theme=theme_slug,
        body_html=render_markdown(item.body),
    )


@router.get("/health", summary="Leeft de dienst? (of hij kan werken, zegt /readyz)")
def health() -> dict[str, str]:
    # Liveness only: no database, so a database outage does not get every process restarted.
    return {"status": "ok"}


@router.get("/themes", summary="Alle thema's met het aantal gepubliceerde items")
def list_themes(session: SessionDep, user: CurrentUser) -> list[ThemePublic]:
    counts = service.published_counts(session)
    return [
        ThemePublic(
            slug=t.slug, name=t.name, description=t.description, icon=t.icon,
            item_count=counts.get(t.id, 0),  # type: ignore[arg-type]
        )
        for t in service.list_themes(session)
    ]


@router.get("/items", summary="Items, per pagina")
def list_items(
    session: SessionDep,
    user: CurrentUser,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
    theme: Annotated[str | None, Query(max_length=80)] = None,
    review: Annotated[Literal["due"] | None, Query(
        description="due: gepubliceerde items waarvan de controledatum verstreken is of binnen 30 dagen valt, "
                    "de meest dringende eerst")] = None,
) -> ItemPage:
    found_theme = None
    if theme is not None:
        found_theme = service.get_theme(session, theme)
        if found_theme is None:
            raise service.WikiError("theme", f"Het thema '{theme}' bestaat niet.", kind="unknown_theme")
    if review == "due":
        due = [e for e in service.review_queue(session, clock.today()) if found_theme is None or e.theme.id == found_theme.id]
        shown = due[(page - 1) * per_page: page * per_page]
        return ItemPage(total=len(due), page=page, per_page=per_page,
                        items=[to_public(entry.item, entry.theme.slug) for entry in shown])
    items, total = service.list_items(
        session, viewer=user, theme=found_theme, page=page, per_page=per_page
    )
    themes = service.themes_by_id(session)
    return ItemPage(
        total=total, page=page, per_page=per_page,
        items=[to_public(i, themes[i.theme_id].slug) for i in items],
    )


@router.get("/items/{slug}", summary="Eén item")
def get_item(session: SessionDep, user: CurrentUser, slug: str) -> ItemPublic:
    item = service.get_item(session, slug, user)
    if item is None:
        raise HTTPException(404, "Dit item bestaat niet.")
    return to_public(item, service.themes_by_id(session)[item.theme_id].slug)


@router.post(
    "/items", status_code=201, summary="Nieuw item (rol kwaliteit)", dependencies=[CsrfProtected]
)
def create_item(session: SessionDep, user: Editor, data: ItemIn) -> ItemPublic:
    return to_public(service.create_item(session, data, user), data.theme)


@router.put(
    "/items/{slug}",
    summary="Item bijwerken (rol kwaliteit); `version` is de versie waarop u voortbouwt",
    responses={409: {"description": "Iemand anders heeft het item intussen gewijzigd"}},
    dependencies=[CsrfProtected],
)
def update_item(session: SessionDep, user: Editor, slug: str, data: ItemUpdateIn) -> ItemPublic:
    item = service.get_item(session, slug, user)
    if item is None:
        raise HTTPException(404, "Dit item bestaat niet.")
    service.update_item(session, item, data, user)
    return to_public(item, data.theme)
