"""The search index's scheduled work, and its schedule.

Every minute: drain what the outbox still holds (a drain after a commit that could not run,
or a change made by a process without the service's hooks). Every night: merge the index's
segments into one, so that searches stay fast however many saves came in. Both take the
index's writer lock: safe in several processes at once. With search in PostgreSQL there is
nothing to drain, and the night recounts the vocabulary of "Bedoelde u …?" instead.
"""

import logging
from datetime import datetime

from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy.engine import Engine

from app.config import LOCAL_TZ, Settings
from app.search import sync
from app.search.postgres import PostgresSearch

log = logging.getLogger("kennisbank.search")


def drain_leftovers(engine: Engine) -> int:
    taken = sync.drain(engine)
    if taken:
        log.info("Zoekindex: %s achtergebleven wijzigingen verwerkt.", taken)
    return taken


def optimize(engine: Engine) -> str:
    index = sync.get_index()
    if isinstance(index, PostgresSearch):
        words = index.recount(engine)
        log.info("Woordenlijst voor zoeken opnieuw geteld: %s woorden.", words)
        return f"Woordenlijst voor zoeken opnieuw geteld: {words} woorden."
    with index.exclusive():
        before = index.segment_count()
        index.optimize()
    log.info("Zoekindex samengevoegd: %s segmenten tot één.", before)
    return f"Zoekindex samengevoegd: {before} segmenten tot één."


def register(scheduler: BaseScheduler, engine: Engine, settings: Settings, safely) -> None:  # type: ignore[no-untyped-def]
    scheduler.add_job(
        safely(lambda: drain_leftovers(engine)), "interval", minutes=1,
        next_run_time=datetime.now(LOCAL_TZ), id="zoekindex-wachtrij", max_instances=1, coalesce=True,
    )
    scheduler.add_job(
        safely(lambda: optimize(engine)), "cron", hour=3, minute=17,
        id="zoekindex-samenvoegen", max_instances=1, coalesce=True,
    )
