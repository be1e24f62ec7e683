"""The application factory."""

import gc
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.gzip import GZipMiddleware

from app import scheduler as app_scheduler
from app.accounts.api import router as accounts_api_router
from app.accounts.oidc_routes import router as oidc_router
from app.accounts.routes import router as accounts_router
from app.audit.routes import api as audit_api_router
from app.audit.routes import pages as audit_router
from app.avg.routes import api as avg_api_router
from app.avg.routes import pages as avg_router
from app.beheer.api import router as beheer_api_router
from app.beheer.routes import router as beheer_router
from app.config import STATIC_DIR, get_settings
from app.db import get_engine
from app.goals.routes import api as goals_api
from app.goals.routes import pages as goals_pages
from app.inbox.routes import api as inbox_api
from app.inbox.routes import feeds as inbox_feeds
from app.inbox.routes import pages as inbox_pages
from app.meetings.api import router as meetings_api_router
from app.meetings.manage import router as meetings_manage_router
from app.meetings.routes import router as meetings_router
from app.observability.middleware import MetricsMiddleware
from app.observability.routes import router as observability_router
from app.plan.api import router as plan_api_router
from app.plan.routes import router as plan_router
from app.questions.routes import api as questions_api
from app.questions.routes import pages as questions_pages
from app.search import sync as search_sync
from app.search.routes import api as search_api_router
from app.search.routes import pages as search_router
from app.web import errors, openapi
from app.web.brand import router as brand_router
from app.web.middleware import (
    CsrfCookieAndHeadersMiddleware,
    DropEmptyQueryParameters,
    LimitBodyMiddleware,
    RejectNulMiddleware,
)
from app.wiki.api import router as wiki_api_router
from app.wiki.manage import router as wiki_manage_router
from app.wiki.routes import router as wiki_router
from app.work.routes import router as work_router

API_DESCRIPTION = """JSON-API van de Wiki-bibliotheek.

Log in met een persoonlijk API-token: `kennisbank token create EMAIL` of de pagina *Mijn account*,
en stuur het mee als `Authorization: Bearer <token>`. Foutmeldingen noemen het veld (`field`) en
geven een Nederlandse uitleg (`message`)."""


@asynccontextmanager
async def lifespan(app: FastAPI):  # type: ignore[no-untyped-def]
    settings = get_settings()
    run = settings.scheduler and app.state.run_scheduler
    scheduler = app_scheduler.start(get_engine(), settings) if run else None
    try:
        yield
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)


def create_app(run_scheduler: bool = True) -> FastAPI:
    """The application; `run_scheduler=False` for one that serves another database (benchmarks)."""
    settings = get_settings()
    app = FastAPI(
        title="Wiki-bibliotheek",
        description=API_DESCRIPTION,
        version="1.0",
        lifespan=lifespan,
        docs_url=None,  # our own page: app/web/openapi.py
        redoc_url=None,
    )
    app.state.run_scheduler = run_scheduler
    # Middleware added later wraps what was added before. The 500 page (errors.install) is
    # inside the security headers, and so are the refusals of an oversized body or a NUL.
    errors.install(app)
    openapi.install(app)
    search_sync.install()
    # The last added runs first: the CSRF cookie and security headers (on every answer, the
    # refusals below included), then the body limit, then empty query parameters dropped,
    # then NUL (which reads the body, so inside the limit).
    app.add_middleware(RejectNulMiddleware)
    app.add_middleware(DropEmptyQueryParameters)
    app.add_middleware(LimitBodyMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(CsrfCookieAndHeadersMiddleware, secure=settings.cookie_secure)
    # The NL Design System style sheets are large and compress about tenfold.
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    # Outermost: every answer is counted under its route template, refusals included.
    app.add_middleware(MetricsMiddleware)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(observability_router)
    app.include_router(brand_router)
    app.include_router(accounts_router)
    app.include_router(oidc_router)
    app.include_router(accounts_api_router)
    app.include_router(beheer_router)
    app.include_router(beheer_api_router)
    app.include_router(audit_router)
    app.include_router(audit_api_router)
    app.include_router(avg_router)
    app.include_router(avg_api_router)
    app.include_router(wiki_api_router)
    app.include_router(search_api_router)
    app.include_router(search_router)
    app.include_router(wiki_manage_router)  # before the reading routes: /items/nieuw wins
    app.include_router(wiki_router)
    app.include_router(meetings_api_router)
    app.include_router(meetings_manage_router)  # before the reading routes: /werkoverleg/regels wins
    app.include_router(meetings_router)
    app.include_router(plan_router)
    app.include_router(plan_api_router)
    app.include_router(questions_pages)
    app.include_router(questions_api)
    app.include_router(goals_api)
    app.include_router(goals_pages)
    app.include_router(work_router)
    app.include_router(inbox_pages)
    app.include_router(inbox_api)
    app.include_router(inbox_feeds)
    return app


def create_served_app() -> FastAPI:
    """The application as `kennisbank serve` runs it: uvicorn calls this in every worker process.

    What is loaded by now lives as long as the process: keep it out of the garbage collector's
    full rounds, which otherwise walk it all (over 100 ms on this machine kind, every few
    requests of a large page). Only here, not in `create_app`: frozen objects are never freed,
    so in tests, which create many applications in one process, it would keep every one alive.
    """
    app = create_app()
    search_sync.warm_up()
    gc.collect()
    gc.freeze()
    return app
