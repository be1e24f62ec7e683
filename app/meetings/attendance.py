"""After the meeting: who belongs at the table, the attendance register, each person's
participation, and what a team has discussed (items on the agenda of a meeting held)."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, delete, func
from sqlmodel import Session, col, select

from app.accounts import service as accounts_service
from app.accounts.models import Role, Team, User
from app.meetings.models import (
    Agenda,
    AgendaEntry,
    Attendance,
    EntryKind,
    Meeting,
    MeetingKind,
    MeetingStatus,
)
from app.meetings.service import MeetingError, clean_text


def expected(session: Session, meeting: Meeting) -> list[User]:
    """Who belongs at the table: the team and the kwaliteitsmedewerkers (who join the
    werkoverleggen), or for the vakoverleg Kwaliteit and every contactpersoon."""
    kwaliteit = accounts_service.users_with_role(session, Role.kwaliteit)
    if meeting.kind == MeetingKind.vakoverleg:
        people = accounts_service.users_with_role(session, Role.contactpersoon) + kwaliteit
    else:
        team = accounts_service.get_team(session, meeting.team_id)  # type: ignore[arg-type]
        people = (accounts_service.team_members(session, team) if team else []) + kwaliteit
    # Whoever is already in the register stays in it (left the team since, say).
    recorded = {a.user_id for a in attendance(session, meeting)}
    known = {u.id for u in people}
    extra = accounts_service.users_by_id(session, recorded - known)  # type: ignore[arg-type]
    return people + sorted(extra.values(), key=lambda u: u.name)


def recipients(session: Session, meeting: Meeting) -> list[User]:
    """Who gets the agenda by mail: the team (Kwaliteit joins werkoverleggen but need not get
    every team's agenda), or for the vakoverleg every contactpersoon and Kwaliteit."""
    if meeting.kind == MeetingKind.vakoverleg:
        return accounts_service.users_with_role(session, Role.contactpersoon, Role.kwaliteit)
    team = accounts_service.get_team(session, meeting.team_id)  # type: ignore[arg-type]
    return accounts_service.team_members(session, team) if team else []


def present_count(session: Session, meeting: Meeting) -> tuple[int, int] | None:
    """How many were present, and of how many people in the register (the figure counts over
    them all); None while nothing is recorded."""
    rows = attendance(session, meeting)
    return (sum(a.present for a in rows), len(rows)) if rows else None


def present_counts(session: Session, meeting_ids: list[int]) -> dict[int, tuple[int, int]]:
    """present_count of several meetings at once, by meeting id (left out: nothing recorded)."""
    if not meeting_ids:
        return {}
    rows = session.exec(
        select(Attendance.meeting_id, func.count(), func.sum(case((col(Attendance.present), 1), else_=0)))
        .where(col(Attendance.meeting_id).in_(meeting_ids)).group_by(Attendance.meeting_id)
    )
    return {meeting_id: (int(present or 0), int(people)) for meeting_id, people, present in rows}


def attendance(session: Session, meeting: Meeting) -> list[Attendance]:
    return list(session.exec(select(Attendance).where(Attendance.meeting_id == meeting.id)))


def record_attendance(
    session: Session,
    meeting: Meeting,
    rows: dict[int, tuple[bool, bool]],
    notes: str | None,
    by: User,
    now: datetime,
) -> None:
    """The register: per user id (present, took an active part). Replaces what was recorded."""
    if notes is not None:
        notes = clean_text("notes", notes)
    if meeting.status == MeetingStatus.cancelled:
        raise MeetingError("attendance", "Dit overleg is afgezegd; er is geen aanwezigheid.")
    if meeting.starts_at > now:
        raise MeetingError("attendance", "De aanwezigheid vult u in als het overleg begonnen is.")
    allowed = {u.id for u in expected(session, meeting)}
    for user_id, (present, active) in rows.items():
        if user_id not in allowed:
            raise MeetingError("attendance", "Deze persoon hoort niet bij dit overleg.")
        if active and not present:
            raise MeetingError("attendance", "Wie actief meedeed, was ook aanwezig: vink ook 'aanwezig' aan.")
    existing = {a.user_id: a for a in attendance(session, meeting)}
    for user_id, (present, active) in rows.items():
        row = existing.get(user_id) or Attendance(meeting_id=meeting.id, user_id=user_id)  # type: ignore[arg-type]
        row.present, row.active = present, active
        row.recorded_at, row.recorded_by_id = now, by.id
        session.add(row)
    if notes is not None:
        meeting.notes = notes.strip()
        meeting.updated_at = now
    session.flush()


@dataclass
class Participation:
    meeting: Meeting
    team: Team | None
    present: bool
    active: bool


def participation(session: Session, user: User) -> list[Participation]:
    """Every meeting this person's presence was recorded for, newest first."""
    rows = session.exec(
        select(Meeting, Attendance)
        .join(Attendance, col(Attendance.meeting_id) == Meeting.id)
        .where(Attendance.user_id == user.id)
        .order_by(col(Meeting.starts_at).desc())
    ).all()
    teams = {t.id: t for t in accounts_service.list_teams(session)}
    return [Participation(m, teams.get(m.team_id), a.present, a.active) for m, a in rows]  # type: ignore[arg-type]


# --- what a team discussed -------------------------------------------------------------------


@dataclass
class Discussion:
    meeting: Meeting
    team: Team | None


def discussed_in(session: Session, item_id: int, now: datetime) -> list[Discussion]:
    """The meetings that took place with this item on their agenda, oldest first."""
    rows = session.exec(
        select(Meeting)
        .join(Agenda, col(Agenda.meeting_id) == Meeting.id)
        .join(AgendaEntry, col(AgendaEntry.agenda_id) == Agenda.id)
        .where(AgendaEntry.item_id == item_id, AgendaEntry.kind == EntryKind.item)
        .where(Meeting.status == MeetingStatus.scheduled, col(Meeting.starts_at) <= now)
        .order_by(col(Meeting.starts_at))
    ).all()
    teams = {t.id: t for t in accounts_service.list_teams(session)}
    return [Discussion(m, teams.get(m.team_id)) for m in rows]  # type: ignore[arg-type]


def discussed_item_ids(session: Session, team: Team, now: datetime) -> set[int]:
    rows = session.exec(
        select(AgendaEntry.item_id)
        .join(Agenda, col(Agenda.id) == AgendaEntry.agenda_id)
        .join(Meeting, col(Meeting.id) == Agenda.meeting_id)
        .where(Meeting.team_id == team.id, Meeting.kind == MeetingKind.werkoverleg)
        .where(Meeting.status == MeetingStatus.scheduled, col(Meeting.starts_at) <= now)
        .where(col(AgendaEntry.item_id).is_not(None))
    ).all()
    return {i for i in rows if i is not None}


def scheduled_item_ids(session: Session, team: Team, now: datetime) -> dict[int, Meeting]:
    """Items on the agenda of a meeting still to come: item id -> that meeting."""
    rows = session.exec(
        select(AgendaEntry.item_id, Meeting)
        .join(Agenda, col(Agenda.id) == AgendaEntry.agenda_id)
        .join(Meeting, col(Meeting.id) == Agenda.meeting_id)
        .where(Meeting.team_id == team.id, Meeting.kind == MeetingKind.werkoverleg)
        .where(Meeting.status == MeetingStatus.scheduled, col(Meeting.starts_at) > now)
        .where(col(AgendaEntry.item_id).is_not(None))
        .order_by(col(Meeting.starts_at).desc())
    ).all()
    return {item_id: meeting for item_id, meeting in rows if item_id is not None}


def first_agenda_start(session: Session, team: Team) -> datetime | None:
    """Since when the team discusses new knowledge: the window start of its first agenda."""
    return session.exec(
        select(func.min(Agenda.since))
        .join(Meeting, col(Meeting.id) == Agenda.meeting_id)
        .where(Meeting.team_id == team.id, Meeting.kind == MeetingKind.werkoverleg)
    ).one()


def counts_per_person(
    session: Session, user_ids, begin: datetime, end: datetime, *, kind: str,
    active_only: bool = False,
) -> dict[int, int]:
    """Per person: in how many meetings of a kind (held between begin and end) they were
    present, or present and active."""
    # The meetings as a subquery, not a join: SQLite then walks the attendance of the people
    # (3 ms for a year of 40 teams) instead of every pair of meeting and person (45 ms).
    held = (
        select(Meeting.id).where(Meeting.kind == kind, Meeting.status == MeetingStatus.scheduled)
        .where(col(Meeting.starts_at) >= begin, col(Meeting.starts_at) < end)
    )
    query = (
        select(Attendance.user_id, func.count())
        .where(col(Attendance.meeting_id).in_(held))
        .where(Attendance.present, col(Attendance.user_id).in_(user_ids))
    )
    if active_only:
        query = query.where(Attendance.active)
    return dict(session.exec(query.group_by(Attendance.user_id)).all())  # type: ignore[arg-type]


def prune(session: Session, before: datetime) -> int:
    """Retention: remove the attendance of meetings before a moment (the meetings and their
    agendas stay: they hold no personal data beyond names in their history)."""
    old = select(Meeting.id).where(col(Meeting.starts_at) < before)
    result = session.execute(delete(Attendance).where(col(Attendance.meeting_id).in_(old)))
    return result.rowcount or 0  # type: ignore[attr-defined]
