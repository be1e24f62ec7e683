"""The application with two routes that fail unexpectedly, for the 500 tests; served by uvicorn
in a process of its own by test_server_errors (`uvicorn tests.web.failing_app:create --factory`)."""

from fastapi import FastAPI

from app.main import create_app
from app.web.deps import CurrentUser


class Broken(RuntimeError):
    """A bug: nothing the user did."""


def add_failing_routes(app: FastAPI) -> FastAPI:
    @app.get("/kapot", include_in_schema=False)
    def broken_page(user: CurrentUser) -> None:
        raise Broken("a page that fails")

    @app.get("/api/v1/kapot", include_in_schema=False)
    def broken_api() -> None:
        raise Broken("an API call that fails")

    @app.get("/kapot-zonder-login", include_in_schema=False)
    def broken_public_page() -> None:
        raise Broken("a page that fails before anyone logs in")

    return app


def create() -> FastAPI:
    return add_failing_routes(create_app(run_scheduler=False))
