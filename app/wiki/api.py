"""JSON API for themes and items under /api/v1."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import JSONResponse
from sqlalchemy import text

from app.web.deps import CsrfProtected, CurrentUser, Editor, SessionDep
from app.web.errors import api_error
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


@router.get("/health", summary="Werkt de dienst?")
def health(session: SessionDep) -> dict[str, str]:
    session.exec(text("SELECT 1"))  # type: ignore[call-overload]
    return {"status": "ok", "database": "ok"}


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
) -> ItemPage:
    found_theme = None
    if theme is not None:
        found_theme = service.get_theme(session, theme)
        if found_theme is None:
            raise HTTPException(
                422, [{"field": "theme", "message": f"Het thema '{theme}' bestaat niet.",
                       "type": "unknown_theme", "loc": ["query", "theme"]}]
            )
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
    try:
        item = service.create_item(session, data, user)
    except service.WikiError as exc:
        return api_error(422, exc.field, exc.message)  # type: ignore[return-value]
    return to_public(item, data.theme)


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
    try:
        service.update_item(session, item, data, user)
    except service.WikiError as exc:
        return api_error(422, exc.field, exc.message)  # type: ignore[return-value]
    except service.StaleVersion as stale:
        latest = stale.latest
        return JSONResponse(  # type: ignore[return-value]
            {
                "detail": [
                    {
                        "field": "version",
                        "type": "stale_version",
                        "loc": ["body", "version"],
                        "message": (
                            f"Dit item is intussen gewijzigd (nu versie {stale.current.version}"
                            + (f", door {latest.author_name}" if latest else "")
                            + "). Haal de nieuwe versie op en voeg uw wijziging daarin toe."
                        ),
                    }
                ],
                "current_version": stale.current.version,
            },
            status_code=409,
        )
    return to_public(item, data.theme)
