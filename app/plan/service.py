"""The implementation plan: reading it whole, changing it part by part (each save a revision),
the stakeholder quadrants, the focus of the context analysis, actions and the budget."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.accounts import service as accounts_service
from app.accounts.models import Role, User
from app.errors import Conflict, Forbidden, InputError, NotFound
from app.goals import service as goals_service
from app.plan.models import (
    PART_TITLES,
    PARTS,
    Direction,
    Level,
    Part,
    Plan,
    PlanAction,
    PlanActivity,
    PlanFactor,
    PlanGoal,
    PlanGroup,
    PlanPart,
    PlanRevision,
    PlanStrategy,
    Status,
)
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


class PlanError(InputError):
    """Input about the plan that is refused."""


# The guide's stakeholder matrix (Mendelow): influence and interest make four quadrants.
QUADRANTS = {
    "A": ("Samenwerken", "Veel invloed en veel belang: werk nauw samen. Dit zijn onder andere de "
          "gebruikers; neem ze mee in de contextanalyse."),
    "B": ("Consulteren", "Weinig invloed, veel belang: zij willen gehoord worden. Haal hun input op, "
          "informeer ze op tijd en neem ze mee in de contextanalyse."),
    "C": ("Betrekken", "Veel invloed, weinig belang: houd ze op hoofdlijnen op de hoogte en betrek "
          "ze op strategische momenten, zonder te veel detail."),
    "D": ("Informeren", "Weinig invloed en weinig belang: houd ze op gezette tijden op de hoogte "
          "van de voortgang."),
}
IMPACT_LABELS = {1: "een beetje", 2: "redelijk", 3: "zeer"}

# The guide's example strategies per phase (chapter 2, part 7b), offered as suggestions.
SUGGESTIONS = {
    "orientatie": ["Lunchlezing of presentatie tijdens werkoverleg", "E-mail of memo",
                   "Artikel in vakblad of krant", "De wandelgangen"],
    "inzicht": ["Participatieve bijeenkomsten", "Workshops", "Vaardigheidstraining",
                "Peer-to-peer ondersteuning in intervisiegroepjes",
                "Instructie en ondersteuning door een getrainde collega", "Digitale cursussen"],
    "acceptatie": ["Experimenteren met de nieuwe aanpak", "Sleutelfiguren en opinieleiders",
                   "Intercollegiaal contact", "Klankbordgroep", "Feedback op basis van metingen of observaties",
                   "Implementatiedoelen onderwerp maken van functioneringsgesprekken",
                   "Bij een uitbreiding van het takenpakket de caseload aanpassen",
                   "Het digitale registratiesysteem aanpassen", "Administratie automatiseren",
                   "Formele samenwerkingsafspraken maken", "Juridische kaders uitzoeken"],
    "verandering": ["Peer-to-peer feedback op de vernieuwde manier van werken",
                    "Intervisiegroepjes waar collega's van elkaar kunnen leren",
                    "Coaching door een externe trainer of expert", "Feedback op basis van kwaliteitsmonitoring",
                    "Detacheren van de interventie-ontwikkelaar in de gebruikerspraktijk", "Interne kenniskring",
                    "Richtlijn aanpassen op basis van tussenevaluaties"],
    "behoud": ["Structurele financiering regelen", "Richtlijn formaliseren", "Nieuw personeel aannemen",
               "Processen integreren in bestaande processen"],
}


def edits(user: User) -> bool:
    return user.role == Role.kwaliteit


def quadrant(group: PlanGroup) -> str:
    high_influence = group.influence == Level.veel
    high_interest = group.interest == Level.veel
    if high_influence:
        return "A" if high_interest else "C"
    return "B" if high_interest else "D"


def overdue(action: PlanAction, today: date) -> bool:
    return action.done_on is None and action.due is not None and action.due < today


def focus(factors: list[PlanFactor]) -> list[PlanFactor]:
    """The guide: "De meest invloedrijke, veranderbare belemmeringen vormen de focus van het
    implementatieplan." The changeable barriers of the highest impact present; with 2 or 3 both
    count (redelijk and zeer belemmerend), a 1 only when nothing weighs more."""
    barriers = [f for f in factors if f.direction == Direction.belemmerend and f.changeable]
    if not barriers:
        return []
    floor = 2 if max(f.impact or 0 for f in barriers) >= 2 else 1
    chosen = [f for f in barriers if (f.impact or 0) >= floor]
    return sorted(chosen, key=lambda f: (-(f.impact or 0), f.priority or 100, f.position, f.id or 0))


# --- reading ---------------------------------------------------------------------------------


@dataclass
class PlanData:
    plan: Plan
    parts: dict[str, str]
    groups: list[PlanGroup]
    factors: list[PlanFactor]
    strategies: list[PlanStrategy]
    actions: list[PlanAction]
    activities: list[PlanActivity]
    goal_keys: dict[int, list[str]]  # group id -> goal keys
    owners: dict[int, User] = field(default_factory=dict)

    def group(self, group_id: int | None) -> PlanGroup | None:
        return next((g for g in self.groups if g.id == group_id), None)

    def factor(self, factor_id: int | None) -> PlanFactor | None:
        return next((f for f in self.factors if f.id == factor_id), None)

    @property
    def users(self) -> list[PlanGroup]:
        return [g for g in self.groups if g.is_user]

    @property
    def focus(self) -> list[PlanFactor]:
        return focus(self.factors)

    def factors_of(self, group: PlanGroup) -> list[PlanFactor]:
        return [f for f in self.factors if f.group_id == group.id]

    def strategies_for(self, factor: PlanFactor) -> list[PlanStrategy]:
        return [s for s in self.strategies if s.factor_id == factor.id]

    def strategies_in(self, group: PlanGroup, phase: str) -> list[PlanStrategy]:
        return [s for s in self.strategies if s.factor_id is None and s.group_id == group.id and s.phase == phase]

    def actions_for(self, strategy: PlanStrategy) -> list[PlanAction]:
        return [a for a in self.actions if a.strategy_id == strategy.id]

    def quadrants(self) -> dict[str, list[PlanGroup]]:
        out: dict[str, list[PlanGroup]] = {q: [] for q in QUADRANTS}
        for g in self.groups:
            out[quadrant(g)].append(g)
        return out


def get_plan(session: Session) -> Plan | None:
    return session.exec(select(Plan).order_by(col(Plan.id))).first()


def the_plan(session: Session) -> Plan:
    plan = get_plan(session)
    if plan is None:
        raise NotFound("plan", "Er is nog geen implementatieplan.")
    return plan


def read(session: Session, plan: Plan) -> PlanData:
    pid = plan.id
    parts = {p.key: p.body for p in session.exec(select(PlanPart).where(PlanPart.plan_id == pid))}
    groups = list(session.exec(select(PlanGroup).where(PlanGroup.plan_id == pid)
                               .order_by(col(PlanGroup.position), col(PlanGroup.id))))
    factors = list(session.exec(select(PlanFactor).where(PlanFactor.plan_id == pid)
                                .order_by(col(PlanFactor.position), col(PlanFactor.id))))
    strategies = list(session.exec(select(PlanStrategy).where(PlanStrategy.plan_id == pid)
                                   .order_by(col(PlanStrategy.position), col(PlanStrategy.id))))
    actions = list(session.exec(select(PlanAction).where(PlanAction.plan_id == pid)
                                .order_by(col(PlanAction.due).is_(None), col(PlanAction.due), col(PlanAction.id))))
    activities = list(session.exec(select(PlanActivity).where(PlanActivity.plan_id == pid)
                                   .order_by(col(PlanActivity.position), col(PlanActivity.id))))
    goal_keys: dict[int, list[str]] = defaultdict(list)
    goals = {g.id: g for g in goals_service.list_goals(session)}
    group_ids = [g.id for g in groups]
    if group_ids:
        for link in session.exec(select(PlanGoal).where(col(PlanGoal.group_id).in_(group_ids))):
            if link.goal_id in goals:
                goal_keys[link.group_id].append(goals[link.goal_id].key)
    owners = {u.id: u for u in accounts_service.users_by_ids(session, {a.owner_id for a in actions if a.owner_id})}
    return PlanData(plan, parts, groups, factors, strategies, actions, activities, dict(goal_keys), owners)


def revisions(session: Session, plan: Plan) -> list[PlanRevision]:
    return list(session.exec(select(PlanRevision).where(PlanRevision.plan_id == plan.id)
                             .order_by(col(PlanRevision.number).desc())))


def get_revision(session: Session, plan: Plan, number: int) -> PlanRevision | None:
    return session.exec(select(PlanRevision).where(PlanRevision.plan_id == plan.id,
                                                   PlanRevision.number == number)).first()


# --- saving ----------------------------------------------------------------------------------


def _saved(session: Session, plan: Plan, by: User | None, summary: str, now: datetime,
           based_on: int | None = None) -> None:
    """Every change ends here: the plan's version goes up in one statement (which also takes the
    row, so that saves from several processes follow each other), and the whole plan as it now
    is becomes a revision."""
    from app.plan import document  # the file format reads this module's data

    session.flush()
    where = [Plan.id == plan.id]
    if based_on is not None:
        where.append(Plan.version == based_on)
    done = session.exec(update(Plan).where(*where).values(  # type: ignore[call-overload]
        version=Plan.version + 1, updated_at=now, updated_by_id=by.id if by else None))
    if done.rowcount == 0:
        raise Conflict("version", "Iemand anders heeft het plan intussen opgeslagen. Uw tekst staat "
                       "hieronder nog; kijk wat er veranderd is en sla opnieuw op.")
    session.refresh(plan)
    session.add(PlanRevision(plan_id=plan.id, number=plan.version,  # type: ignore[arg-type]
                             document=document.dump(read(session, plan)), summary=summary[:300],
                             saved_by_id=by.id if by else None, saved_at=now))
    session.flush()


def mark_saved(session: Session, plan: Plan, by: User, summary: str, now: datetime) -> None:
    """A change made by another module (the borging answers) is a save of the plan too."""
    _saved(session, plan, by, summary, now)


def create(session: Session, header: dict, now: datetime) -> Plan:
    plan = Plan(**header, version=0, updated_at=now)
    session.add(plan)
    session.flush()
    for key in PARTS:
        session.add(PlanPart(plan_id=plan.id, key=key))  # type: ignore[arg-type]
    return plan


def save_part(session: Session, plan: Plan, key: str, data: PartIn, by: User, now: datetime) -> None:
    if key not in set(PARTS):
        raise NotFound("part", "Dit onderdeel van het plan bestaat niet.")
    row = session.exec(select(PlanPart).where(PlanPart.plan_id == plan.id, PlanPart.key == key)).first()
    if row is None:
        row = PlanPart(plan_id=plan.id, key=key)  # type: ignore[arg-type]
    if row.body == data.body:
        return
    row.body = data.body
    session.add(row)
    _saved(session, plan, by, f"{PART_TITLES[Part(key)]} aangepast", now, based_on=data.version)


def save_header(session: Session, plan: Plan, data: HeaderIn, by: User, now: datetime) -> None:
    for name in ("title", "intervention", "organisation", "author", "written"):
        setattr(plan, name, getattr(data, name))
    session.add(plan)
    _saved(session, plan, by, "Gegevens van het plan aangepast", now, based_on=data.version)


def _group(session: Session, plan: Plan, group_id: int | None, field_name: str = "group_id") -> PlanGroup:
    group = session.get(PlanGroup, group_id) if group_id else None
    if group is None or group.plan_id != plan.id:
        raise PlanError(field_name, "Kies een groep uit het plan.")
    return group


def _unique_name(session: Session, plan: Plan, name: str, own_id: int | None = None) -> None:
    found = session.exec(select(PlanGroup).where(PlanGroup.plan_id == plan.id, PlanGroup.name == name)).first()
    if found is not None and found.id != own_id:
        raise PlanError("name", f"Er is al een groep '{name}' in het plan.")


def add_group(session: Session, plan: Plan, data: GroupIn, by: User, now: datetime) -> PlanGroup:
    _unique_name(session, plan, data.name)
    count = len(session.exec(select(PlanGroup.id).where(PlanGroup.plan_id == plan.id)).all())
    group = PlanGroup(plan_id=plan.id, position=count, **data.model_dump())  # type: ignore[arg-type]
    session.add(group)
    _saved(session, plan, by, f"Groep '{data.name}' toegevoegd", now)
    return group


def save_group(session: Session, plan: Plan, group_id: int, data: GroupIn, by: User, now: datetime) -> PlanGroup:
    group = _group(session, plan, group_id, "group")
    _unique_name(session, plan, data.name, group.id)
    for name, value in data.model_dump().items():
        setattr(group, name, value)
    session.add(group)
    _saved(session, plan, by, f"Groep '{data.name}' aangepast", now)
    return group


def link_goals(session: Session, plan: Plan, group_id: int, goal_keys: list[str], by: User, now: datetime) -> None:
    """The goals on /doelen that belong to this group (a goal belongs to one group)."""
    group = _group(session, plan, group_id, "group")
    goals = {g.key: g for g in goals_service.list_goals(session)}
    wanted = set()
    for key in goal_keys:
        if key not in goals:
            raise PlanError("goals", f"Het doel '{key}' staat niet op de doelenpagina.")
        wanted.add(goals[key].id)
    for link in session.exec(select(PlanGoal).where(PlanGoal.group_id == group.id)):
        if link.goal_id not in wanted:
            session.delete(link)
    session.flush()
    for goal_id in wanted:
        link = session.exec(select(PlanGoal).where(PlanGoal.goal_id == goal_id)).first()
        if link is None:
            session.add(PlanGoal(group_id=group.id, goal_id=goal_id))  # type: ignore[arg-type]
        elif link.group_id != group.id:
            link.group_id = group.id  # type: ignore[assignment]
            session.add(link)
    _saved(session, plan, by, f"Doelen van '{group.name}' gekoppeld", now)


def add_factor(session: Session, plan: Plan, data: FactorIn, by: User, now: datetime) -> PlanFactor:
    group = _group(session, plan, data.group_id)
    if not group.is_user:
        raise PlanError("group_id", "De contextanalyse gaat over de gebruikers: kies een gebruikersgroep.")
    count = len(session.exec(select(PlanFactor.id).where(PlanFactor.plan_id == plan.id)).all())
    factor = PlanFactor(plan_id=plan.id, position=count, created_at=now, **data.model_dump())  # type: ignore[arg-type]
    session.add(factor)
    word = "Belemmering" if data.direction == Direction.belemmerend else "Bevorderende factor"
    _saved(session, plan, by, f"{word} '{data.text[:80]}' toegevoegd", now)
    return factor


def save_factor(session: Session, plan: Plan, factor_id: int, data: FactorIn, by: User, now: datetime) -> PlanFactor:
    factor = _factor(session, plan, factor_id, "factor")
    group = _group(session, plan, data.group_id)
    if not group.is_user:
        raise PlanError("group_id", "De contextanalyse gaat over de gebruikers: kies een gebruikersgroep.")
    if data.direction != Direction.belemmerend and session.exec(
            select(PlanStrategy.id).where(PlanStrategy.factor_id == factor.id)).first() is not None:
        raise PlanError("direction", "Aan deze belemmering hangt een strategie; zij blijft belemmerend.")
    for name, value in data.model_dump().items():
        setattr(factor, name, value)
    session.add(factor)
    _saved(session, plan, by, f"Factor '{data.text[:80]}' aangepast", now)
    return factor


def _factor(session: Session, plan: Plan, factor_id: int | None, field_name: str = "factor_id") -> PlanFactor:
    factor = session.get(PlanFactor, factor_id) if factor_id else None
    if factor is None or factor.plan_id != plan.id:
        raise PlanError(field_name, "Kies een factor uit de contextanalyse.")
    return factor


def remove_factor(session: Session, plan: Plan, factor_id: int, by: User, now: datetime) -> None:
    factor = _factor(session, plan, factor_id, "factor")
    if session.exec(select(PlanStrategy.id).where(PlanStrategy.factor_id == factor.id)).first() is not None:
        raise PlanError("factor", "Aan deze factor hangt een strategie. Verwijder eerst de strategie.")
    session.delete(factor)
    _saved(session, plan, by, f"Factor '{factor.text[:80]}' verwijderd", now)


def add_strategy(session: Session, plan: Plan, data: StrategyIn, by: User, now: datetime) -> PlanStrategy:
    if data.factor_id is not None:
        factor = _factor(session, plan, data.factor_id)
        if factor.direction != Direction.belemmerend:
            raise PlanError("factor_id", "Een strategie neemt een belemmering weg: kies een belemmerende factor.")
        group_id, phase = factor.group_id, None
    else:
        if data.group_id is None or data.phase is None:
            raise PlanError("factor_id", "Kies een belemmering, of een gebruikersgroep en een fase.")
        group_id, phase = _group(session, plan, data.group_id).id, data.phase
    strategy = PlanStrategy(plan_id=plan.id, text=data.text, factor_id=data.factor_id,  # type: ignore[arg-type]
                            group_id=group_id, phase=phase, created_at=now)
    session.add(strategy)
    _saved(session, plan, by, f"Strategie '{data.text[:80]}' toegevoegd", now)
    return strategy


def remove_strategy(session: Session, plan: Plan, strategy_id: int, by: User, now: datetime) -> None:
    strategy = session.get(PlanStrategy, strategy_id)
    if strategy is None or strategy.plan_id != plan.id:
        raise PlanError("strategy", "Deze strategie staat niet in het plan.")
    if session.exec(select(PlanAction.id).where(PlanAction.strategy_id == strategy.id)).first() is not None:
        raise PlanError("strategy", "Aan deze strategie hangen acties. Rond ze af of verwijder ze eerst.")
    session.delete(strategy)
    _saved(session, plan, by, f"Strategie '{strategy.text[:80]}' verwijderd", now)


# --- actions ---------------------------------------------------------------------------------


def _owner(session: Session, email: str | None) -> User | None:
    if email is None or not email.strip():
        return None
    user = accounts_service.get_user_by_email(session, email.strip())
    if user is None or not user.is_active:
        raise PlanError("owner", f"Er is geen actief account met e-mailadres {email.strip()}.")
    return user


def _check_dates(due: date | None, check_on: date | None) -> None:
    if due is not None and check_on is not None and check_on < due:
        raise PlanError("check_on", "De checkdatum ligt vóór de datum waarop de actie klaar moet zijn.")


def add_action(session: Session, plan: Plan, data: ActionIn, by: User, now: datetime) -> PlanAction:
    from app.plan import werkplan  # results belong to the werkplan

    if data.strategy_id is not None:
        strategy = session.get(PlanStrategy, data.strategy_id)
        if strategy is None or strategy.plan_id != plan.id:
            raise PlanError("strategy_id", "Deze strategie staat niet in het plan.")
    if data.result_id is not None and not werkplan.result_in_plan(session, plan, data.result_id):
        raise PlanError("result_id", "Dit resultaat staat niet in een werkplan.")
    _check_dates(data.due, data.check_on)
    owner = _owner(session, data.owner)
    action = PlanAction(plan_id=plan.id, strategy_id=data.strategy_id, result_id=data.result_id,  # type: ignore[arg-type]
                        title=data.title, owner_id=owner.id if owner else None, due=data.due,
                        status=data.status, check_on=data.check_on, created_at=now, updated_at=now)
    session.add(action)
    _saved(session, plan, by, f"Actie '{data.title[:80]}' toegevoegd", now)
    return action


def get_action(session: Session, plan: Plan, action_id: int) -> PlanAction:
    action = session.get(PlanAction, action_id) if 0 < action_id < 2**31 else None
    if action is None or action.plan_id != plan.id:
        raise NotFound("action", "Deze actie bestaat niet.")
    return action


def owns_actions(session: Session, user: User) -> bool:
    return session.exec(select(PlanAction.id).where(PlanAction.owner_id == user.id)).first() is not None


def may_change_actions(session: Session, user: User) -> bool:
    """Kwaliteit, and whoever has an action of their own."""
    return edits(user) or owns_actions(session, user)


def may_change_action(user: User, action: PlanAction) -> bool:
    """Kwaliteit, and the action's owner (its status and whether it is done)."""
    return edits(user) or (action.owner_id is not None and action.owner_id == user.id)


