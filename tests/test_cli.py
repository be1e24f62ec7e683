"""The `kennisbank` console command, run as a real process against fresh databases."""

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlmodel import Session, col, select

from app.accounts import service as accounts_service
from app.config import CONTENT_DIR, PROJECT_ROOT, get_settings
from app.search.index import SearchIndex
from app.wiki import service as wiki_service
from app.wiki.models import Item, ItemCheck, ItemIn, ItemUpdateIn, Revision, Theme
from tests.conftest import BACKENDS, new_database
from tests.factories import free_port, wait_until_healthy

CONTENT = CONTENT_DIR


def kennisbank(url: str, *args: str, stdin: str | None = None, data_dir: Path | None = None):  # type: ignore[no-untyped-def]
    env = {**os.environ, "KENNISBANK_DATABASE_URL": url}
    if data_dir is not None:
        env["KENNISBANK_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args], env=env, input=stdin, capture_output=True,
        text=True, timeout=120, cwd=PROJECT_ROOT,
    )


def ok(result) -> str:  # type: ignore[no-untyped-def]
    assert result.returncode == 0, result.stderr + result.stdout
    return result.stdout


def library(engine) -> dict:  # type: ignore[no-untyped-def]
    """Everything that must survive export and import, without database ids."""
    with Session(engine) as s:
        themes = {t.id: t.slug for t in s.exec(select(Theme))}
        items = {i.id: i.slug for i in s.exec(select(Item))}
        skip = {"id", "theme_id", "owner_id", "checked_by_id", "created_at", "updated_at"}
        return {
            "themes": sorted((t.slug, t.name, t.icon, t.description, t.position) for t in s.exec(select(Theme))),
            "items": sorted(
                (themes[i.theme_id], tuple(sorted((k, str(v)) for k, v in i.model_dump(exclude=skip).items())))
                for i in s.exec(select(Item))
            ),
            "revisions": sorted(
                (items[r.item_id], r.number, themes[r.theme_id], r.author_name, r.note, r.created_at.isoformat(),
                 tuple(sorted((k, str(v)) for k, v in r.model_dump(exclude=skip | {"item_id", "author_id"}).items())))
                for r in s.exec(select(Revision))
            ),
            "checks": sorted(
                (items[c.item_id], c.checked_at.isoformat(), c.checked_by_name, c.next_review_date, c.note)
                for c in s.exec(select(ItemCheck))
            ),
        }


@pytest.mark.parametrize("backend", BACKENDS)
def test_import_is_idempotent_and_export_import_round_trips(backend, tmp_path):
    engine, url, cleanup = new_database(backend)
    engine2, url2, cleanup2 = new_database(backend)
    try:
        ok(kennisbank(url, "migrate"))
        out = ok(kennisbank(url, "import", str(CONTENT)))
        assert re.search(r"items nieuw: (\d+)", out).group(1) == str(len(list(CONTENT.glob("items/*/*.md"))))
        before = library(engine)
        out = ok(kennisbank(url, "import", str(CONTENT)))
        assert "items nieuw: 0, bijgewerkt: 0" in out
        assert library(engine) == before

        # Some history worth keeping: two edits and a check by a real user.
        with Session(engine) as s:
            editor = accounts_service.create_user(s, email="k@example.org", name="Kees", role="kwaliteit")
            item = s.exec(select(Item).order_by(col(Item.slug))).first()
            theme = s.get(Theme, item.theme_id)
            for n in (1, 2):
                data = {**item.model_dump(), "theme": theme.slug, "summary": f"Versie {n}.",
                        "version": item.version, "note": f"Wijziging {n}"}
                wiki_service.update_item(s, item, ItemUpdateIn.model_validate(
                    {k: v for k, v in data.items() if k in ItemUpdateIn.model_fields and k != "slug"}), editor)
            wiki_service.mark_checked(s, item, editor, item.version)
            # Bodies that trip up naive file formats: a rule, a setext heading, CRLF from a
            # browser, an indented code block.
            tricky = "Intro\r\n\r\n---\r\n\r\nNa de lijn\r\n\nKop\n---\n\n    code blok\n"
            wiki_service.create_item(s, ItemIn.model_validate({
                "title": "Lastige tekst", "summary": "S", "dossier_meaning": "D", "body": tricky,
                "theme": theme.slug, "status": "published"}), editor)
            s.commit()
            stored = s.exec(select(Item).where(Item.slug == "lastige-tekst")).one().body
            assert stored == "Intro\n\n---\n\nNa de lijn\n\nKop\n---\n\n    code blok"

        ok(kennisbank(url, "export", str(tmp_path / "export")))
        ok(kennisbank(url2, "migrate"))
        out = ok(kennisbank(url2, "import", str(tmp_path / "export"), data_dir=tmp_path / "data2"))
        assert library(engine2) == library(engine)
        # ... and searchable right away: the index in the data folder holds every published item.
        assert "Zoekindex" in out
        with Session(engine2) as s:
            published = wiki_service.published_versions(s)
        assert SearchIndex(tmp_path / "data2" / "zoekindex").versions() == published
        # And importing the export once more changes nothing either.
        out = ok(kennisbank(url2, "import", str(tmp_path / "export")))
        assert "items nieuw: 0, bijgewerkt: 0" in out
    finally:
        cleanup()
        cleanup2()


