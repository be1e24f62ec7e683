"""`kennisbank backup` and `restore`, run as people run them: fill a database with two months of
demo life and some item history, back up, wipe database and data folder, restore, and the same
rows come back, table by table; search works again from a rebuilt index."""

import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import Session, col, select

from app import migrate
from app.accounts import service as accounts_service
from app.backup import postgres as backup_postgres
from app.backup import service as backup_service
from app.config import PROJECT_ROOT, Settings
from app.db import make_engine
from app.search import service as search_service
from app.search.index import SearchIndex
from app.wiki import service as wiki_service
from app.wiki.models import Item, ItemStatus, ItemUpdateIn, Theme
from tests.conftest import BACKENDS, new_database

# The tables that must come back exactly, and the column each is ordered by.
COMPARED = ("theme", "item", "revision", "meeting", "attendance", "question", "goal_snapshot")


def needs_pg_tools() -> None:
    """pg_dump and pg_restore come with the PostgreSQL client; skipped without, but not in CI."""
    if (not shutil.which("pg_dump") or not shutil.which("pg_restore")) and os.environ.get("CI") != "true":
        pytest.skip("pg_dump/pg_restore not installed (apt-get install postgresql-client)")


def kennisbank(data_dir: Path, url: str | None, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KENNISBANK_")}
    env |= {"KENNISBANK_DATA_DIR": str(data_dir), "KENNISBANK_SCHEDULER": "false"}
    if url:
        env["KENNISBANK_DATABASE_URL"] = url
    return subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=PROJECT_ROOT, env=env,
                          input=stdin, capture_output=True, text=True, timeout=600)


