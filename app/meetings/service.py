"""Meeting rules, planning the meetings ahead, reading, moving and cancelling them.
Agendas: app/meetings/agenda.py; attendance and what a team discussed: attendance.py."""

from datetime import date, datetime, time, timedelta

from pydantic import BaseModel, ConfigDict, field_validator
from pydantic import Field as PField
from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from app.accounts.models import Role, Team, User
from app.config import LOCAL_TZ, Settings
from app.dates import checked
from app.db import utcnow
from app.errors import InputError
from app.meetings import calendar
from app.meetings.models import (
    Agenda,
    Meeting,
    MeetingKind,
    MeetingRule,
    MeetingStatus,
)
from app.privacy import BSN_MESSAGE, find_bsn
from app.textinput import blank_if_invisible

PLAN_AHEAD_DAYS = 190  # about six months of meetings exist ahead of time


class MeetingError(InputError):
    """Input about meetings that is refused."""


def clean_text(field: str, text: str) -> str:
    """Text people type about a meeting (a reason, a note, a point, notes, a question): trimmed,
    empty when nothing in it can be seen, and refused when it holds a BSN: no client data in
    the kennisbank, and this text reaches the whole team (the page, the agenda mail, the .ics)."""
    text = blank_if_invisible(text.strip())
    if find_bsn(text):
        raise MeetingError(field, BSN_MESSAGE, kind="bsn")
    return text


# --- who may do what -------------------------------------------------------------------------


def can_manage(user: User | None, meeting: Meeting) -> bool:
    """Prepare the agenda, move or cancel the meeting, keep the attendance register: the team's
    contactpersoon for a werkoverleg, Kwaliteit for every meeting (also a team without one)."""
    if user is None:
        return False
    if user.role == Role.kwaliteit:
        return True
    return (
        meeting.kind == MeetingKind.werkoverleg
        and user.role == Role.contactpersoon
        and user.team_id is not None
        and user.team_id == meeting.team_id
    )


def can_set_rule(user: User | None, kind: str, team: Team | None) -> bool:
    if user is None:
        return False
    if user.role == Role.beheerder:
        return True
    if kind == MeetingKind.vakoverleg:
        return user.role == Role.kwaliteit
    return user.role == Role.contactpersoon and team is not None and user.team_id == team.id


# --- rules -----------------------------------------------------------------------------------


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    weekday: int = PField(ge=0, le=4, description="0 = maandag … 4 = vrijdag")
    week: int = PField(description="1-4, of -1 voor de laatste van de maand")
    start_time: time
    duration_minutes: int = PField(default=90, ge=15, le=480)
    location: str = PField(default="", max_length=200)
    lead_days: int | None = PField(default=None, ge=1, le=30)

    @field_validator("week")
    @classmethod
    def _week(cls, value: int) -> int:
        if value not in calendar.WEEKS:
            raise ValueError("Kies de eerste, tweede, derde, vierde of laatste week van de maand.")
        return value


def get_rule(session: Session, kind: str, team: Team | None) -> MeetingRule | None:
    team_id = team.id if team else None
    return session.exec(
        select(MeetingRule).where(MeetingRule.kind == kind, MeetingRule.team_id == team_id)
    ).first()


def list_rules(session: Session) -> list[MeetingRule]:
    return list(session.exec(select(MeetingRule).order_by(MeetingRule.kind, MeetingRule.id)))


