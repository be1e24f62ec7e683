"""The plan as a PDF: A4 on every page, the plan's own text in it, nothing wider than the
page whatever the plan holds, only for those logged in, and nothing fetched from outside."""

import io

import pytest
from pypdf import PdfReader

from app import clock
from app.accounts.models import Role
from app.config import STATIC_DIR
from app.plan import pdf, service
from app.plan.schemas import FactorIn, PartIn
from tests.factories import browser, login, make_user
from tests.plan.test_plan import plan  # noqa: F401 - the fixture

A4 = (595.28, 841.89)


def pdf_of(response) -> PdfReader:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == 'attachment; filename="implementatieplan.pdf"'
    assert response.content.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(response.content))


def assert_a4(reader: PdfReader) -> None:
    for number, page in enumerate(reader.pages, start=1):
        box = page.mediabox
        size = (float(box.width), float(box.height))
        assert size == pytest.approx(A4, abs=1), f"page {number} is {size}"


def test_the_plan_prints_on_a4(db, client, plan) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    login(client, db, make_user(db, Role.medewerker))
    reader = pdf_of(client.get("/plan/plan.pdf"))
    assert len(reader.pages) >= 3
    assert_a4(reader)
    first = reader.pages[0].extract_text()
    assert "Implementatieplan: Kennisoverdracht" in first
    assert "Afdeling Kwaliteit, gemeente Den Haag" in first
    assert "Pagina 1 van" in first
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "12. Planning en budgettering" in text
    assert "Stakeholdermatrix" in text and "Acties" in text


def test_a_very_long_word_or_cell_stays_within_the_page(db, client, plan) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    kw = make_user(db, Role.kwaliteit)
    login(client, db, kw)
    long_word = "Schuldhulpverleningsimplementatie" * 12
    service.save_part(db, plan, "team", PartIn(body=f"{long_word}\n\n| a | b |\n|---|---|\n| {long_word} | x |",
                                                version=plan.version), kw, clock.now())
    group = service.read(db, plan).users[0]
    service.add_factor(db, plan, FactorIn(group_id=group.id, text=long_word, direction="belemmerend",  # type: ignore[arg-type]
                                          impact=3), kw, clock.now())
    db.flush()
    reader = pdf_of(client.get("/plan/plan.pdf"))
    assert_a4(reader)
    text = "".join(p.extract_text() for p in reader.pages).replace("\n", "").replace("-", "")
    assert "Schuldhulpverleningsimplementatie" * 3 in text  # broken over lines, not cut off


def test_only_for_those_logged_in(client, plan) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    browser(client)
    r = client.get("/plan/plan.pdf", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")


def test_the_renderer_reads_static_files_and_nothing_else(tmp_path) -> None:  # type: ignore[no-untyped-def]
    fetcher = pdf.StaticFilesOnly(STATIC_DIR)
    css = fetcher.fetch((STATIC_DIR / "css" / "print-plan.css").as_uri())
    assert b"size: A4" in css.read()
    outside = tmp_path / "secret.css"
    outside.write_text("body {}")
    for url in (outside.as_uri(), (STATIC_DIR / ".." / "config.py").as_uri(), "https://example.org/x.css",
                "http://127.0.0.1/static/css/app.css", "file://elders/static/css/app.css", "data:text/css,body{}"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
