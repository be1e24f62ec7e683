"""Error pages through the real session dependency, which rolls back and closes the session
before the error page is rendered (the other tests share one open session)."""

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session

import app.db
from app.accounts.models import Role
from app.main import create_app
from tests.factories import login, make_item, make_theme, make_user, post_form

# Pages and texts: SQL does not decide them, so SQLite is enough.
pytestmark = pytest.mark.any_database


@pytest.fixture
def real(real_engine, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(app.db, "get_engine", lambda: real_engine)
    with Session(real_engine, expire_on_commit=False) as session, TestClient(
        create_app(), base_url="https://testserver"
    ) as client:
        yield client, session


def title(response) -> str:  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.text, "html.parser").h1.text


def test_error_pages_for_a_logged_in_reader(real):
    client, session = real
    reader = make_user(session, Role.medewerker)
    theme = make_theme(session)
    session.commit()
    token = login(client, session, reader)
    session.commit()
    response = client.get("/controle")
    assert (response.status_code, title(response)) == (403, "Geen toegang")
    response = client.get("/items/bestaat-niet")
    assert (response.status_code, title(response)) == (404, "Niet gevonden")
    response = client.get(f"/themas/{theme.slug}?page=0")
    assert (response.status_code, title(response)) == (422, "Ongeldige invoer")
    # The field as the page calls it, not its name in the address.
    alert = " ".join(BeautifulSoup(response.text, "html.parser").select_one("[role=alert]").text.split())
    assert alert == "Pagina: Vul minstens 1 in."
    alert = BeautifulSoup(client.get("/zoeken", params={"q": "x" * 201}).text, "html.parser").select_one("[role=alert]")
    assert " ".join(alert.text.split()) == "Zoekvraag: Maximaal 200 tekens."
    response = post_form(client, "/items/nieuw", {"title": "x"}, token)
    assert response.status_code == 403
    # The page header still shows who is logged in.
    assert reader.name in response.text


def test_error_pages_for_kwaliteit(real):
    client, session = real
    editor = make_user(session, Role.kwaliteit)
    item = make_item(session, make_theme(session), author=editor)
    session.commit()
    token = login(client, session, editor)
    session.commit()
    response = post_form(client, f"/items/{item.slug}/gecontroleerd", {"version": "1", "next_review": "2000-01-01"}, token)
    assert response.status_code == 422 and "toekomst" in response.text
    response = post_form(client, "/account/tokens/9999/intrekken", {}, token)
    assert response.status_code == 404
    response = client.get(f"/items/{item.slug}/geschiedenis?van=50")
    assert response.status_code == 404
