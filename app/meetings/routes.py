"""The werkoverleg pages everyone reads: the overview, a meeting with its agenda, the .ics."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import Response

from app import clock
from app.accounts import service as accounts_service
from app.accounts.models import Role
from app.config import LOCAL_TZ, get_settings
from app.meetings import agenda as agenda_service
from app.meetings import attendance as attendance_service
from app.meetings import calendar, fit, ical, service, views
from app.meetings.models import (
    KIND_LABELS,
    STATE_LABELS,
    AgendaState,
    Meeting,
    MeetingStatus,
)
from app.meetings.views import view
from app.web.deps import CurrentUser, SessionDep
from app.web.templating import render
from app.wiki.models import AUDIENCE_LABELS, MAX_INT

router = APIRouter(include_in_schema=False)
MeetingId = Annotated[int, Path(ge=1, le=MAX_INT)]


def meeting_or_404(session: SessionDep, meeting_id: int) -> Meeting:
    meeting = service.get_meeting(session, meeting_id)
    if meeting is None:
        raise HTTPException(404, "Dit overleg bestaat niet.")
    return meeting


def common() -> dict:
    return {
        "kind_labels": KIND_LABELS, "state_labels": STATE_LABELS, "weekdays": calendar.WEEKDAYS,
        "audience_labels": AUDIENCE_LABELS, "local_tz": LOCAL_TZ, "section_labels": fit.SECTION_LABELS,
    }


@router.get("/werkoverleg")
def overview(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    team: Annotated[str | None, Query(max_length=80, description="slug, of 'vakoverleg'")] = None,
) -> Response:
    now = clock.now()
    kind, shown = views.series(session, user, team)
    rule = service.get_rule(session, kind, shown)
    upcoming, earlier = views.timeline(session, kind, shown, now, user)
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
        "open_items": views.not_discussed(session, shown, now) if shown else [],
        "mine": attendance_service.participation(session, user)[:12],
        "now": now,
    }
    return render(request, "werkoverleg.html", context)


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
        "advice": views.advice(session, meeting, clock.today()),
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
