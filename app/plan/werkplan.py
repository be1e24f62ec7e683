"""The yearly werkplan that follows the implementation plan: doel, resultaat, acties (PDCA)."""

from sqlmodel import Session

from app.plan.models import Plan, Werkplan, WerkplanGoal, WerkplanResult


def result_in_plan(session: Session, plan: Plan, result_id: int) -> bool:
    result = session.get(WerkplanResult, result_id)
    if result is None:
        return False
    goal = session.get(WerkplanGoal, result.goal_id)
    werkplan = session.get(Werkplan, goal.werkplan_id) if goal else None
    return werkplan is not None and werkplan.plan_id == plan.id
