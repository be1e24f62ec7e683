"""What the plan's pages show, gathered once per request."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session

from app.accounts.models import User
from app.dates import parse_date
from app.goals import service as goals_service
from app.goals.models import Goal
from app.plan import borging, service
from app.plan.models import PART_TITLES, PARTS, PHASE_LABELS, STATUS_LABELS, Part, Phase, Plan
from app.questions import service as questions_service
from app.wiki import markdown


@dataclass
class GoalLine:
    """A plan goal SMART-wise: who, what, how much, by when, and where it stands now."""

    goal: Goal
    who: str
    what: str
    how_much: str
    by_when: date
    figure: str | None  # none: the group is too small to show to this viewer
    status: goals_service.Status


def goal_lines(session: Session, data: service.PlanData, viewer: User, today: date) -> dict[int, list[GoalLine]]:
    views = {v.goal.key: v for v in goals_service.board(session, viewer, today)}
    out: dict[int, list[GoalLine]] = {}
    for group in data.groups:
        lines = []
        for key in data.goal_keys.get(group.id, []):
            view = views.get(key)
            if view is None:
                continue
            lines.append(GoalLine(view.goal, view.goal.group, view.goal.text,
                                  goals_service.describe(view.goal, view.goal.target).split(" (doel")[0]
                                  if view.goal.measure in ("meetings_held", "milestone", "library_built_current")
                                  else f"{view.goal.target * 100:.0f}%",
                                  view.deadline, None if view.hidden else view.figure, view.status))
        out[group.id] = lines  # type: ignore[index]
    return out


def plan_context(session: Session, plan: Plan, user: User, today: date) -> dict:
    data = service.read(session, plan)
    parts = [(n, key, PART_TITLES[key], markdown.render(data.parts.get(key, "")))
             for n, key in enumerate(PARTS, start=1)]
    checklist = borging.checklist(session, plan.id, today)  # type: ignore[arg-type]
    return {
        "plan": plan, "data": data, "parts": parts, "Part": Part, "part_titles": PART_TITLES,
        "quadrants": service.QUADRANTS, "in_quadrant": data.quadrants(), "quadrant": service.quadrant,
        "impact_labels": service.IMPACT_LABELS, "phases": list(Phase), "phase_labels": PHASE_LABELS,
        "status_labels": STATUS_LABELS, "suggestions": service.SUGGESTIONS,
        "goals": goal_lines(session, data, user, today), "all_goals": goals_service.list_goals(session),
        "budget": service.budget(data), "borging": checklist, "today": today,
        "overdue": lambda a: service.overdue(a, today), "edits": service.edits(user),
        "may_change": lambda a: service.may_change_action(user, a), "owners": data.owners,
        "advice": questions_service.advice_monitoring(session, today - timedelta(days=182), today),
        "action_errors": {}, "late": [a for a in data.actions if service.overdue(a, today)],
    }


def fields(posted) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A posted form's values as text, without its CSRF token."""
    return {k: str(v) for k, v in posted.items() if k != "csrf_token"}


def form_date(form: dict[str, str], name: str, default: date) -> date:
    value = form.get(name, "").strip()
    return parse_date(name, value, "Vul een datum in (JJJJ-MM-DD).") if value else default
