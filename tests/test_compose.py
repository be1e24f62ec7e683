"""docker-compose.yml, deploy/Caddyfile and the Dockerfile: no engine runs here, so the files
are checked by parsing them."""

import ipaddress
import json
import os
import re
import shutil
import subprocess

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
    for service in ("db", "app", "scheduler"):
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


# --- the services: proxy in front of scalable app replicas, one scheduler -----------------------


def test_the_services_are_db_app_scheduler_and_proxy():
    assert set(compose()["services"]) == {"db", "app", "scheduler", "proxy"}


def test_only_the_proxy_publishes_ports():
    services = compose()["services"]
    assert [name for name, spec in services.items() if spec.get("ports")] == ["proxy"]
    published = {str(p).split(":")[0] for p in services["proxy"]["ports"]}
    assert published == {"80", "443"}
    for name in ("app", "scheduler", "db"):
        assert "network_mode" not in services[name], name  # no way around the proxy


def test_app_is_scalable_and_leaves_the_planner_to_the_scheduler():
    app = compose()["services"]["app"]
    assert app["deploy"]["replicas"] >= 2
    assert "container_name" not in app  # a fixed name would forbid --scale
    assert app["environment"]["KENNISBANK_SCHEDULER"] == "false"
    assert app["command"][:2] == ["kennisbank", "serve"]
    assert app["command"][app["command"].index("--host") + 1] == "0.0.0.0"
    assert app["command"][app["command"].index("--port") + 1] == "8000"


def test_app_is_health_checked_on_its_health_path():
    spec = compose()["services"]
    check = " ".join(spec["app"]["healthcheck"]["test"])
    assert "http://127.0.0.1:8000/api/v1/health" in check
    assert "curl" not in check and "wget" not in check  # the slim image has Python, not those
    assert spec["proxy"]["depends_on"]["app"]["condition"] == "service_healthy"


def test_scheduler_runs_the_planner_from_the_same_image_and_settings():
    services = compose()["services"]
    app, scheduler = services["app"], services["scheduler"]
    assert scheduler["command"] == ["kennisbank", "scheduler"]
    assert scheduler["image"] == app["image"] and scheduler["build"] == app["build"]
    assert "ports" not in scheduler and "deploy" not in scheduler  # one of it
    shared = {k: v for k, v in app["environment"].items()
              if k not in ("KENNISBANK_SCHEDULER", "KENNISBANK_FORWARDED_ALLOW_IPS")}
    assert scheduler["environment"] == shared
    for key in ("KENNISBANK_DATABASE_URL", "KENNISBANK_SECRET_KEY", "KENNISBANK_DATA_DIR"):
        assert scheduler["environment"][key] == app["environment"][key]
    # The search index lives in the data folder: every process sees the same one.
    assert scheduler["volumes"] == app["volumes"]
    assert scheduler["depends_on"]["db"]["condition"] == "service_healthy"
    known = {f"KENNISBANK_{name.upper()}" for name in Settings.model_fields}
    assert set(scheduler["environment"]) <= known


def test_the_app_believes_forwarded_for_from_the_proxy_only():
    spec = compose()
    proxy, app = spec["services"]["proxy"], spec["services"]["app"]
    trusted = app["environment"]["KENNISBANK_FORWARDED_ALLOW_IPS"]
    proxy_address = proxy["networks"]["internal"]["ipv4_address"]
    assert trusted == proxy_address
    subnet = ipaddress.ip_network(spec["networks"]["internal"]["ipam"]["config"][0]["subnet"])
    assert ipaddress.ip_address(proxy_address) in subnet
    for name in ("app", "scheduler", "db"):
        assert spec["services"][name]["networks"] == ["internal"], name
    settings = Settings(forwarded_allow_ips=trusted)
    from app.cli import proxy_options

    assert proxy_options(settings) == {"proxy_headers": True, "forwarded_allow_ips": proxy_address}


def caddyfile() -> str:
    """deploy/Caddyfile without its comments."""
    text = (PROJECT_ROOT / "deploy" / "Caddyfile").read_text()
    return "\n".join(line.split("#")[0].rstrip() for line in text.splitlines())


