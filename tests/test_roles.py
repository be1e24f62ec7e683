"""Every route, walked with every role (and without login): allowed or denied as DESIGN.md says.

The table below is the policy. A new route fails this test until it is added here.
"""

from datetime import date

import pytest
from fastapi.routing import APIRoute

from app import migrate
from app.accounts import service as accounts_service
from app.accounts.models import Role
from app.config import CONTENT_DIR
from app.db import get_engine, utcnow
from app.goals import service as goals_service
from app.questions import service as questions_service
from app.questions.models import QuestionIn
from app.search import service as search_service
from app.web.deps import CSRF_COOKIE, SESSION_COOKIE
from tests.conftest import new_database
from tests.factories import browser, login, make_item, make_meeting, make_theme, make_user

# Pages and texts: SQL does not decide them, so SQLite is enough.
pytestmark = pytest.mark.any_database

PUBLIC = "public"
FEED_KEY = "feed key"  # no role opens it: a feed key does (tests/inbox/test_sharing.py)
METRICS = "address or token"  # no role opens it (tests/observability/test_metrics.py)
ANYONE = "logged in"
KWALITEIT = {Role.kwaliteit}
# The team's contactpersoon (every account in the walk belongs to the meeting's team) and Kwaliteit.
MEETING = {Role.kwaliteit, Role.contactpersoon}
TEAM_RULE = {Role.beheerder, Role.contactpersoon}
ANSWER = {Role.kwaliteit, Role.contactpersoon}  # the asker's contactpersoon, and Kwaliteit
BEHEER = {Role.beheerder}
AUDIT = {Role.beheerder, Role.kwaliteit}

