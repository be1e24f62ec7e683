"""The implementation plan's pages: the plan for everyone, the MT's page, Kwaliteit's editing
per part, the history, and the plan as a file."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from app import clock
from app.accounts import service as accounts_service
from app.accounts.models import Role, User
from app.errors import NotFound
from app.plan import borging, document, pdf, service, views
from app.plan.deps import ActionChanger
from app.plan.models import PART_TITLES, Part
from app.plan.schemas import (
    ActionIn,
    ActionPatch,
    ActivityIn,
    FactorIn,
    GroupIn,
    HeaderIn,
    PartIn,
    StrategyIn,
)
from app.web.deps import CsrfProtected, CurrentUser, PostedForm, RequireRole, SessionDep, on_refusal
from app.web.errors import validated
from app.web.templating import render
from app.wiki.models import MAX_INT

router = APIRouter(include_in_schema=False)
Kwaliteit = Annotated[User, Depends(RequireRole(Role.kwaliteit, message="Alleen Kwaliteit past het plan aan."))]
RowId = Annotated[int, Path(ge=1, le=MAX_INT)]
MAX_FILE = 1_000_000


def _choice(form: dict[str, str], name: str) -> bool | None:
    """A ja/nee choice; empty: not said."""
    value = form.get(name, "").strip()
    return {"ja": True, "nee": False}.get(value)


def _number(form: dict[str, str], name: str) -> str | None:
    value = form.get(name, "").strip().replace(",", ".")
    return value or None


def _dates(form: dict[str, str], *names: str) -> dict[str, str | None]:
    return {n: (form.get(n, "").strip() or None) for n in names}


@router.get("/plan")
def plan_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    plan = service.the_plan(session)
    return render(request, "plan.html", views.plan_context(session, plan, user, clock.today()))


@router.get("/plan/mt")
def mt_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    plan = service.the_plan(session)
    return render(request, "plan_mt.html", views.plan_context(session, plan, user, clock.today()))


def _edit(request: Request, session: SessionDep, user: User, key: str, *, errors: dict | None = None,
          typed: dict | None = None, status_code: int = 200) -> Response:
    if key not in set(Part):
        raise NotFound("part", "Dit onderdeel van het plan bestaat niet.")
    plan = service.the_plan(session)
    context = views.plan_context(session, plan, user, clock.today())
    context |= {"part": Part(key), "part_title": PART_TITLES[Part(key)], "errors": errors or {},
                "typed": typed or {}, "people": accounts_service.active_users(session)}
    return render(request, "plan_edit.html", context, status_code)


def _back(key: str, anchor: str = "") -> Response:
    return RedirectResponse(f"/plan/bewerken/{key}?opgeslagen=1{'#' + anchor if anchor else ''}", status_code=303)


def _refuse_to(request: Request, session: SessionDep, user: User, key: str, form_name: str, form: dict) -> None:
    on_refusal(request, lambda refused: _edit(request, session, user, key, errors={form_name: refused.errors},
                                              typed={form_name: form}, status_code=refused.status))


@router.get("/plan/bewerken/{part}")
def edit_page(request: Request, session: SessionDep, user: Kwaliteit,
              part: Annotated[str, Path(max_length=30)]) -> Response:
    return _edit(request, session, user, part)


@router.post("/plan/bewerken/{part}", dependencies=[CsrfProtected])
def save_part(request: Request, session: SessionDep, user: Kwaliteit, part: Annotated[str, Path(max_length=30)],
              posted: PostedForm) -> Response:
    form = views.fields(posted)
    _refuse_to(request, session, user, part, "part", form)
    plan = service.the_plan(session)
    if part not in set(Part):
        raise NotFound("part", "Dit onderdeel van het plan bestaat niet.")
    version = form.get("version", "")
    if part == Part.beschrijving and "title" in form:
        header = validated(HeaderIn, {k: form.get(k, "") for k in ("title", "intervention", "organisation",
                                                                   "author", "written")} | {"version": version})
        service.save_header(session, plan, header, user, clock.now())
        version = str(plan.version)
    data = validated(PartIn, {"body": form.get("body", ""), "version": version})
    service.save_part(session, plan, part, data, user, clock.now())
    return _back(part)


def _group_data(form: dict[str, str]) -> dict:
    return {"name": form.get("name", ""), "influence": form.get("influence", ""), "interest": form.get("interest", ""),
            "involvement": form.get("involvement", ""), "is_user": form.get("is_user") == "ja",
            "ist": form.get("ist", ""), "soll": form.get("soll", ""), "hourly_rate": _number(form, "hourly_rate")}


@router.post("/plan/groepen", dependencies=[CsrfProtected])
def add_group(request: Request, session: SessionDep, user: Kwaliteit, posted: PostedForm) -> Response:
    form = views.fields(posted)
    key = form.get("back", "groepen") if form.get("back") in set(Part) else "groepen"
    _refuse_to(request, session, user, key, "group", form)
    group = service.add_group(session, service.the_plan(session), validated(GroupIn, _group_data(form)),
                              user, clock.now())
    return _back(key, f"groep-{group.id}")


@router.post("/plan/groepen/{group_id}", dependencies=[CsrfProtected])
def save_group(request: Request, session: SessionDep, user: Kwaliteit, group_id: RowId, posted: PostedForm) -> Response:
    form = {k: str(v) for k, v in posted.multi_items() if k not in ("csrf_token", "goals")}
    goals = [str(v) for v in posted.getlist("goals")]
    key = form.get("back", "groepen") if form.get("back") in set(Part) else "groepen"
    _refuse_to(request, session, user, key, f"group-{group_id}", form)
    plan = service.the_plan(session)
    service.save_group(session, plan, group_id, validated(GroupIn, _group_data(form)), user, clock.now())
    if form.get("goals_sent") == "1":
        service.link_goals(session, plan, group_id, goals, user, clock.now())
    return _back(key, f"groep-{group_id}")


def _factor_data(form: dict[str, str]) -> FactorIn:
    return validated(FactorIn, {"group_id": form.get("group_id", ""), "text": form.get("text", ""),
                                "direction": form.get("direction", ""), "impact": form.get("impact") or None,
                                "changeable": _choice(form, "changeable"), "priority": form.get("priority") or None})


@router.post("/plan/factoren", dependencies=[CsrfProtected])
def add_factor(request: Request, session: SessionDep, user: Kwaliteit, posted: PostedForm) -> Response:
    form = views.fields(posted)
    _refuse_to(request, session, user, "context", "factor", form)
    factor = service.add_factor(session, service.the_plan(session), _factor_data(form), user, clock.now())
    return _back("context", f"factor-{factor.id}")


@router.post("/plan/factoren/{factor_id}", dependencies=[CsrfProtected])
def save_factor(request: Request, session: SessionDep, user: Kwaliteit, factor_id: RowId, posted: PostedForm) -> Response:
    form = views.fields(posted)
    _refuse_to(request, session, user, "context", f"factor-{factor_id}", form)
    factor = service.save_factor(session, service.the_plan(session), factor_id, _factor_data(form), user, clock.now())
    return _back("context", f"factor-{factor.id}")


@router.post("/plan/factoren/{factor_id}/verwijderen", dependencies=[CsrfProtected])
def remove_factor(request: Request, session: SessionDep, user: Kwaliteit, factor_id: RowId) -> Response:
    _refuse_to(request, session, user, "context", "factors", {})
    service.remove_factor(session, service.the_plan(session), factor_id, user, clock.now())
    return _back("context")


@router.post("/plan/strategieen", dependencies=[CsrfProtected])
def add_strategy(request: Request, session: SessionDep, user: Kwaliteit, posted: PostedForm) -> Response:
    form = views.fields(posted)
    _refuse_to(request, session, user, "strategieen", form.get("form", "strategy"), form)
    data = validated(StrategyIn, {"text": form.get("text", ""), "factor_id": form.get("factor_id") or None,
                                  "group_id": form.get("group_id") or None, "phase": form.get("phase") or None})
    strategy = service.add_strategy(session, service.the_plan(session), data, user, clock.now())
    return _back("strategieen", f"strategie-{strategy.id}")


@router.post("/plan/strategieen/{strategy_id}/verwijderen", dependencies=[CsrfProtected])
def remove_strategy(request: Request, session: SessionDep, user: Kwaliteit, strategy_id: RowId) -> Response:
    _refuse_to(request, session, user, "strategieen", "strategies", {})
    service.remove_strategy(session, service.the_plan(session), strategy_id, user, clock.now())
    return _back("strategieen")


@router.post("/plan/acties", dependencies=[CsrfProtected])
def add_action(request: Request, session: SessionDep, user: Kwaliteit, posted: PostedForm) -> Response:
    form = views.fields(posted)
    form_name = f"action-{form.get('strategy_id', '')}"
    _refuse_to(request, session, user, "strategieen", form_name, form)
    data = validated(ActionIn, {"title": form.get("title", ""), "owner": form.get("owner") or None,
                                "status": form.get("status") or "plan", "strategy_id": form.get("strategy_id") or None}
                     | _dates(form, "due", "check_on"))
    action = service.add_action(session, service.the_plan(session), data, user, clock.now())
    return _back("strategieen", f"actie-{action.id}")


@router.post("/plan/acties/{action_id}", dependencies=[CsrfProtected])
def change_action(request: Request, session: SessionDep, user: ActionChanger, action_id: RowId,
                  posted: PostedForm) -> Response:
    form = views.fields(posted)
    plan = service.the_plan(session)
    action = service.get_action(session, plan, action_id)
    on_refusal(request, lambda refused: render(request, "plan.html", views.plan_context(
        session, plan, user, clock.today()) | {"action_errors": {action_id: refused.errors}}, refused.status))
    fields: dict = {}
    if "status" in form:
        fields["status"] = form["status"]
    if "done" in form:
        fields["done"] = form["done"] == "ja"
    if service.edits(user):
        for name in ("title", "owner"):
            if name in form:
                fields[name] = form[name]
        fields |= {k: v for k, v in _dates(form, "due", "check_on").items() if k in form}
    service.change_action(session, plan, action, validated(ActionPatch, fields), user, clock.now(), clock.today())
    back = form.get("back", "")
    target = "/plan/bewerken/strategieen" if back == "strategieen" and service.edits(user) else "/plan"
    return RedirectResponse(f"{target}?opgeslagen=1#actie-{action_id}", status_code=303)


@router.post("/plan/activiteiten", dependencies=[CsrfProtected])
def add_activity(request: Request, session: SessionDep, user: Kwaliteit, posted: PostedForm) -> Response:
    form = views.fields(posted)
    _refuse_to(request, session, user, "planning", "activity", form)
    data = validated(ActivityIn, {"group_id": form.get("group_id", ""), "phase": form.get("phase", ""),
                                  "text": form.get("text", ""), "hours": _number(form, "hours")})
    service.add_activity(session, service.the_plan(session), data, user, clock.now())
    return _back("planning", "activiteiten")


@router.post("/plan/activiteiten/{activity_id}/verwijderen", dependencies=[CsrfProtected])
def remove_activity(request: Request, session: SessionDep, user: Kwaliteit, activity_id: RowId) -> Response:
    _refuse_to(request, session, user, "planning", "activities", {})
    service.remove_activity(session, service.the_plan(session), activity_id, user, clock.now())
    return _back("planning", "activiteiten")


@router.post("/plan/borging/{sign}", dependencies=[CsrfProtected])
def check_sign(request: Request, session: SessionDep, user: Kwaliteit, sign: Annotated[str, Path(max_length=40)],
               posted: PostedForm) -> Response:
    form = views.fields(posted)
    _refuse_to(request, session, user, "borging", f"sign-{sign}", form)
    plan = service.the_plan(session)
    met = _choice(form, "met")
    if met is None:
        raise service.PlanError("met", "Kies ja of nee.")
    checked_on = views.form_date(form, "checked_on", clock.today())
    borging.record_check(session, plan.id, sign, met, form.get("evidence", ""), checked_on,  # type: ignore[arg-type]
                         form.get("extra_action", ""), user)
    service.mark_saved(session, plan, user, f"Borging '{sign}' beoordeeld", clock.now())
    return _back("borging", f"teken-{sign}")


@router.get("/plan/geschiedenis")
def history(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    plan = service.the_plan(session)
    rows = service.revisions(session, plan)
    names = {u.id: u.name for u in accounts_service.users_by_ids(session, {r.saved_by_id for r in rows if r.saved_by_id})}
    return render(request, "plan_history.html", {"plan": plan, "revisions": rows, "names": names})


@router.get("/plan/geschiedenis/{number}")
def revision_page(request: Request, session: SessionDep, user: CurrentUser, number: RowId) -> Response:
    plan = service.the_plan(session)
    revision = service.get_revision(session, plan, number)
    if revision is None:
        raise NotFound("number", "Deze versie van het plan bestaat niet.")
    return Response(revision.document, media_type="text/markdown; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="implementatieplan-versie-{number}.md"'})


@router.get("/plan/plan.md")
def export_file(session: SessionDep, user: CurrentUser) -> Response:
    plan = service.the_plan(session)
    return Response(document.dump(service.read(session, plan)), media_type="text/markdown; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="implementatieplan.md"'})


@router.get("/plan/plan.pdf")
def export_pdf(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    # A plain def: FastAPI runs it in its thread pool, so the second or so of rendering does not
    # hold up the event loop.
    body = pdf.render(session, user, clock.today(), str(request.base_url))
    return Response(body, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{pdf.FILENAME}"'})


@router.post("/plan/importeren", dependencies=[CsrfProtected])
def import_file(request: Request, session: SessionDep, user: Kwaliteit, file: UploadFile | None = None) -> Response:
    on_refusal(request, lambda refused: _edit(request, session, user, "beschrijving",
                                              errors={"import": refused.errors}, status_code=refused.status))
    if file is None or not file.filename:
        raise document.DocumentError("file", "Kies een bestand (.md) om in te lezen.")
    raw = file.file.read(MAX_FILE + 1)  # a plain def route: the database work stays off the event loop
    if len(raw) > MAX_FILE:
        raise document.DocumentError("file", "Het bestand is groter dan 1 MB.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise document.DocumentError("file", "Het bestand is geen tekst in UTF-8.") from None
    doc = document.parse(text)
    service.replace_with(session, service.the_plan(session), doc, user, clock.now())
    return RedirectResponse("/plan?ingelezen=1", status_code=303)
