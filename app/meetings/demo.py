"""Demo meetings: the demo teams' rules, two months of past meetings with agendas and
attendance, and a Team Centrum meeting a few working days ahead whose agenda is ready, so a
demo always shows a werkoverleg that is being prepared. Only at the first start of a demo."""

from datetime import date, datetime, time, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from app.accounts import service as accounts_service
from app.accounts.models import Role, Team
from app.config import LOCAL_TZ, Settings
from app.meetings import agenda as agenda_service
from app.meetings import attendance as attendance_service
from app.meetings import calendar, service
from app.meetings.models import (
    Agenda,
    AgendaEntry,
    AgendaEvent,
    Attendance,
    Meeting,
    MeetingKind,
    MeetingRule,
    MeetingStatus,
)
from app.wiki import service as wiki_service

HISTORY_MONTHS = 2
SPREAD_DAYS = 100  # starter items look published over the last hundred days


def _rule_in(entry: dict, today, now: datetime) -> service.RuleIn:  # type: ignore[no-untyped-def]
    if "in_working_days" in entry:
        day = today
        for _ in range(int(entry["in_working_days"])):
            day = calendar.next_working_day(day + timedelta(days=1))
        week = (day.day - 1) // 7 + 1
        weekday, week = day.weekday(), (-1 if week == 5 else week)
    else:
        weekday = calendar.WEEKDAYS.index(entry["day"])
        week = {name: n for n, name in calendar.WEEKS.items()}[entry["week"]]
    return service.RuleIn(
        weekday=weekday, week=week, start_time=time.fromisoformat(entry["time"]),
        location=entry.get("place", ""), duration_minutes=entry.get("minutes", 90),
    )


def _backdate_items(session: Session, now: datetime) -> None:
    items, _ = wiki_service.list_items(session, viewer=None, per_page=1000)
    for n, item in enumerate(sorted(items, key=lambda i: (i.slug[::-1], i.id))):
        days = 2 + (SPREAD_DAYS - 2) * n / max(1, len(items) - 1)
        wiki_service.backdate(session, item, now - timedelta(days=days, hours=n % 7))


def _past(session: Session, rule: MeetingRule, now: datetime) -> list[Meeting]:
    today = now.astimezone(LOCAL_TZ).date()
    first = today.replace(day=1)
    for _ in range(HISTORY_MONTHS):
        first = (first - timedelta(days=1)).replace(day=1)
    made = []
    for year, month in calendar.months(first, today):
        day = service.occurrence_day(rule, year, month)
        if day >= today:  # from today on, planning makes the meetings
            continue
        starts = calendar.local_moment(day, rule.start_time)
        meeting = Meeting(kind=rule.kind, team_id=rule.team_id, rule_id=rule.id, occurrence=day,
                          starts_at=starts, duration_minutes=rule.duration_minutes,
                          location=rule.location, status=MeetingStatus.scheduled,
                          created_at=starts - timedelta(days=40), updated_at=starts)
        session.add(meeting)
        made.append(meeting)
    session.flush()
    return made


def _recorder(session: Session, team: Team | None):  # type: ignore[no-untyped-def]
    return (accounts_service.contactpersoon_of(session, team) if team else None) or (
        accounts_service.users_with_role(session, Role.kwaliteit) or [None])[0]


def _attend(session: Session, meeting: Meeting, team: Team | None, n: int, now: datetime) -> None:
    people = attendance_service.expected(session, meeting)
    rows = {}
    for k, person in enumerate(people):
        present = (k + n) % 5 != 0  # most people come, not everyone every time
        rows[person.id] = (present, present and (person.role != Role.medewerker or (k + n) % 2 == 0))
    recorder = _recorder(session, team)
    if recorder is not None and rows:
        notes = "Nieuwe items besproken; afgesproken wie de wijzigingen in de dossiers nakijkt."
        attendance_service.record_attendance(session, meeting, rows, notes, recorder, max(now, meeting.starts_at))  # type: ignore[arg-type]


def prepare(session: Session, data: dict, settings: Settings, now: datetime) -> list[str]:
    """Runs once, right after the demo accounts were made."""
    plan = data.get("meetings") or {}
    if not plan:
        return []
    today = now.astimezone(LOCAL_TZ).date()
    _backdate_items(session, now)
    rules: list[tuple[MeetingRule, Team | None]] = []
    series = [(MeetingKind.vakoverleg, None, plan.get("vakoverleg"))] + [
        (MeetingKind.werkoverleg, accounts_service.get_team_by_slug(session, slug), entry)
        for slug, entry in (plan.get("teams") or {}).items()
    ]
    for kind, team, entry in series:
        if entry is None or (kind == MeetingKind.werkoverleg and team is None):
            continue
        rule = service.set_rule(session, kind, team, _rule_in(entry, today, now))
        rule.created_at = now - timedelta(days=31 * (HISTORY_MONTHS + 1))
        rules.append((rule, team))
    session.flush()
    held = 0
    for rule, team in rules:
        for n, meeting in enumerate(_past(session, rule, now)):
            moment = min(service.assembly_moment(meeting, rule, settings), meeting.starts_at)
            agenda = agenda_service.assemble(session, meeting, moment)
            preparer = _recorder(session, team)
            if agenda is not None and preparer is not None:
                agenda_service.finalise(session, agenda, preparer, agenda.version, moment + timedelta(days=1))
            _attend(session, meeting, team, n, now)
            held += 1
    service.plan(session, now)
    ready = 0
    for meeting in agenda_service.due(session, now, settings):
        ready += agenda_service.assemble(session, meeting, now) is not None
    return [f"Demo-overleggen: {len(rules)} vaste tijden, {held} eerdere overleggen met agenda en "
            f"aanwezigheid, {ready} agenda('s) klaar voor het komende overleg."]


def history_start(now: datetime) -> date:
    """The first day of the demo's history (the goals count from here)."""
    first = now.astimezone(LOCAL_TZ).date().replace(day=1)
    for _ in range(HISTORY_MONTHS):
        first = (first - timedelta(days=1)).replace(day=1)
    return first


def reset(session: Session) -> int:
    """Demo only: remove every meeting with its agenda and attendance (before a simulation
    writes a new history)."""
    agendas = select(Agenda.id)
    session.execute(delete(AgendaEntry).where(col(AgendaEntry.agenda_id).in_(agendas)))
    session.execute(delete(AgendaEvent).where(col(AgendaEvent.agenda_id).in_(agendas)))
    session.execute(delete(Agenda))
    session.execute(delete(Attendance))
    removed = session.execute(delete(Meeting)).rowcount or 0  # type: ignore[attr-defined]
    session.flush()
    return removed
