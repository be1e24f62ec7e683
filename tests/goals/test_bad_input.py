"""Plain input on the goals dashboard, its CSV and API never makes a 500 (issue #11)."""

from datetime import date

from bs4 import BeautifulSoup

from app.accounts import service as accounts_service
from app.accounts.models import Role
from app.config import CONTENT_DIR
from app.goals import service
from tests.factories import login, make_user

TEAM_SELECT = "select[name=team]"


def test_the_all_teams_option_is_an_empty_team_and_means_all_teams(client, db):
    service.seed(db, service.load_file(CONTENT_DIR / "goals.yaml"), date(2027, 1, 4))
    accounts_service.ensure_team(db, "noord", "Team Noord")
    user = make_user(db, Role.kwaliteit)
    login(client, db, user)
    # The dashboard's own team filter offers "Alle teams" with an empty value.
    form = BeautifulSoup(client.get("/doelen").text, "html.parser").select_one(TEAM_SELECT)
    assert form.select_one("option[value='']") is not None

    response = client.get("/doelen?team=")
    assert response.status_code == 200
    page = BeautifulSoup(response.text, "html.parser")
    assert page.h1 is not None and page.select(".kb-goal")
    assert client.get("/doelen").text.count("kb-goal") == response.text.count("kb-goal")

    csv = client.get("/doelen.csv?team=")
    assert csv.status_code == 200 and csv.text.startswith("doel;groep;team")
    assert ";alle;" in csv.text

    token = accounts_service.create_api_token(db, user)
    api = client.get("/api/v1/goals?team=", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200 and api.json()


def test_an_unknown_team_is_a_404_not_a_500(client, db):
    login(client, db, make_user(db, Role.kwaliteit))
    response = client.get("/doelen?team=nergens")
    assert response.status_code == 404
    assert BeautifulSoup(response.text, "html.parser").h1.text == "Niet gevonden"
