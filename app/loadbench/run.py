"""The load benchmark (`kennisbank bench load`): serve the application as a user would, log in
many colleagues through the login form and run the issue's mix against it with locust.

For each database: a fresh data folder (and on PostgreSQL a fresh database on the given server,
dropped afterwards); `kennisbank serve --workers N` as a subprocess with the settings a user
would give it; benchmark accounts and teams made through the service layer (as `kennisbank
user add`, `team add` and `rule` do); then locust, headless, in a process of its own (gevent
patches the whole process it runs in, so it gets one to itself).
"""

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from datetime import time as clock_time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, col, select

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
# The rows of the table, in the order a colleague meets them; "save" is the edit form's POST.
PAGES = ("home", "theme", "item", "search", "werkoverleg", "edit form", "save")
# Searches people type, all words from the starter content.
QUERIES = (
    "beslagvrije voet", "schuldsanering", "kwijtschelding", "moratorium", "saneringskrediet",
    "budgetbeheer", "vroegsignalering", "huurachterstand", "dwangakkoord", "bewindvoerder",
    "aflossingscapaciteit", "stabilisatie", "schone lei", "zorgverzekering", "toeslagen",
    "hersteloperatie", "vtlb", "wachttijd", "doorverwijzing", "gespreksvoering",
    "wet gemeentelijke schuldhulpverlening", "loonbeslag",
)
TEAMS = 5
TARGETS = {"p95": 300, "p99": 1000, "save_p95": 500}


class LoadError(Exception):
    """The benchmark could not run (the service did not start, locust wrote no figures)."""


@dataclass
class Row:
    name: str
    requests: int
    failures: int
    rps: float
    p50: float
    p95: float
    p99: float


@dataclass
class LoadFigures:
    backend: str
    workers: int
    users: int
    editors: int
    logged_in: int
    window_s: float
    themes: int
    items: int
    rows: list[Row]
    total: Row
    login: list[Row]
    errors: list[tuple[str, str, int]]  # (request name, error, occurrences)
    server_log: Path
    ramp_failures: int = 0  # while the users were logging in, before the window
    load_average: float = 0.0  # of the machine, 1 minute, at the end of the window
    server_errors: list[tuple[str, int]] = field(default_factory=list)

    @property
    def save(self) -> Row | None:
        return next((r for r in self.rows if r.name == "save"), None)

    @property
    def failures(self) -> int:
        return self.total.failures + self.ramp_failures


def editors_for(users: int) -> int:
    """One colleague in five is Kwaliteit and edits; at least one, so there are saves."""
    return min(users, max(1, round(users / 5)))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _kennisbank() -> list[str]:
    """The installed `kennisbank` command next to this Python, else the module."""
    script = Path(sys.executable).with_name("kennisbank")
    return [str(script)] if script.exists() else [sys.executable, "-m", "app.cli"]


def _postgres_database(url: str) -> tuple[str, Callable[[], None]]:
    """A fresh database on the server of `url`, and how to drop it."""
    name = f"kb_load_{secrets.token_hex(4)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(url).set(database=name).render_as_string(hide_password=False), drop


