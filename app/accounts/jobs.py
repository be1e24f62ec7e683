"""Every night: clear expired sessions and day-old login attempts."""

from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app import clock
from app.accounts import service as accounts_service
from app.config import Settings


def prune(engine: Engine, settings: Settings) -> None:
    with Session(engine) as session:
        accounts_service.prune_expired(session, settings, clock.now())
        session.commit()


def register(scheduler: BaseScheduler, engine: Engine, settings: Settings, safely) -> None:  # type: ignore[no-untyped-def]
    scheduler.add_job(safely(lambda: prune(engine, settings)), "cron", hour=3, minute=15,
                      id="opruimen", max_instances=1, coalesce=True)
