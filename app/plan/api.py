"""JSON API for the implementation plan under /api/v1/plan."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from app import clock
from app.accounts.models import Role, User
from app.plan import borging, service
from app.plan.deps import ActionChanger
from app.plan.models import PART_TITLES, PARTS, PlanAction
from app.plan.schemas import (
    ActionIn,
    ActionPatch,
    ActionPublic,
    BorgingPublic,
    FactorPublic,
    PartPublic,
    PlanPublic,
    StakeholderPublic,
    StrategyPublic,
)
from app.web.deps import CsrfProtected, CurrentUser, RequireRole, SessionDep
from app.wiki.models import MAX_INT

router = APIRouter(prefix="/api/v1/plan", tags=["implementatieplan"])
Kwaliteit = Annotated[User, Depends(RequireRole(Role.kwaliteit, message="Alleen Kwaliteit past het plan aan."))]


def _factor(data: service.PlanData, f) -> FactorPublic:  # type: ignore[no-untyped-def]
    group = data.group(f.group_id)
    return FactorPublic(id=f.id, group=group.name if group else "", text=f.text, direction=f.direction,
                        impact=f.impact, changeable=f.changeable, priority=f.priority)


def _action(data_owners: dict[int, User], action: PlanAction, today) -> ActionPublic:  # type: ignore[no-untyped-def]
    owner = data_owners.get(action.owner_id) if action.owner_id else None
    return ActionPublic(id=action.id, title=action.title, owner=owner.email if owner else None,  # type: ignore[arg-type]
                        owner_name=owner.name if owner else None, due=action.due, status=action.status,
                        check_on=action.check_on, done=action.done_on is not None, done_on=action.done_on,
                        overdue=service.overdue(action, today), strategy_id=action.strategy_id,
                        result_id=action.result_id, version=action.version)


@router.get("", summary="Het implementatieplan: de twaalf onderdelen, de stakeholders, de focus en de borging")
def get_plan(session: SessionDep, user: CurrentUser) -> PlanPublic:
    plan = service.the_plan(session)
    data = service.read(session, plan)
    today = clock.today()
    return PlanPublic(
        title=plan.title, intervention=plan.intervention, organisation=plan.organisation, author=plan.author,
        written=plan.written, version=plan.version,
        parts=[PartPublic(key=k, number=n, title=PART_TITLES[k], body=data.parts.get(k, ""))
               for n, k in enumerate(PARTS, start=1)],
        stakeholders=[StakeholderPublic(
            id=g.id, name=g.name, influence=g.influence, interest=g.interest, quadrant=service.quadrant(g),  # type: ignore[arg-type]
            approach=service.QUADRANTS[service.quadrant(g)][0].lower(), involvement=g.involvement,
            is_user=g.is_user, ist=g.ist, soll=g.soll, hourly_rate=g.hourly_rate,
            goals=data.goal_keys.get(g.id, [])) for g in data.groups],  # type: ignore[arg-type]
        factors=[_factor(data, f) for f in data.factors],
        focus=[_factor(data, f) for f in data.focus],
        strategies=[StrategyPublic(id=s.id, text=s.text, factor_id=s.factor_id,  # type: ignore[arg-type]
                                   group=g.name if (g := data.group(s.group_id)) else None, phase=s.phase)
                    for s in data.strategies],
        borging=[BorgingPublic(key=s.key, text=s.text, met=s.met, judged_by_app=s.judged_by_app, source=s.source,
                               note=s.note, evidence=s.evidence, checked_on=s.checked_on, checked_by=s.checked_by,
                               extra_action=s.extra_action)
                 for s in borging.checklist(session, plan.id, today)],  # type: ignore[arg-type]
    )


@router.get("/actions", summary="De acties van het plan en de werkplannen, met wie, wanneer en de PDCA-status")
def list_actions(session: SessionDep, user: CurrentUser) -> list[ActionPublic]:
    plan = service.the_plan(session)
    data = service.read(session, plan)
    today = clock.today()
    return [_action(data.owners, a, today) for a in data.actions]


@router.post("/actions", status_code=201, summary="Nieuwe actie (rol kwaliteit)", dependencies=[CsrfProtected])
def add_action(session: SessionDep, user: Kwaliteit, data: ActionIn) -> ActionPublic:
    plan = service.the_plan(session)
    action = service.add_action(session, plan, data, user, clock.now())
    return _action(service.read(session, plan).owners, action, clock.today())


@router.patch("/actions/{action_id}", dependencies=[CsrfProtected],
              summary="Actie aanpassen (Kwaliteit; wie de actie doet: alleen status en afgerond)")
def change_action(session: SessionDep, user: ActionChanger, action_id: Annotated[int, Path(ge=1, le=MAX_INT)],
                  data: ActionPatch) -> ActionPublic:
    plan = service.the_plan(session)
    action = service.get_action(session, plan, action_id)
    service.change_action(session, plan, action, data, user, clock.now(), clock.today())
    return _action(service.read(session, plan).owners, action, clock.today())
