"""KENNISBANK_LOG_FORMAT=json: one object per line, nothing of a search or a person in it; and
`serve --workers 2` shares its metrics, so any worker's scrape counts every worker's requests."""

import json
import logging
import os
import subprocess
import sys

import httpx
from bs4 import BeautifulSoup
from prometheus_client.parser import text_string_to_metric_families
from uvicorn.logging import AccessFormatter

from app.observability.logs import JsonFormatter, QuietAccessLog
from tests.factories import free_port, wait_until_healthy

SECRET_QUERY = "geheimezoekvraag"


def test_a_json_line_carries_no_exception_text():
    email = "anna" + "@example.org"  # not in the source line the stack shows
    try:
        raise ValueError(f"parameters: ({email!r},)")
    except ValueError:
        record = logging.LogRecord("kennisbank.web", logging.ERROR, __file__, 1, "Fout bij %s %s",
                                   ("GET", "/zoeken"), sys.exc_info())
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert {"time", "level", "logger", "message"} <= set(entry)
    assert (entry["level"], entry["logger"], entry["message"]) == ("ERROR", "kennisbank.web", "Fout bij GET /zoeken")
    assert entry["exception"] == "ValueError" and "test_logs.py" in entry["stack"]
    assert "anna" not in line and "\n" not in line


def test_the_access_log_loses_query_string_and_address():
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("203.0.113.9:5123", "GET", f"/zoeken?q={SECRET_QUERY}", "1.1", 200), None)
    assert QuietAccessLog().filter(record)
    for line in (AccessFormatter(fmt='%(client_addr)s - "%(request_line)s" %(status_code)s', use_colors=False).format(record),
                 JsonFormatter().format(record)):
        assert "/zoeken" in line
        assert SECRET_QUERY not in line and "203.0.113.9" not in line


def _families(text: str, name: str) -> dict[str, float]:
    """Samples of one metric by route."""
    return {s.labels["route"]: s.value for f in text_string_to_metric_families(text)
            for s in f.samples if s.name == name}


def test_served_with_two_workers_in_json(tmp_path):
    port = free_port()
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KENNISBANK_", "PROMETHEUS_"))}
    env.update(KENNISBANK_COOKIE_SECURE="false", KENNISBANK_LOG_FORMAT="json", TMPDIR=str(scratch),
               KENNISBANK_SCHEDULER="false")
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", "2"], cwd=tmp_path,
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_healthy(base, process, lambda: process.stderr.read() if process.poll() is not None else "")  # type: ignore[union-attr]
        assert [p.name for p in scratch.iterdir()][0].startswith("kennisbank-metrics-")
        with httpx.Client(base_url=base) as browser:
            form = BeautifulSoup(browser.get("/login").text, "html.parser")
            token = form.find("input", attrs={"name": "csrf_token"})["value"]
            assert browser.post("/login", data={"email": "medewerker@example.org", "password": "demo-wachtwoord",
                                                "csrf_token": token}).status_code == 303
            assert browser.get("/zoeken", params={"q": SECRET_QUERY}).status_code == 200
            browser.get(f"/bestaat-niet?q={SECRET_QUERY}")
        for _ in range(30):  # a new connection each: the two workers take turns
            assert httpx.get(f"{base}/readyz").status_code == 200
        for _ in range(6):  # whichever worker answers, it counts both workers' requests
            text = httpx.get(f"{base}/metrics").text
            assert _families(text, "kennisbank_http_requests_total")["/readyz"] == 30
            assert SECRET_QUERY not in text
    finally:
        process.terminate()
        stdout, stderr = process.communicate(timeout=60)
    lines = [json.loads(line) for line in stderr.splitlines() if line.strip()]  # every line is JSON
    assert lines and all({"time", "level", "logger", "message"} <= set(entry) for entry in lines)
    assert any(entry["logger"].startswith("uvicorn") for entry in lines)
    assert SECRET_QUERY not in stderr + stdout
    assert list(scratch.iterdir()) == []  # the shared metrics folder is gone
