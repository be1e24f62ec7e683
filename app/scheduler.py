"""The scheduler inside the service (APScheduler): each domain registers its own jobs
(its jobs.py); a job opens its own session and calls its service."""

import logging
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.engine import Engine

from app.accounts import jobs as accounts_jobs
from app.audit import jobs as audit_jobs
from app.config import LOCAL_TZ, Settings
from app.goals import jobs as goals_jobs
from app.inbox import jobs as inbox_jobs
from app.meetings import jobs as meetings_jobs
from app.search import jobs as search_jobs

log = logging.getLogger("kennisbank.planner")


def safely(job: Callable[[], object]) -> Callable[[], None]:
    """A failed round is logged; the next round tries again."""

    def run() -> None:
        try:
            job()
        except Exception:
            log.exception("Geplande taak mislukt")

    return run


def start(engine: Engine, settings: Settings) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone=LOCAL_TZ)
    for domain in (meetings_jobs, goals_jobs, accounts_jobs, search_jobs, inbox_jobs, audit_jobs):
        domain.register(scheduler, engine, settings, safely)
    scheduler.start()
    return scheduler
