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


@dataclass
class _Series:
    """The person's series and its last held meeting with that meeting's agenda, read once
    for everything the home page shows about it."""

    kind: str
    team: object
    last: Meeting | None
    last_agenda: object


def _series(session: Session, user: User, now: datetime) -> _Series | None:
    if user.team_id is not None:
        kind, team = MeetingKind.werkoverleg, accounts_service.get_team(session, user.team_id)
    elif user.role == Role.kwaliteit:
        kind, team = MeetingKind.vakoverleg, None
    else:
        return None
    last = meetings_service.last_held(session, kind, team, now)  # type: ignore[arg-type]
    return _Series(kind, team, last, agenda_service.get_agenda(session, last) if last else None)


def _window(series: _Series | None, now: datetime) -> wiki_service.NewsWindow:
    if series is None or series.last is None:
        return wiki_service.recent_window(now)
    last = series.last
    since = series.last_agenda.cutoff if series.last_agenda is not None else last.starts_at  # type: ignore[attr-defined]
    audience = getattr(series.team, "audience", None) if last.kind == MeetingKind.werkoverleg else None
    return wiki_service.NewsWindow(since, f"na de agenda van het {last.kind} van {nl_date(last.starts_at)}", audience)


def news_window(session: Session, user: User, now: datetime) -> wiki_service.NewsWindow:
    return _window(_series(session, user, now), now)


@dataclass
class Upcoming:
    meeting: Meeting
    discussed: list[agenda_service.Line]  # the points under Bespreken, to read beforehand
    informed: list[agenda_service.Line]  # ter kennisname: to read yourself


@dataclass
class Missed:
    meeting: Meeting
    discussed: list[agenda_service.Line]


@dataclass
class Home:
    window: wiki_service.NewsWindow
    upcoming: Upcoming | None
    missed: Missed | None


def home(session: Session, user: User, now: datetime) -> Home:
    """What the home page shows of the werkoverleg: the news window, the next meeting of this
    person's series with its agenda, and the last held one when they missed it."""
    series = _series(session, user, now)
    return Home(_window(series, now), _upcoming(session, series, now), _missed(session, series, user))


def _upcoming(session: Session, series: _Series | None, now: datetime) -> Upcoming | None:
    """The next meeting of this person's series with its agenda, once there is one."""
    if series is None:
        return None
    meeting = meetings_service.next_meeting(session, series.kind, series.team, now)  # type: ignore[arg-type]
    if meeting is None or meeting.status == MeetingStatus.cancelled:
        return None
    agenda = agenda_service.get_agenda(session, meeting)
    lines = agenda_service.lines(session, agenda, live_goals=False) if agenda else []
    discussed = [line for line in lines if line.entry.section == fit.BESPREKEN]
    return Upcoming(meeting, discussed, [line for line in lines if line.entry.section != fit.BESPREKEN])


def _missed(session: Session, series: _Series | None, user: User) -> Missed | None:
    """The last held meeting of this person's series, when the register says they were not
    there: what was discussed, so they can catch up (the notes are on the meeting's page)."""
    if series is None or series.last is None:
        return None
    last = series.last
    mine = next((a for a in attendance_service.attendance(session, last) if a.user_id == user.id), None)
    if mine is None or mine.present:
        return None
    agenda = series.last_agenda
    lines = agenda_service.lines(session, agenda, live_goals=False) if agenda else []  # type: ignore[arg-type]
    return Missed(last, [line for line in lines if line.entry.section == fit.BESPREKEN])
