"""The werkoverleg's scheduled work, and its schedule (APScheduler, inside the service).

Every ten minutes, and once at start-up: plan the meetings ahead, assemble every agenda whose
moment has come (after downtime too), and mail the agendas that are due. Each step is safe to
run twice and in two processes at once: the database decides (unique keys, conditional
updates), not timing.
"""

import logging
import smtplib
from collections.abc import Callable
from datetime import datetime

from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from app import clock
from app.config import LOCAL_TZ, Settings
from app.meetings import agenda as agenda_service
from app.meetings import mail, service
from app.meetings.models import Agenda, AgendaEvent

log = logging.getLogger("kennisbank.planner")
TICK_MINUTES = 10


def tick(engine: Engine, settings: Settings, now: datetime | None = None) -> list[str]:
    """One round of the planner; returns what it did, in Dutch."""
    now = now or clock.now()
    done: list[str] = []
    with Session(engine, expire_on_commit=False) as session:
        if added := service.plan(session, now):
            done.append(f"{added} overleggen ingepland.")
        session.commit()
        for meeting in agenda_service.due(session, now, settings):
            agenda = agenda_service.assemble(session, meeting, now)
            session.commit()
            if agenda is not None:
                done.append(f"Agenda samengesteld voor overleg {meeting.id}.")
        done += send_mail(session, settings, now)
    for line in done:
        log.info(line)
    return done


def send_mail(
    session: Session, settings: Settings, now: datetime,
    deliver: Callable[[mail.Outgoing, Settings], None] = mail.deliver,
) -> list[str]:
    """Mail every agenda that is due, each once: mailed_at is claimed (and committed) before
    the mail leaves, and released again when sending fails, for the next round."""
    if not settings.smtp_host or not mail.may_send_today(now):
        return []
    done = []
    for agenda, meeting in mail.to_send(session, now):
        outgoing = mail.compose(session, agenda, meeting, settings, now)
        if not outgoing.recipients or not claim(session, agenda, Agenda.mailed_at, now):
            session.rollback()
            continue
        session.commit()
        try:
            deliver(outgoing, settings)
        except (OSError, smtplib.SMTPException) as exc:
            log.error("Agenda van overleg %s niet verstuurd: %s", meeting.id, exc)
            agenda.mailed_at = None
            session.add(agenda)
            session.commit()
            continue
        session.add(AgendaEvent(
            agenda_id=agenda.id, at=now, action="mailed", user_name="Planner",  # type: ignore[arg-type]
            reason=f"aan {len(outgoing.recipients)} ontvangers",
        ))
        session.commit()
        done.append(f"Agenda van overleg {meeting.id} gemaild aan {len(outgoing.recipients)} mensen.")
    return done


def claim(session: Session, agenda: Agenda, column, value) -> bool:  # type: ignore[no-untyped-def]
    """Set a still empty column of an agenda in one conditional UPDATE: of two processes that
    try at once, exactly one gets True."""
    result = session.execute(
        update(Agenda)
        .where(col(Agenda.id) == agenda.id, column.is_(None))
        .values({column.key: value})
        .execution_options(synchronize_session=False)
    )
    session.refresh(agenda)
    return result.rowcount == 1  # type: ignore[attr-defined]


def register(scheduler: BaseScheduler, engine: Engine, settings: Settings, safely) -> None:  # type: ignore[no-untyped-def]
    scheduler.add_job(
        safely(lambda: tick(engine, settings)), "interval", minutes=TICK_MINUTES,
        next_run_time=datetime.now(LOCAL_TZ),  # at start-up: catch up after downtime
        id="werkoverleg", max_instances=1, coalesce=True,
    )
