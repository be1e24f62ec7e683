"""Back-up and restore: one .tar.gz archive with the database, the data folder's own files and a
manifest. The search index is derived from the database: never in the archive, rebuilt after a
restore.

The archive (FORMAT 1):

    manifest.json            format, app version, migration revision, database kind, schema,
                             created at, row counts of the main tables
    database/kennisbank.db   SQLite: a copy made with SQLite's online backup API (a consistent
                             snapshot, safe while the service writes), one self-contained file
    database/kennisbank.pgdump
                             PostgreSQL: `pg_dump --format=custom` of the configured database,
                             or of the one schema its search_path names
    data/…                   the data folder's files that are not derived (the development
                             secret key, a logo or token file kept there, …)

One file is easier to copy, rotate and check than a folder; it is written beside PATH and moved
into place when complete, so a failed back-up never leaves a half archive under PATH.

PostgreSQL schemas: a URL such as `…/db?options=-csearch_path%3Dkb` makes the app live in the
schema `kb` (the tests do this). Then the dump is `pg_dump -n kb` and the restore goes back into
`kb`; without a search_path the whole database is dumped and restored. The connection details go
to pg_dump and pg_restore through PG* environment variables, so a password never shows in `ps`.
The manifest's counts are read in the very snapshot pg_dump dumps (pg_export_snapshot), and on
SQLite from the copy: they say exactly what the archive holds.

Restore replaces everything. On SQLite it refuses while another process holds the database open
(a running service does: an exclusive lock cannot be had); on PostgreSQL it cannot tell, and the
README says to stop the service first. A SQLite back-up goes back only into SQLite, a PostgreSQL
one only into PostgreSQL and into the same schema (pg_restore cannot rename one).
"""

import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata as importlib_metadata
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from app import migrate
from app.backup import postgres
from app.backup.errors import BackupError
from app.config import Settings

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/kennisbank.db"
PG_MEMBER = "database/kennisbank.pgdump"
DATA_PREFIX = "data/"
# What a restore reports and checks: the main tables, by their names in the database.
COUNTED = ("theme", "item", "revision", "meeting", "attendance", "question", "goal_snapshot",
           "goal", "team", "user", "audit_event")
# Derived or transient in the data folder: never backed up. The database file itself goes in
# through the backup API, not as a file.
_DB_FILE = "kennisbank.db"
_SKIPPED = ("zoekindex", ".zoekindex", _DB_FILE, f".{_DB_FILE}", ".kb-backup-", ".kb-restore-")

Progress = Callable[[str], None]


@dataclass
class Manifest:
    format: int
    app_version: str
    revision: str | None
    database: str  # "sqlite" or "postgresql"
    schema: str | None
    created_at: str
    counts: dict[str, int]
    files: list[str]

    def to_json(self) -> str:
        return json.dumps(self.__dict__, indent=2, ensure_ascii=False)


@dataclass
class RestoreResult:
    manifest: Manifest
    counts: dict[str, int]
    migrated_from: str | None
    indexed: int


def _app_version() -> str:
    try:
        return importlib_metadata.version("kennisbank")
    except importlib_metadata.PackageNotFoundError:
        return "onbekend"


def kind_of(engine: Engine) -> str:
    return "sqlite" if engine.dialect.name == "sqlite" else "postgresql"


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        found = _counts(conn)
        conn.rollback()
    return found


def _counts(conn: Connection) -> dict[str, int]:
    present = set(inspect(conn).get_table_names())  # an older schema may lack a table
    return {table: conn.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one()
            for table in COUNTED if table in present}


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        found = _revision(conn)
        conn.rollback()
    return found


def _revision(conn: Connection) -> str | None:
    if "alembic_version" not in inspect(conn).get_table_names():
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _data_files(data_dir: Path) -> list[Path]:
    """The data folder's own files, relative to it: not the database, not the search index."""
    if not data_dir.is_dir():
        return []
    found = []
    for path in sorted(data_dir.rglob("*")):
        rel = path.relative_to(data_dir)
        top = rel.parts[0]
        if top.startswith(_SKIPPED):  # the index (and its lock, its next and old copies), the database
            continue
        if path.is_file() and not path.is_symlink():
            found.append(rel)
    return found


# --- back-up ---------------------------------------------------------------------------------


