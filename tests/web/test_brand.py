"""The look: NL Design System assets vendored with their licences, and a municipality's own
name, logo and token file from the settings."""

import json

import pytest
from bs4 import BeautifulSoup
from pydantic import ValidationError

from app.accounts.models import Role
from app.config import PROJECT_ROOT, STATIC_DIR, Settings
from app.web import brand
from app.web.icons import ICON_DIR, THEME_ICON_FILES, UI_ICONS
from app.wiki.models import THEME_ICONS
from tests.factories import login, make_user

# Pages and texts: SQL does not decide them, so SQLite is enough.
pytestmark = pytest.mark.any_database

VENDOR = STATIC_DIR / "vendor"
SECRET = "s" * 40


def settings(**kw) -> Settings:  # type: ignore[no-untyped-def]
    return Settings(secret_key=SECRET, **kw)


@pytest.fixture
def own_look(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    tokens = tmp_path / "mijnstad.css"
    tokens.write_text(".mijnstad-theme { --utrecht-link-color: #006400; }\n")
    logo = tmp_path / "logo.svg"
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>')
    chosen = settings(
        municipality_name="Gemeente Mijnstad", theme=str(tokens), theme_class="mijnstad-theme",
        logo=str(logo), accent_color="#006400",
    )
    monkeypatch.setattr(brand, "get_settings", lambda: chosen)
    return chosen


def test_every_stylesheet_and_icon_is_vendored():
    for theme in ("voorbeeld", "denhaag"):
        for href in brand.brand_for(settings(theme=theme)).stylesheets:
            assert (STATIC_DIR / href.removeprefix("/static/")).is_file(), href
    assert set(THEME_ICONS) == set(THEME_ICON_FILES)
    for name in [*THEME_ICON_FILES.values(), *UI_ICONS]:
        assert (ICON_DIR / f"{name}.svg").is_file(), name


def test_vendored_packages_are_locked_and_keep_their_licence():
    manifest = json.loads((VENDOR / "package.json").read_text())
    lock = json.loads((VENDOR / "package-lock.json").read_text())
    for name, version in manifest["dependencies"].items():
        assert lock["packages"][f"node_modules/{name}"]["version"] == version, name
    for folder in ("utrecht", "voorbeeld", "denhaag", "htmx", "tabler-icons", "fonts"):
        assert any(p.name.startswith("LICENSE") for p in (VENDOR / folder).iterdir()), folder
    assert (PROJECT_ROOT / "tests/browser/vendor/axe-core/LICENSE").is_file()


def test_settings_refuse_a_theme_or_logo_that_does_not_exist(tmp_path):
    with pytest.raises(ValidationError, match="KENNISBANK_THEME"):
        settings(theme="amsterdam")
    with pytest.raises(ValidationError, match="KENNISBANK_THEME"):
        settings(theme=str(tmp_path / "ontbreekt.css"))
    (tmp_path / "logo.gif").write_bytes(b"GIF89a")
    with pytest.raises(ValidationError, match="KENNISBANK_LOGO"):
        settings(logo=str(tmp_path / "logo.gif"))
    with pytest.raises(ValidationError, match="KENNISBANK_THEME_CLASS"):
        settings(theme_class='x" onload="alert(1)')
    with pytest.raises(ValidationError, match="KENNISBANK_ACCENT_COLOR"):
        settings(accent_color="red")


def test_den_haag_look_maps_its_tokens_onto_the_components():
    look = brand.brand_for(settings(theme="denhaag"))
    assert look.theme_classes == "voorbeeld-theme denhaag-theme"
    assert look.stylesheets.index("/static/vendor/denhaag/theme.css") < look.stylesheets.index(
        "/static/themes/denhaag.css")
    mapping = (STATIC_DIR / "themes/denhaag.css").read_text()
    tokens = (VENDOR / "denhaag/theme.css").read_text()
    used = {line.split("var(")[1].split(")")[0] for line in mapping.splitlines() if "var(--denhaag-" in line}
    assert used and all(f"{token}:" in tokens for token in used)  # every mapped token exists


def test_pages_wear_the_municipalitys_look(client, db, own_look):
    login(client, db, make_user(db, Role.medewerker))
    page = BeautifulSoup(client.get("/").text, "html.parser")
    assert page.body["class"][-2:] == ["voorbeeld-theme", "mijnstad-theme"]
    sheets = [link["href"] for link in page.select("link[rel=stylesheet]")]
    assert sheets.index("/static/vendor/voorbeeld/theme.css") < sheets.index("/huisstijl/thema.css")
    assert sheets[-1] == "/static/css/app.css"
    assert page.select_one(".kb-brand__logo")["src"] == "/huisstijl/logo"
    assert "Gemeente Mijnstad" in page.select_one(".kb-brand").text
    assert page.title.text.endswith("Gemeente Mijnstad")


def test_own_token_file_and_logo_are_served_without_login(client, own_look):
    css = client.get("/huisstijl/thema.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "--utrecht-link-color: #006400" in css.text
    logo = client.get("/huisstijl/logo")
    assert logo.status_code == 200 and logo.headers["content-type"] == "image/svg+xml"
    assert logo.headers["content-security-policy"].startswith("default-src 'none'")


def test_built_in_look_has_no_own_files(client):
    assert client.get("/huisstijl/thema.css").status_code == 404
    assert client.get("/huisstijl/logo").status_code == 404


def test_poster_takes_the_accent_colour(client, db, own_look):
    login(client, db, make_user(db, Role.medewerker))
    svg = client.get("/themas/poster").text
    assert 'fill="#006400"' in svg and "Gemeente Mijnstad" in svg


def test_style_sheets_are_compressed(client):
    response = client.get("/static/vendor/utrecht/index.css", headers={"accept-encoding": "gzip"})
    assert response.status_code == 200 and response.headers["content-encoding"] == "gzip"


def test_long_compounds_get_soft_hyphens_where_their_parts_meet():
    from app.web.templating import SOFT_HYPHEN, hyphenate

    assert hyphenate("Budgetbeheer en beschermingsbewind") == (
        f"Budget{SOFT_HYPHEN}beheer en beschermings{SOFT_HYPHEN}bewind")
    assert hyphenate("Wsnp") == "Wsnp"
    assert hyphenate("Financiële hulpverlening").replace(SOFT_HYPHEN, "") == "Financiële hulpverlening"
