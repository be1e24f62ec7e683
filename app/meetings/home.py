"""The werkoverleg as a colleague meets it on the home page: what counts as new, what the next
werkoverleg will discuss (to read beforehand), and what a held one discussed that this person
missed.

"Nieuw" has one definition everywhere (the home page, the themes, the infographic, the next
agenda): published after the window of the last held werkoverleg's agenda, i.e. not yet on
an agenda that was discussed. For Kwaliteit the vakoverleg; without either, the last 30 days.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from app.accounts import service as accounts_service
from app.accounts.models import Role, User
from app.dates import nl_date
from app.meetings import agenda as agenda_service
from app.meetings import attendance as attendance_service
from app.meetings import fit
from app.meetings import service as meetings_service
from app.meetings.models import Meeting, MeetingKind, MeetingStatus
from app.wiki import service as wiki_service


def _series(session: Session, user: User) -> tuple[str, object] | None:
    if user.team_id is not None:
        return MeetingKind.werkoverleg, accounts_service.get_team(session, user.team_id)
    if user.role == Role.kwaliteit:
        return MeetingKind.vakoverleg, None
    return None


def news_window(session: Session, user: User, now: datetime) -> wiki_service.NewsWindow:
    series = _series(session, user)
    last = meetings_service.last_held(session, series[0], series[1], now) if series else None  # type: ignore[arg-type]
    if last is None:
        return wiki_service.recent_window(now)
    agenda = agenda_service.get_agenda(session, last)
    since = agenda.cutoff if agenda is not None else last.starts_at
    team = series[1]
    audience = getattr(team, "audience", None) if last.kind == MeetingKind.werkoverleg else None
    return wiki_service.NewsWindow(since, f"na de agenda van het {last.kind} van {nl_date(last.starts_at)}", audience)


@dataclass
class Upcoming:
    meeting: Meeting
    discussed: list[agenda_service.Line]  # the points under Bespreken, to read beforehand
    informed: list[agenda_service.Line]  # ter kennisname: to read yourself


def upcoming(session: Session, user: User, now: datetime) -> Upcoming | None:
    """The next meeting of this person's series with its agenda, once there is one."""
    series = _series(session, user)
    if series is None:
        return None
    meeting = meetings_service.next_meeting(session, series[0], series[1], now)  # type: ignore[arg-type]
    if meeting is None or meeting.status == MeetingStatus.cancelled:
        return None
    agenda = agenda_service.get_agenda(session, meeting)
    lines = agenda_service.lines(session, agenda, live_goals=False) if agenda else []
    discussed = [line for line in lines if line.entry.section == fit.BESPREKEN]
    return Upcoming(meeting, discussed, [line for line in lines if line.entry.section != fit.BESPREKEN])


@dataclass
class Missed:
    meeting: Meeting
    discussed: list[agenda_service.Line]


def missed(session: Session, user: User, now: datetime) -> Missed | None:
    """The last held meeting of this person's series, when the register says they were not
    there: what was discussed, so they can catch up (the notes are on the meeting's page)."""
    series = _series(session, user)
    if series is None:
        return None
    last = meetings_service.last_held(session, series[0], series[1], now)  # type: ignore[arg-type]
    if last is None:
        return None
    mine = next((a for a in attendance_service.attendance(session, last) if a.user_id == user.id), None)
    if mine is None or mine.present:
        return None
    agenda = agenda_service.get_agenda(session, last)
    lines = agenda_service.lines(session, agenda, live_goals=False) if agenda else []
    return Missed(last, [line for line in lines if line.entry.section == fit.BESPREKEN])
