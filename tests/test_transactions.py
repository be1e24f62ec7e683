"""The one transaction boundary: a request's work is committed before its response is sent."""

from collections.abc import Iterator

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.accounts import service as accounts_service
from app.accounts.models import Role
from app.db import get_session
from tests.factories import make_theme, make_user


def test_commit_happens_before_the_response_is_sent(app, db):
    events: list[str] = []
    make_theme(db, slug="t")
    token = accounts_service.create_api_token(db, make_user(db, Role.kwaliteit))

    def recording_session() -> Iterator[Session]:
        db.commit()
        yield db
        db.commit()
        events.append("commit")

    app.dependency_overrides[get_session] = recording_session

    async def recording_app(scope, receive, send):  # type: ignore[no-untyped-def]
        async def send_wrapper(message):  # type: ignore[no-untyped-def]
            if message["type"] == "http.response.start":
                events.append("response")
            await send(message)

        await app(scope, receive, send_wrapper)

    with TestClient(recording_app, base_url="https://testserver") as client:
        response = client.post(
            "/api/v1/items",
            json={"title": "T", "summary": "S", "dossier_meaning": "D", "theme": "t"},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 201
    assert events[-2:] == ["commit", "response"]


def test_no_route_that_uses_the_database_runs_on_the_event_loop():
    """A blocking database call inside an `async def` route stops every request of the process;
    on PostgreSQL two saves of one row at once then waited for each other for ever (the one
    holding the row lock needed the loop the other held). Such routes are plain `def`."""
    import inspect

    from fastapi.routing import APIRoute

    from app.db import get_session
    from app.main import create_app

    def uses_session(dependant) -> bool:  # type: ignore[no-untyped-def]
        return any(d.call is get_session or uses_session(d) for d in dependant.dependencies)

    def routes(found):  # type: ignore[no-untyped-def]
        for route in found:
            if isinstance(route, APIRoute):
                yield route
            elif hasattr(route, "original_router"):  # FastAPI keeps included routers nested
                yield from routes(route.original_router.routes)

    checked = [r for r in routes(create_app().routes) if uses_session(r.dependant)]
    on_the_loop = [f"{sorted(r.methods)[0]} {r.path}" for r in checked if inspect.iscoroutinefunction(r.endpoint)]
    assert len(checked) > 50 and on_the_loop == []
