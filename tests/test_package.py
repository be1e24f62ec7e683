"""The installable package: the wheel built from this repository, installed (not editable) in a
fresh virtual environment, serves from a folder that is not the repository, because the
migrations, the starter content, the templates and the static files ship inside it.

How the fresh environment gets the dependencies: by default the wheel is installed with
`--no-deps` and a .pth file lists this test environment's site-packages after the fresh one's,
so that the run costs seconds, not a download of every dependency. What is tested is still the
wheel: `app` is imported from the fresh site-packages (checked below), and the .pth does not
run this environment's editable-install hook (a directory named in a .pth file is only put on
sys.path; its own .pth files are not read). KENNISBANK_PACKAGE_TEST_DEPS=index installs the
dependencies from the package index instead, as a user would (slower).
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
import venv
import zipfile
from pathlib import Path

import httpx
import pytest

from app.config import PACKAGE_DIR, PROJECT_ROOT
from tests.factories import free_port, wait_until_healthy

# Builds and serves on its own SQLite folder: what SQL decides is tested elsewhere.
pytestmark = pytest.mark.any_database

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# What only the test extra (or the bench extra) brings: the base install has none of it.
EXTRAS_ONLY = ("locust", "playwright", "bs4", "pytest", "hypothesis", "schemathesis", "aiosmtpd", "gevent")


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without the repository on the path and without settings."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("KENNISBANK_") and k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    return {**env, "PYTHONUNBUFFERED": "1", **extra}


def run(args: list[str], **kwargs) -> subprocess.CompletedProcess:  # type: ignore[no-untyped-def]
    return subprocess.run(args, capture_output=True, text=True, timeout=kwargs.pop("timeout", 300), **kwargs)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    """Built from a copy of what a clone holds for the package (app/, pyproject.toml, README.md),
    as the Dockerfile's build stage does: setuptools' build/ folder stays out of the repository,
    where a stale one could slip removed files into the wheel."""
    source, out = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("wheel")
    shutil.copytree(PACKAGE_DIR, source / "app", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(PROJECT_ROOT / name, source / name)
    started = time.monotonic()
    built = run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", str(out)],
                cwd=out, env=clean_env())
    if built.returncode != 0:
        message = f"pip wheel failed (the build needs setuptools from the package index):\n{built.stderr[-3000:]}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    print(f"wheel built in {time.monotonic() - started:.1f} s")
    [found] = out.glob("kennisbank-*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    """A fresh virtual environment with the wheel installed; returns its bin folder."""
    root = tmp_path_factory.mktemp("venv")
    started = time.monotonic()
    venv.create(root, with_pip=True, clear=True)
    bin_dir = root / ("Scripts" if os.name == "nt" else "bin")
    python = bin_dir / "python"
    if os.environ.get("KENNISBANK_PACKAGE_TEST_DEPS") == "index":
        done = run([str(python), "-m", "pip", "install", "-q", str(wheel)], cwd=root, env=clean_env(), timeout=900)
    else:
        done = run([str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], cwd=root, env=clean_env())
        fresh = run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                    cwd=root, env=clean_env()).stdout.strip()
        ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
        (Path(fresh) / "kennisbank-test-dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    assert done.returncode == 0, done.stdout + done.stderr
    print(f"fresh environment with the wheel in {time.monotonic() - started:.1f} s")
    return bin_dir


def test_the_wheel_holds_every_file_of_the_package(wheel):
    """Templates, migrations, content and static files: every file under app/ is in the wheel."""
    names = set(zipfile.ZipFile(wheel).namelist())
    on_disk = {
        p.relative_to(PACKAGE_DIR.parent).as_posix() for p in PACKAGE_DIR.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }
    assert on_disk - names == set()
    for needed in ("app/migrations/env.py", "app/migrations/script.py.mako", "app/content/themes.yaml",
                   "app/content/goals.yaml", "app/static/css/app.css", "app/web/templates/base.html",
                   "app/meetings/templates/mail_agenda.txt"):
        assert needed in names, needed
    assert not [n for n in names if n.startswith(("tests/", "migrations/", "content/", "static/"))]


def test_the_installed_wheel_serves_from_another_folder(installed, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    data = tmp_path / "data"
    port = free_port()
    env = clean_env(KENNISBANK_DATA_DIR=str(data), KENNISBANK_LOAD_DEMO_ACCOUNTS="false")
    kennisbank = str(installed / "kennisbank")

    where = run([str(installed / "python"), "-c", "import app.config as c; print(c.PACKAGE_DIR)"], cwd=elsewhere, env=env)
    package = Path(where.stdout.strip())
    assert package.is_relative_to(installed.parent), f"app comes from {package}, not the fresh environment"
    assert not package.is_relative_to(PROJECT_ROOT)

    # The command line from the package: migrations from inside it, then an account and a token.
    migrated = run([kennisbank, "migrate"], cwd=elsewhere, env=env)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    added = run([kennisbank, "user", "add", "k@example.org", "--name", "Kees", "--role", "kwaliteit",
                 "--password-stdin"], input="een-lang-wachtwoord-1\n", cwd=elsewhere, env=env)
    assert added.returncode == 0, added.stdout + added.stderr
    token = run([kennisbank, "token", "create", "k@example.org"], cwd=elsewhere, env=env).stdout.strip()

    log = tmp_path / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen([kennisbank, "serve", "--port", str(port)], cwd=elsewhere, env=env,
                                   stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base, process, log.read_text, timeout=120)
        output = log.read_text()
        assert f"Startinhoud geladen: 50 items uit {package / 'content'}" in output, output

        login = httpx.get(f"{base}/login")
        assert login.status_code == 200 and "<form" in login.text  # a template from the package
        css = httpx.get(f"{base}/static/css/app.css")
        assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
        font = httpx.get(f"{base}/static/vendor/fonts/noto-sans-latin-400-normal.woff2")
        assert font.status_code == 200 and font.content[:4] == b"wOF2"
        themes = httpx.get(f"{base}/api/v1/themes", headers={"Authorization": f"Bearer {token}"})
        assert themes.status_code == 200, themes.text
        assert len(themes.json()) >= 10 and all(t["item_count"] > 0 for t in themes.json()), themes.json()
        # Nothing was written in the folder it ran from, and nothing in the repository's data.
        assert list(elsewhere.iterdir()) == []
    finally:
        process.terminate()
        process.wait(timeout=30)
    # uvicorn shuts down cleanly, then ends by the signal it was sent (-15).
    assert process.returncode in (0, -signal.SIGTERM), log.read_text()
    assert "Application shutdown complete" in log.read_text()


def test_bench_needs_no_test_extra():
    """`kennisbank bench …` imports what a measurement needs only when it runs: with nothing of
    the test or bench extras importable, the help answers and the load and inbox benchmarks say
    what to install instead of failing on an import. One process, every command in it."""
    commands = [["--help"], ["bench", "--help"],
                *(["bench", name, "--help"] for name in ("pages", "agenda", "goals", "load", "inbox", "search")),
                ["bench", "load", "--seconds", "1", "--database", "sqlite"], ["bench", "inbox", "--runs", "1"]]
    script = "\n".join([
        "import json, sys",
        *(f"sys.modules[{m!r}] = None" for m in EXTRAS_ONLY),
        "from typer.testing import CliRunner",
        "from app.cli import app",
        "runner = CliRunner()",
        f"results = [runner.invoke(app, args) for args in {commands!r}]",
        "print(json.dumps([[r.exit_code, r.output] for r in results]))",
    ])
    done = run([sys.executable, "-c", script], cwd=PROJECT_ROOT, env=clean_env(), timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    results = dict(zip(map(" ".join, commands), json.loads(done.stdout.splitlines()[-1]), strict=True))
    for args, (code, output) in results.items():
        if "--help" in args:
            assert code == 0, (args, output)
    for args in ("bench load --seconds 1 --database sqlite", "bench inbox --runs 1"):
        code, output = results[args]
        assert code == 1 and "pip install '.[bench]'" in output, (args, output)
