"""The evaluation at the horizon and the yearly werkplan that follows the implementation plan.

The evaluation is drafted by the app from the goals and the barriers; Kwaliteit adds notes and
records it. The werkplan (seed 003): doel ("waarom doe je wat je doet?"), resultaat (concrete,
can be ticked off) and acties (wie, wat, wanneer) in a PDCA status with a check date."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from app.accounts.models import User
from app.errors import NotFound
from app.goals import service as goals_service
from app.plan.models import (
    Direction,
    Plan,
    PlanAction,
    PlanEvaluation,
    Werkplan,
    WerkplanGoal,
    WerkplanResult,
)

MIN_YEAR, MAX_YEAR = 2000, 2100




def _refuse(field: str, message: str):  # type: ignore[no-untyped-def]
    from app.plan.service import PlanError

    return PlanError(field, message)


def result_in_plan(session: Session, plan: Plan, result_id: int) -> bool:
    result = session.get(WerkplanResult, result_id) if 0 < result_id < 2**31 else None
    if result is None:
        return False
    goal = session.get(WerkplanGoal, result.goal_id)
    werkplan = session.get(Werkplan, goal.werkplan_id) if goal else None
    return werkplan is not None and werkplan.plan_id == plan.id


# --- evaluation ------------------------------------------------------------------------------


@dataclass
class GoalOutcome:
    key: str
    group: str
    text: str
    deadline: date
    figure: str | None  # none: too few people to show to this viewer
    status: str  # the goals engine's verdict, in Dutch
    reached: bool | None  # none: the deadline has not come


@dataclass
class BarrierMet:
    text: str
    group: str
    strategies: int
    actions: int
    actions_done: int


@dataclass
class Draft:
    horizon: date | None
    due: bool  # the horizon has come: the evaluation can be made
    goals: list[GoalOutcome]
    barriers: list[BarrierMet]


def draft(session: Session, data, viewer: User | None, today: date) -> Draft:  # type: ignore[no-untyped-def]
    """Each plan goal reached or not, with its figure, and the barriers the plan met."""
    views = {v.goal.key: v for v in goals_service.board(session, viewer, today)}
    outcomes = []
    for group in data.groups:
        for key in data.goal_keys.get(group.id, []):
            v = views.get(key)
            if v is None:
                continue
            outcomes.append(GoalOutcome(key, v.goal.group, v.goal.text, v.deadline,
                                        None if v.hidden else v.figure, v.status.label,
                                        True if v.achieved >= 1 else (False if v.due else None)))
    barriers = []
    for f in data.factors:
        if f.direction != Direction.belemmerend:
            continue
        strategies = data.strategies_for(f)
        acts = [a for s in strategies for a in data.actions_for(s)]
        group = data.group(f.group_id)
        barriers.append(BarrierMet(f.text, group.name if group else "", len(strategies), len(acts),
                                   sum(a.done_on is not None for a in acts)))
    horizon = max((o.deadline for o in outcomes), default=None)
    return Draft(horizon, horizon is not None and today >= horizon, outcomes, barriers)


def evaluations(session: Session, plan: Plan) -> list[PlanEvaluation]:
    return list(session.exec(select(PlanEvaluation).where(PlanEvaluation.plan_id == plan.id)
                             .order_by(col(PlanEvaluation.made_on).desc(), col(PlanEvaluation.id).desc())))


def record_evaluation(session: Session, plan: Plan, made: Draft, notes: str, by: User, today: date) -> PlanEvaluation:
    if not made.due:
        raise _refuse("notes", f"De evaluatie maakt u op of na de horizon van de doelen ({made.horizon:%d-%m-%Y})."
                      if made.horizon else "Er zijn nog geen doelen aan het plan gekoppeld.")
    barriers = "\n".join(f"- {b.text} ({b.group}): {b.strategies} strategie(ën), {b.actions_done} van {b.actions} acties afgerond"
                         for b in made.barriers)
    evaluation = PlanEvaluation(plan_id=plan.id, made_on=today, made_by_id=by.id, notes=notes,  # type: ignore[arg-type]
                                barriers=barriers,
                                goals=[{"key": o.key, "group": o.group, "text": o.text, "figure": o.figure,
                                        "status": o.status, "reached": o.reached} for o in made.goals])
    session.add(evaluation)
    session.flush()
    return evaluation


# --- werkplan --------------------------------------------------------------------------------


@dataclass
class WerkplanView:
    werkplan: Werkplan
    goals: list[WerkplanGoal]
    results: dict[int, list[WerkplanResult]]  # goal id -> results
    actions: dict[int, list[PlanAction]]  # result id -> actions

    @property
    def all_results(self) -> list[WerkplanResult]:
        return [r for g in self.goals for r in self.results.get(g.id, [])]  # type: ignore[arg-type]


def werkplannen(session: Session, plan: Plan) -> list[Werkplan]:
    return list(session.exec(select(Werkplan).where(Werkplan.plan_id == plan.id).order_by(col(Werkplan.year).desc())))


def get(session: Session, plan: Plan, year: int) -> Werkplan:
    found = session.exec(select(Werkplan).where(Werkplan.plan_id == plan.id, Werkplan.year == year)).first()
    if found is None:
        raise NotFound("year", f"Er is geen werkplan voor {year}.")
    return found


def current(session: Session, plan: Plan, today: date) -> Werkplan | None:
    """This year's werkplan, else the latest."""
    rows = werkplannen(session, plan)
    return next((w for w in rows if w.year == today.year), rows[0] if rows else None)