def change_action(session: Session, plan: Plan, action: PlanAction, data: ActionPatch, by: User,
                  now: datetime, today: date) -> PlanAction:
    sent = data.model_fields_set
    if not edits(by):
        if not may_change_action(by, action):
            raise Forbidden("action", "Alleen Kwaliteit of wie de actie doet, past haar aan.")
        if sent - {"status", "done"}:
            raise Forbidden("action", "U kunt de status van uw actie aanpassen; de rest doet Kwaliteit.")
    if "title" in sent:
        if data.title is None:
            raise PlanError("title", "Een actie heeft een omschrijving.")
        action.title = data.title
    if "owner" in sent:
        owner = _owner(session, data.owner)
        action.owner_id = owner.id if owner else None
    if "due" in sent:
        if data.due != action.due:
            action.reminded_on = None  # a new date: a new reminder when it passes
        action.due = data.due
    if "check_on" in sent:
        action.check_on = data.check_on
    _check_dates(action.due, action.check_on)
    if "status" in sent:
        if data.status is None:
            raise PlanError("status", "Kies plan, do, check of act.")
        action.status = data.status
    if "done" in sent:
        action.done_on = (action.done_on or today) if data.done else None
    action.version += 1
    action.updated_at = now
    session.add(action)
    _saved(session, plan, by, f"Actie '{action.title[:80]}' aangepast", now)
    return action


