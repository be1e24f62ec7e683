"""The JSON API: reading, writing, paging, optimistic locking and bad input."""

import pytest

from app.accounts import service as accounts_service
from app.accounts.models import Role
from tests.factories import make_item, make_theme, make_user


@pytest.fixture
def editor_headers(db):
    editor = make_user(db, Role.kwaliteit, name="Kim Kwaliteit")
    return {"Authorization": f"Bearer {accounts_service.create_api_token(db, editor)}"}


@pytest.fixture
def reader_headers(db):
    reader = make_user(db, Role.medewerker)
    return {"Authorization": f"Bearer {accounts_service.create_api_token(db, reader)}"}


def new_item(theme_slug: str, **kw) -> dict:  # type: ignore[no-untyped-def]
    return {
        "title": "Beslagvrije voet per 1 januari",
        "summary": "De normen zijn gewijzigd.",
        "dossier_meaning": "Controleer de beslagvrije voet van lopende dossiers.",
        "body": "## Wat verandert\n\n- de normen",
        "theme": theme_slug,
        "audience": "beide",
        "status": "published",
        **kw,
    }


def test_health_is_public(client):
    assert client.get("/api/v1/health").json() == {"status": "ok"}


def test_api_needs_a_valid_token(client, db):
    assert client.get("/api/v1/themes").status_code == 401
    response = client.get("/api/v1/themes", headers={"Authorization": "Bearer kb_wrong"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_revoked_token_is_refused(client, db):
    user = make_user(db)
    token = accounts_service.create_api_token(db, user)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/themes", headers=headers).status_code == 200
    token_id = accounts_service.list_api_tokens(db, user)[0].id
    assert accounts_service.revoke_api_token(db, user, token_id)
    assert client.get("/api/v1/themes", headers=headers).status_code == 401


def test_themes_and_paged_items(client, db, reader_headers):
    theme = make_theme(db, slug="wsnp", name="Wsnp")
    for n in range(5):
        make_item(db, theme, title=f"Item {n}")
    make_item(db, theme, title="Concept", status="draft")
    themes = client.get("/api/v1/themes", headers=reader_headers).json()
    assert {"slug": "wsnp", "name": "Wsnp", "item_count": 5}.items() <= themes[0].items()

    page = client.get("/api/v1/items?page=2&per_page=2", headers=reader_headers).json()
    assert page["total"] == 5
    assert (page["page"], page["per_page"], len(page["items"])) == (2, 2, 2)
    last = client.get("/api/v1/items?page=3&per_page=2", headers=reader_headers).json()
    assert len(last["items"]) == 1
    slugs = {i["slug"] for p in (1, 2, 3) for i in client.get(
        f"/api/v1/items?page={p}&per_page=2", headers=reader_headers).json()["items"]}
    assert len(slugs) == 5


def test_create_get_and_update(client, db, editor_headers, reader_headers):
    make_theme(db, slug="beslag")
    response = client.post("/api/v1/items", json=new_item("beslag"), headers=editor_headers)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["slug"] == "beslagvrije-voet-per-1-januari"
    assert created["version"] == 1
    assert "<h2>Wat verandert</h2>" in created["body_html"]

    got = client.get(f"/api/v1/items/{created['slug']}", headers=reader_headers).json()
    assert got["title"] == created["title"]

    update = new_item("beslag", summary="Nieuwe samenvatting.", version=1, note="Samenvatting")
    response = client.put(f"/api/v1/items/{created['slug']}", json=update, headers=editor_headers)
    assert response.status_code == 200, response.text
    assert response.json()["version"] == 2
    assert response.json()["summary"] == "Nieuwe samenvatting."


def test_stale_update_gets_409_and_keeps_the_newer_text(client, db, editor_headers):
    theme = make_theme(db)
    item = make_item(db, theme, summary="Origineel.")
    first = new_item(theme.slug, summary="Eerste editor.", version=1)
    second = new_item(theme.slug, summary="Tweede editor.", version=1)
    assert client.put(f"/api/v1/items/{item.slug}", json=first, headers=editor_headers).status_code == 200
    response = client.put(f"/api/v1/items/{item.slug}", json=second, headers=editor_headers)
    assert response.status_code == 409
    body = response.json()
    assert body["detail"][0]["field"] == "version"
    assert body["current_version"] == 2
    assert "intussen gewijzigd" in body["detail"][0]["message"]
    assert client.get(f"/api/v1/items/{item.slug}", headers=editor_headers).json()["summary"] == "Eerste editor."


def test_reader_cannot_write(client, db, reader_headers):
    make_theme(db, slug="t")
    assert client.post("/api/v1/items", json=new_item("t"), headers=reader_headers).status_code == 403


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"summary": None}, "summary", "tekst"),
        ("drop-summary", "summary", "verplicht"),
        ({"summary": "x" * 301}, "summary", "300 tekens"),
        ({"theme": "bestaat-niet"}, "theme", "bestaat niet"),
        ({"valid_from": "morgen"}, "valid_from", "JJJJ-MM-DD"),
        ({"audience": "iedereen"}, "audience", "Kies een van: 'klantbegeleider', 'schuldregelaar' of 'beide'."),
        ({"tags": "geen lijst"}, "tags", "lijst"),
        ({"title": 12}, "title", "tekst"),
        ({"source_url": "javascript:alert(1)"}, "source_url", "http"),
        ({"onbekend": 1}, "onbekend", "bestaat niet"),
        ({"valid_from": "2026-07-01", "valid_until": "2026-01-01"}, "valid_until", "vóór"),
    ],
)
def test_bad_input_names_the_field(client, db, editor_headers, change, field, words):
    make_theme(db, slug="t")
    payload = new_item("t")
    if change == "drop-summary":
        del payload["summary"]
    else:
        payload.update(change)
    response = client.post("/api/v1/items", json=payload, headers=editor_headers)
    assert response.status_code == 422, response.text
    errors = response.json()["detail"]
    assert errors[0]["field"] == field
    assert words in errors[0]["message"]