POLICY: dict[tuple[str, str], object] = {
    ("GET", "/docs"): PUBLIC,  # the API documentation (Swagger UI, vendored)
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): PUBLIC,
    ("GET", "/login/oidc"): PUBLIC,  # to the municipality's identity provider (404 when not set up)
    ("GET", "/login/oidc/callback"): PUBLIC,
    ("GET", "/account"): ANYONE,
    ("POST", "/account/tokens"): ANYONE,
    ("POST", "/account/wachtwoord"): ANYONE,
    ("POST", "/account/tokens/{token_id}/intrekken"): ANYONE,
    ("GET", "/"): ANYONE,
    ("GET", "/themas"): ANYONE,
    ("GET", "/themas/{slug}"): ANYONE,
    ("GET", "/themas/overzicht"): ANYONE,
    ("GET", "/themas/poster"): ANYONE,
    ("GET", "/huisstijl/thema.css"): PUBLIC,
    ("GET", "/huisstijl/logo"): PUBLIC,
    ("GET", "/themas/nieuw"): KWALITEIT,
    ("POST", "/themas/nieuw"): KWALITEIT,
    ("GET", "/themas/{slug}/bewerken"): KWALITEIT,
    ("POST", "/themas/{slug}/bewerken"): KWALITEIT,
    ("GET", "/items/nieuw"): KWALITEIT,
    ("POST", "/items/nieuw"): KWALITEIT,
    ("GET", "/items/{slug}"): ANYONE,
    ("GET", "/items/{slug}/bewerken"): KWALITEIT,
    ("POST", "/items/{slug}/bewerken"): KWALITEIT,
    ("POST", "/items/{slug}/status"): KWALITEIT,
    ("POST", "/items/{slug}/gecontroleerd"): KWALITEIT,
    ("GET", "/items/{slug}/geschiedenis"): ANYONE,
    ("GET", "/controle"): KWALITEIT,
    ("POST", "/controle/gecontroleerd"): KWALITEIT,
    ("POST", "/controle/thema"): KWALITEIT,
    ("GET", "/zoeken"): ANYONE,
    ("GET", "/zoeken/synoniemen"): KWALITEIT,
    ("POST", "/zoeken/synoniemen"): KWALITEIT,
    ("POST", "/zoeken/synoniemen/{group_id}/verwijderen"): KWALITEIT,
    ("GET", "/zoeken/analyse"): KWALITEIT,
    ("GET", "/api/v1/search/analytics"): KWALITEIT,
    ("GET", "/api/v1/me"): ANYONE,
    ("GET", "/werk"): KWALITEIT,
    ("GET", "/inbox"): KWALITEIT,
    ("POST", "/inbox/berichten/{entry_id}"): KWALITEIT,
    ("GET", "/inbox/bronnen"): KWALITEIT,
    ("POST", "/inbox/bronnen"): KWALITEIT,
    ("POST", "/inbox/bronnen/{source_id}"): KWALITEIT,
    ("POST", "/inbox/nieuwsbrief"): KWALITEIT,
    ("GET", "/inbox/delen"): KWALITEIT,
    ("POST", "/inbox/delen"): KWALITEIT,
    ("POST", "/inbox/delen/{token_id}/intrekken"): KWALITEIT,
    ("GET", "/feeds/items.atom"): FEED_KEY,
    ("GET", "/api/v1/sources"): KWALITEIT,
    ("POST", "/api/v1/sources"): KWALITEIT,
    ("POST", "/api/v1/sources/{source_id}/poll"): KWALITEIT,
    ("GET", "/api/v1/inbox"): KWALITEIT,
    ("POST", "/api/v1/inbox/{entry_id}/draft"): KWALITEIT,
    ("POST", "/api/v1/inbox/{entry_id}/reject"): KWALITEIT,
    ("GET", "/api/v1/search"): ANYONE,
    ("GET", "/api/v1/search/suggest"): ANYONE,
    ("GET", "/api/v1/health"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,  # for a load balancer: no login, nothing secret
    ("GET", "/metrics"): METRICS,
    ("GET", "/api/v1/themes"): ANYONE,
    ("GET", "/api/v1/items"): ANYONE,
    ("GET", "/api/v1/items/{slug}"): ANYONE,
    ("POST", "/api/v1/items"): KWALITEIT,
    ("PUT", "/api/v1/items/{slug}"): KWALITEIT,
    ("GET", "/plan"): ANYONE,
    ("GET", "/plan/mt"): ANYONE,
    ("GET", "/plan/geschiedenis"): ANYONE,
    ("GET", "/plan/geschiedenis/{number}"): ANYONE,
    ("GET", "/plan/plan.md"): ANYONE,
    ("GET", "/plan/plan.pdf"): ANYONE,
    ("GET", "/plan/bewerken/{part}"): KWALITEIT,
    ("POST", "/plan/bewerken/{part}"): KWALITEIT,
    ("POST", "/plan/importeren"): KWALITEIT,
    ("POST", "/plan/groepen"): KWALITEIT,
    ("POST", "/plan/groepen/{group_id}"): KWALITEIT,
    ("POST", "/plan/factoren"): KWALITEIT,
    ("POST", "/plan/factoren/{factor_id}"): KWALITEIT,
    ("POST", "/plan/factoren/{factor_id}/verwijderen"): KWALITEIT,
    ("POST", "/plan/strategieen"): KWALITEIT,
    ("POST", "/plan/strategieen/{strategy_id}/verwijderen"): KWALITEIT,
    ("POST", "/plan/acties"): KWALITEIT,
    ("POST", "/plan/acties/{action_id}"): KWALITEIT,  # and the action's owner (tests/plan)
    ("POST", "/plan/activiteiten"): KWALITEIT,
    ("POST", "/plan/activiteiten/{activity_id}/verwijderen"): KWALITEIT,
    ("POST", "/plan/borging/{sign}"): KWALITEIT,
    ("GET", "/plan/evaluatie"): ANYONE,
    ("POST", "/plan/evaluatie"): KWALITEIT,
    ("GET", "/plan/werkplan"): ANYONE,
    ("GET", "/plan/werkplan/{year}"): ANYONE,
    ("POST", "/plan/werkplan"): KWALITEIT,
    ("POST", "/plan/werkplan/{year}/doelen"): KWALITEIT,
    ("POST", "/plan/werkplan/{year}/resultaten"): KWALITEIT,
    ("POST", "/plan/werkplan/{year}/acties"): KWALITEIT,
    ("POST", "/plan/werkplan/resultaten/{result_id}"): KWALITEIT,
    ("GET", "/api/v1/plan"): ANYONE,
    ("GET", "/api/v1/plan/actions"): ANYONE,
    ("POST", "/api/v1/plan/actions"): KWALITEIT,
    ("PATCH", "/api/v1/plan/actions/{action_id}"): KWALITEIT,  # and the action's owner: status only
    ("GET", "/werkoverleg"): ANYONE,
    ("GET", "/werkoverleg/regels"): ANYONE,
    ("POST", "/werkoverleg/regels"): TEAM_RULE,
    ("GET", "/werkoverleg/{meeting_id}"): ANYONE,
    ("GET", "/werkoverleg/{meeting_id}/agenda.ics"): ANYONE,
    ("GET", "/werkoverleg/{meeting_id}/bewerken"): MEETING,
    ("POST", "/werkoverleg/{meeting_id}/samenstellen"): MEETING,
    ("POST", "/werkoverleg/{meeting_id}/agenda"): MEETING,
    ("POST", "/werkoverleg/{meeting_id}/verplaatsen"): MEETING,
    ("POST", "/werkoverleg/{meeting_id}/afzeggen"): MEETING,
    ("GET", "/werkoverleg/{meeting_id}/aanwezigheid"): MEETING,
    ("POST", "/werkoverleg/{meeting_id}/aanwezigheid"): MEETING,
    ("GET", "/api/v1/meetings"): ANYONE,
    ("GET", "/api/v1/meetings/{meeting_id}"): ANYONE,
    ("GET", "/api/v1/meetings/{meeting_id}/agenda.ics"): ANYONE,
    ("PUT", "/api/v1/meetings/{meeting_id}/attendance"): MEETING,
    ("GET", "/vragen"): ANYONE,
    ("POST", "/vragen"): ANYONE,
    ("POST", "/vragen/{question_id}/antwoord"): ANSWER,
    ("POST", "/vragen/{question_id}/concept"): ANSWER,
    ("GET", "/api/v1/questions"): ANYONE,
    ("POST", "/api/v1/questions"): ANYONE,
    ("PUT", "/api/v1/questions/{question_id}/answer"): ANSWER,
    # "Had u hier iets aan?": only the asker; for anyone else the question is not there (404,
    # tests/questions/test_advice.py), so the walk's colleague's question opens for no role.
    ("POST", "/vragen/{question_id}/geholpen"): ANYONE,
    ("POST", "/api/v1/questions/{question_id}/helped"): ANYONE,
    ("GET", "/api/v1/questions/monitoring"): {Role.kwaliteit, Role.contactpersoon, Role.management},
    ("GET", "/doelen"): ANYONE,
    ("GET", "/doelen.csv"): ANYONE,
    ("GET", "/doelen/personen/{person_id}"): KWALITEIT,  # another person's progress
    ("GET", "/api/v1/goals"): ANYONE,
    ("GET", "/api/v1/goals/persons/{person_id}"): KWALITEIT,
    ("GET", "/doelen/functioneringsgesprekken"): {Role.leidinggevende},
    ("POST", "/doelen/functioneringsgesprekken"): {Role.leidinggevende},
    ("POST", "/doelen/mt-akkoord"): {Role.management, Role.kwaliteit},
    ("GET", "/doelen/{key}/bewerken"): KWALITEIT,
    ("POST", "/doelen/{key}/bewerken"): KWALITEIT,
    ("GET", "/doelen/opleiding"): KWALITEIT,
    ("GET", "/beheer/audit"): AUDIT,
    ("GET", "/api/v1/audit"): AUDIT,
    ("GET", "/account/gegevens"): ANYONE,
    ("GET", "/account/gegevens.json"): ANYONE,
    ("GET", "/api/v1/me/data"): ANYONE,
    ("GET", "/beheer/personen/{person_id}/verwijderen"): {Role.beheerder},
    ("POST", "/beheer/personen/{person_id}/verwijderen"): {Role.beheerder},
    ("POST", "/doelen/opleiding"): KWALITEIT,
    ("GET", "/wachtwoord/{token}"): PUBLIC,  # a one-time link (tests/beheer/test_links.py)
    ("POST", "/wachtwoord/{token}"): PUBLIC,
    ("GET", "/beheer"): BEHEER,
    ("GET", "/beheer/gebruikers"): BEHEER,
    ("POST", "/beheer/gebruikers"): BEHEER,
    ("GET", "/beheer/gebruikers/{user_id}"): BEHEER,
    ("POST", "/beheer/gebruikers/{user_id}"): BEHEER,
    ("POST", "/beheer/gebruikers/{user_id}/deactiveren"): BEHEER,
    ("POST", "/beheer/gebruikers/{user_id}/heractiveren"): BEHEER,
    ("POST", "/beheer/gebruikers/{user_id}/uitnodigen"): BEHEER,
    ("POST", "/beheer/gebruikers/{user_id}/herstellink"): BEHEER,
    ("POST", "/beheer/gebruikers/import"): BEHEER,
    ("GET", "/beheer/gebruikers/import"): BEHEER,  # the preview's address again: back to the list
    ("POST", "/beheer/gebruikers/import/bevestigen"): BEHEER,
    ("GET", "/beheer/teams"): BEHEER,
    ("POST", "/beheer/teams"): BEHEER,
    ("GET", "/beheer/teams/{team_id}"): BEHEER,
    ("POST", "/beheer/teams/{team_id}"): BEHEER,
    ("POST", "/beheer/teams/{team_id}/leden"): BEHEER,
    ("GET", "/beheer/instellingen"): BEHEER,
    ("GET", "/api/v1/users"): BEHEER,
    ("POST", "/api/v1/users"): BEHEER,
    ("PATCH", "/api/v1/users/{user_id}"): BEHEER,
    ("GET", "/api/v1/teams"): BEHEER,
    ("POST", "/api/v1/teams"): BEHEER,
    ("PATCH", "/api/v1/teams/{team_id}"): BEHEER,
}


