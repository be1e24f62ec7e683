"""/metrics: who may read it, and what it counts (parsed as Prometheus parses it)."""

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import ValidationError

from app.config import Settings, get_settings
from app.db import get_engine, make_engine
from app.main import create_app
from app.scheduler import SafeJob, build, safely
from app.search import sync
from tests.factories import PASSWORD, browser, login, make_theme, make_user

TOKEN = "metrics-token-" + "t" * 32


def client_at(app, address: str) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(app, base_url="https://testserver", client=(address, 50000))


# What is counted does not depend on SQL: SQLite is enough (the outbox test runs on both).
pytestmark = pytest.mark.any_database


@pytest.fixture
def metrics_app(app, tmp_path):  # type: ignore[no-untyped-def]
    # The scrape reads the outbox on a connection of its own, which on SQLite would wait for
    # the write lock the test's rolled-back transaction holds: give it an empty database.
    engine = make_engine(f"sqlite:///{tmp_path / 'leeg.db'}")
    app.dependency_overrides[get_engine] = lambda: engine
    yield app
    engine.dispose()


@pytest.fixture
def local(metrics_app):  # type: ignore[no-untyped-def]
    with client_at(metrics_app, "127.0.0.1") as c:
        yield c


def scrape(client: TestClient) -> dict[tuple[str, frozenset], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "::ffff:127.0.0.1"])
def test_loopback_may_read(metrics_app, address):
    with client_at(metrics_app, address) as c:
        assert c.get("/metrics").status_code == 200


@pytest.mark.parametrize("address", ["10.1.2.3", "192.168.1.5", "2001:db8::1", "testclient"])
def test_other_addresses_get_a_plain_not_found(metrics_app, address):
    with client_at(metrics_app, address) as c:
        response = c.get("/metrics")
    assert response.status_code == 404
    assert "kennisbank_" not in response.text


def test_through_a_proxy_the_address_is_not_enough(local):
    # A proxy on this host whose header is not believed makes every visitor look like 127.0.0.1.
    for header in ("X-Forwarded-For", "Forwarded", "X-Real-IP"):
        assert local.get("/metrics", headers={header: "203.0.113.9"}).status_code == 404


def test_the_token_opens_it_from_anywhere_and_a_wrong_one_nowhere(metrics_app):
    metrics_app.dependency_overrides[get_settings] = lambda: Settings(metrics_token=TOKEN)
    with client_at(metrics_app, "203.0.113.9") as far, client_at(metrics_app, "127.0.0.1") as near:
        assert far.get("/metrics").status_code == 404
        assert far.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
        assert far.get("/metrics", headers={"Authorization": f"bearer {TOKEN}",
                                           "X-Forwarded-For": "198.51.100.1"}).status_code == 200
        assert far.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}x"}).status_code == 404
        assert near.get("/metrics", headers={"Authorization": "Bearer fout"}).status_code == 404
        assert near.get("/metrics").status_code == 200


def test_the_allowed_addresses_are_a_setting(metrics_app):
    metrics_app.dependency_overrides[get_settings] = lambda: Settings(metrics_allow_ips="10.0.0.0/8, 192.0.2.7")
    for address, status in (("10.20.30.40", 200), ("192.0.2.7", 200), ("192.0.2.8", 404), ("127.0.0.1", 404)):
        with client_at(metrics_app, address) as c:
            assert c.get("/metrics").status_code == status, address
    with pytest.raises(ValidationError, match="KENNISBANK_METRICS_ALLOW_IPS"):
        Settings(metrics_allow_ips="127.0.0.1,iedereen")
    with pytest.raises(ValidationError, match="KENNISBANK_METRICS_TOKEN"):
        Settings(metrics_token="kort")


