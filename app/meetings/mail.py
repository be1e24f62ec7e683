"""The agenda by e-mail: on the day it is assembled, to everyone expected at the meeting,
never on a Friday (the seed: a Friday mail is parked and forgotten)."""

import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from sqlmodel import Session, col, select

from app.accounts import service as accounts_service
from app.config import LOCAL_TZ, Settings
from app.meetings import agenda as agenda_service
from app.meetings import attendance as attendance_service
from app.meetings import calendar, fit, ical, service
from app.meetings.models import Agenda, Meeting, MeetingStatus
from app.web.templating import nl_date, templates


@dataclass
class Outgoing:
    agenda: Agenda
    meeting: Meeting
    message: EmailMessage
    recipients: list[str]


def may_send_today(now: datetime) -> bool:
    """On a working day that is not a Friday."""
    today = now.astimezone(LOCAL_TZ).date()
    return calendar.is_working_day(today) and today.weekday() != calendar.FRIDAY


def to_send(session: Session, now: datetime) -> list[tuple[Agenda, Meeting]]:
    """Assembled agendas not yet mailed whose meeting is still to come."""
    return list(
        session.exec(
            select(Agenda, Meeting)
            .join(Meeting, col(Meeting.id) == Agenda.meeting_id)
            .where(col(Agenda.mailed_at).is_(None), Meeting.status == MeetingStatus.scheduled)
            .where(col(Meeting.starts_at) > now)
            .order_by(col(Meeting.starts_at))
        ).all()
    )


def compose(session: Session, agenda: Agenda, meeting: Meeting, settings: Settings, now: datetime) -> Outgoing:
    team = accounts_service.get_team(session, meeting.team_id) if meeting.team_id else None
    name = team.name if team else None
    lines = agenda_service.lines(session, agenda)
    start = meeting.starts_at.astimezone(LOCAL_TZ)
    when = f"{calendar.WEEKDAYS[start.weekday()]} {nl_date(start)}, {start:%H:%M} uur"
    label = ical.title(meeting, name)
    subject = f"Agenda {label[0].lower()}{label[1:]}: {when}"
    url = f"{settings.base_url}/werkoverleg/{meeting.id}"
    context = {
        "meeting": meeting, "team": team, "when": when, "url": url, "base_url": settings.base_url,
        "sections": agenda_service.sections(lines), "title": ical.title(meeting, name),
        "section_labels": fit.SECTION_LABELS,
        "municipality": settings.municipality_name,
    }
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = formataddr(("Wiki-bibliotheek", settings.mail_from))
    message["Message-ID"] = make_msgid(domain=settings.mail_from.split("@")[-1])
    recipients = sorted({u.email for u in attendance_service.recipients(session, meeting)})
    # Everyone in Bcc: a list of colleagues' addresses is not the mail's business.
    message["To"] = formataddr(("Wiki-bibliotheek", settings.mail_from))
    message.set_content(templates.get_template("mail_agenda.txt").render(context))
    message.add_alternative(templates.get_template("mail_agenda.html").render(context), subtype="html")
    ends = service.ends_at(meeting)
    message.add_attachment(
        ical.event(meeting, name, lines, settings.base_url, now, ends),
        maintype="text", subtype="calendar", filename="werkoverleg.ics",
        params={"method": "PUBLISH"},
    )
    return Outgoing(agenda, meeting, message, recipients)


def deliver(outgoing: Outgoing, settings: Settings) -> None:
    if settings.smtp_security == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=30,
                                             context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30)
    with smtp:
        if settings.smtp_security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password)
        smtp.send_message(outgoing.message, to_addrs=outgoing.recipients)
