"""Pages for the evaluation at the horizon and the yearly werkplan."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import RedirectResponse, Response

from app import clock
from app.accounts import service as accounts_service
from app.accounts.models import Role, User
from app.plan import service, views, werkplan
from app.plan.models import STATUS_LABELS
from app.plan.schemas import ActionIn
from app.web.deps import CsrfProtected, CurrentUser, PostedForm, RequireRole, SessionDep, on_refusal
from app.web.errors import validated
from app.web.templating import render
from app.wiki.models import MAX_INT

router = APIRouter(include_in_schema=False)
Kwaliteit = Annotated[User, Depends(RequireRole(Role.kwaliteit, message="Alleen Kwaliteit past het werkplan aan."))]
Year = Annotated[int, Path(ge=werkplan.MIN_YEAR, le=werkplan.MAX_YEAR)]
RowId = Annotated[int, Path(ge=1, le=MAX_INT)]


def _evaluation(request: Request, session: SessionDep, user: User, *, errors: dict | None = None,
                typed: dict | None = None, status_code: int = 200) -> Response:
    plan = service.the_plan(session)
    data = service.read(session, plan)
    today = clock.today()
    context = {"plan": plan, "draft": werkplan.draft(session, data, user, today),
               "evaluations": werkplan.evaluations(session, plan), "edits": service.edits(user),
               "notes": data.parts.get("evaluatie", ""), "errors": errors or {}, "typed": typed or {},
               "today": today}
    return render(request, "plan_evaluation.html", context, status_code)


@router.get("/plan/evaluatie")
def evaluation_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    return _evaluation(request, session, user)


@router.post("/plan/evaluatie", dependencies=[CsrfProtected])
def record_evaluation(request: Request, session: SessionDep, user: Kwaliteit, posted: PostedForm) -> Response:
    form = views.fields(posted)
    on_refusal(request, lambda refused: _evaluation(request, session, user, errors=refused.errors, typed=form,
                                                    status_code=refused.status))
    plan = service.the_plan(session)
    notes = form.get("notes", "")
    if len(notes) > 20_000 or "\x00" in notes:
        raise service.PlanError("notes", "De notities zijn te lang of bevatten een ongeldig teken.")
    made = werkplan.draft(session, service.read(session, plan), user, clock.today())
    werkplan.record_evaluation(session, plan, made, notes.strip(), user, clock.today())
    return RedirectResponse("/plan/evaluatie?opgeslagen=1", status_code=303)


def _werkplan(request: Request, session: SessionDep, user: User, year: int | None, *, errors: dict | None = None,
              typed: dict | None = None, status_code: int = 200) -> Response:
    plan = service.the_plan(session)
    today = clock.today()
    chosen = werkplan.get(session, plan, year) if year is not None else werkplan.current(session, plan, today)
    shown = werkplan.view(session, chosen) if chosen else None
    owners = {}
    if shown:
        ids = {a.owner_id for acts in shown.actions.values() for a in acts if a.owner_id}
        owners = {u.id: u for u in accounts_service.users_by_ids(session, ids)}
    evaluations = werkplan.evaluations(session, plan)
    missed = [g for g in (evaluations[0].goals if evaluations else []) if g.get("reached") is False]
    context = {"plan": plan, "werkplannen": werkplan.werkplannen(session, plan), "shown": shown,
               "owners": owners, "people": accounts_service.active_users(session), "edits": service.edits(user),
               "status_labels": STATUS_LABELS, "overdue": lambda a: service.overdue(a, today), "today": today,
               "missed": missed, "errors": errors or {}, "typed": typed or {}}
    return render(request, "plan_werkplan.html", context, status_code)


@router.get("/plan/werkplan")
def werkplan_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    return _werkplan(request, session, user, None)


@router.get("/plan/werkplan/{year}")
def werkplan_year(request: Request, session: SessionDep, user: CurrentUser, year: Year) -> Response:
    return _werkplan(request, session, user, year)


@router.post("/plan/werkplan", dependencies=[CsrfProtected])
def create_werkplan(request: Request, session: SessionDep, user: Kwaliteit, posted: PostedForm) -> Response:
    form = views.fields(posted)
    on_refusal(request, lambda refused: _werkplan(request, session, user, None, errors={"new": refused.errors},
                                                  typed={"new": form}, status_code=refused.status))
    raw = form.get("year", "").strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) == 4):
        raise service.PlanError("year", "Vul een jaartal in, bijvoorbeeld 2027.")
    made = werkplan.create(session, service.the_plan(session), int(raw), clock.now())
    return RedirectResponse(f"/plan/werkplan/{made.year}?opgeslagen=1", status_code=303)


@router.post("/plan/werkplan/{year}/doelen", dependencies=[CsrfProtected])
def add_goal(request: Request, session: SessionDep, user: Kwaliteit, year: Year, posted: PostedForm) -> Response:
    form = views.fields(posted)
    on_refusal(request, lambda refused: _werkplan(request, session, user, year, errors={"goal": refused.errors},
                                                  typed={"goal": form}, status_code=refused.status))
    goal = werkplan.add_goal(session, werkplan.get(session, service.the_plan(session), year), form.get("text", ""))
    return RedirectResponse(f"/plan/werkplan/{year}?opgeslagen=1#doel-{goal.id}", status_code=303)


@router.post("/plan/werkplan/{year}/resultaten", dependencies=[CsrfProtected])
def add_result(request: Request, session: SessionDep, user: Kwaliteit, year: Year, posted: PostedForm) -> Response:
    form = views.fields(posted)
    name = f"result-{form.get('goal_id', '')}"
    on_refusal(request, lambda refused: _werkplan(request, session, user, year, errors={name: refused.errors},
                                                  typed={name: form}, status_code=refused.status))
    raw = form.get("goal_id", "")
    goal_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None
    result = werkplan.add_result(session, werkplan.get(session, service.the_plan(session), year), goal_id,
                                 form.get("text", ""))
    return RedirectResponse(f"/plan/werkplan/{year}?opgeslagen=1#resultaat-{result.id}", status_code=303)


@router.post("/plan/werkplan/resultaten/{result_id}", dependencies=[CsrfProtected])
def tick_result(request: Request, session: SessionDep, user: Kwaliteit, result_id: RowId, posted: PostedForm) -> Response:
    form = views.fields(posted)
    plan = service.the_plan(session)
    result = werkplan.tick(session, plan, result_id, form.get("done") == "ja", clock.today())
    year = werkplan.year_of_result(session, result.id)  # type: ignore[arg-type]
    return RedirectResponse(f"/plan/werkplan/{year}?opgeslagen=1#resultaat-{result_id}", status_code=303)


@router.post("/plan/werkplan/{year}/acties", dependencies=[CsrfProtected])
def add_action(request: Request, session: SessionDep, user: Kwaliteit, year: Year, posted: PostedForm) -> Response:
    form = views.fields(posted)
    name = f"action-{form.get('result_id', '')}"
    on_refusal(request, lambda refused: _werkplan(request, session, user, year, errors={name: refused.errors},
                                                  typed={name: form}, status_code=refused.status))
    data = validated(ActionIn, {"title": form.get("title", ""), "owner": form.get("owner") or None,
                                "status": form.get("status") or "plan", "result_id": form.get("result_id") or None,
                                "due": form.get("due") or None, "check_on": form.get("check_on") or None})
    if data.result_id is None:
        raise service.PlanError("result_id", "Kies het resultaat waar deze actie bij hoort.")
    action = service.add_action(session, service.the_plan(session), data, user, clock.now())
    return RedirectResponse(f"/plan/werkplan/{year}?opgeslagen=1#actie-{action.id}", status_code=303)
