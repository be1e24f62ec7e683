"""One place for refusals: a domain error is raised with its status, the request's transaction
is rolled back, and the answer is JSON for the API or the form again with what was typed.
Through the real session dependency (the other tests share one open session)."""

import pytest
from bs4 import BeautifulSoup
from fastapi import Form, Request
from fastapi.responses import Response
from fastapi.testclient import TestClient
from sqlmodel import Session, select

import app.db
from app.accounts import service as accounts_service
from app.accounts.models import Role
from app.errors import InputError
from app.main import create_app
from app.web.deps import CsrfProtected, Editor, SessionDep, on_refusal
from app.web.templating import render
from app.wiki.models import Theme
from tests.factories import login, make_user, post_form


def half_work_routes(application):  # type: ignore[no-untyped-def]
    """Routes that write, flush, and then refuse: as a service that finds a problem late."""

    @application.post("/api/v1/half-werk", include_in_schema=False, dependencies=[CsrfProtected])
    def api_half_work(session: SessionDep, user: Editor, refuse: bool = True) -> dict:
        session.add(Theme(slug="half-werk", name="Half werk"))
        session.flush()
        if refuse:
            raise InputError("name", "Geweigerd nadat er al iets geschreven was.")
        return {"saved": True}

    @application.post("/half-werk", include_in_schema=False, dependencies=[CsrfProtected])
    def page_half_work(request: Request, session: SessionDep, user: Editor,
                       name: str = Form(max_length=120)) -> Response:
        def form_again(refused: InputError) -> Response:
            themes = [t.slug for t in session.exec(select(Theme))]
            return render(request, "error.html", {"title": "Opnieuw", "message": f"{refused.field}: {refused.message}",
                                                  "typed": {"name": name, "themes": " ".join(themes)}}, refused.status)

        on_refusal(request, form_again)
        session.add(Theme(slug="half-werk", name=name))
        session.flush()
        raise InputError("name", "Deze naam kan niet.")

    return application


@pytest.fixture
def real(real_engine, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(app.db, "get_engine", lambda: real_engine)
    with Session(real_engine, expire_on_commit=False) as session, TestClient(
        half_work_routes(create_app()), base_url="https://testserver"
    ) as client:
        yield client, session
        session.rollback()
        for theme in session.exec(select(Theme).where(Theme.slug == "half-werk")):
            session.delete(theme)
        session.commit()


def stored(session: Session) -> list[str]:
    """What another session sees committed (its read ends, so SQLite's lock is released)."""
    session.rollback()
    slugs = [t.slug for t in session.exec(select(Theme).where(Theme.slug == "half-werk"))]
    session.rollback()
    return slugs


def test_an_api_refusal_commits_nothing_of_what_was_flushed_before_it(real):
    client, session = real
    editor = make_user(session, Role.kwaliteit)
    headers = {"Authorization": f"Bearer {accounts_service.create_api_token(session, editor)}"}
    session.commit()
    refused = client.post("/api/v1/half-werk", headers=headers)
    assert refused.status_code == 422
    assert refused.json() == {"detail": [{"field": "name", "message": "Geweigerd nadat er al iets geschreven was.",
                                          "type": "invalid", "loc": ["body", "name"]}]}
    assert stored(session) == []
    # The same request without the refusal commits: the test above proves the rollback.
    assert client.post("/api/v1/half-werk?refuse=false", headers=headers).json() == {"saved": True}
    assert stored(session) == ["half-werk"]


def test_a_form_refusal_rolls_back_before_the_form_is_shown_again(real):
    client, session = real
    editor = make_user(session, Role.kwaliteit)
    session.commit()
    token = login(client, session, editor)
    session.commit()
    response = post_form(client, "/half-werk", {"name": "Mijn thema"}, token)
    assert response.status_code == 422
    page = BeautifulSoup(response.text, "html.parser")
    assert page.select_one("[role=alert]").text.strip() == "name: Deze naam kan niet."
    assert page.find("textarea", attrs={"name": "typed-1"}).text == "Mijn thema"  # what was typed
    assert page.find("textarea", attrs={"name": "typed-2"}).text == ""  # the flushed theme: gone
    assert stored(session) == []


def test_domain_errors_answer_with_their_own_status():
    from app.meetings import agenda as agenda_service
    from app.questions.service import NotAllowed
    from app.wiki.service import StaleVersion

    assert InputError("x", "y").status == 422
    assert agenda_service.StaleAgenda().status == 409
    assert NotAllowed("Nee.").status == 403 and NotAllowed("Nee.").body() == {"detail": "Nee."}
    assert issubclass(StaleVersion, InputError) and StaleVersion.status == 409


def test_a_unique_key_race_is_a_409_and_not_a_500(client, db, monkeypatch):
    """Two saves of the same new item at once: the database lets one through. The other, which
    checked the slug before the first committed, must get a clear 409."""
    from app.accounts import service as accounts_service
    from app.accounts.models import Role
    from app.wiki import service as wiki_service
    from tests.factories import make_item, make_theme, make_user

    theme = make_theme(db)
    editor = make_user(db, Role.kwaliteit)
    make_item(db, theme, editor, title="Dubbel", slug="dubbel")
    auth = {"Authorization": f"Bearer {accounts_service.create_api_token(db, editor)}"}
    db.commit()
    # As if the other save had not committed yet when this one looked for a free slug.
    monkeypatch.setattr(wiki_service, "unique_slug", lambda session, wanted: wanted)
    response = client.post("/api/v1/items", headers=auth, json={
        "title": "Dubbel", "summary": "S.", "dossier_meaning": "D.", "theme": theme.slug})
    assert response.status_code == 409, response.text
    assert response.json()["detail"][0]["type"] == "conflict"
    assert "tegelijk" in response.json()["detail"][0]["message"]