def test_import_reports_a_broken_file_and_keeps_the_rest(tmp_path):
    engine, url, cleanup = new_database("sqlite")
    try:
        folder = tmp_path / "c"
        (folder / "items" / "t").mkdir(parents=True)
        (folder / "themes.yaml").write_text("- slug: t\n  name: T\n")
        (folder / "items" / "t" / "goed.md").write_text(
            "---\ntitle: Goed\nsummary: Kort.\ndossier_meaning: Doe iets.\n---\nTekst\n")
        (folder / "items" / "t" / "fout.md").write_text("---\ntitle: Fout\n---\nGeen samenvatting\n")
        ok(kennisbank(url, "migrate"))
        result = kennisbank(url, "import", str(folder))
        assert result.returncode == 1
        assert "fout.md" in result.stderr and "summary" in result.stderr
        with Session(engine) as s:
            assert [i.slug for i in s.exec(select(Item))] == ["goed"]
    finally:
        cleanup()


def test_import_refuses_broken_files_with_a_clear_message(tmp_path):
    engine, url, cleanup = new_database("sqlite")
    try:
        ok(kennisbank(url, "migrate"))
        folder = tmp_path / "c"
        (folder / "items").mkdir(parents=True)
        (folder / "themes.yaml").write_text("- name: Zonder slug\n")
        result = kennisbank(url, "import", str(folder))
        assert result.returncode == 1
        assert "Niets geïmporteerd" in result.stderr and "slug" in result.stderr
        assert "Traceback" not in result.stderr
        (folder / "themes.yaml").write_text("- slug: t\n  name: T\n")
        (folder / "items" / "t").mkdir()
        (folder / "items" / "t" / "a.md").write_text("---\ntitle: A\nsummary: S\ndossier_meaning: D\n---\nx\n")
        (folder / "items" / "t" / "a.history.yaml").write_text("revisions:\n- number: 1\n  created_at: gisteren\n")
        result = kennisbank(url, "import", str(folder))
        assert result.returncode == 1
        assert "a.history.yaml" in result.stderr and "Traceback" not in result.stderr
    finally:
        cleanup()


def test_user_add_and_token_create(tmp_path):
    engine, url, cleanup = new_database("sqlite")
    try:
        ok(kennisbank(url, "migrate"))
        ok(kennisbank(url, "team", "add", "team-west", "--name", "Team West"))
        out = ok(kennisbank(url, "user", "add", "Nina@Example.org", "--name", "Nina", "--role", "medewerker",
                            "--team", "team-west", "--function", "schuldregelaar", "--password-stdin",
                            stdin="een-lang-wachtwoord\n"))
        assert "nina@example.org" in out
        result = kennisbank(url, "user", "add", "x@example.org", "--name", "X", "--role", "baas", "--password-stdin",
                            stdin="een-lang-wachtwoord\n")
        assert result.returncode != 0
        result = kennisbank(url, "user", "add", "y@example.org", "--name", "Y", "--role", "medewerker",
                            "--password-stdin", stdin="kort\n")
        assert result.returncode == 1 and "minstens 10 tekens" in result.stderr
        token = ok(kennisbank(url, "token", "create", "nina@example.org")).strip()
        with Session(engine) as s:
            user = accounts_service.user_for_api_token(s, token)
            assert user is not None and user.function == "schuldregelaar"
            assert accounts_service.authenticate_password(
                s, get_settings(), "nina@example.org", "een-lang-wachtwoord", "127.0.0.1") is not None
    finally:
        cleanup()


