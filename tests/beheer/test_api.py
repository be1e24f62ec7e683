"""The beheerder's API: users and teams, with 401, 403 and 422 naming the field."""

import pytest
from sqlmodel import select

from app.accounts import service as accounts_service
from app.accounts.models import Role
from app.audit.models import Action, AuditEvent
from tests.factories import make_user

pytestmark = pytest.mark.any_database


def bearer(db, role: Role) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"Authorization": f"Bearer {accounts_service.create_api_token(db, make_user(db, role))}"}


def test_who_may_use_it(client, db):
    assert client.get("/api/v1/users").status_code == 401
    assert client.post("/api/v1/teams", json={"slug": "a", "name": "A"}).status_code == 401
    other = bearer(db, Role.kwaliteit)
    assert client.get("/api/v1/users", headers=other).status_code == 403
    assert client.patch("/api/v1/teams/1", json={"name": "B"}, headers=other).status_code == 403


def test_users_and_teams(client, db):
    admin = bearer(db, Role.beheerder)
    team = client.post("/api/v1/teams", json={"slug": "west", "name": "Team West"}, headers=admin)
    assert team.status_code == 201 and team.json()["audience"] == "beide"
    created = client.post("/api/v1/users", json={"email": "x@example.org", "name": "Xandra", "role": "medewerker",
                                                 "team": "west"}, headers=admin)
    assert created.status_code == 201
    body = created.json()
    assert (body["team"], body["active"]) == ("west", True)

    changed = client.patch(f"/api/v1/users/{body['id']}", json={"role": "leidinggevende", "active": False}, headers=admin)
    assert changed.status_code == 200
    assert (changed.json()["role"], changed.json()["active"], changed.json()["team"]) == ("leidinggevende", False, "west")
    [event] = db.exec(select(AuditEvent).where(AuditEvent.action == Action.user_changed)).all()
    assert event.detail == {"role": {"old": "medewerker", "new": "leidinggevende"}}

    renamed = client.patch(f"/api/v1/teams/{team.json()['id']}", json={"name": "Team Westland"}, headers=admin)
    assert renamed.status_code == 200 and renamed.json()["name"] == "Team Westland"
    listed = client.get("/api/v1/teams", headers=admin).json()
    assert [t["slug"] for t in listed] == ["west"]
    assert "x@example.org" in [u["email"] for u in client.get("/api/v1/users", headers=admin).json()]


@pytest.mark.parametrize(("url", "method", "body", "field"), [
    ("/api/v1/users", "post", {"email": "geen-adres", "name": "A", "role": "medewerker"}, "email"),
    ("/api/v1/users", "post", {"email": "a@example.org", "name": "A", "role": "baas"}, "role"),
    ("/api/v1/users", "post", {"email": "a@example.org", "name": "A", "role": "medewerker", "team": "nergens"}, "team"),
    ("/api/v1/users", "post", {"email": "a@example.org", "role": "medewerker"}, "name"),
    ("/api/v1/teams", "post", {"slug": "Geen Slug!", "name": "A"}, "slug"),
    ("/api/v1/teams", "post", {"slug": "ok", "name": "A", "audience": "iedereen"}, "audience"),
])
def test_bad_input_names_the_field(client, db, url, method, body, field):
    response = client.request(method.upper(), url, json=body, headers=bearer(db, Role.beheerder))
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == field


def test_patch_unknown_user_is_404(client, db):
    admin = bearer(db, Role.beheerder)
    assert client.patch("/api/v1/users/999999", json={"name": "A"}, headers=admin).status_code == 404
    person = make_user(db)
    response = client.patch(f"/api/v1/users/{person.id}", json={"function": "kok"}, headers=admin)
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "function"
