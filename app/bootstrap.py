"""Bring a database to a usable state: migrate, then load starter content on first start."""

import logging
from pathlib import Path

import yaml
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app import clock, migrate
from app import demo as demo_data
from app.accounts import service as accounts_service
from app.config import Settings
from app.goals import service as goals_service
from app.inbox import mail as inbox_mail
from app.plan import service as plan_service
from app.search import service as search_service
from app.search import sync as search_sync
from app.wiki import loader
from app.wiki import service as wiki_service

log = logging.getLogger("kennisbank")
_PG_SEED_LOCK = 4_242_002


def prepare(engine: Engine, settings: Settings) -> list[str]:
    """Safe to run from several processes at once and on every start; returns what it did."""
    done: list[str] = []
    if settings.auto_migrate:
        migrate.upgrade(engine)
    search_sync.install()
    # The index first, so that starter content is indexed as it is committed.
    done.append(search_sync.ensure(engine, search_sync.get_index()))
    with Session(engine) as session:
        if engine.dialect.name == "postgresql":
            session.exec(text("SELECT pg_advisory_xact_lock(:id)"), params={"id": _PG_SEED_LOCK})  # type: ignore[call-overload]
        if settings.load_starter_content and not wiki_service.list_themes(session):
            report = loader.import_folder(session, settings.content_dir)
            done.append(f"Startinhoud geladen: {report.created} items uit {settings.content_dir}.")
            done.extend(f"Niet geladen: {error}" for error in report.errors)
        synonyms = settings.content_dir / "synonyms.yaml"
        if settings.load_starter_content and synonyms.exists():
            groups = yaml.safe_load(synonyms.read_text("utf-8")) or []
            if added := search_service.seed_synonyms(session, groups):
                done.append(f"Synoniemen geladen: {added} groepen.")
        goals_file = settings.content_dir / "goals.yaml"
        if goals_file.exists() and not goals_service.list_goals(session):
            added = goals_service.seed(session, goals_service.load_file(goals_file), clock.today())
            done.append(f"Implementatiedoelen geladen: {added}, vanaf vandaag.")
        if plan_service.get_plan(session) is None:
            if settings.load_starter_content and (settings.content_dir / "plan.md").exists():
                plan_service.load_starter(session, settings.content_dir / "plan.md", clock.now())
                done.append("Voorbeeld-implementatieplan geladen.")
            else:
                plan_service.create(session, {}, clock.now())
        if settings.load_demo_accounts:
            demo = _demo_data(settings.content_dir / "demo.yaml")
            added = accounts_service.load_demo_accounts(session, demo) if demo else 0
            if added:
                done.append(f"Demoteams en -accounts aangemaakt: {added}.")
                done.extend(demo_data.first_start(session, demo, settings, clock.now()))
        inbox_mail.ensure_mailbox(session, settings)  # the shared mailbox of the settings, if any
        # Also every night by the scheduler; at start too, for a process that runs without it.
        accounts_service.prune_expired(session, settings)
        session.commit()
    for line in done:
        log.info(line)
    return done


def _demo_data(path: Path) -> dict:
    return (yaml.safe_load(path.read_text("utf-8")) or {}) if path.exists() else {}
