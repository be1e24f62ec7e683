"""docker-compose.yml: no engine runs here, so the file is checked by parsing it."""

import re

import pytest
import yaml
from sqlalchemy.engine import make_url

from app.config import PROJECT_ROOT, Settings


def compose() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())


def test_app_sets_only_settings_the_app_reads():
    env = compose()["services"]["app"]["environment"]
    known = {f"KENNISBANK_{name.upper()}" for name in Settings.model_fields}
    assert set(env) <= known, set(env) - known
    assert {"KENNISBANK_DATABASE_URL", "KENNISBANK_DATA_DIR", "KENNISBANK_SECRET_KEY"} <= set(env)
    assert env["KENNISBANK_ENVIRONMENT"] == "production"


def test_app_depends_on_the_database_it_points_at():
    spec = compose()
    app, db = spec["services"]["app"], spec["services"]["db"]
    assert "db" in app["depends_on"]
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    url = make_url(app["environment"]["KENNISBANK_DATABASE_URL"])
    assert url.drivername == "postgresql+psycopg"
    assert (url.host, url.port) == ("db", 5432)
    assert url.username == db["environment"]["POSTGRES_USER"]
    assert url.password == db["environment"]["POSTGRES_PASSWORD"]
    assert url.database == db["environment"]["POSTGRES_DB"]


def test_data_lives_in_named_volumes():
    spec = compose()
    named = set(spec["volumes"])
    for service in ("db", "app"):
        for mount in spec["services"][service]["volumes"]:
            source = mount.split(":")[0]
            assert source in named, f"{service} mounts {source}, not a named volume"
    data_dir = spec["services"]["app"]["environment"]["KENNISBANK_DATA_DIR"]
    assert any(m.endswith(f":{data_dir}") for m in spec["services"]["app"]["volumes"])


def test_secret_key_must_be_given():
    secret = compose()["services"]["app"]["environment"]["KENNISBANK_SECRET_KEY"]
    assert re.fullmatch(r"\$\{KENNISBANK_SECRET_KEY:\?.+\}", secret)


def test_production_refuses_a_missing_secret(monkeypatch):
    monkeypatch.setenv("KENNISBANK_ENVIRONMENT", "production")
    monkeypatch.setenv("KENNISBANK_SECRET_KEY", "kort")
    with pytest.raises(ValueError, match="KENNISBANK_SECRET_KEY"):
        Settings()
