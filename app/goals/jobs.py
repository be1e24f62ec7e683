"""The goals' daily work: a snapshot of every goal for the trend, and removing personal records
older than the retention period (default 13 months). Both safe to run twice."""

import logging
from datetime import timedelta

from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app import clock
from app.config import LOCAL_TZ, Settings
from app.goals import measures
from app.goals import records as goals_records
from app.goals import service as goals_service
from app.meetings import attendance as attendance_service
from app.questions import service as questions_service
from app.usage import service as usage_service

log = logging.getLogger("kennisbank.planner")


def daily(engine: Engine, settings: Settings) -> list[str]:
    today = clock.today()
    # Two transactions: retention still runs when a goal cannot be computed, and the other way.
    with Session(engine) as session:
        removed = retention(session, settings)
        session.commit()
    with Session(engine) as session:
        snapped = goals_service.snapshot(session, today)
        session.commit()
    done = [f"Doelen vastgelegd voor {today:%d-%m-%Y}: {snapped}."]
    if removed:
        done.append(f"Bewaartermijn: {removed} oude gegevens verwijderd.")
    for line in done:
        log.info(line)
    return done


def retention(session: Session, settings: Settings) -> int:
    """Remove what is older than the retention period: usage days, attendance, questions and
    appraisals. Meetings, agendas and goal snapshots hold no personal data and stay."""
    today = clock.today()
    before_day = measures.add_months(today, -settings.retention_months)
    before = measures.day_start(before_day)
    return (
        usage_service.prune(session, before_day)
        + attendance_service.prune(session, before)
        + questions_service.prune(session, before)
        + goals_records.prune_appraisals(session, before_day)
    )


def snapshot_if_missing(engine: Engine) -> None:
    """After a restart: today's snapshot, if the nightly run did not make it."""
    with Session(engine) as session:
        if goals_service.snapshot_missing(session, clock.today()):
            goals_service.snapshot(session, clock.today())
            session.commit()


def register(scheduler: BaseScheduler, engine: Engine, settings: Settings, safely) -> None:  # type: ignore[no-untyped-def]
    scheduler.add_job(safely(lambda: daily(engine, settings)), "cron", hour=1, minute=30,
                      id="doelen", max_instances=1, coalesce=True)
    scheduler.add_job(safely(lambda: snapshot_if_missing(engine)), "date",
                      run_date=clock.now().astimezone(LOCAL_TZ) + timedelta(seconds=30), id="doelen-inhalen")
