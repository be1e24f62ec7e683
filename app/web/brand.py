"""The municipality's look (huisstijl): theme tokens, logo and accent colour.

Pages are built from NL Design System components (@utrecht/component-library-css). They take
their colours, fonts and spacing from design tokens, CSS custom properties scoped to a theme
class. The NL Design System example theme ("voorbeeld") is always loaded, so every token has a
value; a municipality's theme is loaded after it and overrides what it defines.
"""

from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response

from app.config import LOGO_TYPES, Settings, get_settings

BASE_STYLESHEETS = (
    "/static/vendor/fonts/fonts.css",
    "/static/vendor/utrecht/index.css",
    # Plain HTML (the Markdown of an item) styled as the components, inside .utrecht-html.
    "/static/vendor/utrecht/html.css",
    "/static/vendor/voorbeeld/theme.css",
)
OWN_THEME_URL = "/huisstijl/thema.css"
LOGO_URL = "/huisstijl/logo"


@dataclass(frozen=True)
class Brand:
    name: str
    theme_classes: str
    stylesheets: tuple[str, ...]
    logo_url: str | None
    # Colours for what cannot read CSS custom properties: the SVG poster.
    accent: str
    accent_soft: str
    ink: str


# Built-in themes: their extra style sheets, class names and poster colours.
_BUILTIN = {
    "voorbeeld": ((), "", ("#5115ef", "#f3eeff", "#001a40")),
    "denhaag": (
        ("/static/vendor/denhaag/theme.css", "/static/themes/denhaag.css"),
        "denhaag-theme",
        ("#237a3b", "#e3f1e2", "#2e2e2e"),
    ),
}


def brand_for(settings: Settings) -> Brand:
    if settings.theme in _BUILTIN:
        extra, classes, (accent, soft, ink) = _BUILTIN[settings.theme]
    else:
        extra, classes, (accent, soft, ink) = (OWN_THEME_URL,), "", _BUILTIN["voorbeeld"][2]
    classes = " ".join(filter(None, ["voorbeeld-theme", classes, settings.theme_class]))
    if settings.accent_color:
        accent = settings.accent_color
    return Brand(
        name=settings.municipality_name,
        theme_classes=classes,
        stylesheets=(*BASE_STYLESHEETS, *extra, "/static/css/app.css"),
        logo_url=LOGO_URL if settings.logo else None,
        accent=accent,
        accent_soft=soft,
        ink=ink,
    )


def current_brand() -> Brand:
    return brand_for(get_settings())


# Served without logging in: the login page wears the look too.
router = APIRouter(prefix="/huisstijl", include_in_schema=False)
_CACHE = "public, max-age=300"


@router.get("/thema.css")
def own_theme() -> Response:
    settings = get_settings()
    if settings.theme in _BUILTIN:
        raise HTTPException(404, "Deze dienst gebruikt een ingebouwde huisstijl.")
    return Response(
        Path(settings.theme).read_bytes(),
        media_type="text/css",
        headers={"cache-control": _CACHE},
    )


@router.get("/logo")
def logo() -> Response:
    settings = get_settings()
    if not settings.logo:
        raise HTTPException(404, "Er is geen logo ingesteld.")
    path = Path(settings.logo)
    return Response(
        path.read_bytes(),
        media_type=LOGO_TYPES[path.suffix.lower()],
        # An SVG opened on its own must not run anything it carries.
        headers={
            "cache-control": _CACHE,
            "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
        },
    )
