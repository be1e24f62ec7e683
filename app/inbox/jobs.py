"""The inbox's scheduled work: every few minutes, poll the sources that are due, the shared
mailbox among them (each process claims its own; see app/inbox/service.py)."""

import logging
from datetime import datetime, timedelta

from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app import clock
from app.config import LOCAL_TZ, Settings, get_settings
from app.inbox import mail, service

log = logging.getLogger("kennisbank.inbox")


def poll_due(engine: Engine, settings: Settings | None = None) -> int:
    """Poll every due source, each in its own transaction: one that fails does not stop the
    others. Returns the number of new entries."""
    settings = settings or get_settings()
    with Session(engine) as session:
        mail.ensure_mailbox(session, settings)
        taken = service.claim_due(session, clock.now())
        session.commit()
    new = 0
    for source_id in taken:
        with Session(engine) as session:
            try:
                source = session.get(service.Source, source_id)
                if source is not None:
                    new += service.poll(session, source, settings=settings)
                session.commit()
            except Exception:  # noqa: BLE001 - one source never stops the others
                session.rollback()
                log.exception("Bron %s ophalen mislukt", source_id)
    return new


def register(scheduler: BaseScheduler, engine: Engine, settings: Settings, safely) -> None:  # type: ignore[no-untyped-def]
    scheduler.add_job(
        safely(lambda: poll_due(engine, settings)), "interval", minutes=5,
        next_run_time=datetime.now(LOCAL_TZ) + timedelta(seconds=40), id="bronnen-ophalen",
        max_instances=1, coalesce=True,
    )
