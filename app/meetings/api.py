"""JSON API for meetings under /api/v1/meetings."""

from datetime import datetime, time
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response

from app import clock
from app.accounts import service as accounts_service
from app.config import LOCAL_TZ
from app.dates import SaneDate
from app.meetings import agenda as agenda_service
from app.meetings import attendance as attendance_service
from app.meetings import service
from app.meetings.models import (
    AgendaEntryPublic,
    AttendanceIn,
    AttendancePublic,
    Meeting,
    MeetingDetail,
    MeetingPublic,
)
from app.meetings.routes import MeetingId, calendar_response
from app.meetings.views import view
from app.web.deps import CsrfProtected, CurrentUser, SessionDep

router = APIRouter(prefix="/api/v1/meetings", tags=["werkoverleg"])


def _public(session: SessionDep, meeting: Meeting) -> MeetingPublic:
    shown = view(session, meeting, clock.now())
    return MeetingPublic(
        id=meeting.id, kind=meeting.kind, team=shown.team.slug if shown.team else None,  # type: ignore[arg-type]
        starts_at=meeting.starts_at, ends_at=shown.ends, location=meeting.location,
        status=meeting.status, status_note=meeting.status_note,
        agenda_state=shown.agenda.state if shown.agenda else None, agenda_assembly=shown.assembly,
    )


def _meeting(session: SessionDep, meeting_id: int) -> Meeting:
    meeting = service.get_meeting(session, meeting_id)
    if meeting is None:
        raise HTTPException(404, "Dit overleg bestaat niet.")
    return meeting


@router.get("", summary="Overleggen, per team en periode")
def list_meetings(
    session: SessionDep,
    user: CurrentUser,
    team: Annotated[str | None, Query(max_length=80, description="slug van het team; 'vakoverleg' voor het vakoverleg")] = None,
    date_from: Annotated[SaneDate | None, Query(alias="from")] = None,
    date_to: Annotated[SaneDate | None, Query(alias="to", description="tot en met")] = None,
) -> list[MeetingPublic]:
    kind, found = None, None
    if team == "vakoverleg":
        kind = "vakoverleg"
    elif team:
        found = accounts_service.get_team_by_slug(session, team)
        if found is None:
            raise service.MeetingError("team", f"Het team '{team}' bestaat niet.")
        kind = "werkoverleg"
    if date_from and date_to and date_to < date_from:
        raise service.MeetingError("to", "'to' ligt vóór 'from'.")
    start = datetime.combine(date_from, time.min, LOCAL_TZ) if date_from else None
    end = datetime.combine(date_to, time.max, LOCAL_TZ) if date_to else None
    found_meetings = service.meetings(session, kind=kind, team=found, start=start, end=end, limit=1000)
    return [_public(session, m) for m in found_meetings]


@router.get("/{meeting_id}", summary="Eén overleg met zijn agenda")
def get_meeting(session: SessionDep, user: CurrentUser, meeting_id: MeetingId) -> MeetingDetail:
    meeting = _meeting(session, meeting_id)
    agenda = agenda_service.get_agenda(session, meeting)
    entries = []
    for line in agenda_service.lines(session, agenda) if agenda else []:
        item = line.item
        entries.append(AgendaEntryPublic(
            position=line.entry.position, kind=line.entry.kind,
            theme=line.theme.slug if line.theme else None, item=item.slug if item else None,
            title=item.title if item else line.entry.title, summary=item.summary if item else "",
            dossier_meaning=item.dossier_meaning if item else "", text=line.shown_text,
            prompt=line.entry.prompt, minutes=line.entry.minutes, section=line.entry.section,
        ))
    return MeetingDetail(**_public(session, meeting).model_dump(), agenda=entries)


@router.get(
    "/{meeting_id}/agenda.ics",
    summary="Het overleg als agenda-afspraak (iCalendar)",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}},
)
def meeting_ics(session: SessionDep, user: CurrentUser, meeting_id: MeetingId) -> Response:
    return calendar_response(session, _meeting(session, meeting_id))


@router.put(
    "/{meeting_id}/attendance",
    summary="Aanwezigheid vastleggen (contactpersoon van het team of Kwaliteit)",
    dependencies=[CsrfProtected],
)
def put_attendance(
    session: SessionDep, user: CurrentUser, meeting_id: MeetingId, data: AttendanceIn
) -> list[AttendancePublic]:
    meeting = _meeting(session, meeting_id)
    if not service.can_manage(user, meeting):
        raise HTTPException(403, "Alleen de contactpersoon van dit team of Kwaliteit legt de aanwezigheid vast.")
    rows = {}
    for n, row in enumerate(data.attendance):
        person = accounts_service.get_user_by_email(session, row.email)
        if person is None:
            raise service.MeetingError(f"attendance.{n}.email", f"Er is geen account met e-mailadres {row.email}.")
        rows[person.id] = (row.present, row.active)
    attendance_service.record_attendance(session, meeting, rows, data.notes, user, clock.now())  # type: ignore[arg-type]
    people = accounts_service.users_by_id(session, {a.user_id for a in attendance_service.attendance(session, meeting)})
    return [
        AttendancePublic(email=people[a.user_id].email, name=people[a.user_id].name, present=a.present, active=a.active)
        for a in sorted(attendance_service.attendance(session, meeting), key=lambda a: people[a.user_id].name)
    ]


