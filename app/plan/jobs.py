"""The plan's daily work: a reminder by mail to the owner of an action whose date has passed,
once per date, when SMTP is set. Safe on several hosts: an action is claimed in the database
before its mail goes out, and released again when the mail could not go."""

import logging
from datetime import timedelta

from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from app import clock
from app.accounts import mail as accounts_mail
from app.accounts import service as accounts_service
from app.config import LOCAL_TZ, Settings
from app.plan import mail, service
from app.plan.models import PlanAction

log = logging.getLogger("kennisbank.planner")


def remind(engine: Engine, settings: Settings) -> int:
    """Mail each owner of an overdue action; the number of mails sent."""
    if not accounts_mail.can_send(settings):
        return 0
    today = clock.today()
    with Session(engine) as session:
        due = [(a.id, a.owner_id) for a in service.due_reminders(session, today)]
    sent = 0
    for action_id, owner_id in due:
        with Session(engine) as session:
            claimed = session.exec(update(PlanAction).where(  # type: ignore[call-overload]
                col(PlanAction.id) == action_id, col(PlanAction.reminded_on).is_(None)).values(reminded_on=today))
            session.commit()
            if claimed.rowcount != 1:
                continue  # another host has it
            action = session.get(PlanAction, action_id)
            owner = accounts_service.get_user(session, owner_id) if owner_id else None
            ok = (action is not None and owner is not None and owner.is_active
                  and mail.send_reminder(settings, owner, action, today))
            if not ok:
                session.exec(update(PlanAction).where(col(PlanAction.id) == action_id)  # type: ignore[call-overload]
                             .values(reminded_on=None))
                session.commit()
                continue
            sent += 1
    if sent:
        log.info("Herinneringen voor acties over de datum verstuurd: %s.", sent)
    return sent


def register(scheduler: BaseScheduler, engine: Engine, settings: Settings, safely) -> None:  # type: ignore[no-untyped-def]
    scheduler.add_job(safely(lambda: remind(engine, settings)), "cron", hour=7, minute=45,
                      id="plan-herinneringen", max_instances=1, coalesce=True)
    scheduler.add_job(safely(lambda: remind(engine, settings)), "date",
                      run_date=clock.now().astimezone(LOCAL_TZ) + timedelta(seconds=45), id="plan-herinneringen-inhalen")
