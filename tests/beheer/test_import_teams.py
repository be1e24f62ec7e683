"""CSV import with preview, and the team pages."""

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from app.accounts import service as accounts_service
from app.accounts.models import Role
from app.audit.models import Action, AuditEvent
from tests.factories import login, make_user, post_form

pytestmark = pytest.mark.any_database

CSV = (
    "email,name,role,team,function\n"
    "anna@example.org,Anna Jansen,medewerker,noord,klantbegeleider\n"
    "fout-adres,Bob,medewerker,,\n"
    "carla@example.org,Carla,baas,,\n"
    "anna@example.org,Anna Dubbel,medewerker,,\n"
    "dirk@example.org,Dirk de Vries,contactpersoon,zuid,\n"
    "eva@example.org,Eva,medewerker,noord,\n"
)


def rows(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    html = BeautifulSoup(response.text, "html.parser")
    return [[td.get_text(" ", strip=True) for td in tr.find_all("td")] for tr in html.select("#regels tbody tr")]


@pytest.fixture
def csrf(client, db):  # type: ignore[no-untyped-def]
    accounts_service.ensure_team(db, "noord", "Team Noord")
    return login(client, db, make_user(db, Role.beheerder))


def test_preview_then_import_reports_refused_rows(client, db, csrf):
    preview = client.post("/beheer/gebruikers/import", data={"csrf_token": csrf},
                          files={"bestand": ("mensen.csv", CSV.encode(), "text/csv")})
    assert preview.status_code == 200
    assert accounts_service.get_user_by_email(db, "anna@example.org") is None  # nothing saved yet
    result = {r[0]: r[5] for r in rows(preview)}
    assert result["2"] == "wordt aangemaakt" and result["7"] == "wordt aangemaakt"
    assert result["3"].startswith("geweigerd: e-mailadres")
    assert result["4"].startswith("geweigerd: rol")
    assert "bestaat al" in result["5"]
    assert "Team 'zuid' bestaat niet" in result["6"]
    hidden = BeautifulSoup(preview.text, "html.parser").select_one("form#bevestigen input[name=inhoud]")["value"]

    done = post_form(client, "/beheer/gebruikers/import/bevestigen", {"inhoud": hidden}, csrf)
    assert done.status_code == 200
    assert "2 aangemaakt, 4 geweigerd" in BeautifulSoup(done.text, "html.parser").select_one("#samenvatting").get_text()
    anna = accounts_service.get_user_by_email(db, "anna@example.org")
    assert anna is not None and anna.name == "Anna Jansen" and anna.function == "klantbegeleider"
    assert accounts_service.get_user_by_email(db, "eva@example.org") is not None
    assert accounts_service.get_user_by_email(db, "dirk@example.org") is None
    assert len(db.exec(select(AuditEvent).where(AuditEvent.action == Action.user_created)).all()) == 2


def test_a_file_without_the_columns_is_refused(client, db, csrf):
    response = client.post("/beheer/gebruikers/import", data={"csrf_token": csrf},
                           files={"bestand": ("x.csv", b"naam;mail\nA;a@example.org\n", "text/csv")})
    assert response.status_code == 422
    error = BeautifulSoup(response.text, "html.parser").select_one("#bestand-error")
    assert error is not None and "Deze ontbreken: email, role" in error.get_text()  # naam is name


def test_team_create_rename_members_and_roles(client, db, csrf):
    created = post_form(client, "/beheer/teams", {"slug": "team-oost", "name": "Team Oost", "audience": "beide"}, csrf)
    assert created.status_code == 303
    team = accounts_service.get_team_by_slug(db, "team-oost")
    assert team is not None
    assert post_form(client, "/beheer/teams", {"slug": "team-oost", "name": "Dubbel"}, csrf).status_code == 422

    renamed = post_form(client, f"/beheer/teams/{team.id}", {"name": "Team Oost-Brabant", "audience": "schuldregelaar"}, csrf)
    assert renamed.status_code == 303
    db.refresh(team)
    assert (team.name, team.audience) == ("Team Oost-Brabant", "schuldregelaar")

    person = make_user(db, Role.medewerker, name="Piet", team_slug="noord")
    url = f"/beheer/teams/{team.id}/leden"
    assert post_form(client, url, {"actie": "toevoegen", "user": str(person.id)}, csrf).status_code == 303
    assert post_form(client, url, {"actie": "rol", "user": str(person.id), "role": "contactpersoon"}, csrf).status_code == 303
    db.refresh(person)
    assert person.team_id == team.id and person.role == "contactpersoon"
    assert accounts_service.contactpersoon_of(db, team).id == person.id  # type: ignore[union-attr]
    page = client.get("/beheer/teams")
    assert page.status_code == 200
    row = next(tr for tr in BeautifulSoup(page.text, "html.parser").select("#teams tbody tr") if "Oost" in tr.get_text())
    assert [td.get_text(strip=True) for td in row.find_all("td")][2:] == ["1", "Piet"]
    assert post_form(client, url, {"actie": "rol", "user": str(person.id), "role": "beheerder"}, csrf).status_code == 422

    assert post_form(client, url, {"actie": "verwijderen", "user": str(person.id)}, csrf).status_code == 303
    db.refresh(person)
    assert person.team_id is None
    actions = [e.action for e in db.exec(select(AuditEvent).where(AuditEvent.subject_type == "team"))]
    assert actions.count(Action.team_created) == 1 and actions.count(Action.team_changed) == 3


def test_a_file_with_only_cr_line_endings_is_read(client, db, csrf):
    text = "email,name,role\rcr@example.org,Carla Return,medewerker\r"
    preview = client.post("/beheer/gebruikers/import", data={"csrf_token": csrf},
                          files={"bestand": ("oud.csv", text.encode(), "text/csv")})
    assert preview.status_code == 200
    assert [(r[0], r[5]) for r in rows(preview)] == [("2", "wordt aangemaakt")]


@pytest.mark.parametrize("content", [
    b"email,name,role\na@example.org," + b"x" * 200_000 + b",medewerker\n",  # over the csv module's field limit
])
def test_a_file_the_csv_reader_refuses_is_a_dutch_message_not_a_500(client, db, csrf, content):
    response = client.post("/beheer/gebruikers/import", data={"csrf_token": csrf},
                           files={"bestand": ("x.csv", content, "text/csv")})
    assert response.status_code == 422
    error = BeautifulSoup(response.text, "html.parser").select_one("#bestand-error")
    assert error is not None and "niet als CSV te lezen" in error.get_text()


def test_a_member_that_is_no_ascii_number_is_refused_not_a_500(client, db, csrf):
    assert post_form(client, "/beheer/teams", {"slug": "team-getal", "name": "Team Getal", "audience": "beide"},
                     csrf).status_code == 303
    team = accounts_service.get_team_by_slug(db, "team-getal")
    for typed in ("\u00b9", "\u0661", "-1", ""):
        response = post_form(client, f"/beheer/teams/{team.id}/leden", {"actie": "toevoegen", "user": typed}, csrf)
        assert response.status_code == 422, typed


def test_dutch_headers_team_names_any_letter_case_and_a_warning_for_a_beheerder(client, db, csrf):
    accounts_service.ensure_team(db, "team-west", "Team West")
    text = "e-mail;naam;rol;team;functie\nwim@example.org;Wim West;Medewerker;team west;Klantbegeleider\n" \
           "bea@example.org;Bea Baas;beheerder;;\n"
    preview = client.post("/beheer/gebruikers/import", data={"csrf_token": csrf},
                          files={"bestand": ("nl.csv", text.encode(), "text/csv")})
    assert preview.status_code == 200
    assert [r[5] for r in rows(preview)] == ["wordt aangemaakt", "wordt aangemaakt als beheerder"]
    warning = BeautifulSoup(preview.text, "html.parser").select_one("#beheerders")
    assert warning is not None and "1 regel maakt een beheerder" in warning.get_text()
    hidden = BeautifulSoup(preview.text, "html.parser").select_one("form#bevestigen input[name=inhoud]")["value"]
    assert post_form(client, "/beheer/gebruikers/import/bevestigen", {"inhoud": hidden}, csrf).status_code == 200
    wim = accounts_service.get_user_by_email(db, "wim@example.org")
    assert wim.function == "klantbegeleider" and accounts_service.get_team(db, wim.team_id).slug == "team-west"


def test_a_column_given_twice_is_refused(client, db, csrf):
    response = client.post("/beheer/gebruikers/import", data={"csrf_token": csrf},
                           files={"bestand": ("x.csv", b"email,name,role,email\na@example.org,A B,medewerker,b@example.org\n",
                                              "text/csv")})
    assert response.status_code == 422
    assert "meer dan eens" in BeautifulSoup(response.text, "html.parser").select_one("#bestand-error").get_text()
