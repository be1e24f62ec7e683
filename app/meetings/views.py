"""What the werkoverleg pages show, assembled from the meetings domain: a meeting with what the
pages say about it (its title, agenda, whether it was held, who was there under the privacy
rule), which series a person sees, the timeline of a series, and what a team has not yet
discussed. The routes read input, call these, render."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session

from app import privacy
from app.accounts import service as accounts_service
from app.accounts.models import Role, Team, User
from app.config import LOCAL_TZ, get_settings
from app.errors import NotFound
from app.meetings import agenda as agenda_service
from app.meetings import attendance as attendance_service
from app.meetings import ical, service
from app.meetings.models import Agenda, Meeting, MeetingKind, MeetingStatus
from app.questions import service as questions_service
from app.wiki import service as wiki_service


@dataclass
class MeetingView:
    """A meeting with what the pages say about it."""

    meeting: Meeting
    team: Team | None
    title: str
    agenda: Agenda | None
    assembly: datetime
    held: bool
    ends: datetime
    # How many were present; None when nothing is recorded or the viewer may not see the
    # figure (recorded says which).
    present: int | None = None
    recorded: bool = False


def view(session: Session, meeting: Meeting, now: datetime, viewer: User | None = None) -> MeetingView:
    return views(session, [meeting], now, viewer)[0]


def views(session: Session, meetings: list[Meeting], now: datetime, viewer: User | None = None) -> list[MeetingView]:
    """The views of several meetings, their agendas and registers read at once."""
    ids = [m.id for m in meetings if m.id is not None]
    agendas = agenda_service.agendas_of(session, ids)
    counts = attendance_service.present_counts(session, [m.id for m in meetings if service.is_held(m, now)])
    teams = {t.id: t for t in accounts_service.list_teams(session)} if any(m.team_id for m in meetings) else {}
    settings = get_settings()
    shown_all = []
    for meeting in meetings:
        team = teams.get(meeting.team_id) if meeting.team_id else None
        shown = MeetingView(
            meeting=meeting, team=team, title=ical.title(meeting, team.name if team else None),
            agenda=agendas.get(meeting.id),  # type: ignore[arg-type]
            assembly=service.assembly_moment(meeting, service.rule_of(session, meeting), settings),
            held=service.is_held(meeting, now), ends=service.ends_at(meeting),
        )
        counted = counts.get(meeting.id) if shown.held else None  # type: ignore[arg-type]
        if counted is not None:
            present, people = counted
            shown.recorded = True
            # The under-three rule; whoever keeps this register has seen it anyway.
            if privacy.shows_figure(people, viewer) or service.can_manage(viewer, meeting):
                shown.present = present
        shown_all.append(shown)
    return shown_all


def series(session: Session, user: User, team_slug: str | None) -> tuple[str, Team | None]:
    if team_slug == "vakoverleg":
        return MeetingKind.vakoverleg, None
    if team_slug:
        team = accounts_service.get_team_by_slug(session, team_slug)
        if team is None:
            raise NotFound("team", "Dit team bestaat niet.")
        return MeetingKind.werkoverleg, team
    if user.team_id is not None:
        return MeetingKind.werkoverleg, accounts_service.get_team(session, user.team_id)
    if user.role == Role.kwaliteit:
        return MeetingKind.vakoverleg, None
    teams = accounts_service.list_teams(session)
    return MeetingKind.werkoverleg, teams[0] if teams else None


def timeline(
    session: Session, kind: str, team: Team | None, now: datetime, viewer: User
) -> tuple[list[MeetingView], list[MeetingView]]:
    """The next five meetings (the one under way included) and the last six."""
    if kind == MeetingKind.werkoverleg and team is None:
        return [], []
    recent = service.meetings(session, kind=kind, team=team, start=now - timedelta(hours=8), limit=6)
    past = service.meetings(session, kind=kind, team=team, end=now, newest_first=True, limit=7)
    coming = [m for m in recent if service.ends_at(m) > now][:5]
    shown = views(session, coming + [m for m in past if service.ends_at(m) <= now][:6], now, viewer)
    return shown[:len(coming)], shown[len(coming):]


@dataclass
class OpenItem:
    item: object
    theme: object
    planned: Meeting | None


def not_discussed(session: Session, team: Team, now: datetime) -> list[OpenItem]:
    """New items the team has not discussed yet, with the meeting they are planned for."""
    since = attendance_service.first_agenda_start(session, team) or now - timedelta(days=31)
    since = max(since, now - timedelta(days=180))
    discussed = attendance_service.discussed_item_ids(session, team, now)
    planned = attendance_service.scheduled_item_ids(session, team, now)
    themes = wiki_service.themes_by_id(session)
    items = wiki_service.published_between(session, since, now, team.audience)
    newest_first = sorted(items, key=lambda i: (i.published_at, i.id), reverse=True)
    return [
        OpenItem(item, themes[item.theme_id], planned.get(item.id))  # type: ignore[arg-type]
        for item in newest_first if item.id not in discussed
    ]


def _month_before(day: date) -> date:
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def advice_period(session: Session, meeting: Meeting, today: date) -> tuple[date, date]:
    """The days a vakoverleg looks back on for the advice function: since the previous
    vakoverleg that took place, or the last month when there was none; up to the meeting's
    day, and not past today."""
    day = meeting.starts_at.astimezone(LOCAL_TZ).date()
    end = min(day, today)
    previous = service.last_held(session, MeetingKind.vakoverleg, None, meeting.starts_at - timedelta(seconds=1))
    if previous is not None:
        start = previous.starts_at.astimezone(LOCAL_TZ).date() + timedelta(days=1)
    else:
        start = _month_before(end) + timedelta(days=1)
    return min(start, end), end


def advice(session: Session, meeting: Meeting, today: date) -> questions_service.AdviceMonitoring | None:
    """The section "Adviesfunctie" of a vakoverleg that goes ahead; None for any other meeting."""
    if meeting.kind != MeetingKind.vakoverleg or meeting.status == MeetingStatus.cancelled:
        return None
    return questions_service.advice_monitoring(session, *advice_period(session, meeting, today))
