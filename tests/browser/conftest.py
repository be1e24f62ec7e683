"""Browser tests: Playwright drives Debian's Chromium against the service, started as people
start it (`kennisbank serve`) on a fresh data folder with the starter content and demo accounts.

Without Chromium these tests are skipped with a warning; in CI (CI=true) that is an error.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from app.config import PROJECT_ROOT
from app.inbox import journey
from tests.factories import free_port, wait_until_healthy

CHROMIUM = os.environ.get("KENNISBANK_TEST_CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
PASSWORD = "demo-wachtwoord"
SECOND_EDITOR = "tweede.kwaliteit@example.org"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}

try:
    from playwright.sync_api import Browser, Page, sync_playwright
except ImportError:  # pragma: no cover - the test extra installs it
    sync_playwright = None  # type: ignore[assignment]


def _problem() -> str | None:
    if sync_playwright is None:
        return "the playwright package is not installed"
    if not Path(CHROMIUM).exists():
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium chromium-driver)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    problem = _problem()
    if problem is None:
        return
    browser_items = [i for i in items if "tests/browser/" in str(i.fspath)]
    if browser_items and os.environ.get("CI") == "true":
        raise pytest.UsageError(f"CI must run the browser tests, but {problem}")
    for item in browser_items:
        item.add_marker(pytest.mark.skip(reason=problem))


@dataclass
class LiveServer:
    url: str
    data_dir: Path
    env: dict[str, str]
    log: Path

    def cli(self, *args: str, stdin: str = "", timeout: int = 120) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "app.cli", *args], cwd=PROJECT_ROOT, env=self.env,
            input=stdin, capture_output=True, text=True, timeout=timeout,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout


@contextmanager
def _serve(prepare: tuple[str, ...] | None = None, municipality: str = "Gemeente Voorbeeldstad",
           port: int | None = None, extra_env: dict[str, str] | None = None) -> Iterator[LiveServer]:
    """`kennisbank serve` on a fresh data folder; `prepare`: a CLI command to run first;
    `port` and `extra_env` for a server that another process must know the address of (the
    OpenID provider)."""
    data_dir = Path(tempfile.mkdtemp(prefix="kb-browser-"))
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    # The inbox journey reads a feed the test serves here; the shared feed links to its items.
    env = {**journey.demo_env(data_dir, url, municipality),
           "KENNISBANK_SCHEDULER": "true", **(extra_env or {})}  # as in production: the planner runs in the service
    log = data_dir / "server.log"
    server = None
    try:
        if prepare:
            LiveServer(url, data_dir, env, log).cli(*prepare, timeout=600)
        with log.open("w") as out:
            server = subprocess.Popen(
                [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
                cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            )
        wait_until_healthy(url, server, log.read_text)
        yield LiveServer(url, data_dir, env, log)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    with _serve() as live:
        live.cli("user", "add", SECOND_EDITOR, "--name", "Bram Tweede", "--role", "kwaliteit",
                 "--password-stdin", stdin=PASSWORD + "\n")
        yield live


@pytest.fixture(scope="session")
def second_server() -> Iterator[LiveServer]:
    """Another municipality's Wiki-bibliotheek, with a data folder of its own."""
    with _serve(municipality="Gemeente Buurstad") as live:
        yield live


@pytest.fixture(scope="session")
def simulated_server() -> Iterator[LiveServer]:
    """The demo after `kennisbank demo simulate --months 6`: a half year of records."""
    with _serve(("demo", "simulate", "--months", "6")) as live:
        yield live


@pytest.fixture(scope="session")
def browser() -> Iterator["Browser"]:
    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-quic"],
        )
        yield chromium
        chromium.close()


@dataclass
class Visitor:
    """One person at one browser: a page, and every console error and failed request it saw."""

    page: "Page"
    base: str
    problems: list[str] = field(default_factory=list)

    def go(self, path: str) -> "Page":
        response = self.page.goto(self.base + path)
        assert response is not None
        return self.page

    def login(self, email: str, password: str = PASSWORD) -> None:
        self.go("/login")
        self.page.get_by_label("E-mailadres").fill(email)
        self.page.get_by_label("Wachtwoord").fill(password)
        self.page.get_by_role("button", name="Inloggen").click()
        self.page.wait_for_url(self.base + "/")

    def axe(self) -> list[dict]:
        """Serious and critical WCAG 2.1 A/AA violations on the current page."""
        result = self.page.evaluate(
            """async () => await axe.run(document, {
                runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
                resultTypes: ["violations"]})"""
        )
        return [
            {"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")
        ]


def new_visitor(browser: "Browser", live_server: LiveServer, viewport: dict) -> Visitor:
    """A fresh browser context (no cookies) with one page; close it with .page.context.close()."""
    context = browser.new_context(viewport=viewport, locale="nl-NL", timezone_id="Europe/Amsterdam")
    context.set_default_timeout(15_000)
    # axe-core comes in as an init script: the page's Content-Security-Policy would refuse it
    # as a <script> tag, and the CSP itself is under test (its violations are console errors).
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    visitor = Visitor(page, live_server.url)
    problems = visitor.problems

    def on_console(message) -> None:  # type: ignore[no-untyped-def]
        # A page answered with 4xx on purpose (a refused login) logs "Failed to load resource";
        # failed resources are caught below, so only other errors (CSP, scripts) count here.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(f"console: {message.text}")

    def on_response(response) -> None:  # type: ignore[no-untyped-def]
        if response.status >= 400 and response.request.resource_type != "document":
            problems.append(f"{response.status} for {response.url}")

    page.on("console", on_console)
    page.on("response", on_response)
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    return visitor


@pytest.fixture
def visitor(browser, live_server) -> Iterator[Visitor]:  # type: ignore[no-untyped-def]
    one = new_visitor(browser, live_server, DESKTOP)
    yield one
    one.page.context.close()


@pytest.fixture
def phone_visitor(browser, live_server) -> Iterator[Visitor]:  # type: ignore[no-untyped-def]
    one = new_visitor(browser, live_server, PHONE)
    yield one
    one.page.context.close()


@pytest.fixture
def second_visitor(browser, live_server) -> Iterator[Visitor]:  # type: ignore[no-untyped-def]
    one = new_visitor(browser, live_server, DESKTOP)
    yield one
    one.page.context.close()


def describe(violations: list[dict]) -> str:
    return json.dumps(violations, indent=1, ensure_ascii=False)
