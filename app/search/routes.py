"""Search pages and API: /zoeken, /api/v1/search, suggestions, synonyms and analytics."""

import re
from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from app import clock
from app.accounts.models import Audience
from app.dates import SaneDate, checked, parse_date
from app.errors import InputError
from app.observability.metrics import SEARCH_DURATION
from app.search import service
from app.search.index import SearchIndex
from app.search.models import SearchResponse, SuggestResponse, SynonymGroup
from app.search.sync import get_index
from app.web.deps import CsrfProtected, CurrentUser, Editor, SessionDep, on_refusal
from app.web.templating import render
from app.wiki import service as wiki_service
from app.wiki.models import AUDIENCE_LABELS, MAX_INT

IndexDep = Annotated[SearchIndex, Depends(get_index)]
pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/search", tags=["zoeken"])

QueryText = Annotated[str, Query(max_length=200, description="Zoekvraag")]
Page = Annotated[int, Query(ge=1, le=1000)]


def _filters(theme: str | None, audience: Audience | None, date_from: date | None, date_to: date | None) -> service.Filters:
    return service.Filters(
        theme=theme or None,
        audience=audience.value if audience and audience != Audience.beide else None,
        date_from=date_from,
        date_to=date_to,
    )


@pages.get("/zoeken")
def search_page(
    request: Request,
    session: SessionDep,
    index: IndexDep,
    user: CurrentUser,
    q: QueryText = "",
    thema: Annotated[str | None, Query(max_length=80)] = None,
    doelgroep: Audience | None = None,
    van: Annotated[str | None, Query(max_length=40)] = None,
    tot: Annotated[str | None, Query(max_length=40)] = None,
    page: Page = 1,
) -> Response:
    # Results while typing (htmx) only replace the results; a history restore wants the page.
    live = request.headers.get("hx-request") == "true" and not request.headers.get(
        "hx-history-restore-request"
    )

    def shown(response: SearchResponse, error: str | None = None, status_code: int = 200) -> Response:
        if live:
            status_code = 200  # htmx replaces the results only with a 2xx: show the message too
        context = {
            "q": q,
            "response": response,
            "error": error,
            "filters": {"thema": thema or "", "doelgroep": doelgroep.value if doelgroep else "", "van": van or "", "tot": tot or ""},
            "themes": wiki_service.list_themes(session),
            "audience_labels": AUDIENCE_LABELS,
            "pages": max(1, -(-response.total // service.PER_PAGE)),
            "live": live,
        }
        template = "_search_results.html" if live else "search.html"
        page_response = render(request, template, context, status_code)
        page_response.headers["vary"] = "HX-Request"
        return page_response

    nothing = SearchResponse(query=q, total=0, page=page, per_page=service.PER_PAGE, results=[], suggestion=None)
    labels = {"van": "Gepubliceerd vanaf", "tot": "Gepubliceerd tot en met"}

    def refused_page(refused: InputError) -> Response:
        label = labels.get(refused.field)
        message = refused.message if refused.message.startswith(tuple(labels.values())) else (
            f"{label}: {refused.message}" if label else refused.message)
        return shown(nothing, message, refused.status)

    # A date typed in the filter is checked here, so a refusal shows this page, with what was
    # typed, and a message for each date that is wrong.
    on_refusal(request, refused_page)
    dates: dict[str, date | None] = {}
    wrong: dict[str, str] = {}
    for name, typed in (("van", van), ("tot", tot)):
        try:
            dates[name] = checked(name, parse_date(name, typed)) if typed else None
        except InputError as refused:
            wrong[name] = f"{labels[name]}: {refused.message}"
    if wrong:
        raise InputError(next(iter(wrong)) if len(wrong) == 1 else "datums", " ".join(wrong.values()))
    filters = _filters(thema, doelgroep, dates["van"], dates["tot"])
    with SEARCH_DURATION.labels("page").time():
        found = service.search(session, index, q, filters=filters, page=page, viewer=user, log_query=not live)
    return shown(found)


@api.get("", summary="Zoeken in de Wiki-bibliotheek")
def search_api(
    session: SessionDep,
    index: IndexDep,
    user: CurrentUser,
    q: QueryText,
    theme: Annotated[str | None, Query(max_length=80)] = None,
    audience: Audience | None = None,
    date_from: Annotated[SaneDate | None, Query(alias="from")] = None,
    date_to: Annotated[SaneDate | None, Query(alias="to")] = None,
    page: Page = 1,
) -> SearchResponse:
    with SEARCH_DURATION.labels("api").time():
        return service.search(
            session, index, q, filters=_filters(theme, audience, date_from, date_to), page=page, viewer=user
        )


@api.get("/suggest", summary="Suggesties terwijl u typt")
def suggest_api(session: SessionDep, index: IndexDep, user: CurrentUser, q: QueryText) -> SuggestResponse:
    return service.suggest(session, index, q)


# --- Kwaliteit: synonyms and analytics -------------------------------------------------------


@pages.get("/zoeken/synoniemen")
def synonyms_page(request: Request, session: SessionDep, user: Editor) -> Response:
    return _synonyms(request, session)


def _synonyms(request: Request, session: SessionDep, error: dict | None = None) -> Response:
    context = {"groups": service.list_synonyms(session), "error": error}
    return render(request, "synonyms.html", context, 422 if error else 200)


@pages.post("/zoeken/synoniemen", dependencies=[CsrfProtected])
def save_synonyms(
    request: Request,
    session: SessionDep,
    user: Editor,
    terms: Annotated[str, Form(max_length=1000)] = "",
    group_id: Annotated[int | None, Form(ge=1, le=MAX_INT)] = None,
) -> Response:
    group = _group(session, group_id) if group_id else None
    on_refusal(request, lambda refused: _synonyms(
        request, session, {"group_id": group_id, "terms": terms, "message": refused.message}))
    saved = service.save_synonyms(session, terms, group)
    said = ", ".join(saved.terms)[:300]
    return RedirectResponse(f"/zoeken/synoniemen?{urlencode({'opgeslagen': said})}", status_code=303)


@pages.post("/zoeken/synoniemen/{group_id}/verwijderen", dependencies=[CsrfProtected])
def delete_synonyms(
    session: SessionDep, user: Editor, group_id: Annotated[int, Path(ge=1, le=MAX_INT)]
) -> Response:
    service.delete_synonyms(session, _group(session, group_id))
    return RedirectResponse("/zoeken/synoniemen?opgeslagen=verwijderd", status_code=303)


def _group(session: SessionDep, group_id: int) -> SynonymGroup:
    group = session.get(SynonymGroup, group_id)
    if group is None:
        raise HTTPException(404, "Deze synoniemengroep bestaat niet.")
    return group


class QueryCountPublic(BaseModel):
    query: str
    count: int


class AnalyticsPublic(BaseModel):
    month: str = Field(description="JJJJ-MM")
    total: int = Field(description="zoekvragen in die maand")
    without_results: int = Field(description="waarvan zonder resultaat")
    most_frequent: list[QueryCountPublic] = Field(description=f"vaakst gezocht (minstens {service.MIN_SHOWN} keer)")
    no_results: list[QueryCountPublic] = Field(description=f"vaakst zonder resultaat (minstens {service.MIN_SHOWN} keer)")


@api.get("/analytics", summary="Zoekanalyse per maand (rol kwaliteit): totaal, zonder resultaat, meest gezocht")
def analytics_api(
    session: SessionDep, user: Editor,
    month: Annotated[str | None, Query(max_length=7, description="JJJJ-MM; leeg: de laatste maand met zoekvragen")] = None,
) -> AnalyticsPublic:
    chosen = _month(session, month, "month")
    searches, without = service.month_totals(session, chosen)
    return AnalyticsPublic(
        month=f"{chosen:%Y-%m}", total=searches, without_results=without,
        most_frequent=[QueryCountPublic(query=q.query, count=q.count) for q in service.top_queries(session, chosen)],
        no_results=[QueryCountPublic(query=q.query, count=q.count) for q in service.queries_without_results(session, chosen)],
    )


def _month(session: SessionDep, month: str | None, field: str) -> date:
    """The month asked for, or the latest with searches (this month when there are none). The
    same rules for the page and the API: only queries searched at least MIN_SHOWN times, and
    never a person (the log holds none)."""
    if month:
        if not re.fullmatch(r"\d{4}-\d{2}", month):
            raise InputError(field, "Kies een bestaande maand (JJJJ-MM).")
        return checked(field, parse_date(field, f"{month}-01", "Kies een bestaande maand (JJJJ-MM)."))
    months = service.logged_months(session)
    return months[0] if months else clock.today().replace(day=1)


@pages.get("/zoeken/analyse")
def analytics_page(
    request: Request,
    session: SessionDep,
    user: Editor,
    maand: Annotated[str | None, Query(pattern=r"^(\d{4}-\d{2})?$")] = None,
) -> Response:
    months = service.logged_months(session)
    month = _month(session, maand, "maand")
    top = service.top_queries(session, month)
    empty = service.queries_without_results(session, month)
    searches, without = service.month_totals(session, month)
    context = {
        "month": month, "months": months, "top": top, "empty": empty,
        "searches": searches, "without": without,
        "top_max": max((q.count for q in top), default=1),
        "empty_max": max((q.count for q in empty), default=1),
        "min_shown": service.MIN_SHOWN,
    }
    return render(request, "analytics.html", context)