def test_malformed_json(client, db, editor_headers):
    response = client.post(
        "/api/v1/items", content=b'{"title": "x",', headers={**editor_headers, "content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"
    assert "JSON" in response.json()["detail"][0]["message"]


def test_body_over_one_megabyte_is_refused(client, db, editor_headers):
    make_theme(db, slug="t")
    payload = new_item("t", body="a" * 1_100_000)
    response = client.post("/api/v1/items", json=payload, headers=editor_headers)
    assert response.status_code == 413
    assert response.json()["detail"][0]["field"] == "body"


def test_body_over_limit_without_content_length_is_refused(client, db, editor_headers):
    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(11):
            yield b"a" * 100_000

    response = client.post(
        "/api/v1/items", content=chunks(), headers={**editor_headers, "content-type": "application/json"}
    )
    assert response.status_code == 413


def test_bad_paging_is_a_clear_422(client, db, reader_headers):
    response = client.get("/api/v1/items?per_page=1000", headers=reader_headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "per_page"
    response = client.get("/api/v1/items?page=nul", headers=reader_headers)
    assert response.json()["detail"][0]["message"] == "Vul een geheel getal in."
    response = client.get("/api/v1/items?theme=geen", headers=reader_headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "theme"


def test_openapi_is_served(client):
    spec = client.get("/openapi.json").json()
    assert "/api/v1/items/{slug}" in spec["paths"]
    assert client.get("/docs").status_code == 200


def test_nul_characters_are_refused_not_a_500(client, db, editor_headers):
    make_theme(db, slug="t")
    response = client.post("/api/v1/items", json=new_item("t", title="a\u0000b"), headers=editor_headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "title"
    response = client.get("/api/v1/items/a%00b", headers=editor_headers)
    assert response.status_code == 400 and response.json()["detail"][0]["field"] == "path"
    response = client.get("/api/v1/items?theme=a%00b", headers=editor_headers)
    assert response.status_code == 400 and response.json()["detail"][0]["field"] == "query"


def test_put_must_name_the_status(client, db, editor_headers):
    theme = make_theme(db)
    item = make_item(db, theme)
    payload = new_item(theme.slug, version=1)
    del payload["status"]
    response = client.put(f"/api/v1/items/{item.slug}", json=payload, headers=editor_headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "status"


def test_put_without_review_date_keeps_it(client, db, editor_headers):
    theme = make_theme(db)
    item = make_item(db, theme, review_date="2030-06-01")
    response = client.put(f"/api/v1/items/{item.slug}", json=new_item(theme.slug, version=1), headers=editor_headers)
    assert response.json()["review_date"] == "2030-06-01"


def test_reserved_words_never_become_slugs(client, db, editor_headers):
    make_theme(db, slug="t")
    response = client.post("/api/v1/items", json=new_item("t", title="Nieuw"), headers=editor_headers)
    assert response.json()["slug"] == "nieuw-2"
    response = client.post("/api/v1/items", json=new_item("t", slug="nieuw"), headers=editor_headers)
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "slug"


def test_no_bsn_in_any_text_of_an_item(client, db):
    """Also the discussion question (it reaches every agenda), the tags, the source link and
    the note of a version (the history)."""
    from app.accounts import service as accounts_service
    from app.accounts.models import Role
    from tests.factories import make_theme, make_user

    editor = make_user(db, Role.kwaliteit)
    auth = {"Authorization": f"Bearer {accounts_service.create_api_token(db, editor)}"}
    theme = make_theme(db)
    base = {"title": "Titel", "summary": "Kort.", "dossier_meaning": "Doe iets.", "theme": theme.slug}
    for field, value in [("discussion_question", "Wie kent 111222333?"), ("tags", ["111222333"]),
                         ("source_url", "https://example.org/?bsn=111222333"), ("note", "Voor 111222333")]:
        sent = client.post("/api/v1/items", headers=auth, json={**base, field: value})
        assert sent.status_code == 422, field
        assert (sent.json()["detail"][0]["field"], sent.json()["detail"][0]["type"]) == (field, "bsn")