def remove_action(session: Session, plan: Plan, action: PlanAction, by: User, now: datetime) -> None:
    session.delete(action)
    _saved(session, plan, by, f"Actie '{action.title[:80]}' verwijderd", now)


def actions(session: Session, plan: Plan) -> list[PlanAction]:
    return read(session, plan).actions


def due_reminders(session: Session, today: date) -> list[PlanAction]:
    """Open actions whose date has passed and whose owner has not been reminded of that date."""
    return list(session.exec(select(PlanAction).where(
        col(PlanAction.done_on).is_(None), col(PlanAction.due).is_not(None), col(PlanAction.due) < today,
        col(PlanAction.owner_id).is_not(None), col(PlanAction.reminded_on).is_(None))))


def mark_reminded(session: Session, action: PlanAction, today: date) -> None:
    action.reminded_on = today
    session.add(action)


# --- planning and budget ---------------------------------------------------------------------


def add_activity(session: Session, plan: Plan, data: ActivityIn, by: User, now: datetime) -> PlanActivity:
    _group(session, plan, data.group_id)
    count = len(session.exec(select(PlanActivity.id).where(PlanActivity.plan_id == plan.id)).all())
    activity = PlanActivity(plan_id=plan.id, position=count, **data.model_dump())  # type: ignore[arg-type]
    session.add(activity)
    _saved(session, plan, by, f"Activiteit '{data.text[:80]}' toegevoegd", now)
    return activity