def _wait_for_health(base: str, process: subprocess.Popen, log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LoadError(f"kennisbank serve stopte met code {process.returncode}:\n{_tail(log)}")
        try:
            with urllib.request.urlopen(f"{base}/api/v1/health", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise LoadError(f"kennisbank serve antwoordde niet binnen {timeout:.0f} s:\n{_tail(log)}")


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text("utf-8", "replace").splitlines()[-lines:])
    except OSError:
        return ""


def _stop(process: subprocess.Popen) -> None:
    """Stop the service as Ctrl+C does; its whole process group if it does not listen."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def prepare_accounts(database_url: str, users: int, password: str) -> dict:
    """Teams with a monthly werkoverleg, one Kwaliteit account per editor and medewerkers for
    the rest (in the teams), as an administrator makes them with the CLI; and the themes and
    published items to visit."""
    from app import clock
    from app.accounts import service as accounts_service
    from app.db import make_engine
    from app.meetings import service as meetings_service
    from app.meetings.models import MeetingKind
    from app.wiki import service as wiki_service
    from app.wiki.models import Item, ItemStatus

    editors = editors_for(users)
    accounts: dict[str, list[str]] = {"kwaliteit": [], "medewerker": []}
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            teams = []
            for n in range(1, TEAMS + 1):
                team = accounts_service.ensure_team(session, f"belastingtest-{n}", f"Belastingtest team {n}")
                rule = meetings_service.RuleIn(weekday=(n - 1) % 5, week=(n - 1) % 4 + 1,
                                               start_time=clock_time(9, 30), location="Stadskantoor")
                meetings_service.set_rule(session, MeetingKind.werkoverleg, team, rule)
                teams.append(team)
            for n in range(users):
                editor = n < editors
                role = "kwaliteit" if editor else "medewerker"
                email = f"belastingtest-{n + 1:03d}@example.org"
                accounts_service.create_user(
                    session, email=email, name=f"Belastingtest {n + 1}", role=role, password=password,
                    team_slug=None if editor else teams[n % TEAMS].slug,
                    function=None if editor else ("klantbegeleider", "schuldregelaar")[n % 2],
                )
                accounts[role].append(email)
            meetings_service.plan(session, clock.now())
            session.commit()
            themes = [t.slug for t in wiki_service.list_themes(session)]
            items = list(session.exec(
                select(Item.slug).where(Item.status == ItemStatus.published).order_by(col(Item.id))
            ))
    finally:
        engine.dispose()
    if not themes or not items:
        raise LoadError("De dienst heeft geen startinhoud geladen: niets om te lezen.")
    return {"accounts": accounts, "themes": themes, "items": items}


def _rows(snapshot: dict, window: float) -> tuple[list[Row], Row]:
    def row(f: dict, name: str | None = None) -> Row:
        return Row(name or f["name"], f["requests"], f["failures"], f["requests"] / window if window else 0,
                   f["p50"], f["p95"], f["p99"])

    by_name = {f["name"]: f for f in snapshot["entries"]}
    rows = [row(by_name[name]) for name in PAGES if name in by_name]
    # Anything else (nothing, normally; a late login would be): only when it happened.
    rows += [row(f) for name, f in by_name.items() if name not in PAGES and f["requests"]]
    return rows, row(snapshot["total"], "all requests")


def server_errors(log: Path, top: int = 5) -> list[tuple[str, int]]:
    """The most frequent warning and error lines the service logged while it served, with how
    often each was seen: its own log lines carry no level and only warnings and errors get
    printed, uvicorn's start with INFO:, and of a traceback only the exception line counts."""
    seen: Counter[str] = Counter()
    try:
        lines = log.read_text("utf-8", "replace").splitlines()
    except OSError:
        return []
    serving = False
    for line in lines:
        if not serving:
            serving = line.startswith("Open http")  # the last line `serve` prints itself
            continue
        stripped = line.strip()
        if not stripped or line.startswith(("INFO:", " ", "\t", "Traceback", "During handling", "The above")):
            continue
        # Numbers (ids, counts, ports) differ between otherwise equal lines.
        seen[re.sub(r"\d+", "N", stripped)[:240]] += 1
    return seen.most_common(top)


def run_one(
    backend: str,
    *,
    users: int,
    seconds: int,
    workers: int,
    postgres_url: str,
    logs: Path,
    echo: Callable[[str], None],
) -> LoadFigures:
    folder = Path(tempfile.mkdtemp(prefix=f"kb-load-{backend}-"))
    cleanup: list[Callable[[], None]] = [lambda: shutil.rmtree(folder, ignore_errors=True)]
    process = None
    try:
        data_dir = folder / "data"
        env = {k: v for k, v in os.environ.items() if not k.startswith("KENNISBANK_")}
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        # What an administrator sets for a real service; COOKIE_SECURE only because this is
        # plain http on loopback. The scheduler stays on, as it is by default.
        env.update(
            KENNISBANK_ENVIRONMENT="production",
            KENNISBANK_SECRET_KEY=secrets.token_urlsafe(48),
            KENNISBANK_DATA_DIR=str(data_dir),
            KENNISBANK_COOKIE_SECURE="false",
            KENNISBANK_BASE_URL=base,
        )
        if backend == "postgresql":
            database_url, drop = _postgres_database(postgres_url)
            cleanup.insert(0, drop)  # after the service has stopped, before the folder goes
            env["KENNISBANK_DATABASE_URL"] = database_url
            # As recommended with PostgreSQL (and set in docker-compose.yml).
            env["KENNISBANK_SEARCH_BACKEND"] = "postgresql"
        else:
            database_url = f"sqlite:///{(data_dir / 'kennisbank.db').resolve()}"
        log = logs / f"serve-{backend}-{users}.log"
        echo(f"{backend}: kennisbank serve --workers {workers} op {base} (log: {log})")
        with log.open("w", encoding="utf-8") as out:
            process = subprocess.Popen(
                [*_kennisbank(), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
                cwd=folder, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _wait_for_health(base, process, log)
        password = secrets.token_urlsafe(18)
        echo(f"{backend}: {users} accounts aanmaken ({editors_for(users)} Kwaliteit) …")
        library = prepare_accounts(database_url, users, password)
        result_path = folder / "result.json"
        plan = {**library, "password": password, "queries": list(QUERIES), "seconds": seconds,
                "login_timeout": 60 + users, "result": str(result_path)}
        plan_path = folder / "plan.json"
        plan_path.write_text(json.dumps(plan), "utf-8")
        figures = _run_locust(backend, base, users, seconds, plan, plan_path, logs, echo)
        load_average = os.getloadavg()[0]
    finally:
        if process is not None:
            _stop(process)
        for step in cleanup:
            step()
    login_rows, _ = _rows(figures["login"], 1.0)
    rows, total = _rows(figures, figures["window_s"])
    errors = [(e["name"], e["error"], e["occurrences"]) for e in figures["login"]["errors"] + figures["errors"]]
    return LoadFigures(
        backend, workers, users, editors_for(users), figures["logged_in"], figures["window_s"],
        len(library["themes"]), len(library["items"]), rows, total,
        [r for r in login_rows if r.name.startswith("login")], sorted(errors, key=lambda e: -e[2]),
        log, figures["login"]["total"]["failures"], load_average, server_errors(log),
    )


def _run_locust(backend: str, base: str, users: int, seconds: int, plan: dict, plan_path: Path,
                logs: Path, echo: Callable[[str], None]) -> dict:
    safety = plan["login_timeout"] + seconds + 30  # locust stops by itself after this, whatever happens
    spawn_rate = max(1, min(users, 10))
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", base,
        "--users", str(users), "--spawn-rate", str(spawn_rate), "--run-time", f"{safety}s",
        "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0", "--plan", str(plan_path),
    ]
    log = logs / f"locust-{backend}-{users}.log"
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True, start_new_session=True)
        try:
            assert process.stdout is not None
            for line in process.stdout:
                out.write(line)
                if line.startswith("[load] "):
                    echo(f"{backend}: {line[7:].rstrip()}")
            process.wait(timeout=60)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
    result = Path(plan["result"])
    if not result.exists():
        raise LoadError(f"locust schreef geen cijfers (code {process.returncode}):\n{_tail(log)}")
    return json.loads(result.read_text("utf-8"))


def run(
    backends: list[str], *, users: int | list[int], seconds: int, workers: int, postgres_url: str, logs: Path,
    echo: Callable[[str], None], warn: Callable[[str], None],
) -> list[LoadFigures]:
    """Each backend at each number of users, one after the other."""
    figures = []
    for count, backend in [(u, b) for u in ([users] if isinstance(users, int) else users) for b in backends]:
        if backend == "postgresql":
            try:
                with create_engine(postgres_url).connect() as conn:
                    conn.execute(text("SELECT 1"))
            except Exception as exc:  # noqa: BLE001 - any failure: say so and go on
                warn(f"PostgreSQL overgeslagen: {exc}")
                continue
        figures.append(run_one(backend, users=count, seconds=seconds, workers=workers,
                               postgres_url=postgres_url, logs=logs, echo=echo))
        echo(f"\n{table(figures[-1])}\n")
    return figures


def _ms(value: float) -> str:
    return f"{value:,.0f} ms"


def table(f: LoadFigures) -> str:
    lines = [
        f"**{f.backend}** ({f.workers} workers, {f.users} users of whom {f.editors} edit, "
        f"{f.window_s:.0f} s measured; load average {f.load_average:.1f} at its end):",
        "",
        "| page | requests | errors | requests/s | p50 | p95 | p99 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in [*f.rows, f.total]:
        name = f"**{r.name}**" if r is f.total else r.name
        lines.append(f"| {name} | {r.requests:,} | {r.failures:,} | {r.rps:.1f} | {_ms(r.p50)} | {_ms(r.p95)} | {_ms(r.p99)} |")
    for r in f.login:
        lines.append(f"| {r.name} (before the window) | {r.requests:,} | {r.failures:,} | | {_ms(r.p50)} | {_ms(r.p95)} | {_ms(r.p99)} |")
    return "\n".join(lines)


def verdict(f: LoadFigures) -> str:
    def met(ok: bool) -> str:
        return "met" if ok else "NOT met"

    save = f.save
    parts = [
        f"errors {f.failures:,} (target 0: {met(f.failures == 0)})",
        f"p95 {_ms(f.total.p95)} (≤ {TARGETS['p95']} ms: {met(f.total.p95 <= TARGETS['p95'])})",
        f"p99 {_ms(f.total.p99)} (≤ {TARGETS['p99']:,} ms: {met(f.total.p99 <= TARGETS['p99'])})",
    ]
    if save is not None:
        parts.append(f"save p95 {_ms(save.p95)} (≤ {TARGETS['save_p95']} ms: {met(save.p95 <= TARGETS['save_p95'])})")
    return f"{f.backend}: " + "; ".join(parts) + "."


def error_lines(f: LoadFigures, top: int = 5) -> list[str]:
    lines = [f"{n:,}× {name}: {error}" for name, error, n in f.errors[:top]]
    lines += [f"server log (warning or error), {n:,}×: {line}" for line, n in f.server_errors[:top]]
    return lines


def write_markdown(path: Path, figures: list[LoadFigures], seconds: int) -> None:
    from app.search.bench import machine, write_section

    first = figures[0]
    blocks = []
    for f in figures:
        errors = error_lines(f)
        seen = ("\n\nErrors seen:\n\n" + "\n".join(f"- {_one_line(e)}" for e in errors)) if errors else ""
        blocks.append(f"{table(f)}\n\n{verdict(f)}{seen}")
    body = "\n\n".join(blocks)
    section = f"""## Load (`kennisbank bench load`)

Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}; every database and number of
users in the same run, one after the other. On SQLite search uses the Whoosh index in the data
folder; on PostgreSQL it searches in the database (`KENNISBANK_SEARCH_BACKEND=postgresql`, as
recommended and as in docker-compose.yml).
The service runs as a user runs it: `kennisbank serve --workers {first.workers}` (two workers per
core of this machine: a process runs one Python thread at a time, so a long request such as a
search holds up the others in its process; with two per core the system interleaves them) in
production mode with a fresh data folder (and on PostgreSQL a fresh
database), the starter content ({first.themes} themes, {first.items} items) and the scheduler
on. locust (headless, in its own process on the same machine) logs {first.users} colleagues in
through the login form (of {first.users}, {first.editors} with the Kwaliteit role, the others medewerkers in
{TEAMS} teams), then measures {seconds} s of the mix: home, a theme, an item, a search
(Dutch words from the starter content), the werkoverleg page, and for the Kwaliteit users an
item edit through the edit form (the form, the save, the item page it leads to), about 1
request in 20 a save. Think time 0.5–1.5 s between pages, so each user asks for about a page
a second: far busier than people, who read for longer, to give the targets meaningful load.
Times are locust's, as the client sees them (rounded as locust rounds: to 10 ms above 100 ms).
Errors are non-200 answers (a page), a search page that says the index could not be used,
anything but a 303 to the item (a save), and no answer. The load average is the machine's
(1 minute) at the end of the window: this run alone accounts for about 3 on these 2 cores
(two workers and locust); more means other work shared the machine.

Targets (measured, not asserted): 0 errors; p95 ≤ {TARGETS['p95']} ms and p99 ≤ {TARGETS['p99']:,} ms
over all requests; a save p95 ≤ {TARGETS['save_p95']} ms.

{body}"""
    write_section(path, "load", section)


def _one_line(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")[:300]
