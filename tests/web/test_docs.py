"""The API documentation works without internet: Swagger UI comes from static/vendor."""

import pytest
from bs4 import BeautifulSoup

# A page that SQL does not decide.
pytestmark = pytest.mark.any_database


def test_docs_load_swagger_ui_from_this_service(client):
    response = client.get("/docs")
    assert response.status_code == 200
    page = BeautifulSoup(response.text, "html.parser")
    sources = [s["src"] for s in page.find_all("script")] + [link["href"] for link in page.find_all("link")]
    assert sources and all(src.startswith("/static/") for src in sources), sources
    assert all(not s.string for s in page.find_all("script")), "no inline script: the CSP forbids it"
    for src in sources:
        assert client.get(src).status_code == 200, src
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "http" not in csp