def remove_activity(session: Session, plan: Plan, activity_id: int, by: User, now: datetime) -> None:
    activity = session.get(PlanActivity, activity_id)
    if activity is None or activity.plan_id != plan.id:
        raise PlanError("activity", "Deze activiteit staat niet in de planning.")
    session.delete(activity)
    _saved(session, plan, by, f"Activiteit '{activity.text[:80]}' verwijderd", now)


@dataclass
class BudgetLine:
    activity: PlanActivity
    group: PlanGroup
    cost: float | None  # none: the group has no rate


@dataclass
class Budget:
    lines: list[BudgetLine]
    hours_per_phase: dict[str, float]
    cost_per_phase: dict[str, float]
    hours: float
    cost: float
    unpriced: list[str]  # groups with hours but no rate


def budget(data: PlanData) -> Budget:
    from app.plan.models import Phase

    lines, hours, cost = [], {p.value: 0.0 for p in Phase}, {p.value: 0.0 for p in Phase}
    unpriced: list[str] = []
    for activity in data.activities:
        group = data.group(activity.group_id)
        if group is None:
            continue
        money = activity.hours * group.hourly_rate if group.hourly_rate is not None else None
        lines.append(BudgetLine(activity, group, money))
        hours[activity.phase] += activity.hours
        if money is None:
            if group.name not in unpriced:
                unpriced.append(group.name)
        else:
            cost[activity.phase] += money
    return Budget(lines, hours, cost, sum(hours.values()), sum(cost.values()), unpriced)


