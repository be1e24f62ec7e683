"""The agenda by e-mail, against a real SMTP server (aiosmtpd) that the test starts: sent once,
to everyone expected at the meeting, never on a Friday, and again after a failed attempt."""

import email
import socket
from datetime import datetime, time, timedelta
from email import policy

import icalendar
import pytest
from aiosmtpd.controller import Controller
from sqlmodel import Session

from app import clock
from app.accounts import service as accounts_service
from app.accounts.models import Audience, Role
from app.config import LOCAL_TZ, Settings
from app.meetings import agenda as agenda_service
from app.meetings import jobs, service
from app.meetings.models import MeetingKind
from app.wiki import service as wiki_service
from app.wiki.models import ItemIn

# Pages and texts: SQL does not decide them, so SQLite is enough.
pytestmark = pytest.mark.any_database


class Inbox:
    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MailServer:
    """A real SMTP server on a fixed port, which the test can take down and bring back."""

    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp():  # type: ignore[no-untyped-def]
    server = MailServer()
    server.start()
    yield server, server.inbox
    server.stop()


def test_agenda_mail(planner_db, smtp):
    engine, _ = planner_db
    controller, inbox = smtp
    settings = Settings(secret_key="s" * 40, smtp_host="127.0.0.1", smtp_port=controller.port,
                        smtp_security="none", base_url="https://wiki.gemeente.example", mail_from="wiki@gemeente.example")
    wednesday = datetime(2027, 3, 3, 6, 0, tzinfo=LOCAL_TZ)
    with clock.frozen(wednesday - timedelta(days=14)) as frozen:
        with Session(engine) as s:
            team = accounts_service.ensure_team(s, "noord", "Team Noord", Audience.beide)
            for n, role in enumerate([Role.medewerker, Role.medewerker, Role.contactpersoon]):
                accounts_service.create_user(s, email=f"lid{n}@gemeente.example", name=f"Lid {n}", role=role, team_slug="noord")
            kwaliteit = accounts_service.create_user(s, email="kwaliteit@gemeente.example", name="K", role=Role.kwaliteit)
            accounts_service.create_user(s, email="ander@gemeente.example", name="Ander", role=Role.medewerker)
            wiki_service.upsert_theme(s, slug="beslag", name="Beslag")
            wiki_service.create_item(s, ItemIn(title="Nieuwe beslagregels", summary="Wat er verandert.",
                                               dossier_meaning="Controleer de bvv.", theme="beslag",
                                               status="published"), kwaliteit)
            # Tuesday 9 March 10:00: assembled five working days before, Tuesday 2 March.
            service.set_rule(s, MeetingKind.werkoverleg, team, service.RuleIn(weekday=1, week=2, start_time=time(10)))
            s.commit()

        frozen.set(datetime(2027, 3, 2, 7, 5, tzinfo=LOCAL_TZ))
        done = jobs.tick(engine, settings)
        assert any(line.startswith("Agenda samengesteld") for line in done)
        assert len(inbox.envelopes) == 1
        mail = inbox.envelopes[0]
        # The team, not Kwaliteit, nor people of other teams.
        assert sorted(mail.rcpt_tos) == ["lid0@gemeente.example", "lid1@gemeente.example", "lid2@gemeente.example"]
        message = email.message_from_bytes(mail.content, policy=policy.default)
        assert message["Subject"] == "Agenda werkoverleg Team Noord: dinsdag 9 maart 2027, 10:00 uur"
        assert "lid0@" not in message["To"]  # colleagues' addresses stay in Bcc
        text = message.get_body(("plain",)).get_content()
        assert "Nieuwe beslagregels" in text and "Voor het dossier: Controleer de bvv." in text
        assert "https://wiki.gemeente.example/werkoverleg/" in text and "Gespreksvraag:" in text
        assert "Nieuwe beslagregels" in message.get_body(("html",)).get_content()
        attachment = next(part for part in message.iter_attachments() if part.get_content_type() == "text/calendar")
        event = next(iter(icalendar.Calendar.from_ical(attachment.get_content()).walk("VEVENT")))
        assert event.decoded("DTSTART") == datetime(2027, 3, 9, 10, 0, tzinfo=LOCAL_TZ)

        # Once only.
        frozen.set(datetime(2027, 3, 2, 16, 0, tzinfo=LOCAL_TZ))
        jobs.tick(engine, settings)
        assert len(inbox.envelopes) == 1

        # An agenda assembled on a Friday (by hand, ahead of time) waits for Monday.
        with Session(engine) as s:
            april = service.meetings(s, kind="werkoverleg", start=datetime(2027, 4, 1, tzinfo=LOCAL_TZ), limit=1)[0]
            frozen.set(datetime(2027, 3, 5, 9, 0, tzinfo=LOCAL_TZ))  # a Friday
            agenda_service.assemble(s, april, clock.now())
            s.commit()
            april_id = april.id
        jobs.tick(engine, settings)
        assert len(inbox.envelopes) == 1
        frozen.set(datetime(2027, 3, 6, 9, 0, tzinfo=LOCAL_TZ))  # Saturday: not a working day
        jobs.tick(engine, settings)
        assert len(inbox.envelopes) == 1

        # Monday, with the mail server down: nothing is lost, the next round sends it.
        frozen.set(datetime(2027, 3, 8, 7, 5, tzinfo=LOCAL_TZ))
        controller.stop()
        jobs.tick(engine, settings)
        controller.start()
        assert len(inbox.envelopes) == 1
        frozen.set(datetime(2027, 3, 8, 7, 15, tzinfo=LOCAL_TZ))
        done = jobs.tick(engine, settings)
        assert len(inbox.envelopes) == 2 and any("gemaild" in line for line in done)
        with Session(engine) as s:
            april_agenda = agenda_service.get_agenda(s, service.get_meeting(s, april_id))
            history = [e.action for e in agenda_service.history(s, april_agenda)]
        assert history == ["assembled", "mailed"]


def test_no_mail_without_an_smtp_host(planner_db):
    engine, _ = planner_db
    settings = Settings(secret_key="s" * 40)
    with Session(engine) as s:
        assert jobs.send_mail(s, settings, datetime(2027, 3, 2, 8, tzinfo=LOCAL_TZ)) == []
