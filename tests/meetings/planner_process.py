"""Run as a separate process by test_two_processes: one planner round at a given moment.

planner_process START_FILE MOMENT: when loaded, create START_FILE.<pid>.ready; then wait for
START_FILE, run jobs.tick at MOMENT (ISO 8601), and print the wall-clock start and end of the
round and how many agendas it assembled.
"""

import os
import sys
import time
from datetime import datetime
from pathlib import Path

from app import clock
from app.config import Settings
from app.db import get_engine
from app.meetings import jobs

start_file, moment = Path(sys.argv[1]), datetime.fromisoformat(sys.argv[2])
settings = Settings(secret_key="s" * 40)
engine = get_engine()
with engine.connect():  # connected and imported: ready
    pass
Path(f"{start_file}.{os.getpid()}.ready").touch()
while not start_file.exists():  # start together with the other process
    time.sleep(0.005)
with clock.frozen(moment):
    began = time.time()
    done = jobs.tick(engine, settings)
    ended = time.time()
print(began, ended, sum(line.startswith("Agenda samengesteld") for line in done))