def set_rule(session: Session, kind: MeetingKind, team: Team | None, data: RuleIn) -> MeetingRule:
    """Create or change a rule. Meetings it planned that nobody touched yet (no agenda, not
    moved or cancelled) are planned anew from the changed rule."""
    if (kind == MeetingKind.werkoverleg) != (team is not None):
        raise MeetingError("team", "Een werkoverleg hoort bij een team; het vakoverleg niet.")
    rule = get_rule(session, kind, team)
    if rule is None:
        rule = MeetingRule(kind=kind, team_id=team.id if team else None, **data.model_dump())
        session.add(rule)
    else:
        for key, value in data.model_dump().items():
            setattr(rule, key, value)
        rule.updated_at = utcnow()
        untouched = session.exec(
            select(Meeting.id)
            .outerjoin(Agenda, col(Agenda.meeting_id) == Meeting.id)
            .where(Meeting.rule_id == rule.id, col(Meeting.starts_at) > utcnow())
            .where(Meeting.status == MeetingStatus.scheduled, col(Meeting.moved_from).is_(None))
            .where(col(Agenda.id).is_(None))
        ).all()
        for meeting_id in untouched:
            session.delete(session.get(Meeting, meeting_id))
    session.flush()
    plan(session, utcnow(), rules=[rule])
    return rule


def lead_days(rule: MeetingRule | None, settings: Settings) -> int:
    return rule.lead_days if rule and rule.lead_days else settings.agenda_lead_days


# --- planning --------------------------------------------------------------------------------


def occurrence_day(rule: MeetingRule, year: int, month: int) -> date:
    """The rule's day in a month; on a public holiday, the next working day."""
    return calendar.next_working_day(calendar.nth_weekday(year, month, rule.weekday, rule.week))


def plan(session: Session, now: datetime, rules: list[MeetingRule] | None = None) -> int:
    """Create the meetings of every rule from this month up to about six months ahead.
    Safe to run twice or in two processes: (rule, occurrence) is unique. Returns how many
    meetings were added."""
    rules = list_rules(session) if rules is None else rules
    today = now.astimezone(LOCAL_TZ).date()
    existing = set(session.exec(
        select(Meeting.rule_id, Meeting.occurrence)
        .where(col(Meeting.rule_id).in_([r.id for r in rules]), col(Meeting.occurrence) >= today)
    ).all()) if rules else set()
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    added = 0
    for rule in rules:
        first = max(today, rule.created_at.astimezone(LOCAL_TZ).date())
        for year, month in calendar.months(first, today + timedelta(days=PLAN_AHEAD_DAYS)):
            day = occurrence_day(rule, year, month)
            if day < first or (rule.id, day) in existing:
                continue
            starts = calendar.local_moment(day, rule.start_time)
            # Another process may plan the same meeting at this moment: the unique key decides.
            result = session.execute(
                insert(Meeting)
                .values(
                    kind=rule.kind, team_id=rule.team_id, rule_id=rule.id, occurrence=day,
                    starts_at=starts, duration_minutes=rule.duration_minutes,
                    location=rule.location, status=MeetingStatus.scheduled, status_note="",
                    notes="", created_at=now, updated_at=now,
                )
                .on_conflict_do_nothing(index_elements=["rule_id", "occurrence"])
                .returning(Meeting.id)  # type: ignore[arg-type]
            )
            added += result.first() is not None
    return added


# --- reading meetings ------------------------------------------------------------------------


def get_meeting(session: Session, meeting_id: int) -> Meeting | None:
    return session.get(Meeting, meeting_id)


def meetings(
    session: Session,
    *,
    kind: str | None = None,
    team: Team | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    include_cancelled: bool = True,
    newest_first: bool = False,
    limit: int | None = None,
) -> list[Meeting]:
    query = select(Meeting)
    if kind is not None:
        query = query.where(Meeting.kind == kind)
    if team is not None:
        query = query.where(Meeting.team_id == team.id)
    if start is not None:
        query = query.where(col(Meeting.starts_at) >= start)
    if end is not None:
        query = query.where(col(Meeting.starts_at) < end)
    if not include_cancelled:
        query = query.where(Meeting.status == MeetingStatus.scheduled)
    order = col(Meeting.starts_at).desc() if newest_first else col(Meeting.starts_at)
    query = query.order_by(order, col(Meeting.id))
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query))


