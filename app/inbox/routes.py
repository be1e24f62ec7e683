"""The bronnen-inbox for Kwaliteit: /inbox (entries and their actions), /inbox/bronnen (the
sources), and the API under /api/v1/sources and /api/v1/inbox."""

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from app import clock
from app.config import get_settings
from app.errors import InputError
from app.inbox import decisions, mail, service, sharing
from app.inbox.models import (
    ENTRY_LABELS,
    STEP_LABELS,
    DecisionStep,
    EntryFilter,
    EntryPublic,
    EntryStatus,
    PollResult,
    SourceIn,
    SourcePublic,
)
from app.meetings import agenda as meetings_agenda
from app.search import service as search_service
from app.search.index import SearchIndex
from app.search.sync import get_index
from app.web.deps import CsrfProtected, Editor, SessionDep, on_refusal
from app.web.errors import validated
from app.web.templating import render
from app.wiki import service as wiki_service
from app.wiki.models import AUDIENCE_LABELS, MAX_INT

pages = APIRouter(include_in_schema=False)
feeds = APIRouter(include_in_schema=False)  # read by other services with a feed key, not by people
api = APIRouter(prefix="/api/v1", tags=["bronnen-inbox"])
IndexDep = Annotated[SearchIndex, Depends(get_index)]
Id = Annotated[int, Path(ge=1, le=MAX_INT)]
StatusFilter = Annotated[EntryFilter | None, Query(
    description="nieuw, later, niet-relevant, concept of gewijzigd (overgenomen, en het origineel is "
                "sindsdien gewijzigd); leeg: nieuw, later en gewijzigd")]


def _similar(session: SessionDep, index: SearchIndex, text: str, limit: int = 3) -> list:  # type: ignore[type-arg]
    """Existing items that look like this entry (the search engine's ranking), against doubles."""
    try:
        found = search_service.search(session, index, text[:200], log_query=False)
    except InputError:
        return []
    return found.results[:limit]


def _suggested_theme(hits: list) -> str | None:  # type: ignore[type-arg]
    return hits[0].theme if hits else None


PER_PAGE = 50

# --- pages -----------------------------------------------------------------------------------


