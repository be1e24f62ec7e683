"""The records only the goals need: appraisals (functioneringsgesprekken), training flags for
Opleiding & Leren, and milestones such as the MT's approval. Each is refused with a Dutch
message naming the field when the person may not record it or the date is off."""

from datetime import date, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from app.accounts import service as accounts_service
from app.accounts.models import Role, User
from app.audit import service as audit
from app.audit.models import Action
from app.dates import EARLIEST
from app.goals.models import Appraisal, Milestone, TrainingFlag
from app.goals.service import MT_APPROVAL, GoalError, records_appraisals, records_milestones
from app.textinput import NUL_MESSAGE, has_nul

APPRAISED_ROLES = (Role.medewerker, Role.contactpersoon)


def appraisal_choices(session: Session, leader: User) -> list[User]:
    """Whom this leader may record an appraisal for: the active medewerkers and contactpersonen
    of their team (every team's, for a leader without one), never themselves."""
    team = accounts_service.get_team(session, leader.team_id) if leader.team_id else None
    people = accounts_service.team_members(session, team) if team else \
        accounts_service.active_users(session, roles=list(APPRAISED_ROLES))
    return [p for p in people if p.id != leader.id and p.role in APPRAISED_ROLES and p.is_active]


def record_appraisal(session: Session, person: User, held_on: date, discussed: bool, by: User, today: date) -> Appraisal:
    if not records_appraisals(by):
        raise GoalError("person", "Alleen een leidinggevende legt functioneringsgesprekken vast.")
    if person.id == by.id:
        raise GoalError("person", "Een gesprek over uzelf legt een andere leidinggevende vast.")
    if person.role not in APPRAISED_ROLES or not person.is_active:
        # The goal counts the gesprekken of medewerkers and contactpersonen, as the page offers.
        raise GoalError("person", "Kies een medewerker of contactpersoon.")
    if by.team_id is not None and person.team_id != by.team_id:
        raise GoalError("person", "Deze medewerker hoort niet bij uw team.")
    if held_on > today:
        raise GoalError("held_on", "Deze datum ligt in de toekomst.")
    if held_on < today - timedelta(days=400):
        raise GoalError("held_on", "Deze datum ligt te ver terug.")
    appraisal = Appraisal(user_id=person.id, held_on=held_on, discussed=discussed, recorded_by_id=by.id)  # type: ignore[arg-type]
    session.add(appraisal)
    session.flush()
    return appraisal


def appraisals_of(session: Session, person: User) -> list[Appraisal]:
    return list(session.exec(select(Appraisal).where(Appraisal.user_id == person.id).order_by(col(Appraisal.held_on))))


def appraisals_by(session: Session, leader: User) -> list[Appraisal]:
    return list(session.exec(
        select(Appraisal).where(Appraisal.recorded_by_id == leader.id).order_by(col(Appraisal.held_on).desc())
    ))


def flag_for_training(session: Session, item_id: int, by: User, today: date) -> TrainingFlag:
    if by.role != Role.kwaliteit:
        raise GoalError("item", "Alleen Kwaliteit zet items op de agenda van Opleiding & Leren.")
    found = session.exec(select(TrainingFlag).where(TrainingFlag.item_id == item_id)).first()
    if found is not None:
        return found
    flag = TrainingFlag(item_id=item_id, flagged_on=today, flagged_by_id=by.id)  # type: ignore[arg-type]
    session.add(flag)
    session.flush()
    return flag


def set_in_plan(session: Session, item_id: int, in_plan: bool, by: User, today: date) -> TrainingFlag:
    flag = session.exec(select(TrainingFlag).where(TrainingFlag.item_id == item_id)).first()
    if flag is None:
        raise GoalError("item", "Dit item staat niet op de agenda van Opleiding & Leren.")
    if by.role != Role.kwaliteit:
        raise GoalError("item", "Alleen Kwaliteit houdt dit bij.")
    flag.in_plan, flag.in_plan_on = in_plan, (today if in_plan else None)
    session.add(flag)
    session.flush()
    return flag


def training_flags(session: Session) -> list[TrainingFlag]:
    return list(session.exec(select(TrainingFlag).order_by(col(TrainingFlag.flagged_on).desc())))


def flag_of(session: Session, item_id: int) -> TrainingFlag | None:
    return session.exec(select(TrainingFlag).where(TrainingFlag.item_id == item_id)).first()


def get_milestone(session: Session, key: str = MT_APPROVAL) -> Milestone | None:
    return session.exec(select(Milestone).where(Milestone.key == key)).first()


def record_milestone(session: Session, reached_on: date, note: str, by: User, today: date,
                     key: str = MT_APPROVAL) -> Milestone:
    if not records_milestones(by):
        raise GoalError("reached_on", "Alleen het MT of Kwaliteit legt dit besluit vast.")
    if reached_on > today:
        raise GoalError("reached_on", "Deze datum ligt in de toekomst.")
    if reached_on < EARLIEST:
        raise GoalError("reached_on", "Deze datum ligt te ver terug.")
    if has_nul(note):
        raise GoalError("note", NUL_MESSAGE)
    milestone = get_milestone(session, key) or Milestone(key=key, reached_on=reached_on, recorded_by_id=by.id)  # type: ignore[arg-type]
    milestone.reached_on, milestone.note, milestone.recorded_by_id = reached_on, note.strip()[:300], by.id  # type: ignore[assignment]
    session.add(milestone)
    session.flush()
    audit.record(session, Action.mt_approval, actor_id=by.id, subject_type="milestone", subject_id=key,
                 summary=f"Akkoord vastgelegd op {reached_on.isoformat()}", detail={"reached_on": reached_on.isoformat()})
    return milestone


def prune_appraisals(session: Session, before: date) -> int:
    result = session.execute(delete(Appraisal).where(col(Appraisal.held_on) < before))
    return result.rowcount or 0  # type: ignore[attr-defined]