def test_the_proxy_runs_caddy_with_the_caddyfile_of_the_repository():
    proxy = compose()["services"]["proxy"]
    assert proxy["image"].startswith("caddy:")
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    assert (PROJECT_ROOT / "deploy" / "Caddyfile").is_file()


def test_the_caddyfile_balances_over_every_app_replica_on_port_8000():
    text = caddyfile()
    assert text.count("{") == text.count("}")
    block = re.search(r"reverse_proxy\s*\{(.*)\n\t\}", text, re.S).group(1)
    dynamic = re.search(r"dynamic a \{(.*?)\}", block, re.S).group(1).split()
    # app:8000, each replica found by Docker's DNS (a static "app:8000" would be one upstream).
    assert dynamic[dynamic.index("name") + 1] == "app"
    assert dynamic[dynamic.index("port") + 1] == "8000"
    assert re.search(r"^\s*lb_policy (least_conn|round_robin)$", block, re.M)
    # X-Forwarded-For as Caddy sets it by default: the address it was reached from; a client's
    # own is not passed on (no trusted_proxies), nor is the header removed or rewritten.
    assert "trusted_proxies" not in text and "X-Forwarded-For" not in text
    site = re.search(r"^\{\$KENNISBANK_SITE_ADDRESS::80\} \{", text, re.M)
    assert site, "the site address comes from the environment, :80 by default"


# --- the image: the wheel, installed as a user without privileges --------------------------------


def test_the_dockerfile_installs_the_built_wheel_as_a_non_root_user():
    text = (PROJECT_ROOT / "Dockerfile").read_text()
    stages = re.split(r"^FROM ", text, flags=re.M)[1:]
    assert len(stages) == 2
    build, final = stages
    assert " AS build" in build.splitlines()[0]
    assert "pip wheel --no-cache-dir --no-deps --wheel-dir /wheels ." in build
    assert "COPY" not in final.replace("COPY --from", "")  # no source tree in the final image
    assert "pip install --no-cache-dir /wheels/*.whl" in final and "-e " not in final
    assert "from=build" in final
    users = re.findall(r"^USER (\S+)$", final, re.M)
    assert users == ["kennisbank"]
    assert "useradd --system" in final
    cmd = re.search(r"^CMD (.+)$", final, re.M).group(1)
    assert cmd.startswith('["kennisbank", "serve"')


@pytest.mark.skipif(shutil.which("caddy") is None, reason="caddy is not installed (apt-get install caddy)")
def test_caddy_reads_the_caddyfile_as_meant():
    """Where Caddy is installed, its own parser: the Caddyfile adapts to the configuration the
    test above reads into it."""
    done = subprocess.run(["caddy", "adapt", "--config", str(PROJECT_ROOT / "deploy" / "Caddyfile")],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "KENNISBANK_SITE_ADDRESS": ":80"})
    assert done.returncode == 0, done.stderr
    assert '"level":"warn"' not in done.stderr, done.stderr
    config = json.loads(done.stdout)
    assert config["admin"] == {"disabled": True}
    [server] = config["apps"]["http"]["servers"].values()
    assert server["listen"] == [":80"]
    [proxy] = [h for route in server["routes"] for h in route["handle"] if h["handler"] == "reverse_proxy"]
    assert proxy["dynamic_upstreams"] | {"refresh": None} == {"source": "a", "name": "app", "port": "8000", "refresh": None}
    assert proxy["load_balancing"]["selection_policy"]["policy"] == "least_conn"
    assert "headers" not in proxy and "trusted_proxies" not in proxy


def test_app_and_scheduler_search_in_the_database_they_share():
    services = compose()["services"]
    for name in ("app", "scheduler"):
        env = services[name]["environment"]
        settings = Settings(**{k.removeprefix("KENNISBANK_").lower(): v for k, v in env.items()
                               if k in ("KENNISBANK_SEARCH_BACKEND", "KENNISBANK_DATABASE_URL")})
        assert settings.search_backend == "postgresql", name


def test_search_in_postgresql_needs_a_postgresql_database():
    with pytest.raises(ValueError, match="KENNISBANK_SEARCH_BACKEND=postgresql"):
        Settings(search_backend="postgresql", database_url="")
