"""The pages too: every page route, described as OpenAPI for this test only, fuzzed by
schemathesis as Kwaliteit (who may use the most pages) with a session cookie and the CSRF
header. No input may make a server error (issue #11). Forms that read their fields themselves
get generated query and path parameters only."""

import copy
import os

import schemathesis
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from app.accounts import service as accounts_service
from app.accounts.models import Role
from app.config import get_settings
from app.goals.routes import pages as goals_pages
from app.meetings.manage import router as meetings_manage
from app.meetings.routes import router as meetings_pages
from app.plan.routes import router as plan_pages
from app.plan.werkplan_routes import router as werkplan_pages
from app.questions.routes import pages as questions_pages
from app.search.routes import pages as search_pages
from app.web.deps import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE, csrf_token_for_session
from app.wiki.manage import router as wiki_manage
from app.wiki.routes import router as wiki_pages
from tests.web import fuzzing

EXAMPLES = int(os.environ.get("KENNISBANK_FUZZ_EXAMPLES", "10"))
PAGES = (goals_pages, meetings_manage, meetings_pages, plan_pages, questions_pages, search_pages, werkplan_pages,
         wiki_manage, wiki_pages)


def pages_document() -> dict:
    routes = []
    for router in PAGES:
        for route in router.routes:
            if isinstance(route, APIRoute):
                shown = copy.copy(route)
                shown.include_in_schema = True
                routes.append(shown)
    return get_openapi(title="Pagina's", version="test", routes=routes)


def test_no_page_input_makes_a_server_error(app, db, search_index):  # type: ignore[no-untyped-def]
    user = fuzzing.small_library(db)[Role.kwaliteit]
    session = accounts_service.start_session(db, get_settings(), user, method="password")
    db.commit()
    headers = {"cookie": f"{SESSION_COOKIE}={session}; {CSRF_COOKIE}=fuzz", CSRF_HEADER: csrf_token_for_session(session)}
    document = pages_document()
    schema = schemathesis.openapi.from_dict(document, config=fuzzing.config(headers, EXAMPLES, ("not_a_server_error",)))
    schema.app = app
    tested, problems = fuzzing.run(schema)
    assert not problems, "\n".join(problems)
    assert len(tested) >= 45 and len(tested) == sum(len(ops) for ops in document["paths"].values())