def backup(engine: Engine, settings: Settings, path: Path, *, force: bool = False,
           progress: Progress = lambda _m: None) -> Manifest:
    """Write the archive to `path`; refuses an existing path unless `force`."""
    path = Path(path)
    if path.exists() and not force:
        raise BackupError(f"{path} bestaat al; kies een andere naam of gebruik --force.")
    if path.is_dir():
        raise BackupError(f"{path} is een map; geef de naam van het archief, bijvoorbeeld {path}/kennisbank.tar.gz.")
    path.parent.mkdir(parents=True, exist_ok=True)
    kind = kind_of(engine)
    data_dir = settings.data_dir
    with tempfile.TemporaryDirectory(prefix=".kb-backup-", dir=path.parent) as work:
        work_dir = Path(work)
        schema = None
        if kind == "sqlite":
            progress("SQLite-database kopiëren (online back-up) …")
            member, dump = SQLITE_MEMBER, work_dir / "kennisbank.db"
            _sqlite_copy(engine, dump)
            # Counts and revision from the copy: exactly what the archive holds.
            from app.db import make_engine

            copy_engine = make_engine(f"sqlite:///{dump}")
            found, revision = counts(copy_engine), current_revision(copy_engine)
            copy_engine.dispose()
            with sqlite3.connect(dump) as conn:  # one file, no -wal beside it
                conn.execute("PRAGMA journal_mode=DELETE")
        else:
            program = postgres.program("pg_dump", settings)
            postgres.check_client(program, engine)
            env, schema = postgres.environment(engine.url.render_as_string(hide_password=False))
            member, dump = PG_MEMBER, work_dir / "kennisbank.pgdump"
            progress(f"pg_dump {'schema ' + schema if schema else 'database'} …")
            args = [program, "--format=custom", "--no-owner", "--no-privileges", f"--file={dump}"]
            if schema:
                args.append(f"--schema={schema}")
            # The manifest's counts and pg_dump read one snapshot: exported from a transaction
            # that stays open while pg_dump runs.
            with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
                snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                found, revision = _counts(conn), _revision(conn)
                postgres.run([*args, f"--snapshot={snapshot}"], env)
                conn.rollback()
        files = _data_files(data_dir)
        manifest = Manifest(
            format=FORMAT, app_version=_app_version(), revision=revision, database=kind,
            schema=schema, created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            counts=found, files=[str(f) for f in files],
        )
        progress(f"Archief schrijven ({len(files)} bestanden uit de gegevensmap) …")
        draft = work_dir / "archive.tar.gz"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # personal data, keys
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            _add_bytes(tar, MANIFEST, manifest.to_json().encode())
            tar.add(dump, arcname=member)
            for rel in files:
                tar.add(data_dir / rel, arcname=DATA_PREFIX + rel.as_posix())
        os.replace(draft, path)
    return manifest


def _sqlite_copy(engine: Engine, target: Path) -> None:
    source_path = engine.url.database
    if not source_path or source_path == ":memory:":
        raise BackupError("Alleen een SQLite-database in een bestand kan worden geback-upt.")
    source = sqlite3.connect(source_path, timeout=30)
    dest = sqlite3.connect(target)
    try:
        source.execute("PRAGMA busy_timeout=30000")
        # In one step (pages=-1): one read transaction, a consistent snapshot; in WAL mode the
        # service's writers go on meanwhile.
        source.backup(dest, pages=-1)
    finally:
        dest.close()
        source.close()


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    import io

    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(datetime.now(UTC).timestamp())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def record_backup(engine: Engine, path: Path, manifest: Manifest) -> None:
    """The audit event, after the dump and in its own transaction (it is not in the archive)."""
    from app.audit import service as audit_service
    from app.audit.models import Action

    with Session(engine) as session:
        audit_service.record(
            session, Action.backup, subject_type="backup", subject_id=path.name,
            summary=f"Back-up naar {path.name}, op de opdrachtregel",
            detail={"via": "kennisbank backup", "database": manifest.database, "counts": manifest.counts},
        )
        session.commit()


def record_restore(engine: Engine, path: Path, result: "RestoreResult") -> None:
    """After a restore, in the restored database: what came back from which back-up."""
    from app.audit import service as audit_service
    from app.audit.models import Action

    with Session(engine) as session:
        audit_service.record(
            session, Action.restore, subject_type="backup", subject_id=Path(path).name,
            summary=f"Back-up van {result.manifest.created_at} teruggezet uit {Path(path).name}, op de opdrachtregel",
            detail={"via": "kennisbank restore", "created_at": result.manifest.created_at,
                    "revision": result.manifest.revision, "counts": result.counts},
        )
        session.commit()


# --- restore ---------------------------------------------------------------------------------


def read_manifest(path: Path) -> Manifest:
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} bestaat niet (of is geen bestand).")
    try:
        with tarfile.open(path, "r:*") as tar:
            member = tar.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            raw = json.loads(member.read().decode())
            names = set(tar.getnames())
    except (tarfile.TarError, KeyError, EOFError, OSError, ValueError) as exc:
        reason = str(exc).splitlines()[0].rstrip(":") if str(exc) else type(exc).__name__
        raise BackupError(f"{path} is geen leesbare back-up van de kennisbank: beschadigd, onvolledig of "
                          f"een ander bestand ({reason}).") from exc
    try:
        manifest = Manifest(**raw)
    except TypeError as exc:
        raise BackupError(f"{path}: het manifest is onvolledig of onbekend ({exc}).") from exc
    if manifest.format > FORMAT:
        raise BackupError(
            f"{path} heeft archiefformaat {manifest.format}; deze versie kent tot {FORMAT}. "
            "Herstel met een nieuwere versie van de kennisbank."
        )
    wanted = SQLITE_MEMBER if manifest.database == "sqlite" else PG_MEMBER
    if wanted not in names:
        raise BackupError(f"{path} mist {wanted}: het archief is onvolledig.")
    return manifest


