"""A meeting as an iCalendar event (RFC 5545), for people's own calendars."""

from datetime import datetime
from urllib.parse import urlparse

from icalendar import Calendar, Event

from app.config import LOCAL_TZ
from app.meetings.agenda import Line, sections
from app.meetings.models import KIND_LABELS, Meeting, MeetingStatus


def title(meeting: Meeting, team_name: str | None) -> str:
    label = KIND_LABELS[meeting.kind]  # type: ignore[index]
    return f"{label} {team_name}" if team_name else f"{label} Kwaliteit en contactpersonen"


def agenda_text(agenda_lines: list[Line]) -> str:
    """The agenda as plain text: for the event's description and the mail."""
    parts = []
    for section in sections(agenda_lines):
        parts.append(section.heading.upper())
        for line in section.lines:
            entry, item = line.entry, line.item
            if item is not None:
                parts.append(f"- {item.title}\n  {item.summary}")
                if entry.kind == "item":
                    parts.append(f"  Voor het dossier: {item.dossier_meaning}")
            else:
                parts.append(f"- {entry.title}" + (f"\n  {entry.text}" if entry.text else ""))
            if entry.prompt:
                parts.append(f"  Gespreksvraag: {entry.prompt}")
        parts.append("")
    return "\n".join(parts).strip()


def event(
    meeting: Meeting,
    team_name: str | None,
    agenda_lines: list[Line] | None,
    base_url: str,
    now: datetime,
    ends: datetime,
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Wiki-bibliotheek//Werkoverleg//NL")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    url = f"{base_url}/werkoverleg/{meeting.id}"
    description = [f"Agenda en stukken: {url}"]
    if agenda_lines:
        description += ["", agenda_text(agenda_lines)]
    elif agenda_lines is None:
        description += ["", "De agenda wordt enkele werkdagen vooraf samengesteld."]
    vevent = Event()
    vevent.add("uid", f"meeting-{meeting.id}@{urlparse(base_url).hostname or 'kennisbank'}")
    vevent.add("dtstamp", now)
    vevent.add("dtstart", meeting.starts_at.astimezone(LOCAL_TZ))
    vevent.add("dtend", ends.astimezone(LOCAL_TZ))
    vevent.add("summary", title(meeting, team_name))
    if meeting.location:
        vevent.add("location", meeting.location)
    vevent.add("description", "\n".join(description))
    vevent.add("url", url)
    # Calendars replace an event they know when its sequence grows: a move or a cancellation.
    vevent.add("sequence", int(meeting.updated_at.timestamp()) - int(meeting.created_at.timestamp()))
    vevent.add("status", "CANCELLED" if meeting.status == MeetingStatus.cancelled else "CONFIRMED")
    calendar.add_component(vevent)
    calendar.add_missing_timezones()  # a VTIMEZONE for Europe/Amsterdam
    return calendar.to_ical()
