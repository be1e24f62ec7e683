"""Client data stays out: a BSN (nine digits passing the elfproef) is refused, other numbers pass."""

import pytest
from bs4 import BeautifulSoup

from app.accounts import service as accounts_service
from app.accounts.models import Role
from app.privacy import BSN_MESSAGE, find_bsn, passes_elfproef
from tests.factories import login, make_theme, make_user, post_form


@pytest.mark.parametrize("text", [
    "123456782", "BSN 123456782.", "bsn: 1234.56.782", "123 456 782", "nummer 12 34 56 782 graag",
    "tel 06 12345678 en 111222333", "123-456-782", "1234-56-782", "123/456/782",
    "123\u00a0456\u00a0782", "123  456  782",
])
def test_a_bsn_is_found_however_it_is_written(text):
    assert find_bsn(text) is not None


@pytest.mark.parametrize("text", [
    "123456789",  # nine digits, but not a BSN
    "000000000",
    "0612345678",  # a phone number
    "NL91ABNA0417164300",  # an IBAN
    "dossier 12345678",
    "bedrag € 1.234.567,89",
    "",
    # International phone numbers whose national part is nine digits passing the elfproef.
    "+31 6 12345683", "+31 20 1234567", "0031 6 12345683", "+31 (0)6 12345683",
    "06-12345678",
])
def test_other_numbers_pass(text):
    assert find_bsn(text) is None


def test_elfproef():
    assert passes_elfproef("111222333") and not passes_elfproef("111222334")


def test_an_item_with_a_bsn_is_refused_in_the_editor_and_the_api(client, db):
    theme = make_theme(db)
    editor = make_user(db, Role.kwaliteit)
    token = login(client, db, editor)
    form = {"title": "Casus", "summary": "Kort.", "dossier_meaning": "Doe iets.", "theme": theme.slug,
            "audience": "beide", "status": "draft", "body": "De inwoner met BSN 123456782 belde."}
    response = post_form(client, "/items/nieuw", form, token)
    assert response.status_code == 422
    page = BeautifulSoup(response.text, "html.parser")
    assert page.find(id="body-error").text == BSN_MESSAGE
    assert "123456782" in page.find(id="body").text  # what was typed is not lost
    api_token = accounts_service.create_api_token(db, editor)
    refused = client.post("/api/v1/items", headers={"Authorization": f"Bearer {api_token}"},
                          json={**{k: v for k, v in form.items() if k != "audience"}, "summary": "Belde over 1234.56.782"})
    assert refused.status_code == 422
    assert refused.json()["detail"][0] == {"field": "summary", "message": BSN_MESSAGE, "type": "bsn",
                                           "loc": ["body", "summary"]}
    allowed = client.post("/api/v1/items", headers={"Authorization": f"Bearer {api_token}"},
                          json={**{k: v for k, v in form.items() if k != "audience"}, "body": "Zaaknummer 123456789."})
    assert allowed.status_code == 201