@pages.get("/inbox")
def inbox_page(request: Request, session: SessionDep, user: Editor, index: IndexDep,
               status: StatusFilter = None, bron: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None,
               page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> Response:
    return _inbox(request, session, index, status, bron, page=page)


def _inbox(request: Request, session: SessionDep, index: SearchIndex, status: EntryFilter | None, bron: int | None,
           errors: dict | None = None, typed: dict | None = None, status_code: int = 200, page: int = 1) -> Response:
    shown, total = service.entries(session, status, bron, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    sources = {s.id: s for s in service.list_sources(session)}
    done = decisions.steps(session, {e.id for e in shown})  # type: ignore[misc]
    entries = [(e, _similar(session, index, e.title)) for e in shown]
    themes = wiki_service.list_themes(session)
    by_slug = {t.slug: t for t in themes}
    context = {
        "months": service.monthly(session, clock.today()) if sources else [],
        "entries": entries, "total": total,
        "proposed": {e.id: service.proposed_theme(session, e, _suggested_theme(similar), themes=by_slug, sources=sources)
                     for e, similar in entries},
        "sources": sources, "status": status.value if status else "", "bron": bron,
        "labels": ENTRY_LABELS, "themes": themes, "theme_names": {t.slug: t.name for t in themes},
        "item_slugs": wiki_service.slugs_by_id(session, {e.item_id for e in shown if e.item_id}),  # type: ignore[misc]
        "steps": done, "next_steps": {e.id: [(st.value, STEP_LABELS[st]) for st in decisions.next_steps(e, done.get(e.id, []))]  # type: ignore[arg-type]
                       for e in shown},
        "step_labels": STEP_LABELS, "errors": errors or {}, "typed": typed or {},
        "page": page, "pages": max(1, -(-total // PER_PAGE)),
        "pager_query": (f"&status={status.value}" if status else "") + (f"&bron={bron}" if bron else ""),
        # A refused step for an entry this page does not show: its message goes on top.
        "elsewhere": bool(errors) and (typed or {}).get("entry") not in {e.id for e in shown},
    }
    return render(request, "inbox.html", context, status_code=status_code)


@pages.post("/inbox/berichten/{entry_id}", dependencies=[CsrfProtected])
def act_on_entry(request: Request, session: SessionDep, user: Editor, index: IndexDep, entry_id: Id,
                 actie: Annotated[str, Form(max_length=20)], reason: Annotated[str, Form(max_length=1000)] = "",
                 theme: Annotated[str, Form(max_length=80)] = "", step: Annotated[str, Form(max_length=20)] = "",
                 note: Annotated[str, Form(max_length=20_000)] = "") -> Response:
    entry = service.get_entry(session, entry_id)
    if actie == "stap":
        on_refusal(request, lambda refused: _inbox(request, session, index, None, None, errors=refused.errors,
                                                    typed={"entry": entry_id, "step": step, "note": note},
                                                    status_code=refused.status))
        item = decisions.record(session, entry, step, note, user,
                                suggested=_suggested_theme(_similar(session, index, entry.title)))
        if item is not None:
            return RedirectResponse(f"/items/{item.slug}/bewerken", status_code=303)
        on_agenda = ""
        if step == DecisionStep.meeting:  # after the agenda was assembled: onto it, while a concept
            meeting = meetings_agenda.put_on_next_vakoverleg(session, entry.id, clock.now())
            on_agenda = f"&agenda={meeting.id}" if meeting else ""
        return RedirectResponse(f"/inbox?opgeslagen=stap&bericht={entry.id}{on_agenda}#bericht-{entry.id}", status_code=303)
    if actie == "concept":
        item = service.make_draft(session, entry, user, theme or None, _suggested_theme(_similar(session, index, entry.title)))
        return RedirectResponse(f"/items/{item.slug}/bewerken", status_code=303)
    if actie == "gezien":
        service.origin_seen(session, entry)
        return RedirectResponse("/inbox?opgeslagen=gezien", status_code=303)
    if actie not in ("later", "niet-relevant"):
        raise service.InboxError("actie", "Kies concept-item, later of niet relevant.")
    service.decide(session, entry, EntryStatus.later if actie == "later" else EntryStatus.rejected, reason)
    return RedirectResponse(f"/inbox?opgeslagen={actie}", status_code=303)


@pages.post("/inbox/nieuwsbrief", dependencies=[CsrfProtected])
def upload_newsletter(session: SessionDep, user: Editor,
                      file: Annotated[UploadFile, File(description="een opgeslagen nieuwsbrief (.eml)")]) -> Response:
    raw = file.file.read()  # a plain route: the database is not used on the event loop
    source, new = mail.import_newsletter(session, raw)
    return RedirectResponse(f"/inbox?bron={source.id}&nieuwsbrief={new}", status_code=303)


def _sources_page(request: Request, session: SessionDep, *, errors: dict | None = None, typed: dict | None = None,
                  status_code: int = 200) -> Response:
    themes = wiki_service.list_themes(session)
    context = {"sources": service.list_sources(session), "counts": service.entry_counts(session),
               "status_text": service.status_text, "themes": themes, "theme_names": {t.id: t.name for t in themes},
               "audience_labels": AUDIENCE_LABELS, "errors": errors or {}, "typed": typed or {}}
    return render(request, "sources.html", context, status_code)


@pages.get("/inbox/bronnen")
def sources_page(request: Request, session: SessionDep, user: Editor) -> Response:
    return _sources_page(request, session)


@pages.post("/inbox/bronnen", dependencies=[CsrfProtected])
def add_source_page(request: Request, session: SessionDep, user: Editor,
                    name: Annotated[str, Form(max_length=1000)] = "", url: Annotated[str, Form(max_length=2000)] = "",
                    theme: Annotated[str, Form(max_length=80)] = "", audience: Annotated[str, Form(max_length=20)] = "beide") -> Response:
    typed = {"name": name, "url": url, "theme": theme, "audience": audience}
    on_refusal(request, lambda refused: _sources_page(request, session, errors=refused.errors, typed=typed,
                                                      status_code=refused.status))
    source = service.add_source(session, validated(SourceIn, {**typed, "theme": theme or None}))
    return RedirectResponse(f"/inbox/bronnen?toegevoegd={source.id}", status_code=303)


@pages.post("/inbox/bronnen/{source_id}", dependencies=[CsrfProtected])
def source_action(session: SessionDep, user: Editor, source_id: Id, actie: Annotated[str, Form(max_length=20)]) -> Response:
    source = service.get_source(session, source_id)
    if actie == "ophalen":
        new = service.poll(session, source)
        failed = "&fout=1" if source.error_since is not None else ""
        return RedirectResponse(f"/inbox/bronnen?opgehaald={source.id}&nieuw={new}{failed}", status_code=303)
    if actie in ("pauzeren", "hervatten"):
        service.set_paused(session, source, actie == "pauzeren")
    elif actie == "verwijderen":
        service.remove_source(session, source)
    else:
        raise service.InboxError("actie", "Kies ophalen, pauzeren, hervatten of verwijderen.")
    return RedirectResponse("/inbox/bronnen?opgeslagen=1", status_code=303)


# --- sharing between municipalities ----------------------------------------------------------


@pages.get("/inbox/delen")
def sharing_page(request: Request, session: SessionDep, user: Editor) -> Response:
    settings = get_settings()
    context = {"tokens": sharing.list_tokens(session), "shared": sharing.shared_items(session),
               "feed_url": f"{settings.base_url}/feeds/items.atom"}
    return render(request, "sharing.html", context)


@pages.post("/inbox/delen", dependencies=[CsrfProtected])
def create_feed_token(request: Request, session: SessionDep, user: Editor,
                      name: Annotated[str, Form(max_length=1000)] = "") -> Response:
    on_refusal(request, lambda refused: render(request, "sharing.html", {
        "tokens": sharing.list_tokens(session), "shared": sharing.shared_items(session),
        "feed_url": f"{get_settings().base_url}/feeds/items.atom", "error": refused.message, "typed": name},
        refused.status))
    token = sharing.create_token(session, name)
    # Shown once, on this answer (never stored in plain text, never in an address).
    return render(request, "sharing.html", {
        "tokens": sharing.list_tokens(session), "shared": sharing.shared_items(session),
        "feed_url": f"{get_settings().base_url}/feeds/items.atom", "new_token": token, "new_name": name}, 201)


@pages.post("/inbox/delen/{token_id}/intrekken", dependencies=[CsrfProtected])
def revoke_feed_token(session: SessionDep, user: Editor, token_id: Id) -> Response:
    sharing.revoke(session, token_id)
    return RedirectResponse("/inbox/delen?ingetrokken=1", status_code=303)


@feeds.get("/feeds/items.atom", response_class=Response,
           responses={200: {"content": {"application/atom+xml": {}}}, 403: {"description": "Sleutel onbekend of ingetrokken"}})
def shared_feed(session: SessionDep, key: Annotated[str, Query(alias="sleutel", max_length=100)] = "") -> Response:
    """The shared items as Atom 1.0, for another municipality's bronnen-inbox."""
    sharing.check(session, key)
    settings = get_settings()
    return Response(sharing.atom(session, settings.base_url, settings.municipality_name),
                    media_type="application/atom+xml; charset=utf-8", headers={"cache-control": "private, max-age=900"})


# --- API -------------------------------------------------------------------------------------


def _public(session: SessionDep, source: service.Source, counts: dict[int, int]) -> SourcePublic:
    themes = wiki_service.themes_by_id(session)
    return SourcePublic(id=source.id, name=source.name, url=source.url,  # type: ignore[arg-type]
                        theme=themes[source.theme_id].slug if source.theme_id in themes else None,
                        audience=source.audience, state=source.state, status=service.status_text(source),
                        last_polled_at=source.last_polled_at, entries=counts.get(source.id, 0))  # type: ignore[arg-type]


@api.get("/sources", summary="De bronnen van de inbox (rol kwaliteit)")
def sources_api(session: SessionDep, user: Editor) -> list[SourcePublic]:
    counts = service.entry_counts(session)
    return [_public(session, s, counts) for s in service.list_sources(session)]


@api.post("/sources", status_code=201, summary="Een bron toevoegen: een RSS- of Atom-feed (rol kwaliteit)",
          dependencies=[CsrfProtected])
def add_source_api(session: SessionDep, user: Editor, data: SourceIn) -> SourcePublic:
    return _public(session, service.add_source(session, data), {})


@api.post("/sources/{source_id}/poll", summary="Nu ophalen: het aantal nieuwe berichten en de stand van de bron",
          dependencies=[CsrfProtected])
def poll_api(session: SessionDep, user: Editor, source_id: Id) -> PollResult:
    source = service.get_source(session, source_id)
    new = service.poll(session, source)
    return PollResult(new_entries=new, status=service.status_text(source))


def _entry_public(entry, slugs: dict[int, str]) -> EntryPublic:  # type: ignore[no-untyped-def]
    return EntryPublic(id=entry.id, source=entry.source_id, title=entry.title, link=entry.link, excerpt=entry.excerpt,
                       published_at=entry.published_at, fetched_at=entry.fetched_at, status=entry.status,
                       item=slugs.get(entry.item_id) if entry.item_id else None,
                       origin_changed_at=entry.origin_changed_at)


@api.get("/inbox", summary="Berichten in de inbox, nieuwste eerst (rol kwaliteit)")
def inbox_api(session: SessionDep, user: Editor, status: StatusFilter = None,
              source: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None,
              limit: Annotated[int, Query(ge=1, le=200)] = 200,
              offset: Annotated[int, Query(ge=0, le=MAX_INT)] = 0) -> list[EntryPublic]:
    shown, _ = service.entries(session, status, source, limit=limit, offset=offset)
    slugs = wiki_service.slugs_by_id(session, {e.item_id for e in shown if e.item_id})  # type: ignore[misc]
    return [_entry_public(e, slugs) for e in shown]


@api.post("/inbox/{entry_id}/draft", status_code=201, summary="Maak een concept-item van een bericht; geeft de slug",
          dependencies=[CsrfProtected])
def draft_api(session: SessionDep, user: Editor, index: IndexDep, entry_id: Id) -> dict[str, str]:
    entry = service.get_entry(session, entry_id)
    item = service.make_draft(session, entry, user, None, _suggested_theme(_similar(session, index, entry.title)))
    return {"slug": item.slug}


@api.post("/inbox/{entry_id}/reject", summary="Niet relevant; het bericht komt niet terug", dependencies=[CsrfProtected])
def reject_api(session: SessionDep, user: Editor, entry_id: Id) -> EntryPublic:
    entry = service.decide(session, service.get_entry(session, entry_id), EntryStatus.rejected)
    return _entry_public(entry, {})
