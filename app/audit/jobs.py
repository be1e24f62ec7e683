"""Every night: audit events older than the retention period go (KENNISBANK_AUDIT_RETENTION_DAYS).
One DELETE with a cutoff: running it twice, or in two processes at once, removes the same rows
once and nothing more."""

import logging

from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app import clock
from app.audit import service as audit_service
from app.config import Settings

log = logging.getLogger("kennisbank.planner")


def nightly(engine: Engine, settings: Settings) -> int:
    with Session(engine) as session:
        removed = retention(session, settings)
        session.commit()
    return removed


def retention(session: Session, settings: Settings) -> int:
    removed = audit_service.remove_older_than(session, settings.audit_retention_days, clock.now())
    if removed:
        log.info("Auditlog: %s gebeurtenissen ouder dan %s dagen verwijderd.", removed, settings.audit_retention_days)
    return removed


def register(scheduler: BaseScheduler, engine: Engine, settings: Settings, safely) -> None:  # type: ignore[no-untyped-def]
    scheduler.add_job(safely(lambda: nightly(engine, settings)), "cron", hour=3, minute=40,
                      id="auditlog-bewaartermijn", max_instances=1, coalesce=True)
