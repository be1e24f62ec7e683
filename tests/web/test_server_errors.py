"""A 500, when one still happens, is a page of this site (or JSON for the API) with the security
headers, and leaves the connection usable (issue #11)."""

import os
import subprocess
import sys

import httpx
import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from app import migrate
from app.config import PROJECT_ROOT
from app.web.errors import SERVER_ERROR_MESSAGE
from app.web.middleware import _SECURITY_HEADERS
from tests.conftest import new_database
from tests.factories import free_port, login, make_user, wait_until_healthy
from tests.web.failing_app import add_failing_routes

SECURITY_HEADERS = [key.decode() for key, _ in _SECURITY_HEADERS]


def assert_security_headers(response: httpx.Response) -> None:
    for header in SECURITY_HEADERS:
        assert header in response.headers, header


def test_a_500_is_a_dutch_page_with_the_security_headers(app, db):
    add_failing_routes(app)
    with TestClient(app, base_url="https://testserver") as client:
        login(client, db, reader := make_user(db))
        response = client.get("/kapot")
        assert response.status_code == 500
        assert response.headers["content-type"].startswith("text/html")
        assert_security_headers(response)
        page = BeautifulSoup(response.text, "html.parser")
        assert page.h1.text == "Er ging iets mis"
        assert page.select_one("[role=alert]").text.strip() == SERVER_ERROR_MESSAGE
        assert reader.name in response.text  # the site's own page, with who is logged in
        assert "Traceback" not in response.text and "Broken" not in response.text

        anonymous = client.get("/kapot-zonder-login")
        assert anonymous.status_code == 500 and BeautifulSoup(anonymous.text, "html.parser").h1.text == "Er ging iets mis"

        api = client.get("/api/v1/kapot")
        assert api.status_code == 500
        assert api.json() == {"detail": SERVER_ERROR_MESSAGE}
        assert_security_headers(api)


def test_the_refusals_before_the_app_have_the_security_headers_too(client):
    assert_security_headers(client.get("/api/v1/items/a%00b"))
    big = client.post("/api/v1/items", content=b"x" * 3_000_000, headers={"content-type": "application/json"})
    assert big.status_code == 413
    assert_security_headers(big)


@pytest.fixture
def server(tmp_path):  # type: ignore[no-untyped-def]
    """tests.web.failing_app served by uvicorn in a process of its own, on loopback."""
    engine, url, cleanup = new_database("sqlite")
    migrate.upgrade(engine)
    port = free_port()
    env = {**os.environ, "KENNISBANK_DATABASE_URL": url, "KENNISBANK_DATA_DIR": str(tmp_path)}
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "tests.web.failing_app:create", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--no-access-log"],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        # Its output is read only once it stopped: a pipe of a running process would block.
        wait_until_healthy(base, process, lambda: process.stdout.read() if process.poll() is not None else "")  # type: ignore[union-attr]
        yield base, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        cleanup()  # type: ignore[operator]


def _local_port(response: httpx.Response) -> int:
    """The client's side of the connection the response came over."""
    return response.extensions["network_stream"].get_extra_info("client_addr")[1]


def test_after_a_500_the_keep_alive_connection_stays_usable(server):
    base, process = server
    with httpx.Client(base_url=base, timeout=30) as client:
        first = client.get("/api/v1/health")
        assert first.status_code == 200
        for path in ("/api/v1/kapot", "/kapot-zonder-login"):
            failed = client.get(path)
            assert failed.status_code == 500, path
            assert failed.headers.get("connection", "").lower() != "close"
            assert_security_headers(failed)
            after = client.get("/api/v1/health")
            assert after.status_code == 200 and after.json()["status"] == "ok"
            # One connection throughout: the server did not drop it after the 500.
            assert _local_port(first) == _local_port(failed) == _local_port(after), path
        assert failed.headers["content-type"].startswith("text/html")
        assert BeautifulSoup(failed.text, "html.parser").h1.text == "Er ging iets mis"
    process.terminate()
    output = process.communicate(timeout=20)[0]
    assert "a page that fails before anyone logs in" in output  # logged, with its traceback
