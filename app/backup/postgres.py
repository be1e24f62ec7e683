"""The PostgreSQL side of back-up and restore: the client programs (pg_dump and pg_restore of
the server's major version), the connection handed to them through PG* variables (so a
password never shows in `ps`), and emptying the schema before a restore."""

import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote

from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from app.backup.errors import BackupError
from app.config import Settings


def environment(url: str) -> tuple[dict[str, str], str | None]:
    """PG* variables for the client programs, and the schema the URL's search_path names."""
    parsed = make_url(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    pairs = {"PGHOST": parsed.host, "PGPORT": parsed.port, "PGUSER": parsed.username,
             "PGPASSWORD": parsed.password, "PGDATABASE": parsed.database}
    env |= {k: str(v) for k, v in pairs.items() if v is not None}
    query = dict(parsed.query)
    schema = None
    options = query.pop("options", None)
    if options is not None:
        options = unquote(options if isinstance(options, str) else options[0])
        env["PGOPTIONS"] = options
        match = re.search(r"search_path\s*=\s*([^\s,]+)", options)
        if match:
            schema = match.group(1).strip('"')
    names = {"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT",
             "sslkey": "PGSSLKEY", "connect_timeout": "PGCONNECT_TIMEOUT", "host": "PGHOST", "port": "PGPORT"}
    for key, value in query.items():
        if key in names:
            env[names[key]] = value if isinstance(value, str) else value[0]
    return env, schema


def program(name: str, settings: Settings) -> str:
    folder = settings.pg_bin_dir
    program = str(Path(folder) / name) if folder else shutil.which(name)
    if not program or not Path(program).exists():
        raise BackupError(
            f"{name} niet gevonden. Installeer de PostgreSQL-client van dezelfde hoofdversie als de "
            "server (Debian/Ubuntu: apt-get install postgresql-client-<versie>)."
        )
    return program


def major(version_output: str) -> int:
    match = re.search(r"\)\s*(\d+)", version_output) or re.search(r"(\d+)", version_output)
    return int(match.group(1)) if match else 0


def check_client(program: str, engine: Engine) -> None:
    """pg_dump refuses a server newer than itself; say so before it starts, with the fix."""
    out = subprocess.run([program, "--version"], capture_output=True, text=True, check=False).stdout
    client = major(out)
    with engine.connect() as conn:
        server = int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000
        conn.rollback()
    if client < server:
        raise BackupError(
            f"{Path(program).name} is versie {client}, de server versie {server}: een oudere client "
            f"kan deze server niet lezen. Installeer postgresql-client-{server}."
        )


def run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} mislukte: {done.stderr.strip() or done.returncode}")


def restore(engine: Engine, settings: Settings, dump: Path, schema: str | None) -> None:
    found = program("pg_restore", settings)
    env, _ = environment(engine.url.render_as_string(hide_password=False))
    _empty(engine, schema or "public")
    engine.dispose()
    args = [found, "--clean", "--if-exists", "--no-owner", "--no-privileges",
            "--single-transaction", "--exit-on-error", f"--dbname={env.get('PGDATABASE', '')}", str(dump)]
    run(args, env)


def _empty(engine: Engine, schema: str) -> None:
    """Everything goes: what the archive does not hold (a newer table) must not stay behind, or
    the migrations after the restore would meet it."""
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL lock_timeout = '10s'"))
        quoted = schema.replace('"', '""')
        tables = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = :s"), {"s": schema}).scalars().all()
        for table in tables:
            conn.execute(text(f'DROP TABLE IF EXISTS "{quoted}"."{table}" CASCADE'))
        sequences = conn.execute(text("SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = :s"),
                                 {"s": schema}).scalars().all()
        for sequence in sequences:
            conn.execute(text(f'DROP SEQUENCE IF EXISTS "{quoted}"."{sequence}" CASCADE'))
        types = conn.execute(text(
            "SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
            "WHERE n.nspname = :s AND t.typtype = 'e'"), {"s": schema}).scalars().all()
        for name in types:
            conn.execute(text(f'DROP TYPE IF EXISTS "{quoted}"."{name}" CASCADE'))