def ok(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 0, done.stderr + done.stdout
    return done.stdout


def rows(engine, table: str) -> list[tuple]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        found = [tuple(r) for r in conn.execute(text(f'SELECT * FROM "{table}" ORDER BY id'))]
        conn.rollback()
    return found


def snapshot(engine) -> dict[str, list[tuple]]:  # type: ignore[no-untyped-def]
    return {table: rows(engine, table) for table in COMPARED}


def add_history(engine) -> None:  # type: ignore[no-untyped-def]
    """Two more revisions of three items: the demo makes one each."""
    with Session(engine) as s:
        editor = accounts_service.create_user(s, email="k.backup@example.org", name="Kees", role="kwaliteit")
        items = s.exec(select(Item).where(Item.status == ItemStatus.published).order_by(col(Item.slug)).limit(3)).all()
        for item in items:
            theme = s.get(Theme, item.theme_id)
            for n in (1, 2):
                data = {**item.model_dump(), "theme": theme.slug, "summary": f"Versie {n} van {item.title}.",  # type: ignore[union-attr]
                        "version": item.version, "note": f"Wijziging {n}"}
                wiki_service.update_item(s, item, ItemUpdateIn.model_validate(
                    {k: v for k, v in data.items() if k in ItemUpdateIn.model_fields and k != "slug"}), editor)
        s.commit()


@pytest.fixture(params=BACKENDS)
def configured(request, tmp_path):  # type: ignore[no-untyped-def]
    """(data folder, database URL or None for the data folder's SQLite file, engine maker)."""
    data_dir = tmp_path / "data"
    if request.param == "sqlite":
        yield request.param, data_dir, None, lambda: make_engine(f"sqlite:///{data_dir / 'kennisbank.db'}")
        return
    needs_pg_tools()
    engine, url, cleanup = new_database("postgresql")
    engine.dispose()
    yield request.param, data_dir, url, lambda: make_engine(url)
    cleanup()  # type: ignore[operator]


def test_round_trip_brings_everything_back(configured, tmp_path):  # type: ignore[no-untyped-def]
    backend, data_dir, url, engine_of = configured
    started = time.perf_counter()
    ok(kennisbank(data_dir, url, "demo", "simulate", "--months", "2"))
    engine = engine_of()
    add_history(engine)
    before = snapshot(engine)
    assert all(before[t] for t in COMPARED), {t: len(r) for t, r in before.items()}
    with engine.connect() as conn:
        many = conn.execute(text("SELECT count(*) FROM revision GROUP BY item_id ORDER BY count(*) DESC")).first()
    assert many[0] >= 3  # items with several revisions
    # The data folder's own files go along; the index does not.
    (data_dir / "secret_key").write_text("een-sleutel-van-de-ontwikkelstand")
    (data_dir / "huisstijl").mkdir()
    (data_dir / "huisstijl" / "logo.svg").write_text("<svg/>")
    assert (data_dir / "zoekindex").is_dir()

    archive = tmp_path / "backups" / "kennisbank.tar.gz"
    done = kennisbank(data_dir, url, "backup", str(archive))
    ok(done)
    assert "kopiëren" in done.stderr or "pg_dump" in done.stderr  # progress on stderr
    assert archive.stat().st_mode & 0o077 == 0  # personal data, keys: the owner's only
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    assert names[0] == "manifest.json"
    assert "data/secret_key" in names and "data/huisstijl/logo.svg" in names
    assert not [n for n in names if "zoekindex" in n or n.startswith("data/kennisbank.db")]
    assert manifest["database"] == backend and manifest["format"] == backup_service.FORMAT
    assert manifest["counts"]["item"] == len(before["item"])
    assert manifest["revision"] == backup_service.current_revision(engine)
    # The back-up is in the audit log of the database it came from, but not in the archive.
    with engine.connect() as conn:
        logged = conn.execute(text("SELECT count(*) FROM audit_event WHERE action = 'backup'")).scalar_one()
    assert logged == 1
    engine.dispose()

    # Wipe: the database and the whole data folder.
    if backend == "sqlite":
        for path in data_dir.iterdir():
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
    else:
        schema = manifest["schema"]
        assert schema and schema in url
        admin = make_engine(url)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
        shutil.rmtree(data_dir)

    out = ok(kennisbank(data_dir, url, "restore", "--yes", str(archive)))
    assert f"item            {len(before['item'])}" in out
    engine = engine_of()
    after = snapshot(engine)
    for table in COMPARED:
        assert after[table] == before[table], table
    with engine.connect() as conn:
        logged = conn.execute(text("SELECT action FROM audit_event WHERE action IN ('backup', 'restore')")).scalars().all()
    assert logged == ["restore"]  # the back-up's own event came after the dump
    assert (data_dir / "secret_key").read_text() == "een-sleutel-van-de-ontwikkelstand"
    assert (data_dir / "huisstijl" / "logo.svg").read_text() == "<svg/>"

    # Search: the rebuilt index holds every published item and finds one by its title.
    index = SearchIndex(data_dir / "zoekindex")
    assert index.problem() is None
    with Session(engine) as s:
        assert index.versions() == wiki_service.published_versions(s)
        edited = s.exec(select(Item).where(col(Item.summary).like("Versie 2 van %"))).first()
        found = search_service.search(s, index, edited.title, log_query=False)  # type: ignore[union-attr]
        assert edited.slug in [r.slug for r in found.results]  # type: ignore[union-attr]
        s.rollback()
    engine.dispose()
    print(f"\n{backend}: round trip in {time.perf_counter() - started:.1f} s")


def test_sqlite_backup_while_the_service_writes(tmp_path):  # type: ignore[no-untyped-def]
    engine, url, cleanup = new_database("sqlite")
    migrate.upgrade(engine)
    with engine.begin() as conn:  # ballast, so that a copy takes long enough to be written during
        conn.execute(text("INSERT INTO audit_event (at, action, summary, address) VALUES "
                          "(CURRENT_TIMESTAMP, 'export', :s, '')"), [{"s": "x" * 480}] * 20_000)
    settings = Settings(data_dir=tmp_path / "data", database_url=url)
    stop = threading.Event()
    written = [0]

    def write() -> None:
        while not stop.is_set():
            with engine.begin() as conn:
                n = written[0]
                conn.execute(text("INSERT INTO theme (slug, name, description, icon, position, created_at) "
                                  "VALUES (:s, :n, '', 'boek', 0, CURRENT_TIMESTAMP)"), {"s": f"thema-{n}", "n": f"Thema {n}"})
            written[0] += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while written[0] < 50:
            time.sleep(0.01)
        taken, during = [], []
        for n in range(3):
            archive = tmp_path / f"b{n}.tar.gz"
            at_start = written[0]
            manifest = backup_service.backup(engine, settings, archive)
            taken.append((archive, manifest.counts["theme"]))
            during.append(written[0] - at_start)
    finally:
        stop.set()
        writer.join()
    try:
        seen = [count for _, count in taken]
        assert seen == sorted(seen) and 50 <= seen[0] and seen[-1] <= written[0]
        assert len(set(seen)) > 1 and all(during), during  # the writes went on during the back-ups
        for archive, count in taken:
            copy = tmp_path / f"{archive.name}.db"
            with tarfile.open(archive) as tar:
                copy.write_bytes(tar.extractfile(backup_service.SQLITE_MEMBER).read())  # type: ignore[union-attr]
            with sqlite3.connect(copy) as conn:
                assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
                assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one file
                assert conn.execute("SELECT count(*) FROM theme").fetchone()[0] == count
                slugs = {r[0] for r in conn.execute("SELECT slug FROM theme")}
            assert slugs == {f"thema-{n}" for n in range(count)}  # a snapshot: no gaps
    finally:
        cleanup()  # type: ignore[operator]


def _archive(tmp_path: Path, manifest: dict, members: dict[str, bytes]) -> Path:
    path = tmp_path / "made.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for name, data in {"manifest.json": json.dumps(manifest).encode(), **members}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_restore_refuses_what_it_cannot_restore(tmp_path):  # type: ignore[no-untyped-def]
    engine, url, cleanup = new_database("sqlite")
    migrate.upgrade(engine)
    settings = Settings(data_dir=tmp_path / "data", database_url=url)
    try:
        good = tmp_path / "good.tar.gz"
        backup_service.backup(engine, settings, good)
        manifest = backup_service.read_manifest(good)

        with pytest.raises(backup_service.BackupError, match="bestaat niet"):
            backup_service.read_manifest(tmp_path / "missing.tar.gz")
        (tmp_path / "garbage.tar.gz").write_bytes(b"not an archive at all")
        with pytest.raises(backup_service.BackupError, match="geen leesbare back-up"):
            backup_service.read_manifest(tmp_path / "garbage.tar.gz")
        (tmp_path / "cut.tar.gz").write_bytes(good.read_bytes()[: good.stat().st_size // 2])
        with pytest.raises(backup_service.BackupError, match="geen leesbare back-up"):
            restore_it(engine, settings, tmp_path / "cut.tar.gz")
        with pytest.raises(backup_service.BackupError, match="geen leesbare back-up"):
            backup_service.read_manifest(_no_manifest(tmp_path))
        newer = {**manifest.__dict__, "format": backup_service.FORMAT + 1}
        with pytest.raises(backup_service.BackupError, match="archiefformaat"):
            backup_service.read_manifest(_archive(tmp_path, newer, {backup_service.SQLITE_MEMBER: b"x"}))
        unknown = {**manifest.__dict__, "revision": "9999"}
        with pytest.raises(backup_service.BackupError, match="nieuwere versie"):
            restore_it(engine, settings, _archive(tmp_path, unknown, {backup_service.SQLITE_MEMBER: b"x"}))
        pg_kind = {**manifest.__dict__, "database": "postgresql"}
        with pytest.raises(backup_service.BackupError, match="alleen in PostgreSQL"):
            restore_it(engine, settings, _archive(tmp_path, pg_kind, {backup_service.PG_MEMBER: b"x"}))
        incomplete = _archive(tmp_path, manifest.__dict__, {})
        with pytest.raises(backup_service.BackupError, match="onvolledig"):
            backup_service.read_manifest(incomplete)
        # The service holds the database open: no restore under its feet.
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            with pytest.raises(backup_service.BackupError, match="in gebruik"):
                backup_service._restore_sqlite(make_engine(url), tmp_path / "unused.db")
        # Nothing above touched the database.
        assert backup_service.counts(engine) == manifest.counts
    finally:
        cleanup()  # type: ignore[operator]


def _no_manifest(tmp_path: Path) -> Path:
    path = tmp_path / "nomanifest.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo("database/kennisbank.db")
        tar.addfile(info, io.BytesIO(b""))
    return path


def restore_it(engine, settings, path):  # type: ignore[no-untyped-def]
    manifest = backup_service.read_manifest(path)
    backup_service.check_compatible(manifest, engine)
    return backup_service.restore(engine, settings, path)


def test_force_and_yes(tmp_path):  # type: ignore[no-untyped-def]
    data_dir = tmp_path / "data"
    ok(kennisbank(data_dir, None, "migrate"))
    archive = tmp_path / "b.tar.gz"
    ok(kennisbank(data_dir, None, "backup", str(archive)))
    first = archive.read_bytes()
    again = kennisbank(data_dir, None, "backup", str(archive))
    assert again.returncode == 1 and "--force" in again.stderr
    assert archive.read_bytes() == first
    ok(kennisbank(data_dir, None, "backup", "--force", str(archive)))
    assert archive.read_bytes() != first

    # Without --yes and without a terminal to ask on: nothing happens.
    refused = kennisbank(data_dir, None, "restore", str(archive), stdin="")
    assert refused.returncode == 1 and "--yes" in refused.stderr
    out = ok(kennisbank(data_dir, None, "restore", "--yes", str(archive)))
    assert "Teruggezet" in out
    missing = kennisbank(data_dir, None, "restore", "--yes", str(tmp_path / "nope.tar.gz"))
    assert missing.returncode == 1 and "bestaat niet" in missing.stderr


def test_pg_connection_goes_by_environment_and_names_the_schema():
    env, schema = backup_postgres.environment(
        "postgresql+psycopg://kb:geheim%40wachtwoord@db.example:6543/kennisbank"
        "?options=-csearch_path%3Dkb_schema&sslmode=require")
    assert schema == "kb_schema"
    assert (env["PGHOST"], env["PGPORT"], env["PGUSER"], env["PGDATABASE"]) == ("db.example", "6543", "kb", "kennisbank")
    assert env["PGPASSWORD"] == "geheim@wachtwoord" and env["PGSSLMODE"] == "require"
    assert env["PGOPTIONS"] == "-csearch_path=kb_schema"
    assert backup_postgres.environment("postgresql+psycopg://kb@db/kennisbank")[1] is None


def test_a_missing_or_too_old_pg_dump_is_named(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    engine, _, cleanup = new_database("postgresql")
    try:
        settings = Settings(data_dir=tmp_path / "data", pg_bin_dir=str(tmp_path / "bin"))
        with pytest.raises(backup_service.BackupError, match="pg_dump niet gevonden"):
            backup_service.backup(engine, settings, tmp_path / "b.tar.gz")
        (tmp_path / "bin").mkdir()
        old = tmp_path / "bin" / "pg_dump"
        old.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
        old.chmod(0o755)
        with pytest.raises(backup_service.BackupError, match=r"versie 9, de server versie \d+.*postgresql-client-"):
            backup_service.backup(engine, settings, tmp_path / "b.tar.gz")
        assert not (tmp_path / "b.tar.gz").exists()
    finally:
        cleanup()  # type: ignore[operator]


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_older_backup_comes_back_migrated_to_head(backend, tmp_path):  # type: ignore[no-untyped-def]
    if backend == "postgresql":
        needs_pg_tools()
    engine, url, cleanup = new_database(backend)
    try:
        scripts = ScriptDirectory.from_config(migrate.alembic_config(url))
        head = scripts.get_current_head()
        older = scripts.get_revision(head).down_revision
        migrate.upgrade(engine, older)
        settings = Settings(data_dir=tmp_path / "data", database_url=url)
        archive = tmp_path / "old.tar.gz"
        assert backup_service.backup(engine, settings, archive).revision == older
        migrate.upgrade(engine)  # the newer version ran here meanwhile: its tables must go too
        result = restore_it(engine, settings, archive)
        assert result.migrated_from == older
        assert backup_service.current_revision(engine) == head
    finally:
        cleanup()  # type: ignore[operator]


def test_postgresql_without_a_schema_dumps_and_restores_the_whole_database(tmp_path):  # type: ignore[no-untyped-def]
    from tests.conftest import PG_URL, _pg_problem

    if _pg_problem:
        pytest.skip(f"PostgreSQL not reachable: {_pg_problem}")
    needs_pg_tools()
    name = f"kbbackup_{os.getpid()}_{int(time.time() * 1000) % 100000}"
    admin = make_engine(PG_URL).execution_options(isolation_level="AUTOCOMMIT")
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO theme (slug, name, description, icon, position, created_at) "
                              "VALUES ('geheel', 'Geheel', '', 'boek', 0, CURRENT_TIMESTAMP)"))
        settings = Settings(data_dir=tmp_path / "data", database_url=url)
        archive = tmp_path / "whole.tar.gz"
        manifest = backup_service.backup(engine, settings, archive)
        assert manifest.schema is None and manifest.counts["theme"] == 1
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        restore_it(engine, settings, archive)
        assert [r[1] for r in rows(engine, "theme")] == ["geheel"]
        restore_it(engine, settings, archive)  # and again, over what is there now
        assert [r[1] for r in rows(engine, "theme")] == ["geheel"]
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