def status_of(value: str) -> Status:
    return Status(value)


# --- from a file -----------------------------------------------------------------------------


def replace_with(session: Session, plan: Plan | None, doc, by: User | None, now: datetime,  # type: ignore[no-untyped-def]
                 summary: str = "Plan ingelezen uit een bestand") -> Plan:
    """The plan becomes what the file says (document.PlanDoc); a new plan when there is none.
    The werkplan and the borging answers stay."""
    goals = {g.key: g for g in goals_service.list_goals(session)}
    names = [g.name for g in doc.groups]
    if len(set(names)) != len(names):
        raise PlanError("file", "Een groep staat twee keer in het bestand.")
    for g in doc.groups:
        for key in g.goals:
            if key not in goals:
                raise PlanError("file", f"Het doel '{key}' van '{g.name}' staat niet op de doelenpagina.")
    for a in doc.activities:
        if a.group not in names:
            raise PlanError("file", f"De activiteit '{a.text}' hoort bij '{a.group}', maar die groep staat niet in het plan.")
    owners = {a.owner: _owner(session, a.owner) for a in doc.actions if a.owner}
    header = {k: getattr(doc, k) for k in ("title", "intervention", "organisation", "author", "written", "is_example")}
    if plan is None:
        plan = create(session, header, now)
    else:
        for k, v in header.items():
            setattr(plan, k, v)
        session.add(plan)
        old_groups = [g.id for g in session.exec(select(PlanGroup).where(PlanGroup.plan_id == plan.id))]
        for action in session.exec(select(PlanAction).where(PlanAction.plan_id == plan.id,
                                                            col(PlanAction.result_id).is_(None))):
            session.delete(action)
        for activity in session.exec(select(PlanActivity).where(PlanActivity.plan_id == plan.id)):
            session.delete(activity)
        session.flush()
        for model in (PlanStrategy, PlanFactor):
            for row in session.exec(select(model).where(model.plan_id == plan.id)):  # type: ignore[attr-defined]
                session.delete(row)
        session.flush()
        if old_groups:
            for link in session.exec(select(PlanGoal).where(col(PlanGoal.group_id).in_(old_groups))):
                session.delete(link)
        session.flush()
        for row in session.exec(select(PlanGroup).where(PlanGroup.plan_id == plan.id)):
            session.delete(row)
        session.flush()
    for key in PARTS:
        row = session.exec(select(PlanPart).where(PlanPart.plan_id == plan.id, PlanPart.key == key)).first()
        row = row or PlanPart(plan_id=plan.id, key=key)  # type: ignore[arg-type]
        row.body = doc.parts.get(key, "")
        session.add(row)
    strategies: dict[str, PlanStrategy] = {}
    position = 0
    for gi, g in enumerate(doc.groups):
        group = PlanGroup(plan_id=plan.id, position=gi, **g.model_dump(include={  # type: ignore[arg-type]
            "name", "influence", "interest", "involvement", "is_user", "ist", "soll", "hourly_rate"}))
        session.add(group)
        session.flush()
        for key in g.goals:
            session.add(PlanGoal(group_id=group.id, goal_id=goals[key].id))  # type: ignore[arg-type]
        for f in g.factors:
            factor = PlanFactor(plan_id=plan.id, group_id=group.id, text=f.text, direction=f.direction,  # type: ignore[arg-type]
                                impact=f.impact, changeable=f.changeable, priority=f.priority,
                                position=position, created_at=now)
            position += 1
            session.add(factor)
            session.flush()
            for text in f.strategies:
                strategies[text] = PlanStrategy(plan_id=plan.id, text=text, factor_id=factor.id,  # type: ignore[arg-type]
                                                group_id=group.id, created_at=now)
                session.add(strategies[text])
        for phase, texts in g.phases.items():
            for text in texts:
                strategies.setdefault(text, PlanStrategy(plan_id=plan.id, text=text, group_id=group.id,  # type: ignore[arg-type]
                                                         phase=phase, created_at=now))
                session.add(strategies[text])
    session.flush()
    by_name = {g.name: g for g in session.exec(select(PlanGroup).where(PlanGroup.plan_id == plan.id))}
    for a in doc.actions:
        strategy = strategies.get(a.strategy) if a.strategy else None
        if a.strategy and strategy is None:
            raise PlanError("file", f"De actie '{a.title}' hoort bij een strategie die niet in het plan staat.")
        owner = owners.get(a.owner) if a.owner else None
        session.add(PlanAction(plan_id=plan.id, strategy_id=strategy.id if strategy else None,  # type: ignore[arg-type]
                               title=a.title, owner_id=owner.id if owner else None, due=a.due, status=a.status,
                               check_on=a.check_on, done_on=a.done_on, created_at=now, updated_at=now))
    for i, a in enumerate(doc.activities):
        session.add(PlanActivity(plan_id=plan.id, group_id=by_name[a.group].id, phase=a.phase,  # type: ignore[arg-type]
                                 text=a.text, hours=a.hours, position=i))
    _saved(session, plan, by, summary, now)
    return plan


def load_starter(session: Session, path, now: datetime) -> Plan | None:  # type: ignore[no-untyped-def]
    """The starter plan, on a first start: only when there is no plan yet."""
    from app.plan import document

    if get_plan(session) is not None or not path.exists():
        return None
    return replace_with(session, None, document.parse(path.read_text("utf-8")), None, now,
                        summary="Voorbeeldplan geladen")