def next_meeting(session: Session, kind: str, team: Team | None, now: datetime) -> Meeting | None:
    """The first meeting that has not ended yet, cancelled ones included."""
    candidates = session.exec(
        select(Meeting)
        .where(Meeting.kind == kind, Meeting.team_id == (team.id if team else None))
        .where(col(Meeting.starts_at) >= now - timedelta(hours=8))
        .order_by(col(Meeting.starts_at))
        .limit(3)
    )
    return next((m for m in candidates if ends_at(m) > now), None)


def last_held(session: Session, kind: str, team: Team | None, now: datetime) -> Meeting | None:
    """The latest meeting that took place: not cancelled, and begun before `now`."""
    return session.exec(
        select(Meeting)
        .where(Meeting.kind == kind, Meeting.team_id == (team.id if team else None))
        .where(Meeting.status == MeetingStatus.scheduled, col(Meeting.starts_at) <= now)
        .order_by(col(Meeting.starts_at).desc())
        .limit(1)
    ).first()


def ends_at(meeting: Meeting) -> datetime:
    return meeting.starts_at + timedelta(minutes=meeting.duration_minutes)


def is_held(meeting: Meeting, now: datetime) -> bool:
    return meeting.status == MeetingStatus.scheduled and meeting.starts_at <= now


def rule_of(session: Session, meeting: Meeting) -> MeetingRule | None:
    return session.get(MeetingRule, meeting.rule_id) if meeting.rule_id else None


def assembly_moment(meeting: Meeting, rule: MeetingRule | None, settings: Settings) -> datetime:
    """When the agenda of this meeting is assembled: `lead_days` working days before it, at
    the agenda hour, never on a Friday."""
    day = meeting.starts_at.astimezone(LOCAL_TZ).date()
    when = calendar.assembly_day(day, lead_days(rule, settings))
    return calendar.local_moment(when, time(settings.agenda_hour))


# --- moving and cancelling -------------------------------------------------------------------


def move(
    session: Session, meeting: Meeting, day: date, at: time, location: str, note: str, now: datetime
) -> Meeting:
    starts = calendar.local_moment(checked("day", day), at)
    if meeting.status == MeetingStatus.cancelled:
        raise MeetingError("day", "Dit overleg is afgezegd. Zet het eerst terug.")
    if not calendar.is_working_day(day):
        name = calendar.holiday(day)
        reason = f"dat is {name}" if name else "dat is in het weekend"
        raise MeetingError("day", f"Kies een werkdag: {reason}.")
    if starts <= now:
        raise MeetingError("day", "Kies een moment in de toekomst.")
    if starts != meeting.starts_at:
        meeting.moved_from = meeting.moved_from or meeting.starts_at
        meeting.starts_at = starts
    meeting.location = clean_text("location", location)[:200]
    meeting.status_note = clean_text("note", note)[:300]
    meeting.updated_at = now
    session.flush()
    return meeting


def cancel(session: Session, meeting: Meeting, reason: str, now: datetime) -> Meeting:
    reason = clean_text("reason", reason)
    if not reason:
        raise MeetingError("reason", "Geef kort aan waarom het overleg niet doorgaat.")
    if meeting.starts_at <= now:
        raise MeetingError("reason", "Dit overleg is al begonnen of voorbij; afzeggen kan niet meer.")
    meeting.status = MeetingStatus.cancelled
    meeting.status_note = reason.strip()[:300]
    meeting.updated_at = now
    session.flush()
    return meeting


def restore(session: Session, meeting: Meeting, now: datetime) -> Meeting:
    if meeting.starts_at <= now:
        raise MeetingError("reason", "Dit overleg is al voorbij.")
    meeting.status = MeetingStatus.scheduled
    meeting.status_note = ""
    meeting.updated_at = now
    session.flush()
    return meeting


def held_count(session: Session, kind: str, begin: datetime, end: datetime) -> int:
    """How many meetings of a kind took place (not cancelled) between begin and end."""
    return session.exec(
        select(func.count()).select_from(Meeting)
        .where(Meeting.kind == kind, Meeting.status == MeetingStatus.scheduled)
        .where(col(Meeting.starts_at) >= begin, col(Meeting.starts_at) < end)
    ).one()