def test_a_request_counts_under_its_route_template(local, db):
    theme = make_theme(db, slug="schuldsanering-geheim")
    login(local, db, make_user(db))
    before = scrape(local)
    assert local.get(f"/themas/{theme.slug}").status_code == 200
    # An empty query parameter has the scope copied on its way in: still the template.
    assert local.get(f"/themas/{theme.slug}?doelgroep=").status_code == 200
    assert local.get("/bestaat/niet-xyz123").status_code == 404
    after = scrape(local)
    labels = {"method": "GET", "route": "/themas/{slug}", "status": "200"}
    assert value(after, "kennisbank_http_requests_total", **labels) - value(
        before, "kennisbank_http_requests_total", **labels) == 2
    duration = {"method": "GET", "route": "/themas/{slug}"}
    assert value(after, "kennisbank_http_request_duration_seconds_count", **duration) - value(
        before, "kennisbank_http_request_duration_seconds_count", **duration) == 2
    unmatched = {"method": "GET", "route": "(geen route)", "status": "404"}
    assert value(after, "kennisbank_http_requests_total", **unmatched) - value(
        before, "kennisbank_http_requests_total", **unmatched) == 1
    text = local.get("/metrics").text
    assert "schuldsanering-geheim" not in text and "xyz123" not in text


def test_search_is_timed_on_the_page_and_the_api(local, db, search_index):
    login(local, db, make_user(db))
    before = scrape(local)
    assert local.get("/zoeken", params={"q": "beslagvrije voet"}).status_code == 200
    assert local.get("/api/v1/search", params={"q": "beslag"}).status_code == 200
    after = scrape(local)
    for via in ("page", "api"):
        assert value(after, "kennisbank_search_duration_seconds_count", via=via) - value(
            before, "kennisbank_search_duration_seconds_count", via=via) == 1
    assert "beslag" not in local.get("/metrics").text


def test_a_failed_login_is_counted_without_who(local, db):
    make_user(db, email="vergeten@example.org")
    token = browser(local)  # before any page: the site would set a CSRF cookie of its own
    before = scrape(local)
    response = local.post("/login", data={"email": "vergeten@example.org", "password": PASSWORD + "x",
                                          "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 401
    after = scrape(local)
    labels = {"method": "password", "reason": "refused"}
    assert value(after, "kennisbank_login_failures_total", **labels) - value(
        before, "kennisbank_login_failures_total", **labels) == 1
    assert "vergeten" not in local.get("/metrics").text


def test_outbox_depth_is_read_at_scrape_time(real_engine):
    app = create_app()
    app.dependency_overrides[get_engine] = lambda: real_engine
    with client_at(app, "127.0.0.1") as local:
        samples = scrape(local)
    assert ("kennisbank_search_outbox_depth", frozenset()) in samples
    assert value(samples, "kennisbank_search_outbox_depth") == sync.pending(real_engine)


def test_scheduler_rounds_and_failures_per_job(local, engine):
    ok, failing = safely(lambda: None), safely(lambda: 1 / 0)
    ok.job_id, failing.job_id = "proef-goed", "proef-fout"
    before = scrape(local)
    ok()
    ok()
    failing()  # logged and counted, never raised into the scheduler
    after = scrape(local)

    def delta(name: str, job: str) -> float:
        return value(after, name, job=job) - value(before, name, job=job)

    assert delta("kennisbank_scheduler_job_runs_total", "proef-goed") == 2
    assert delta("kennisbank_scheduler_job_failures_total", "proef-goed") == 0
    assert delta("kennisbank_scheduler_job_runs_total", "proef-fout") == 1
    assert delta("kennisbank_scheduler_job_failures_total", "proef-fout") == 1


def test_every_scheduled_job_is_counted_under_its_id(engine):
    jobs = build(engine, get_settings()).get_jobs()
    assert jobs and all(isinstance(job.func, SafeJob) for job in jobs)
    assert {job.func.job_id for job in jobs} == {job.id for job in jobs}
    assert {"werkoverleg", "zoekindex-wachtrij", "bronnen-ophalen"} <= {job.id for job in jobs}
