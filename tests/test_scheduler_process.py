"""`kennisbank scheduler`: the planner as a process of its own, serving nothing, stopped by SIGTERM."""

import os
import signal
import subprocess
import sys
import tempfile
import time

import pytest
from sqlalchemy import create_engine
from sqlmodel import Session, select

from app.config import PROJECT_ROOT
from app.meetings.models import Agenda, Meeting

# One process against its own SQLite folder: what SQL decides is tested elsewhere.
pytestmark = pytest.mark.any_database


def test_the_scheduler_runs_the_jobs_without_serving_and_stops_on_sigterm(tmp_path):
    data = tmp_path / "data"
    env = {**os.environ, "KENNISBANK_DATA_DIR": str(data), "KENNISBANK_DATABASE_URL": "",
           "KENNISBANK_ENVIRONMENT": "development", "KENNISBANK_LOAD_DEMO_ACCOUNTS": "false",
           "PYTHONUNBUFFERED": "1"}

    def kennisbank(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "app.cli", *args], env=env, cwd=PROJECT_ROOT,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    # A team whose next werkoverleg is at most five weeks ahead, its agenda due 30 working days
    # before: planned by `rule`, but assembled only by the planner's round at its start.
    kennisbank("migrate")
    kennisbank("team", "add", "team-a", "--name", "Team A")
    kennisbank("rule", "team-a", "--day", "dinsdag", "--week", "eerste", "--time", "10:00", "--lead-days", "30")
    engine = create_engine(f"sqlite:///{data / 'kennisbank.db'}")
    with Session(engine) as s:
        assert s.exec(select(Meeting)).all() and not s.exec(select(Agenda)).all()

    log = tmp_path / "scheduler.log"
    with log.open("w") as out:
        # From a folder of its own: the planner needs nothing from the working directory.
        process = subprocess.Popen([sys.executable, "-m", "app.cli", "scheduler"], env=env,
                                   cwd=tempfile.mkdtemp(dir=tmp_path), stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        agendas: list = []
        while time.monotonic() < deadline and process.poll() is None:
            with Session(engine) as s:
                agendas = s.exec(select(Agenda)).all()
            if agendas and "Planner gestart" in log.read_text():
                break
            time.sleep(0.25)
        output = log.read_text()
        assert process.poll() is None, output
        assert len(agendas) == 1, output
        assert "Planner gestart met de taken" in output and "werkoverleg" in output, output
        assert "Agenda samengesteld" in output, output  # the job's own log line
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0, log.read_text()
        assert time.monotonic() - started < 10
        assert "Planner gestopt." in log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        engine.dispose()


def test_the_scheduler_stops_on_ctrl_c_too(tmp_path):
    env = {**os.environ, "KENNISBANK_DATA_DIR": str(tmp_path / "data"), "KENNISBANK_DATABASE_URL": "",
           "KENNISBANK_LOAD_DEMO_ACCOUNTS": "false", "PYTHONUNBUFFERED": "1"}
    log = tmp_path / "scheduler.log"
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "app.cli", "scheduler"], env=env, cwd=tmp_path,
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while "Planner gestart" not in log.read_text() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert process.poll() is None, log.read_text()
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0, log.read_text()
        assert "Planner gestopt." in log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
