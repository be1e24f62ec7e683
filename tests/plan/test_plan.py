"""The implementation plan: the starter plan of seed 000, Kwaliteit's journey (a barrier, a
strategy against it, an action with owner and date), the quadrants, the focus, revisions, the
file round trip, and the API."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from app import clock
from app.accounts.models import Role
from app.config import CONTENT_DIR
from app.goals import service as goals_service
from app.plan import document, service
from app.plan.models import PlanAction, PlanFactor, PlanRevision, PlanStrategy
from tests.factories import login, make_user, post_form


def page(response, status: int = 200) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text[:800]
    return BeautifulSoup(response.text, "html.parser")


@pytest.fixture
def plan(db):  # type: ignore[no-untyped-def]
    goals_service.seed(db, goals_service.load_file(CONTENT_DIR / "goals.yaml"), clock.today())
    made = service.load_starter(db, CONTENT_DIR / "plan.md", clock.now())
    db.flush()
    return made


def test_the_starter_plan_is_seed_000(db, client, plan) -> None:  # type: ignore[no-untyped-def]
    reader = make_user(db, Role.medewerker)
    login(client, db, reader)
    soup = page(client.get("/plan"))
    assert soup.h1.get_text(" ", strip=True) == "Implementatieplan: Kennisoverdracht"
    parts = [h.get_text(" ", strip=True) for h in soup.select("section.kb-plan-part > h2")]
    assert parts[0] == "1. Beschrijving interventie" and parts[-1] == "12. Planning en budgettering"
    assert len(parts) == 12
    assert "Voorbeeldplan" in soup.select_one(".kb-alert").get_text()
    matrix = {cell["class"][1].rsplit("--", 1)[1]: [li.get_text() for li in cell.select("li")]
              for cell in soup.select(".kb-matrix__cell")}
    assert "Kwaliteitsmedewerkers" in matrix["a"] and matrix["c"] == ["Opleiding & Leren"]
    # The seed does not say whether the barriers can be changed: no focus yet, and it says why.
    assert "nog niet ingeschat" in soup.select_one("#deel-context").get_text()
    goals = soup.select("#deel-doelen .kb-plan-goal")
    assert len(goals) == len(goals_service.list_goals(db))
    # The advice function in figures, in the monitoring part: no questions yet is a plain zero.
    monitoring = soup.select_one("#deel-monitoring #adviesfunctie")
    assert monitoring.select_one("#advies-ontvangen dd").get_text(strip=True) == "0"
    assert "nog geen vragen" in monitoring.select_one("#advies-behandeltijd dd").get_text()
    # No edit links for a reader.
    assert not soup.select('a[href^="/plan/bewerken"]')


def test_kwaliteit_adds_a_barrier_a_strategy_and_an_action(db, client, plan) -> None:  # type: ignore[no-untyped-def]
    kw = make_user(db, Role.kwaliteit, name="Kees Kwaliteit")
    owner = make_user(db, Role.contactpersoon, name="Carla Contact")
    token = login(client, db, kw)
    data = service.read(db, plan)
    group = next(g for g in data.groups if g.name == "Klantbegeleiders en schuldregelaars")
    before = plan.version
    r = post_form(client, "/plan/factoren", {"group_id": group.id, "text": "Geen tijd in de caseload",
                                             "direction": "belemmerend", "impact": "3", "changeable": "ja"}, token)
    assert r.status_code == 303, r.text[:500]
    factor = db.exec(select(PlanFactor).where(PlanFactor.text == "Geen tijd in de caseload")).one()
    r = post_form(client, "/plan/strategieen", {"factor_id": factor.id, "text": "Afspraken met de leidinggevende over tijd"}, token)
    assert r.status_code == 303
    strategy = db.exec(select(PlanStrategy).where(PlanStrategy.factor_id == factor.id)).one()
    due = clock.today() + timedelta(days=14)
    r = post_form(client, "/plan/acties", {"strategy_id": strategy.id, "title": "Tijd afspreken in het MT-overleg",
                                           "owner": owner.email, "due": due.isoformat(), "status": "plan"}, token)
    assert r.status_code == 303
    action = db.exec(select(PlanAction).where(PlanAction.strategy_id == strategy.id)).one()
    assert (action.owner_id, action.due) == (owner.id, due)
    db.refresh(plan)
    assert plan.version == before + 3
    assert len(db.exec(select(PlanRevision).where(PlanRevision.plan_id == plan.id)).all()) == plan.version
    soup = page(client.get("/plan"))
    focus = [li.get_text(" ", strip=True) for li in soup.select(".kb-plan-focus li")]
    assert focus and focus[0].startswith("Geen tijd in de caseload")
    row = soup.select_one(f"#acties #actie-{action.id}")
    assert "Carla Contact" in row.get_text() and "Over de datum" not in row.get_text()
    # The API says the same.
    body = client.get("/api/v1/plan").json()
    assert [f["text"] for f in body["focus"]] == ["Geen tijd in de caseload"]
    assert {s["name"]: s["quadrant"] for s in body["stakeholders"]}["Opleiding & Leren"] == "C"
    assert [p["key"] for p in body["parts"]][:3] == ["beschrijving", "randvoorwaarden", "groepen"]
    actions = client.get("/api/v1/plan/actions").json()
    assert actions[0]["owner"] == owner.email and actions[0]["overdue"] is False


def test_refused_input_keeps_what_was_typed(db, client, plan) -> None:  # type: ignore[no-untyped-def]
    kw = make_user(db, Role.kwaliteit)
    token = login(client, db, kw)
    for part in ("beschrijving", "groepen", "gebruikers", "doelen", "context", "strategieen", "borging", "planning"):
        soup = page(client.get(f"/plan/bewerken/{part}"))
        assert not soup.select("[aria-invalid]"), part  # no field is in error before anything was sent
    soup = page(post_form(client, "/plan/factoren", {"group_id": "", "text": "Iets dat ik typte",
                                                     "direction": "belemmerend", "impact": "7"}, token), 422)
    assert soup.select_one("#factor-text")["value"] == "Iets dat ik typte"
    assert soup.select_one("#factor-impact-error") is not None
    assert soup.select_one("#factor-group-error") is not None


def test_an_overdue_action_is_flagged_and_its_owner_may_set_its_status(db, client, plan) -> None:  # type: ignore[no-untyped-def]
    kw = make_user(db, Role.kwaliteit)
    owner = make_user(db, Role.leidinggevende)
    other = make_user(db, Role.medewerker)
    token = login(client, db, kw)
    r = client.post("/api/v1/plan/actions", json={"title": "Tijd vrijmaken", "owner": owner.email,
                                                  "due": (clock.today() - timedelta(days=1)).isoformat()},
                    headers={"x-csrf-token": token})
    assert r.status_code == 201, r.text
    assert r.json()["overdue"] is True
    action_id = r.json()["id"]
    soup = page(client.get("/plan"))
    assert "Over de datum" in soup.select_one(f"#acties #actie-{action_id}").get_text()
    token = login(client, db, other)
    r = client.patch(f"/api/v1/plan/actions/{action_id}", json={"status": "do"}, headers={"x-csrf-token": token})
    assert r.status_code == 403
    token = login(client, db, owner)
    r = client.patch(f"/api/v1/plan/actions/{action_id}", json={"title": "Anders"}, headers={"x-csrf-token": token})
    assert r.status_code == 403
    r = client.patch(f"/api/v1/plan/actions/{action_id}", json={"status": "check", "done": True},
                     headers={"x-csrf-token": token})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "check" and r.json()["overdue"] is False and r.json()["done"] is True


def test_the_file_round_trips_and_a_bad_file_is_refused(db, client, plan) -> None:  # type: ignore[no-untyped-def]
    kw = make_user(db, Role.kwaliteit)
    token = login(client, db, kw)
    exported = client.get("/plan/plan.md")
    assert exported.status_code == 200
    doc = document.parse(exported.text)
    assert [g.name for g in doc.groups][0] == "Kwaliteitsmedewerkers"
    changed = exported.text.replace("title: Implementatieplan", "title: Ons plan")
    r = client.post("/plan/importeren", files={"file": ("plan.md", changed.encode(), "text/markdown")},
                    data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    db.refresh(plan)
    assert plan.title == "Ons plan"
    assert document.dump(service.read(db, plan)) == changed
    r = client.post("/plan/importeren", files={"file": ("plan.md", b"---\ntitle: X\ngroups: 5\n---\n", "text/markdown")},
                    data={"csrf_token": token}, follow_redirects=False)
    soup = page(r, 422)
    assert "groups" in soup.select_one("#file-error").get_text()
    db.refresh(plan)
    assert plan.title == "Ons plan"


def test_two_saves_on_the_same_version_do_not_overwrite(db, client, plan) -> None:  # type: ignore[no-untyped-def]
    kw = make_user(db, Role.kwaliteit)
    token = login(client, db, kw)
    version = plan.version
    r = post_form(client, "/plan/bewerken/team", {"body": "Eerste tekst", "version": version}, token)
    assert r.status_code == 303
    soup = page(post_form(client, "/plan/bewerken/team", {"body": "Tweede tekst", "version": version}, token), 409)
    assert soup.select_one("#body").get_text() == "Tweede tekst"
    assert service.read(db, plan).parts["team"] == "Eerste tekst"


def test_budget_per_phase(db, plan) -> None:  # type: ignore[no-untyped-def]
    from app.plan.schemas import ActivityIn, GroupIn

    kw = make_user(db, Role.kwaliteit)
    data = service.read(db, plan)
    g = data.groups[0]
    service.save_group(db, plan, g.id, GroupIn(**{**g.model_dump(include={  # type: ignore[arg-type]
        "name", "influence", "interest", "involvement", "is_user", "ist", "soll"}), "hourly_rate": 80}), kw, clock.now())
    service.add_activity(db, plan, ActivityIn(group_id=g.id, phase="inzicht", text="Workshop", hours=6), kw, clock.now())  # type: ignore[arg-type]
    service.add_activity(db, plan, ActivityIn(group_id=data.groups[1].id, phase="inzicht", text="Lezen", hours=2.5), kw, clock.now())  # type: ignore[arg-type]
    budget = service.budget(service.read(db, plan))
    assert budget.hours_per_phase["inzicht"] == 8.5
    assert budget.cost_per_phase["inzicht"] == 480
    assert budget.unpriced == [data.groups[1].name]


def test_the_borging_checklist_says_what_the_app_judged_and_records_the_rest(db, client, plan) -> None:  # type: ignore[no-untyped-def]
    kw = make_user(db, Role.kwaliteit)
    token = login(client, db, kw)
    soup = page(client.get("/plan"))
    signs = soup.select("#deel-borging .kb-borging__sign")
    assert len(signs) == 10
    judged = [s for s in signs if "De app beoordeelt dit zelf" in s.get_text()]
    assert len(judged) >= 5
    # Each app-judged sign names its records with numbers.
    materials = soup.select_one("#teken-materialen").get_text(" ", strip=True)
    assert "gepubliceerde items" in materials or "Er zijn nog geen gepubliceerde items" in materials
    # A sign the app cannot judge: Kwaliteit answers it with evidence and a date.
    r = post_form(client, "/plan/borging/financiering", {"met": "ja", "evidence": "In de begroting 2027 opgenomen.",
                                                         "checked_on": clock.today().isoformat()}, token)
    assert r.status_code == 303, r.text[:500]
    soup = page(client.get("/plan"))
    assert "In de begroting 2027 opgenomen." in soup.select_one("#teken-financiering").get_text()
    # One the app judges itself cannot be ticked by hand.
    soup = page(post_form(client, "/plan/borging/eigenaar", {"met": "ja", "evidence": "x"}, token), 422)
    assert "beoordeelt de app zelf" in soup.get_text()
    # Met without evidence: refused, what was typed stays.
    soup = page(post_form(client, "/plan/borging/werkdruk", {"met": "ja", "evidence": "", "extra_action": "Intervisie"}, token), 422)
    assert soup.select_one("#sign-werkdruk-extra_action")["value"] == "Intervisie"
    body = client.get("/api/v1/plan").json()
    by_key = {s["key"]: s for s in body["borging"]}
    assert by_key["financiering"]["met"] is True and by_key["financiering"]["judged_by_app"] is False
    assert by_key["eigenaar"]["judged_by_app"] is True and by_key["eigenaar"]["source"]
    assert by_key["werkdruk"]["met"] is None


def test_a_starter_barrier_is_weighed_afterwards_and_joins_the_focus(db, client, plan) -> None:  # type: ignore[no-untyped-def]
    kw = make_user(db, Role.kwaliteit)
    token = login(client, db, kw)
    factor = db.exec(select(PlanFactor).where(PlanFactor.text == "Weinig steun vanuit de leidinggevenden")).one()
    assert factor.changeable is None
    form = {"group_id": factor.group_id, "text": factor.text, "direction": "belemmerend", "impact": "3",
            "changeable": "ja", "priority": "1"}
    assert post_form(client, f"/plan/factoren/{factor.id}", form, token).status_code == 303
    soup = page(client.get("/plan"))
    assert [li.get_text(" ", strip=True).split(" (")[0] for li in soup.select(".kb-plan-focus li")] == [factor.text]
    # A barrier with a strategy stays a barrier; the refusal is said at the top and at the form.
    soup = page(post_form(client, f"/plan/factoren/{factor.id}", form | {"direction": "bevorderend"}, token), 422)
    assert "blijft belemmerend" in soup.select_one("#niet-opgeslagen").get_text()
    assert soup.select_one(f"#factor-{factor.id}-text")["value"] == factor.text