def _walk(routes, prefix=""):  # type: ignore[no-untyped-def]
    for route in routes:
        if isinstance(route, APIRoute):
            yield from ((method, prefix + route.path) for method in route.methods)
        elif hasattr(route, "original_router"):  # FastAPI keeps included routers nested
            context = getattr(route, "include_context", None)
            yield from _walk(route.original_router.routes, prefix + getattr(context, "prefix", ""))


def app_routes(app) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return set(_walk(app.routes))


def test_policy_covers_every_route(app):
    assert app_routes(app) == set(POLICY)


def allowed(rule: object, role: Role | None) -> bool:
    if rule == PUBLIC:
        return True
    if rule in (FEED_KEY, METRICS):
        return False
    if role is None:
        return False
    return rule == ANYONE or role in rule  # type: ignore[operator]


@pytest.fixture(scope="module")
def ready_database():  # type: ignore[no-untyped-def]
    """A migrated SQLite database of its own for /readyz: the test's SQLite database is
    write-locked by the test's open transaction, and a readiness check would wait for it
    (PostgreSQL lets it read)."""
    engine, _, cleanup = new_database("sqlite")
    migrate.upgrade(engine)
    yield engine
    cleanup()  # type: ignore[operator]


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: r or "anoniem")
def test_every_route_with_every_role(client, db, search_index, ready_database, role):
    bind = db.get_bind()
    ready = bind.engine if bind.dialect.name == "postgresql" else ready_database
    client.app.dependency_overrides[get_engine] = lambda: ready  # for /readyz
    theme = make_theme(db, slug="thema")
    group = search_service.save_synonyms(db, "bvv, beslagvrije voet")
    item = make_item(db, theme, title="Het item", review_date="2020-01-01")
    team = accounts_service.ensure_team(db, "team", "Team")
    meeting = make_meeting(db, team, days_ahead=10, with_agenda=True)
    goals_service.seed(db, goals_service.load_file(CONTENT_DIR / "goals.yaml"), date(2027, 1, 4))
    colleague = make_user(db, Role.medewerker, team_slug="team")
    question = questions_service.ask(db, QuestionIn(text="Een vraag", theme="thema"), colleague, utcnow())
    token_id = "999999"
    api_headers: dict[str, str] = {}
    csrf = "geen"
    if role is not None:
        user = make_user(db, role, team_slug="team")
        csrf = login(client, db, user)
        accounts_service.create_api_token(db, user, "wordt ingetrokken")
        token_id = str(accounts_service.list_api_tokens(db, user)[0].id)
        api_headers = {"Authorization": f"Bearer {accounts_service.create_api_token(db, user)}"}
    else:
        csrf = browser(client)

    item_json = {"title": "Nieuw", "summary": "Kort.", "dossier_meaning": "Doe iets.", "theme": "thema"}
    forms = {
        "/login": {"email": "niemand@example.org", "password": "x" * 12},
        "/items/nieuw": {**item_json, "audience": "beide"},
        "/items/{slug}/bewerken": {**item_json, "audience": "beide", "version": "1"},
        "/items/{slug}/status": {"status": "archived", "version": "1"},
        "/items/{slug}/gecontroleerd": {"version": "1"},
        "/controle/gecontroleerd": {"item": item.slug},
        "/controle/thema": {"theme": "thema", "reason": "Nieuwe normen"},
        "/themas/nieuw": {"name": "Nieuw thema", "icon": "boek"},
        "/zoeken/synoniemen": {"terms": "shv, schuldhulp"},
        "/themas/{slug}/bewerken": {"name": "Thema", "icon": "wet"},
        "/werkoverleg/regels": {"kind": "werkoverleg", "team": "team", "weekday": "1", "week": "2",
                                "start_time": "10:00"},
        "/werkoverleg/{meeting_id}/agenda": {"actie": "punt", "title": "Rondvraag", "version": "1"},
        "/werkoverleg/{meeting_id}/verplaatsen": {"day": "2099-01-05", "at": "10:00"},
        "/werkoverleg/{meeting_id}/afzeggen": {"reason": "Te weinig mensen"},
        "/vragen": {"text": "Hoe zit het?"},
        "/vragen/{question_id}/antwoord": {"answer": "Zo."},
        "/vragen/{question_id}/geholpen": {"helped": "ja"},
        "/doelen/functioneringsgesprekken": {"person": str(colleague.id), "held_on": "2026-01-05", "discussed": "ja"},
        "/doelen/mt-akkoord": {"reached_on": "2026-01-05"},
        "/doelen/{key}/bewerken": {"target": "5", "start": "2027-01-04", "horizon_months": "6"},
        "/doelen/opleiding": {"actie": "agenderen", "item": item.slug},
        "/beheer/gebruikers": {"email": "nieuw@example.org", "name": "Nieuw", "role": "medewerker"},
        "/beheer/gebruikers/{user_id}": {"name": "Collega", "role": "medewerker", "team": "team"},
        "/beheer/teams": {"slug": "nieuw-team", "name": "Nieuw team"},
        "/beheer/teams/{team_id}": {"name": "Team", "audience": "beide"},
        "/beheer/teams/{team_id}/leden": {"actie": "rol", "user": str(colleague.id), "role": "medewerker"},
        "/beheer/gebruikers/import": {"inhoud": "email,name,role\nx@example.org,X,medewerker\n"},
        "/beheer/personen/{person_id}/verwijderen": {"confirm": "VERWIJDEREN"},
    }
    failures = []
    for (method, path), rule in sorted(POLICY.items()):
        url = (
            path.replace("{slug}", item.slug if "items" in path else "thema")
            .replace("{token_id}", token_id)
            .replace("{group_id}", str(group.id))
            .replace("{meeting_id}", str(meeting.id))
            .replace("{question_id}", str(question.id))
            .replace("{person_id}", str(colleague.id))
            .replace("{key}", "vakoverleggen")
            .replace("{user_id}", str(colleague.id))
            .replace("{team_id}", str(team.id))
            .replace("{token}", "geen-geldige-link")
        )
        if path.startswith(("/zoeken", "/api/v1/search")) and method == "GET":
            url += "?q=bvv"
        if path.endswith("/monitoring"):
            url += "?start=2027-01-01&end=2027-01-31"
        if path.startswith("/api/"):
            body = {**item_json, "version": 1} if method == "PUT" else item_json
            if "meetings" in path:
                body = {"attendance": []}
            elif path.endswith("/helped"):
                body = {"helped": True}
            elif "questions" in path:
                body = {"answer": "Zo."} if method == "PUT" else {"text": "Hoe zit het?"}
            response = client.request(
                method, url, headers=api_headers, json=body if method != "GET" else None
            )
            denied = response.status_code in (401, 403)
        else:
            if method == "GET":
                response = client.get(url, follow_redirects=False)
            else:
                data = {**forms.get(path, {}), "csrf_token": csrf}
                response = client.post(url, data=data, follow_redirects=False)
            denied = response.status_code == 403 or (
                response.status_code == 303 and response.headers["location"].startswith("/login?next=")
            )
        if rule == METRICS:  # refused as a page that does not exist
            denied = response.status_code == 404
        assert response.status_code < 500, (method, path, response.text)
        if denied == allowed(rule, role):
            failures.append((method, path, response.status_code))
        # Logging out or in changes who we are; restore the session for the next route.
        if path in ("/logout", "/login") and role is not None:
            client.cookies.delete(SESSION_COOKIE)
            csrf = login(client, db, user)
        elif path in ("/logout", "/login"):
            client.cookies.delete(CSRF_COOKIE)  # they renew the pre-session cookie
            csrf = browser(client)
    assert failures == [], f"role {role}: wrong allow/deny for {failures}"
