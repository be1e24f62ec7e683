"""The goals dashboard (/doelen), its CSV, the records it needs, and GET /api/v1/goals.

Everyone sees the aggregates; a person sees their own progress; Kwaliteit also sees each
person's; managers never a person's (DESIGN.md, privacy)."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from app import clock
from app.accounts import service as accounts_service
from app.accounts.models import Role, Team, User
from app.dates import parse_date
from app.goals import measures, records, service
from app.goals.models import GoalPublic, TrendPoint
from app.plan import service as plan_service
from app.plan import werkplan as werkplan_service
from app.web.csvexport import csv_response
from app.web.deps import CsrfProtected, CurrentUser, PostedForm, RequireRole, SessionDep, on_refusal
from app.web.errors import validated
from app.web.templating import render
from app.wiki import service as wiki_service
from app.wiki.models import MAX_INT

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/goals", tags=["doelen"])
TeamSlug = Annotated[str | None, Query(max_length=80)]
# Who records what (app/goals/service.py says the same for the pages' buttons).
Leader = Annotated[User, Depends(RequireRole(
    Role.leidinggevende, message="Alleen een leidinggevende legt functioneringsgesprekken vast."))]
MilestoneRecorder = Annotated[User, Depends(RequireRole(
    Role.management, Role.kwaliteit, message="Alleen het MT of Kwaliteit legt het akkoord vast."))]
GoalEditor = Annotated[User, Depends(RequireRole(Role.kwaliteit, message="Alleen Kwaliteit past de doelen aan."))]
TrainingKeeper = Annotated[User, Depends(RequireRole(
    Role.kwaliteit, message="Alleen Kwaliteit houdt de agenda van Opleiding & Leren bij."))]


def _team(session: SessionDep, slug: str | None) -> Team | None:
    if not slug:
        return None
    team = accounts_service.get_team_by_slug(session, slug)
    if team is None:
        raise HTTPException(404, "Dit team bestaat niet.")
    return team


def _dashboard(request: Request, session: SessionDep, user: User, team: Team | None, *,
               errors: dict | None = None, typed: dict | None = None, status_code: int = 200) -> Response:
    today = clock.today()
    views = service.board(session, user, today, team.id if team else None)
    teams = accounts_service.list_teams(session)
    werkplan, werkplan_results = werkplan_service.dashboard_results(session, plan_service.get_plan(session), today)
    context = {
        "werkplan": werkplan,
        "werkplan_results": werkplan_results,
        "views": views,
        # Groups so small that their figure would point at persons: not for managers.
        "hidden": {v.goal.key for v in views if v.hidden},
        "team": team,
        "teams": teams,
        # Read from the views just computed when they include this person (all, or their team).
        "mine": service.progress_in(views, user, today) if team is None or team.id == user.team_id
        else service.my_progress(session, user, today),
        "sees_persons": service.sees_persons(user),
        # Kwaliteit only: per person goal, each person's count against what is asked of them.
        "persons": {v.goal.key: v.result.persons for v in views if v.result.persons}
        if service.sees_persons(user) else None,
        "records_appraisals": service.records_appraisals(user),
        "records_milestones": service.records_milestones(user),
        "edits_goals": service.edits_goals(user),
        "milestone": records.get_milestone(session),
        "describe": service.describe,
        "members_text": service.members_text,
        "person_status": service.person_status,
        "sources": {v.goal.key: service.sources(v.goal, user) for v in views},
        "per_team": measures.per_team_possible,
        "today": today,
        "one_day": timedelta(days=1),
        "errors": errors or {},
        "typed": typed or {},
    }
    return render(request, "goals.html", context, status_code)


@pages.get("/doelen")
def dashboard(request: Request, session: SessionDep, user: CurrentUser, team: TeamSlug = None) -> Response:
    return _dashboard(request, session, user, _team(session, team))


@pages.get("/doelen.csv")
def dashboard_csv(session: SessionDep, user: CurrentUser, team: TeamSlug = None) -> Response:
    """Aggregates per goal, and per team where a goal can be split: the same as the page."""
    today = clock.today()
    chosen = _team(session, team)
    header, rows = service.export_csv(session, user, today, chosen, accounts_service.list_teams(session))
    return csv_response(header, rows, f"doelen-{today.isoformat()}.csv")


@pages.get("/doelen/personen/{person_id}")
def person_page(request: Request, session: SessionDep, user: CurrentUser,
                person_id: Annotated[int, Path(ge=1, le=MAX_INT)]) -> Response:
    if not service.may_see_person(user, person_id):
        raise HTTPException(403, "De voortgang van een persoon ziet alleen die persoon zelf, en Kwaliteit.")
    person = accounts_service.get_user(session, person_id)
    if person is None:
        raise HTTPException(404, "Deze persoon bestaat niet.")
    context = {"person": person, "progress": service.my_progress(session, person, clock.today())}
    return render(request, "goal_person.html", context)


# --- records ---------------------------------------------------------------------------------


@pages.get("/doelen/functioneringsgesprekken")
def appraisals_page(request: Request, session: SessionDep, user: Leader) -> Response:
    return _appraisals(request, session, user)


def _appraisals(request: Request, session: SessionDep, user: User, *, error: dict | None = None,
                typed: dict | None = None, status_code: int = 200) -> Response:
    people = records.appraisal_choices(session, user)
    recorded = records.appraisals_by(session, user)
    names = {p.id: p.name for p in accounts_service.users_by_id(session, {r.user_id for r in recorded}).values()}
    context = {"people": people, "records": recorded, "names": names | {p.id: p.name for p in people},
               "error": error or {}, "typed": typed or {}, "today": clock.today()}
    return render(request, "appraisals.html", context, status_code)


def _form_id(text: str) -> int | None:
    """An id chosen in a form, or None when it cannot be one."""
    digits = text.strip()
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 10):
        return None
    return int(digits) if 1 <= int(digits) <= MAX_INT else None


@pages.post("/doelen/functioneringsgesprekken", dependencies=[CsrfProtected])
def save_appraisal(request: Request, session: SessionDep, user: Leader, posted: PostedForm) -> Response:
    form = {k: str(v) for k, v in posted.items()}
    on_refusal(request, lambda refused: _appraisals(
        request, session, user, error=refused.errors, typed=form, status_code=refused.status))
    person_id = _form_id(form.get("person", ""))
    person = accounts_service.get_user(session, person_id) if person_id else None
    if person is None:
        raise service.GoalError("person", "Kies de medewerker.")
    held_on = parse_date("held_on", form.get("held_on", ""), "Vul de datum van het gesprek in (JJJJ-MM-DD).")
    if form.get("discussed") not in ("ja", "nee"):
        raise service.GoalError("discussed", "Kies ja of nee.")
    records.record_appraisal(session, person, held_on, form["discussed"] == "ja", user, clock.today())
    return RedirectResponse("/doelen/functioneringsgesprekken?opgeslagen=1", status_code=303)


@pages.post("/doelen/mt-akkoord", dependencies=[CsrfProtected])
def save_milestone(request: Request, session: SessionDep, user: MilestoneRecorder, posted: PostedForm) -> Response:
    form = {k: str(v) for k, v in posted.items()}
    on_refusal(request, lambda refused: _dashboard(
        request, session, user, None, errors={"milestone": refused.errors}, typed={"milestone": form},
        status_code=refused.status))
    reached = parse_date("reached_on", form.get("reached_on", ""), "Vul de datum van het akkoord in (JJJJ-MM-DD).")
    records.record_milestone(session, reached, form.get("note", ""), user, clock.today())
    return RedirectResponse("/doelen?opgeslagen=1#mt-akkoord", status_code=303)


@pages.get("/doelen/{key}/bewerken")
def edit_goal_page(request: Request, session: SessionDep, user: GoalEditor, key: Annotated[str, Path(max_length=60)]) -> Response:
    return _edit(request, session, user, key)


def _edit(request: Request, session: SessionDep, user: User, key: str, *, errors: dict | None = None,
          typed: dict | None = None, status_code: int = 200) -> Response:
    goal = service.get_goal(session, key)
    if goal is None:
        raise HTTPException(404, "Dit doel bestaat niet.")
    percent = goal.measure not in ("meetings_held", "milestone")
    per_person = measures.per_person_key(goal)
    values = typed or {"target": f"{goal.target * 100:g}" if percent else f"{goal.target:g}",
                       "start": goal.start.isoformat(), "horizon_months": str(goal.horizon_months),
                       "per_person": str(goal.params.get(per_person, "")) if per_person else ""}
    context = {"goal": goal, "values": values, "errors": errors or {}, "percent": percent,
               "per_person": per_person, "deadline": measures.deadline(goal)}
    return render(request, "goal_edit.html", context, status_code)


@pages.post("/doelen/{key}/bewerken", dependencies=[CsrfProtected])
def save_goal(request: Request, session: SessionDep, user: GoalEditor, key: Annotated[str, Path(max_length=60)], posted: PostedForm) -> Response:
    goal = service.get_goal(session, key)
    if goal is None:
        raise HTTPException(404, "Dit doel bestaat niet.")
    form = {k: str(v) for k, v in posted.items() if k != "csrf_token"}
    on_refusal(request, lambda refused: _edit(
        request, session, user, key, errors=refused.errors, typed=form, status_code=refused.status))
    percent = goal.measure not in ("meetings_held", "milestone")
    raw = form.get("target", "").replace(",", ".").rstrip("%").strip()
    target = _number("target", raw) / 100 if percent and raw else raw
    per_person = form.get("per_person", "").strip() if measures.per_person_key(goal) else ""
    data = validated(service.GoalEdit, {"target": target, "start": form.get("start"),
                                        "horizon_months": form.get("horizon_months"),
                                        "per_person": per_person or None})
    service.edit(session, goal, data, by=user)
    return RedirectResponse(f"/doelen?opgeslagen=1#doel-{goal.key}", status_code=303)


def _number(field: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise service.GoalError(field, "Vul een getal in.") from None


@pages.get("/doelen/opleiding")
def training_page(request: Request, session: SessionDep, user: TrainingKeeper) -> Response:
    flags = records.training_flags(session)
    items = wiki_service.items_by_id(session, {f.item_id for f in flags})
    return render(request, "training.html", {"flags": flags, "items": items})


@pages.post("/doelen/opleiding", dependencies=[CsrfProtected])
def save_training(request: Request, session: SessionDep, user: TrainingKeeper, posted: PostedForm) -> Response:
    form = {k: str(v) for k, v in posted.items()}
    item = wiki_service.get_item(session, form.get("item", ""), user)
    if item is None:
        raise HTTPException(404, "Dit item bestaat niet.")
    if form.get("actie") == "agenderen":
        records.flag_for_training(session, item.id, user, clock.today())  # type: ignore[arg-type]
    else:
        records.set_in_plan(session, item.id, form.get("in_plan") == "ja", user, clock.today())  # type: ignore[arg-type]
    back = form.get("terug") or "/doelen/opleiding"
    return RedirectResponse(back if back.startswith("/") and not back.startswith("//") else "/doelen/opleiding",
                            status_code=303)


# --- API -------------------------------------------------------------------------------------


@api.get("", summary="De implementatiedoelen: stand, doel, deadline, trend; per team met ?team=")
def list_goals(session: SessionDep, user: CurrentUser, team: TeamSlug = None) -> list[GoalPublic]:
    chosen = _team(session, team)
    today = clock.today()
    out = []
    for shown in service.board(session, user, today, chosen.id if chosen else None):
        goal = shown.goal
        if shown.hidden:
            continue  # too few people to show without pointing at persons
        out.append(GoalPublic(
            key=goal.key, group=goal.group, text=goal.text, how=goal.how, measure=goal.measure,
            value=shown.value, target=goal.target, achieved=shown.achieved, population=shown.population,
            start=goal.start, deadline=shown.deadline, due=shown.due, on_track=shown.on_track,
            status=shown.status.key, status_label=shown.status.label, figure=shown.figure,
            explanation=shown.explanation, day=shown.day,
            trend=[TrendPoint(day=s.day, value=s.value) for s in shown.trend],
        ))
    return out


@api.get("/persons/{person_id}", summary="De voortgang van één persoon (die persoon zelf, of Kwaliteit)")
def person_api(session: SessionDep, user: CurrentUser, person_id: Annotated[int, Path(ge=1, le=MAX_INT)]) -> list[dict]:
    if not service.may_see_person(user, person_id):
        raise HTTPException(403, "De voortgang van een persoon ziet alleen die persoon zelf, en Kwaliteit.")
    person = accounts_service.get_user(session, person_id)
    if person is None:
        raise HTTPException(404, "Deze persoon bestaat niet.")
    return [{"goal": p.goal.key, "count": p.mine.count, "required": p.mine.required, "met": p.mine.met,
             "on_pace": p.mine.on_pace, "due": p.due, "status": p.status.key} for p in service.my_progress(session, person, clock.today())]

