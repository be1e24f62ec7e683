"""A NUL character is refused at the input, with a clear Dutch 4xx naming the field: the same on
SQLite (which would store it) and PostgreSQL (which would refuse it with an error)."""

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from app.accounts import service as accounts_service
from app.accounts.models import ApiToken, LoginAttempt, Role
from app.meetings.models import Meeting, MeetingStatus
from app.questions.models import Question
from app.web.errors import label_of
from tests.factories import browser, login, make_meeting, make_user, post_form

MESSAGE = "ongeldig teken (NUL)"


def refused_form(response, field: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 422, response.text[:300]
    text = " ".join(BeautifulSoup(response.text, "html.parser").select_one("main").text.split())
    assert f"{label_of(field)}: " in text and MESSAGE in text, text  # the field as the page calls it


def test_forms_refuse_nul_by_field(client, db):
    user = make_user(db, Role.kwaliteit)
    token = login(client, db, user)
    refused_form(post_form(client, "/account/tokens", {"name": "intra\x00net"}, token), "name")
    assert db.exec(select(ApiToken)).all() == []
    team = accounts_service.ensure_team(db, "noord", "Team Noord")
    meeting = make_meeting(db, team, days_ahead=10)
    response = post_form(client, f"/werkoverleg/{meeting.id}/afzeggen", {"reason": "ziek\x00"}, token)
    refused_form(response, "reason")
    assert db.get(Meeting, meeting.id).status == MeetingStatus.scheduled
    # Encoded as multipart too.
    response = client.post("/account/tokens", data={"csrf_token": token}, files={"name": (None, "a\x00b")},
                           follow_redirects=False)
    refused_form(response, "name")
    assert db.exec(select(ApiToken)).all() == []


def test_the_login_form_refuses_nul(client, db):
    token = browser(client)
    response = post_form(client, "/login", {"email": "a\x00@example.org", "password": "x" * 12}, token)
    refused_form(response, "email")
    assert db.exec(select(LoginAttempt)).all() == []


def test_the_api_refuses_nul_by_field(client, db):
    user = make_user(db, Role.contactpersoon)
    headers = {"Authorization": f"Bearer {accounts_service.create_api_token(db, user)}"}
    response = client.post("/api/v1/questions", json={"text": "Hoe zit het?", "asker": "a\u0000@example.org"},
                           headers=headers)
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["field"] == "asker" and MESSAGE in detail["message"] and detail["type"] == "nul_character"
    meeting = make_meeting(db, None, days_ahead=-1)
    response = client.put(f"/api/v1/meetings/{meeting.id}/attendance", headers=headers,
                          json={"attendance": [{"email": "x\u0000@example.org", "present": True}]})
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "attendance.0.email"
    assert db.exec(select(Question)).all() == []
    # A backslash before "u0000" is text, not a NUL.
    response = client.post("/api/v1/questions", json={"text": "Wat betekent \\u0000?"}, headers=headers)
    assert response.status_code == 201


def test_a_nul_in_a_page_address_gets_a_page_and_in_the_api_json(client, db):
    page = client.get("/zoeken?q=%00")
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
    document = BeautifulSoup(page.text, "html.parser")
    assert document.h1.text == "Ongeldig adres" and document.find("a", href="/") is not None
    assert page.headers["x-content-type-options"] == "nosniff"  # the security headers too
    api = client.get("/api/v1/search?q=%00")
    assert api.status_code == 400 and api.json()["detail"][0]["field"] == "query"


@pytest.mark.parametrize("content_type", ["application/vnd.api+json; charset=utf-8", "application/json; charset=utf-8"])
def test_a_json_type_with_parameters_is_checked_for_nul_too(client, db, content_type):
    """The attacker pass: `application/vnd.api+json; charset=utf-8` passed the check, and the
    two databases then answered differently."""
    user = make_user(db, Role.contactpersoon)
    headers = {"Authorization": f"Bearer {accounts_service.create_api_token(db, user)}", "content-type": content_type}
    response = client.post("/api/v1/questions", content=b'{"text": "vraag", "asker": "a\\u0000b@example.org"}',
                           headers=headers)
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["field"] == "asker" and detail["type"] == "nul_character"


def test_text_of_only_invisible_characters_is_empty(client, db):
    """A zero-width space or a direction mark shows nothing: a required text of only these is
    refused as empty, in the API as in the forms."""
    user = make_user(db, Role.kwaliteit)
    auth = {"Authorization": f"Bearer {accounts_service.create_api_token(db, user)}"}
    from tests.factories import make_theme

    theme = make_theme(db)
    sent = client.post("/api/v1/items", headers=auth, json={
        "title": "\u200b", "summary": "\u200b\u200b", "body": "\u202e", "dossier_meaning": "\u200e",
        "theme": theme.slug})
    assert sent.status_code == 422
    fields = {e["field"]: e["message"] for e in sent.json()["detail"]}
    assert fields == {"title": "Dit veld mag niet leeg zijn.", "summary": "Dit veld mag niet leeg zijn.",
                      "dossier_meaning": "Dit veld mag niet leeg zijn."}
    asked = client.post("/api/v1/questions", headers=auth, json={"text": "\u200b\ufeff \u200d"})
    assert asked.status_code == 422 and asked.json()["detail"][0]["field"] == "text"
    assert db.exec(select(Question)).all() == []
    # Visible text with a zero-width joiner inside is text.
    assert client.post("/api/v1/questions", headers=auth, json={"text": "Vraag\u200dtekst"}).status_code == 201


def test_a_body_that_cannot_be_read_gets_a_dutch_400_naming_the_body(client, db):
    user = make_user(db, Role.kwaliteit)
    auth = {"Authorization": f"Bearer {accounts_service.create_api_token(db, user)}",
            "Content-Type": "application/json"}
    sent = client.post("/api/v1/questions", headers=auth, content=b'{"text": "caf\xe9"}')
    assert sent.status_code == 400, sent.text
    assert sent.json()["detail"][0]["field"] == "body" and "kon niet gelezen worden" in sent.json()["detail"][0]["message"]
    schema = client.get("/openapi.json").json()
    questions = schema["paths"]["/api/v1/questions"]["post"]["responses"]
    assert {"400", "401", "403", "409", "413", "422"} <= set(questions)


def test_half_a_character_pair_in_api_json_is_a_422_by_field_and_nothing_is_stored(client, db):
    """JSON can spell a lone surrogate (\\ud800): no UTF-8 text holds it, and stored it gave a
    500 on the answer (the tags of an item)."""
    from tests.factories import make_theme

    make_theme(db, slug="thema")
    user = make_user(db, Role.kwaliteit)
    headers = {"Authorization": f"Bearer {accounts_service.create_api_token(db, user)}",
               "content-type": "application/json"}
    body = ('{"title": "T", "summary": "S.", "dossier_meaning": "D.", "theme": "thema", '
            '"tags": ["goed", "x\\ud800y"]}')
    response = client.post("/api/v1/items", content=body, headers=headers)
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["field"] == "tags.1" and "ongeldige tekens" in detail["message"]
    assert client.get("/api/v1/items", headers=headers).json()["total"] == 0
    # A whole pair (an emoji written as two escapes) is a character like any other.
    whole = body.replace("x\\ud800y", "x\\ud83d\\ude00y")
    assert client.post("/api/v1/items", content=whole, headers=headers).status_code == 201
