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
from app.observability import metrics
from app.plan import jobs as plan_jobs
from app.search import jobs as search_jobs

log = logging.getLogger("kennisbank.planner")


class SafeJob:
    """A job whose failed round is logged and counted; the next round tries again.

    Named after registering (the domains give the id to add_job, not to `safely`).
    """

    def __init__(self, job: Callable[[], object]) -> None:
        self.job = job
        self.job_id = "onbekend"

    def __call__(self) -> None:
        metrics.JOB_RUNS.labels(self.job_id).inc()
        try:
            self.job()
        except Exception:
            metrics.JOB_FAILURES.labels(self.job_id).inc()
            log.exception("Geplande taak %s mislukt", self.job_id)


def safely(job: Callable[[], object]) -> SafeJob:
    return SafeJob(job)


def build(engine: Engine, settings: Settings) -> BackgroundScheduler:
    """Every domain's jobs, registered and named, not yet started."""
    scheduler = BackgroundScheduler(timezone=LOCAL_TZ)
    for domain in (meetings_jobs, goals_jobs, accounts_jobs, search_jobs, inbox_jobs, audit_jobs, plan_jobs):
        domain.register(scheduler, engine, settings, safely)
    for job in scheduler.get_jobs():
        if isinstance(job.func, SafeJob):
            job.func.job_id = job.id
    return scheduler


def start(engine: Engine, settings: Settings) -> BackgroundScheduler:
    scheduler = build(engine, settings)
    scheduler.start()
    return scheduler
