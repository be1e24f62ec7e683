"""The evaluation at the horizon and the yearly werkplan: drafted from the goals, recorded by
Kwaliteit, then doel, resultaat and acties in PDCA, and the results on /doelen."""

from datetime import timedelta

from bs4 import BeautifulSoup
from sqlmodel import select

from app import clock
from app.accounts.models import Role
from app.config import CONTENT_DIR
from app.goals import measures
from app.goals import service as goals_service
from app.plan import service
from app.plan.models import PlanAction, PlanEvaluation, WerkplanResult
from tests.factories import login, make_user, post_form


def page(response, status: int = 200) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text[:800]
    return BeautifulSoup(response.text, "html.parser")


def test_evaluation_waits_for_the_horizon_then_the_werkplan_follows(db, client) -> None:  # type: ignore[no-untyped-def]
    start = clock.today() - timedelta(days=400)
    goals_service.seed(db, goals_service.load_file(CONTENT_DIR / "goals.yaml"), clock.today())
    service.load_starter(db, CONTENT_DIR / "plan.md", clock.now())
    kw = make_user(db, Role.kwaliteit)
    owner = make_user(db, Role.contactpersoon, name="Carla Contact")
    token = login(client, db, kw)
    # Before the horizon: a draft that says so, and no recording.
    soup = page(client.get("/plan/evaluatie"))
    assert "Concept." in soup.get_text()
    soup = page(post_form(client, "/plan/evaluatie", {"notes": "Te vroeg"}, token), 422)
    assert soup.select_one("#notes").get_text() == "Te vroeg"
    # Past the horizon: each goal reached or not.
    goals_service.set_all_starts(db, start)
    db.flush()
    deadlines = [measures.deadline(g) for g in goals_service.list_goals(db)]
    assert max(deadlines) <= clock.today()
    soup = page(client.get("/plan/evaluatie"))
    rows = soup.select("tbody tr")
    assert len(rows) == len(goals_service.list_goals(db))
    assert all(("Gehaald" in r.get_text() or "Niet gehaald" in r.get_text()) for r in rows)
    assert "Tijdgebrek" in soup.select_one("#eval-belemmeringen").find_parent("section").get_text()
    r = post_form(client, "/plan/evaluatie", {"notes": "Tijdgebrek bleef het grootste punt."}, token)
    assert r.status_code == 303
    evaluation = db.exec(select(PlanEvaluation)).one()
    assert len(evaluation.goals) == len(rows)
    # The werkplan: a year, a doel, a result, an action in PDCA with a check date.
    year = clock.today().year
    assert post_form(client, "/plan/werkplan", {"year": str(year)}, token).status_code == 303
    page(post_form(client, "/plan/werkplan", {"year": str(year)}, token), 422)  # not twice
    page(post_form(client, "/plan/werkplan", {"year": "99999"}, token), 422)
    r = post_form(client, f"/plan/werkplan/{year}/doelen", {"text": "Collega's vinden elke maand de nieuwe kennis"}, token)
    assert r.status_code == 303
    soup = page(client.get(f"/plan/werkplan/{year}"))
    assert not soup.select("[aria-invalid]") and "None" not in soup.get_text()  # no error before one is made
    goal_id = soup.select_one("input[name=goal_id]")["value"]
    r = post_form(client, f"/plan/werkplan/{year}/resultaten", {"goal_id": goal_id, "text": "Een vast agendapunt in elk werkoverleg"}, token)
    assert r.status_code == 303
    result = db.exec(select(WerkplanResult)).one()
    due = clock.today() + timedelta(days=30)
    r = post_form(client, f"/plan/werkplan/{year}/acties", {"result_id": result.id, "title": "Agendapunt in de regel zetten",
                                                           "owner": owner.email, "due": due.isoformat(), "status": "do",
                                                           "check_on": (due + timedelta(days=30)).isoformat()}, token)
    assert r.status_code == 303, r.text[:400]
    action = db.exec(select(PlanAction).where(PlanAction.result_id == result.id)).one()
    assert (action.status, action.owner_id) == ("do", owner.id)
    refused = page(post_form(client, f"/plan/werkplan/{year}/acties", {"result_id": result.id, "title": "Te laat gecheckt",
                                                                      "due": due.isoformat(), "check_on": clock.today().isoformat()}, token), 422)
    assert refused.select_one(f"#action-{result.id}-title")["value"] == "Te laat gecheckt"
    # The results beside the goals on /doelen, ticked off.
    soup = page(client.get("/doelen"))
    assert "0 van de 1 resultaten behaald" in soup.select_one("#werkplan").get_text()
    assert post_form(client, f"/plan/werkplan/resultaten/{result.id}", {"done": "ja"}, token).status_code == 303
    soup = page(client.get("/doelen"))
    assert "1 van de 1 resultaten behaald" in soup.select_one("#werkplan").get_text()
    # The API lists the werkplan's action with the plan's.
    listed = {a["id"]: a for a in client.get("/api/v1/plan/actions").json()}
    assert listed[action.id]["result_id"] == result.id and listed[action.id]["status"] == "do"