def check_compatible(manifest: Manifest, engine: Engine) -> None:
    kind = kind_of(engine)
    if manifest.database != kind:
        raise BackupError(
            f"Deze back-up is van een {manifest.database}-database, de ingestelde database is {kind}. "
            "Een SQLite-back-up gaat alleen terug in SQLite, een PostgreSQL-back-up alleen in PostgreSQL."
        )
    if manifest.revision:
        scripts = ScriptDirectory.from_config(migrate.alembic_config(engine.url.render_as_string(hide_password=False)))
        try:
            known = scripts.get_revision(manifest.revision)
        except Exception:  # noqa: BLE001 - alembic raises several kinds
            known = None
        if known is None:
            raise BackupError(
                f"De back-up is gemaakt met een nieuwere versie (migratie {manifest.revision}, die deze "
                "versie niet kent). Herstel met dezelfde of een nieuwere versie van de kennisbank."
            )
    if kind == "postgresql":
        _, schema = postgres.environment(engine.url.render_as_string(hide_password=False))
        if (manifest.schema or None) != (schema or None):
            raise BackupError(
                f"De back-up is van schema {manifest.schema or '(hele database)'}, de ingestelde database "
                f"gebruikt {schema or '(hele database)'}: herstel in dezelfde opzet."
            )


def sqlite_in_use(db_file: Path) -> bool:
    """True when another process holds the SQLite database open (a running service keeps its
    connections open): then an exclusive lock cannot be had."""
    if not db_file.exists():
        return False
    conn = sqlite3.connect(db_file, timeout=0, isolation_level=None)
    try:
        conn.execute("PRAGMA locking_mode=EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchall()
        conn.execute("COMMIT")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        conn.close()


def restore(engine: Engine, settings: Settings, path: Path, *,
            progress: Progress = lambda _m: None) -> RestoreResult:
    """Replace the database and the data folder's own files with the archive's, migrate to head,
    rebuild the search index."""
    manifest = read_manifest(path)
    check_compatible(manifest, engine)
    data_dir = settings.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".kb-restore-", dir=data_dir) as work:
        work_dir = Path(work)
        with tarfile.open(path, "r:*") as tar:
            member = SQLITE_MEMBER if manifest.database == "sqlite" else PG_MEMBER
            dump = work_dir / Path(member).name
            source = tar.extractfile(member)
            if source is None:
                raise BackupError(f"{path}: {member} is geen bestand.")
            with source, open(dump, "wb") as out:
                shutil.copyfileobj(source, out)
            if manifest.database == "sqlite":
                progress("SQLite-database terugzetten …")
                _restore_sqlite(engine, dump)
            else:
                progress("pg_restore …")
                postgres.restore(engine, settings, dump, manifest.schema)
            progress("Bestanden van de gegevensmap terugzetten …")
            _restore_files(tar, data_dir)
    before = manifest.revision
    migrate.upgrade(engine)
    after = current_revision(engine)
    progress("Zoekindex opnieuw opbouwen …")
    indexed = _rebuild_index(engine, data_dir)
    return RestoreResult(manifest, counts(engine), before if before != after else None, indexed)


def _restore_sqlite(engine: Engine, dump: Path) -> None:
    db_file = Path(engine.url.database or "")
    engine.dispose()  # this process's own connections
    if sqlite_in_use(db_file):
        raise BackupError(
            f"{db_file} is in gebruik (draait de dienst nog?). Stop de dienst en herstel dan opnieuw."
        )
    with sqlite3.connect(dump) as conn:
        if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError("De database in de back-up is beschadigd (integrity_check).")
    db_file.parent.mkdir(parents=True, exist_ok=True)
    staged = db_file.with_name(f".{db_file.name}.restore")
    shutil.copyfile(dump, staged)
    # The old write-ahead log belongs to the old file: left beside the new one, SQLite would
    # apply it to the new file.
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{db_file}{suffix}").unlink(missing_ok=True)
    os.replace(staged, db_file)


def _restore_files(tar: tarfile.TarFile, data_dir: Path) -> None:
    root = data_dir.resolve()
    for member in tar.getmembers():
        if not member.name.startswith(DATA_PREFIX) or not member.isfile():
            continue
        rel = Path(member.name[len(DATA_PREFIX):])
        target = (root / rel).resolve()
        if rel.is_absolute() or ".." in rel.parts or not target.is_relative_to(root):
            raise BackupError(f"Het archief noemt een bestand buiten de gegevensmap: {member.name}")
        target.parent.mkdir(parents=True, exist_ok=True)
        source = tar.extractfile(member)
        if source is None:
            continue
        draft = target.with_name(f".{target.name}.restore")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, member.mode & 0o777 or 0o600)
        with source, os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(source, out)
        os.replace(draft, target)


def _rebuild_index(engine: Engine, data_dir: Path) -> int:
    from app.search import sync
    from app.search.index import SearchIndex

    index = sync.get_index()
    if isinstance(index, SearchIndex) and index.path.resolve() != (data_dir / "zoekindex").resolve():
        index = SearchIndex(data_dir / "zoekindex")
    return sync.rebuild(engine, index)
