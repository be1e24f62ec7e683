"""Kwaliteit's pages: the item editor, status changes, checks, themes and the review queue.

Included before the reading routes, so /items/nieuw and /themas/nieuw win over /{slug}.
"""

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from app.dates import SaneDate
from app.errors import InputError
from app.web.deps import CsrfProtected, Editor, PostedForm, SessionDep, on_refusal
from app.web.errors import error_page, validated
from app.web.templating import render
from app.wiki import forms, service
from app.wiki.diff import diff_versions
from app.wiki.models import MAX_INT, THEME_ICONS, Item, ItemContent, ItemStatus, Theme, ThemeIn
from app.wiki.routes import common_context, item_or_404, theme_or_404

router = APIRouter(include_in_schema=False)


def _theme_form(
    request: Request,
    session: SessionDep,
    theme: Theme | None,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    owners = [("", "Nog geen eigenaar")] + [(str(u.id), u.name) for u in service.theme_owner_choices(session)]
    context = {"theme": theme, "values": values, "errors": errors or {}, "icons": THEME_ICONS, "owners": owners}
    return render(request, "theme_form.html", context, status_code)


def _theme_values(form) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {name: str(form.get(name) or "") for name in ("name", "description", "icon", "position", "owner")}


def _parse_theme(values: dict[str, str]) -> ThemeIn:
    return validated(ThemeIn, {**values, "position": values["position"] or 0})


@router.get("/themas/nieuw")
def new_theme_page(request: Request, session: SessionDep, user: Editor) -> Response:
    values = {"name": "", "description": "", "icon": "boek", "position": "", "owner": ""}
    return _theme_form(request, session, None, values)


@router.post("/themas/nieuw", dependencies=[CsrfProtected])
def create_theme(request: Request, session: SessionDep, user: Editor, posted: PostedForm) -> Response:
    values = _theme_values(posted)
    on_refusal(request, lambda refused: _theme_form(request, session, None, values, refused.errors, refused.status))
    theme = service.create_theme(session, _parse_theme(values))
    return RedirectResponse(f"/themas/{theme.slug}", status_code=303)


@router.get("/themas/{slug}/bewerken")
def edit_theme_page(request: Request, session: SessionDep, user: Editor, slug: str) -> Response:
    theme = theme_or_404(session, slug)
    values = {"name": theme.name, "description": theme.description, "icon": theme.icon,
              "position": str(theme.position), "owner": str(theme.owner_id or "")}
    return _theme_form(request, session, theme, values)


@router.post("/themas/{slug}/bewerken", dependencies=[CsrfProtected])
def update_theme(request: Request, session: SessionDep, user: Editor, slug: str, posted: PostedForm) -> Response:
    theme = theme_or_404(session, slug)
    values = _theme_values(posted)
    on_refusal(request, lambda refused: _theme_form(request, session, theme, values, refused.errors, refused.status))
    service.update_theme(session, theme, _parse_theme(values))
    return RedirectResponse(f"/themas/{theme.slug}", status_code=303)


def _editor(
    request: Request,
    session: SessionDep,
    *,
    item: Item | None,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    conflict: dict | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        **common_context(),
        "item": item,
        "values": values,
        "errors": errors or {},
        "conflict": conflict,
        "themes": service.list_themes(session),
    }
    return render(request, "editor.html", context, status_code)


@router.get("/items/nieuw")
def new_item_page(
    request: Request, session: SessionDep, user: Editor,
    thema: Annotated[str | None, Query(max_length=80)] = None,
    titel: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    # From the worklist: a search that found nothing becomes the new item's working title.
    values = forms.form_values({"theme": thema or "", "audience": "beide", "title": titel or ""})
    return _editor(request, session, item=None, values=values)


@router.post("/items/nieuw", dependencies=[CsrfProtected])
def create_item(request: Request, session: SessionDep, user: Editor, posted: PostedForm) -> Response:
    values = forms.form_values(posted)
    on_refusal(request, lambda refused: _editor(
        request, session, item=None, values=values, errors=refused.errors, status_code=refused.status))
    item = service.create_item(session, forms.parse(values, update=False), user)
    return RedirectResponse(f"/items/{item.slug}?opgeslagen=1", status_code=303)


@router.get("/items/{slug}/bewerken")
def edit_item_page(request: Request, session: SessionDep, user: Editor, slug: str) -> Response:
    item = item_or_404(session, slug, user)
    theme = service.themes_by_id(session)[item.theme_id]
    return _editor(request, session, item=item, values=forms.values_from_item(item, theme))


@router.post("/items/{slug}/bewerken", dependencies=[CsrfProtected])
def update_item(request: Request, session: SessionDep, user: Editor, slug: str, posted: PostedForm) -> Response:
    item = item_or_404(session, slug, user)
    values = forms.form_values(posted)

    def refused_page(refused: InputError) -> Response:
        if isinstance(refused, service.StaleVersion):
            return _conflict(request, session, item, values, refused)
        return _editor(request, session, item=item, values=values, errors=refused.errors,
                       status_code=refused.status)

    on_refusal(request, refused_page)
    service.update_item(session, item, forms.parse(values, update=True), user)  # type: ignore[arg-type]
    return RedirectResponse(f"/items/{item.slug}?opgeslagen=1", status_code=303)


def _conflict(
    request: Request,
    session: SessionDep,
    item: Item,
    values: dict[str, str],
    stale: service.StaleVersion,
) -> Response:
    """Keep what this editor typed, show what the other saved, and let them save on top."""
    stored = stale.current
    # What was typed passed validation before the version was found stale.
    mine = forms.parse({**values, "version": str(stored.version)}, update=True)
    mine_content = ItemContent(**mine.model_dump(include=set(ItemContent.model_fields)))
    # Status and theme are not content fields: compared as extras, by what each side holds.
    themes = service.themes_by_id(session)
    mine_theme = service.get_theme(session, mine.theme)
    differences = diff_versions(
        stored, mine_content,
        old_extra={"status": stored.status, "theme": themes[stored.theme_id].name},
        new_extra={"status": mine.status, "theme": mine_theme.name if mine_theme else mine.theme},
    )
    conflict = {
        "latest": stale.latest,
        "based_on": values.get("version"),
        "differences": differences,
    }
    # The next save is based on the stored version: the editor has now seen it.
    values = {**values, "version": str(stored.version)}
    return _editor(
        request, session, item=item, values=values, conflict=conflict, status_code=409
    )


@router.post("/items/{slug}/status", dependencies=[CsrfProtected])
def change_status(
    request: Request,
    session: SessionDep,
    user: Editor,
    slug: str,
    status: Annotated[ItemStatus, Form()],
    version: Annotated[int, Form(ge=1, le=MAX_INT)],
) -> Response:
    item = item_or_404(session, slug, user)
    on_refusal(request, lambda refused: _stale_or_error(request, slug, refused))
    service.change_status(session, item, status, user, version)
    return RedirectResponse(f"/items/{slug}?opgeslagen=1", status_code=303)


@router.post("/items/{slug}/gecontroleerd", dependencies=[CsrfProtected])
def check_item(
    request: Request,
    session: SessionDep,
    user: Editor,
    slug: str,
    version: Annotated[int, Form(ge=1, le=MAX_INT)],
    next_review: Annotated[SaneDate | None, Form()] = None,
    note: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    item = item_or_404(session, slug, user)
    on_refusal(request, lambda refused: _stale_or_error(request, slug, refused))
    service.mark_checked(session, item, user, version, next_review, note)
    return RedirectResponse(f"/items/{slug}?opgeslagen=1", status_code=303)


def _stale_or_error(request: Request, slug: str, refused: InputError) -> Response:
    """The item page's buttons: someone else saved first, so show the item again as it is now."""
    if isinstance(refused, service.StaleVersion):
        return RedirectResponse(f"/items/{slug}?verouderd=1", status_code=303)
    return error_page(request, refused.status, refused.message)


@router.get("/controle")
def review_page(
    request: Request,
    session: SessionDep,
    user: Editor,
    klaar: Annotated[int | None, Query(ge=0)] = None,
) -> Response:
    return _review(request, session, done=klaar)


def _review(
    request: Request,
    session: SessionDep,
    done: int | None = None,
    form: dict[str, str] | None = None,
    error: str | None = None,
) -> Response:
    context = {
        "entries": service.review_queue(session),
        "themes": service.list_themes(session),
        "done": done,
        "form": form or {},
        "error": error,
    }
    return render(request, "review.html", context, 422 if error else 200)


@router.post("/controle/gecontroleerd", dependencies=[CsrfProtected])
def check_many(request: Request, session: SessionDep, user: Editor, posted: PostedForm) -> Response:
    form = posted
    done = 0
    for slug in form.getlist("item"):
        item = service.get_item(session, str(slug), user)
        if item is not None:
            service.mark_checked(session, item, user, item.version)
            done += 1
    return RedirectResponse(f"/controle?klaar={done}", status_code=303)


@router.post("/controle/thema", dependencies=[CsrfProtected])
def review_theme(
    request: Request,
    session: SessionDep,
    user: Editor,
    theme: Annotated[str, Form(max_length=80)],
    reason: Annotated[str, Form(max_length=250)] = "",
) -> Response:
    found = service.get_theme(session, theme)
    on_refusal(request, lambda refused: _review(
        request, session, form={"theme": theme, "reason": reason}, error=refused.message))
    if found is None:
        raise service.WikiError("theme", "Kies een bestaand thema.")
    count = service.request_theme_review(session, found, user, reason)
    return RedirectResponse(f"/controle?klaar={count}", status_code=303)