def view(session: Session, werkplan: Werkplan) -> WerkplanView:
    goals = list(session.exec(select(WerkplanGoal).where(WerkplanGoal.werkplan_id == werkplan.id)
                              .order_by(col(WerkplanGoal.position), col(WerkplanGoal.id))))
    results: dict[int, list[WerkplanResult]] = {}
    ids = [g.id for g in goals]
    if ids:
        for r in session.exec(select(WerkplanResult).where(col(WerkplanResult.goal_id).in_(ids))
                              .order_by(col(WerkplanResult.position), col(WerkplanResult.id))):
            results.setdefault(r.goal_id, []).append(r)
    result_ids = [r.id for rs in results.values() for r in rs]
    actions: dict[int, list[PlanAction]] = {}
    if result_ids:
        for a in session.exec(select(PlanAction).where(col(PlanAction.result_id).in_(result_ids))
                              .order_by(col(PlanAction.due).is_(None), col(PlanAction.due), col(PlanAction.id))):
            actions.setdefault(a.result_id, []).append(a)  # type: ignore[arg-type]
    return WerkplanView(werkplan, goals, results, actions)


def create(session: Session, plan: Plan, year: int, now: datetime) -> Werkplan:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _refuse("year", f"Kies een jaar tussen {MIN_YEAR} en {MAX_YEAR}.")
    if session.exec(select(Werkplan).where(Werkplan.plan_id == plan.id, Werkplan.year == year)).first():
        raise _refuse("year", f"Er is al een werkplan voor {year}.")
    werkplan = Werkplan(plan_id=plan.id, year=year, created_at=now)  # type: ignore[arg-type]
    session.add(werkplan)
    session.flush()
    return werkplan


def _text(field: str, value: str, limit: int = 500) -> str:
    from app.textinput import has_nul

    text = " ".join(value.split())
    if has_nul(value):
        raise _refuse(field, "De tekst bevat een ongeldig teken.")
    if not text:
        raise _refuse(field, "Vul dit in.")
    if len(text) > limit:
        raise _refuse(field, f"Hoogstens {limit} tekens.")
    return text


def add_goal(session: Session, werkplan: Werkplan, text: str) -> WerkplanGoal:
    count = len(session.exec(select(WerkplanGoal.id).where(WerkplanGoal.werkplan_id == werkplan.id)).all())
    goal = WerkplanGoal(werkplan_id=werkplan.id, text=_text("text", text), position=count)  # type: ignore[arg-type]
    session.add(goal)
    session.flush()
    return goal


def add_result(session: Session, werkplan: Werkplan, goal_id: int | None, text: str) -> WerkplanResult:
    goal = session.get(WerkplanGoal, goal_id) if goal_id and 0 < goal_id < 2**31 else None
    if goal is None or goal.werkplan_id != werkplan.id:
        raise _refuse("goal_id", "Kies een doel van dit werkplan.")
    count = len(session.exec(select(WerkplanResult.id).where(WerkplanResult.goal_id == goal.id)).all())
    result = WerkplanResult(goal_id=goal.id, text=_text("text", text), position=count)  # type: ignore[arg-type]
    session.add(result)
    session.flush()
    return result


def tick(session: Session, plan: Plan, result_id: int, done: bool, today: date) -> WerkplanResult:
    if not result_in_plan(session, plan, result_id):
        raise NotFound("result", "Dit resultaat staat niet in een werkplan.")
    result = session.get(WerkplanResult, result_id)
    assert result is not None
    result.done_on = (result.done_on or today) if done else None
    session.add(result)
    return result


def year_of_result(session: Session, result_id: int) -> int | None:
    result = session.get(WerkplanResult, result_id)
    goal = session.get(WerkplanGoal, result.goal_id) if result else None
    werkplan = session.get(Werkplan, goal.werkplan_id) if goal else None
    return werkplan.year if werkplan else None


def dashboard_results(session: Session, plan: Plan | None, today: date) -> tuple[Werkplan | None, list[WerkplanResult]]:
    """For /doelen: the current werkplan's results beside the goals."""
    if plan is None:
        return None, []
    werkplan = current(session, plan, today)
    return (werkplan, view(session, werkplan).all_results) if werkplan else (None, [])