def test_serve_on_the_embedded_default_loads_starter_content_and_demo_accounts(tmp_path):
    """The README's run command: no settings but a data folder, and every demo role can log in."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KENNISBANK_")}
    env["KENNISBANK_COOKIE_SECURE"] = "false"  # plain http on loopback in this test
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)], cwd=tmp_path, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_healthy(base, process, lambda: process.stdout.read() if process.poll() is not None else "")  # type: ignore[union-attr]
        assert (tmp_path / "data" / "kennisbank.db").exists()
        for role in ("medewerker", "contactpersoon", "kwaliteit", "leidinggevende", "management", "beheerder"):
            with httpx.Client(base_url=base) as browser:
                form = BeautifulSoup(browser.get("/login").text, "html.parser")
                token = form.find("input", attrs={"name": "csrf_token"})["value"]
                response = browser.post("/login", data={
                    "email": f"{role}@example.org", "password": "demo-wachtwoord", "csrf_token": token})
                assert response.status_code == 303, (role, response.text)
                home = BeautifulSoup(browser.get("/").text, "html.parser")
                assert len(home.select(".kb-tile")) >= 12, role
                if role == "contactpersoon":  # links in the calendar file follow the port served
                    meeting = browser.get("/api/v1/meetings").json()[0]["id"]
                    assert f"{base}/werkoverleg/{meeting}" in browser.get(f"/werkoverleg/{meeting}/agenda.ics").text.replace("\r\n ", "")
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0]
    assert f"SQLite-database in {(tmp_path / 'data').resolve()}" in output


def test_bench_pages_measures_and_writes_its_section(tmp_path):
    output = tmp_path / "benchmarks.md"
    output.write_text("# Benchmarks\n\n<!-- search:start -->\nzoeken\n<!-- search:end -->\n")
    args = ["bench", "pages", "--items", "60", "--requests", "3", "--backends", "sqlite,postgresql",
            "--output", str(output)]
    out = ok(kennisbank(f"sqlite:///{tmp_path / 'unused.db'}", *args, data_dir=tmp_path))
    text = output.read_text()
    assert "zoeken" in text  # the other sections stay
    rows = [line for line in text.splitlines() if line.startswith(("| sqlite", "| postgresql"))]
    backends = {"sqlite"} if "PostgreSQL overgeslagen" in out else {"sqlite", "postgresql"}
    assert {row.split(" | ")[0].strip("| ") for row in rows} == backends
    assert len(rows) == 10 * len(backends)  # 5 pages × 2 roles
    assert re.search(r"worst p95 = [\d.]+ ms", text)


def test_bench_load_serves_logs_in_through_the_form_and_reports_requests_without_errors(tmp_path):
    """A short run of the load benchmark, end to end: `kennisbank serve` with two workers,
    three users logging in through the login form, the mix, the figures in the output file."""
    output = tmp_path / "benchmarks.md"
    output.write_text("# Benchmarks\n\n<!-- search:start -->\nzoeken\n<!-- search:end -->\n")
    args = ["bench", "load", "--users", "3", "--seconds", "5", "--database", "sqlite", "--workers", "2",
            "--output", str(output), "--logs", str(tmp_path / "logs")]
    out = ok(kennisbank(f"sqlite:///{tmp_path / 'unused.db'}", *args, data_dir=tmp_path))
    text = output.read_text()
    assert "zoeken" in text and "## Load (`kennisbank bench load`)" in text
    total = re.search(r"^\| \*\*all requests\*\* \| ([\d,]+) \| ([\d,]+) \|", text, re.M)
    assert total is not None, text
    assert int(total[1].replace(",", "")) > 0 and total[2] == "0", out
    logins = re.search(r"^\| login \(before the window\) \| (\d+) \| (\d+) \|", text, re.M)
    assert logins is not None and logins.groups() == ("3", "0"), text
    assert "sqlite: errors 0 (target 0: met)" in out
    assert (tmp_path / "logs" / "serve-sqlite-3.log").exists()
