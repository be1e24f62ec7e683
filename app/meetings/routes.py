"""The werkoverleg pages everyone reads: the overview, a meeting with its agenda, the .ics."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import Response

from app import clock, privacy
from app.accounts import service as accounts_service
from app.accounts.models import Role, Team, User
from app.config import LOCAL_TZ, get_settings
from app.meetings import agenda as agenda_service
from app.meetings import attendance as attendance_service
from app.meetings import calendar, fit, ical, service
from app.meetings.models import (
    KIND_LABELS,
    STATE_LABELS,
    Agenda,
    AgendaState,
    Meeting,
    MeetingKind,
    MeetingStatus,
)
from app.web.deps import CurrentUser, SessionDep
from app.web.templating import render
from app.wiki import service as wiki_service
from app.wiki.models import AUDIENCE_LABELS, MAX_INT

router = APIRouter(include_in_schema=False)
MeetingId = Annotated[int, Path(ge=1, le=MAX_INT)]


def meeting_or_404(session: SessionDep, meeting_id: int) -> Meeting:
    meeting = service.get_meeting(session, meeting_id)
    if meeting is None:
        raise HTTPException(404, "Dit overleg bestaat niet.")
    return meeting


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


def view(session: SessionDep, meeting: Meeting, now: datetime, viewer: User | None = None) -> MeetingView:
    team = accounts_service.get_team(session, meeting.team_id) if meeting.team_id else None
    rule = service.rule_of(session, meeting)
    shown = MeetingView(
        meeting=meeting, team=team, title=ical.title(meeting, team.name if team else None),
        agenda=agenda_service.get_agenda(session, meeting),
        assembly=service.assembly_moment(meeting, rule, get_settings()),
        held=service.is_held(meeting, now), ends=service.ends_at(meeting),
    )
    counted = attendance_service.present_count(session, meeting) if shown.held else None
    if counted is not None:
        present, people = counted
        shown.recorded = True
        # The under-three rule; whoever keeps this register has seen it anyway.
        if privacy.shows_figure(people, viewer) or service.can_manage(viewer, meeting):
            shown.present = present
    return shown


def common() -> dict:
    return {
        "kind_labels": KIND_LABELS, "state_labels": STATE_LABELS, "weekdays": calendar.WEEKDAYS,
        "audience_labels": AUDIENCE_LABELS, "local_tz": LOCAL_TZ, "section_labels": fit.SECTION_LABELS,
    }


def _series(session: SessionDep, user: User, team_slug: str | None) -> tuple[str, Team | None]:
    if team_slug == "vakoverleg":
        return MeetingKind.vakoverleg, None
    if team_slug:
        team = accounts_service.get_team_by_slug(session, team_slug)
        if team is None:
            raise HTTPException(404, "Dit team bestaat niet.")
        return MeetingKind.werkoverleg, team
    if user.team_id is not None:
        return MeetingKind.werkoverleg, accounts_service.get_team(session, user.team_id)
    if user.role == Role.kwaliteit:
        return MeetingKind.vakoverleg, None
    teams = accounts_service.list_teams(session)
    return MeetingKind.werkoverleg, teams[0] if teams else None


@router.get("/werkoverleg")
def overview(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    team: Annotated[str | None, Query(max_length=80, description="slug, of 'vakoverleg'")] = None,
) -> Response:
    now = clock.now()
    kind, shown = _series(session, user, team)
    rule = service.get_rule(session, kind, shown)
    upcoming, earlier = _timeline(session, kind, shown, now, user)
    context = {
        **common(),
        "kind": kind,
        "team": shown,
        "rule": rule,
        "rule_text": calendar.describe_rule(rule.weekday, rule.week, rule.start_time) if rule else None,
        "can_set_rule": service.can_set_rule(user, kind, shown),
        "upcoming": upcoming,
        "earlier": earlier,
        "teams": accounts_service.list_teams(session),
        "open_items": _not_discussed(session, shown, now) if shown else [],
        "mine": attendance_service.participation(session, user)[:12],
        "now": now,
    }
    return render(request, "werkoverleg.html", context)


def _timeline(
    session: SessionDep, kind: str, team: Team | None, now: datetime, viewer: User
) -> tuple[list[MeetingView], list[MeetingView]]:
    """The next five meetings (the one under way included) and the last six."""
    if kind == MeetingKind.werkoverleg and team is None:
        return [], []
    recent = service.meetings(session, kind=kind, team=team, start=now - timedelta(hours=8), limit=6)
    upcoming = [view(session, m, now, viewer) for m in recent if service.ends_at(m) > now][:5]
    past = service.meetings(session, kind=kind, team=team, end=now, newest_first=True, limit=7)
    earlier = [view(session, m, now, viewer) for m in past if service.ends_at(m) <= now][:6]
    return upcoming, earlier


@dataclass
class OpenItem:
    item: object
    theme: object
    planned: Meeting | None


def _not_discussed(session: SessionDep, team: Team, now: datetime) -> list[OpenItem]:
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


@router.get("/werkoverleg/{meeting_id}")
def meeting_page(request: Request, session: SessionDep, user: CurrentUser, meeting_id: MeetingId) -> Response:
    now = clock.now()
    meeting = meeting_or_404(session, meeting_id)
    shown = view(session, meeting, now)
    lines = agenda_service.lines(session, shown.agenda) if shown.agenda else []
    can_manage = service.can_manage(user, meeting)
    register = []
    if shown.held and (can_manage or user.role == Role.kwaliteit):
        recorded = {a.user_id: a for a in attendance_service.attendance(session, meeting)}
        register = [(person, recorded.get(person.id)) for person in attendance_service.expected(session, meeting)]
    mine = next((a for a in attendance_service.attendance(session, meeting) if a.user_id == user.id), None)
    context = {
        **common(),
        "v": shown,
        "sections": agenda_service.sections(lines),
        "timing": agenda_service.timing(meeting, lines) if lines else None,
        "can_manage": can_manage,
        "register": register,
        "mine": mine,
        "history": agenda_service.history(session, shown.agenda) if shown.agenda else [],
        "now": now,
        "final": shown.agenda is not None and shown.agenda.state == AgendaState.final,
        "cancelled": meeting.status == MeetingStatus.cancelled,
    }
    return render(request, "meeting.html", context)


@router.get("/werkoverleg/{meeting_id}/agenda.ics")
def meeting_ics(session: SessionDep, user: CurrentUser, meeting_id: MeetingId) -> Response:
    return calendar_response(session, meeting_or_404(session, meeting_id))


def calendar_response(session: SessionDep, meeting: Meeting) -> Response:
    now = clock.now()
    shown = view(session, meeting, now)
    lines = agenda_service.lines(session, shown.agenda) if shown.agenda else None
    body = ical.event(meeting, shown.team.name if shown.team else None, lines,
                      get_settings().base_url, now, shown.ends)
    day = meeting.starts_at.astimezone(LOCAL_TZ).date()
    name = f"{meeting.kind}-{shown.team.slug if shown.team else 'kwaliteit'}-{day:%Y-%m-%d}.ics"
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{name}"'})
