"""The OpenAPI document declares the error bodies the API really sends (issue #11)."""

import jsonschema_rs  # schemathesis's own validator

from app.accounts import service as accounts_service
from app.accounts.models import Role
from tests.factories import make_theme, make_user


def check(spec: dict, name: str, body: dict) -> None:
    jsonschema_rs.validate({"$ref": f"#/components/schemas/{name}", "components": spec["components"]}, body)


def test_every_422_is_the_real_error_body(client, db):
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    assert set(schemas["FieldError"]["required"]) == {"field", "message", "type", "loc"}
    declared = [(path, method, op["responses"]["422"]) for path, ops in spec["paths"].items()
                for method, op in ops.items() if "422" in op["responses"]]
    assert len(declared) >= 10
    for path, method, response in declared:
        assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/FieldErrors"}, (path, method)
    put = spec["paths"]["/api/v1/items/{slug}"]["put"]["responses"]
    assert put["409"]["content"]["application/json"]["schema"]["$ref"].endswith("/StaleVersionError")
    assert "401" in spec["paths"]["/api/v1/themes"]["get"]["responses"]
    assert "401" not in spec["paths"]["/api/v1/health"]["get"]["responses"]

    # What the API sends matches it: pydantic's validation, a domain refusal, a stale version.
    make_theme(db, slug="t")
    headers = {"Authorization": f"Bearer {accounts_service.create_api_token(db, make_user(db, Role.kwaliteit))}"}
    missing = client.post("/api/v1/items", json={"title": ""}, headers=headers)
    refused = client.post("/api/v1/items", headers=headers, json={
        "title": "T", "summary": "S", "dossier_meaning": "D", "theme": "bestaat-niet"})
    query = client.get("/api/v1/meetings?team=nergens", headers=headers)
    for response in (missing, refused, query):
        assert response.status_code == 422
        check(spec, "FieldErrors", response.json())
    assert query.json()["detail"][0]["loc"] == ["query", "team"]
    created = client.post("/api/v1/items", headers=headers, json={
        "title": "T", "summary": "S", "dossier_meaning": "D", "theme": "t"}).json()
    update = {"title": "T2", "summary": "S", "dossier_meaning": "D", "theme": "t", "status": "draft", "version": 1}
    assert client.put(f"/api/v1/items/{created['slug']}", json=update, headers=headers).status_code == 200
    stale = client.put(f"/api/v1/items/{created['slug']}", json=update, headers=headers)
    assert stale.status_code == 409
    check(spec, "StaleVersionError", stale.json())
    check(spec, "Message", client.get("/api/v1/themes").json())
