"""The wiki's reading pages: home, themes, items and their history."""

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from app import clock
from app.accounts import service as accounts_service
from app.accounts.models import User
from app.config import LOCAL_TZ
from app.meetings import attendance as meetings_attendance
from app.meetings import home as meetings_home
from app.usage import service as usage_service
from app.usage.models import UsageKind
from app.web.brand import current_brand
from app.web.deps import CurrentUser, SessionDep
from app.web.templating import render
from app.wiki import poster, service
from app.wiki.diff import diff_versions
from app.wiki.forms import ADVICE_LABELS
from app.wiki.markdown import render as render_markdown
from app.wiki.models import AUDIENCE_LABELS, MAX_INT, STATUS_LABELS, Item, ItemStatus, Theme

router = APIRouter(include_in_schema=False)
PER_PAGE = 20


def common_context() -> dict:
    return {"audience_labels": AUDIENCE_LABELS, "status_labels": STATUS_LABELS, "advice_labels": ADVICE_LABELS}


def item_or_404(session: SessionDep, slug: str, user: User) -> Item:
    item = service.get_item(session, slug, user)
    if item is None:
        raise HTTPException(404, "Dit kennisitem bestaat niet of is nog niet gepubliceerd.")
    return item


def news_window(session: SessionDep, user: User) -> service.NewsWindow:
    return meetings_home.news_window(session, user, clock.now())


AudienceChoice = Annotated[Literal["klantbegeleider", "schuldregelaar", "beide", "iedereen"] | None, Query()]


def audience_for(user: User, doelgroep: str | None) -> str | None:
    """Whose items to show first: what the person asked for, else their own function's
    (klantbegeleider or schuldregelaar, with "beide"); "iedereen" shows all."""
    if doelgroep in ("iedereen", "beide"):
        return None
    return doelgroep or service.viewer_audience(user)


@router.get("/")
def home(request: Request, session: SessionDep, user: CurrentUser, doelgroep: AudienceChoice = None) -> Response:
    shown = meetings_home.home(session, user, clock.now())
    window = shown.window
    stats = service.theme_overview(session, window.since, window.audience)
    audience = audience_for(user, doelgroep)
    context = {
        **common_context(),
        "stats": stats,
        "window": window,
        "recent": service.recent_items(session, audience=audience),
        "audience": audience,
        "own_audience": service.viewer_audience(user),
        "upcoming": shown.upcoming,
        "missed": shown.missed,
        "themes_by_id": {s.theme.id: s.theme for s in stats},
        "review_count": service.review_count(session) if service.can_edit(user) else 0,
    }
    return render(request, "home.html", context)


@router.get("/themas")
def themes(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    window = news_window(session, user)
    context = {"stats": service.theme_overview(session, window.since, window.audience), "window": window}
    return render(request, "themes.html", context)


@router.get("/themas/overzicht")
def infographic(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    window = news_window(session, user)
    stats = service.theme_overview(session, window.since, window.audience)
    context = {"stats": stats, "window": window, "today": datetime.now(LOCAL_TZ).date()}
    return render(request, "infographic.html", context)


@router.get("/themas/poster")
def poster_download(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    formaat: Literal["a4", "a3"] = "a3",
) -> Response:
    stats = service.theme_overview(session, service.recent_window().since)
    text = poster.PosterText(
        title="Wiki-bibliotheek",
        subtitle="Actuele vakkennis over schuldhulpverlening, per thema. Elk item zegt in één "
        "regel waar het over gaat en wat het betekent voor het dossier.",
        address=str(request.base_url).rstrip("/"),
        today=datetime.now(LOCAL_TZ).date(),
    )
    svg = poster.render(stats, current_brand(), text, formaat)
    filename = f"wiki-bibliotheek-poster-{formaat}.svg"
    return Response(
        svg,
        media_type="image/svg+xml",
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


def theme_or_404(session: SessionDep, slug: str) -> Theme:
    theme = service.get_theme(session, slug)
    if theme is None:
        raise HTTPException(404, "Dit thema bestaat niet.")
    return theme


@router.get("/themas/{slug}")
def theme_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    slug: str,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    doelgroep: AudienceChoice = None,
) -> Response:
    theme = theme_or_404(session, slug)
    window = news_window(session, user)
    audience = audience_for(user, doelgroep)
    items, total = service.list_items(
        session, viewer=user, theme=theme, audience=audience, page=page, per_page=PER_PAGE
    )
    drafts: list[Item] = []
    if service.can_edit(user):
        drafts, _ = service.list_items(
            session, viewer=user, theme=theme, statuses=(ItemStatus.draft,), per_page=100
        )
    context = {
        **common_context(),
        "theme": theme,
        "theme_owner": accounts_service.get_user(session, theme.owner_id) if theme.owner_id else None,
        "items": items,
        "drafts": drafts,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PER_PAGE)),
        "audience": audience or "iedereen",
        "window": window,
    }
    return render(request, "theme.html", context)


# The editor's fixed paths come before /items/{slug}.


@router.get("/items/{slug}")
def item_page(
    request: Request, session: SessionDep, user: CurrentUser, slug: str, opgeslagen: int = 0
) -> Response:
    item = item_or_404(session, slug, user)
    usage_service.record(session, user, UsageKind.read, at_commit=True)
    owner = accounts_service.get_user(session, item.owner_id) if item.owner_id else None
    context = {
        **common_context(),
        "item": item,
        "theme": service.themes_by_id(session)[item.theme_id],
        "body_html": render_markdown(item.body),
        "owner": owner,
        "last_check": service.last_check(session, item),
        "saved": bool(opgeslagen),
        "can_edit": service.can_edit(user),
        "today": clock.today(),
        "discussed": meetings_attendance.discussed_in(session, item.id, clock.now()),  # type: ignore[arg-type]
    }
    return render(request, "item.html", context)


@router.get("/items/{slug}/geschiedenis")
def history(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    slug: str,
    van: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None,
    naar: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None,
) -> Response:
    item = item_or_404(session, slug, user)
    revisions = service.revisions(session, item)
    naar = naar or item.version
    van = van or max(1, naar - 1)
    old = service.get_revision(session, item, van)
    new = service.get_revision(session, item, naar)
    if old is None or new is None:
        raise HTTPException(404, "Deze versie bestaat niet.")
    themes = service.themes_by_id(session)
    differences = diff_versions(
        old,
        new,
        {"status": old.status, "theme": themes[old.theme_id].name},
        {"status": new.status, "theme": themes[new.theme_id].name},
    )
    context = {
        **common_context(),
        "item": item,
        "revisions": revisions,
        "old": old,
        "new": new,
        "differences": differences,
    }
    return render(request, "history.html", context)
