"""An overdue action's owner gets one reminder by mail, from a real SMTP server the test
starts; none without SMTP, none twice, none for a finished action, again after a failed send,
and one only when two planners run at once."""

import email
import threading
from datetime import timedelta
from email import policy

from sqlmodel import Session

from app import clock
from app.accounts.models import Role
from app.config import CONTENT_DIR, Settings
from app.goals import service as goals_service
from app.plan import jobs, service
from app.plan.models import PlanAction
from app.plan.schemas import ActionIn, ActionPatch
from tests.factories import make_user
from tests.meetings.test_mail import MailServer


def _settings(port: int) -> Settings:
    return Settings(secret_key="s" * 40, smtp_host="127.0.0.1", smtp_port=port, smtp_security="none",
                    base_url="https://wiki.gemeente.example", mail_from="wiki@gemeente.example")


def _setup(engine):  # type: ignore[no-untyped-def]
    with Session(engine) as db:
        goals_service.seed(db, goals_service.load_file(CONTENT_DIR / "goals.yaml"), clock.today())
        plan = service.load_starter(db, CONTENT_DIR / "plan.md", clock.now())
        kw = make_user(db, Role.kwaliteit)
        owner = make_user(db, Role.leidinggevende, name="Lotte Leiding")
        yesterday = clock.today() - timedelta(days=1)
        late = service.add_action(db, plan, ActionIn(title="Tijd vrijmaken voor het werkoverleg",  # type: ignore[arg-type]
                                                     owner=owner.email, due=yesterday), kw, clock.now())
        done = service.add_action(db, plan, ActionIn(title="Al gedaan", owner=owner.email, due=yesterday),  # type: ignore[arg-type]
                                  kw, clock.now())
        service.change_action(db, plan, done, ActionPatch(done=True), kw, clock.now(), clock.today())
        service.add_action(db, plan, ActionIn(title="Later", owner=owner.email,  # type: ignore[arg-type]
                                              due=clock.today() + timedelta(days=3)), kw, clock.now())
        db.commit()
        return late.id, owner.email


def test_one_reminder_per_date(real_engine) -> None:  # type: ignore[no-untyped-def]
    late_id, owner_email = _setup(real_engine)
    server = MailServer()
    assert jobs.remind(real_engine, Settings(secret_key="s" * 40)) == 0  # no SMTP: nothing
    settings = _settings(server.port)
    assert jobs.remind(real_engine, settings) == 0  # the server is down: kept for the next run
    server.start()
    try:
        # Two planners at once: one mail.
        results: list[int] = []
        threads = [threading.Thread(target=lambda: results.append(jobs.remind(real_engine, settings))) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results) == [0, 1]
        assert len(server.inbox.envelopes) == 1
        message = email.message_from_bytes(server.inbox.envelopes[0].content, policy=policy.default)
        assert message["To"].addresses[0].addr_spec == owner_email
        body = message.get_body().get_content()
        assert "Tijd vrijmaken voor het werkoverleg" in body and f"/plan#actie-{late_id}" in body
        assert jobs.remind(real_engine, settings) == 0  # not twice
        # A new date that passes again: a new reminder.
        with Session(real_engine) as db:
            action = db.get(PlanAction, late_id)
            plan = service.the_plan(db)
            owner = make_user(db, Role.kwaliteit)
            service.change_action(db, plan, action, ActionPatch(due=clock.today() - timedelta(days=2)),  # type: ignore[arg-type]
                                  owner, clock.now(), clock.today())
            db.commit()
        assert jobs.remind(real_engine, settings) == 1
    finally:
        server.stop()
