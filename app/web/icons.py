"""Inline SVG icons from the vendored Tabler set (static/vendor/tabler-icons, MIT).

Inline, not <img>: an inline icon takes the colour of its text (currentColor), so it follows
the municipality's theme, and the poster can embed the same drawing.
"""

import re
from functools import lru_cache

from markupsafe import Markup

from app.config import STATIC_DIR

ICON_DIR = STATIC_DIR / "vendor" / "tabler-icons"

# A theme's icon key (Theme.icon, chosen from app/wiki/models.THEME_ICONS) -> Tabler icon.
THEME_ICON_FILES = {
    "boek": "book",
    "wet": "gavel",
    "schild": "shield-check",
    "handdruk": "heart-handshake",
    "weegschaal": "scale",
    "euro": "currency-euro",
    "signaal": "bell-ringing",
    "toeslag": "receipt-euro",
    "inkomen": "coins",
    "portemonnee": "wallet",
    "gesprek": "messages",
    "netwerk": "affiliate",
    "proces": "list-check",
}
# Icons the pages use besides the theme icons.
UI_ICONS = ("printer", "download", "news", "search", "sparkles", "chevron-right")


@lru_cache
def icon_paths(name: str) -> str:
    """The drawing of an icon: its <path>/<circle>/… elements, without the bounding box."""
    text = (ICON_DIR / f"{THEME_ICON_FILES.get(name, name)}.svg").read_text()
    body = text[text.index(">", text.index("<svg")) + 1 : text.rindex("</svg>")]
    body = re.sub(r'<path stroke="none" d="M0 0h24v24H0z" fill="none"\s*/>', "", body)
    return " ".join(body.split())


def icon(name: str, css_class: str = "kb-icon") -> Markup:
    """An inline, decorative 24×24 icon; the text next to it carries the meaning."""
    return Markup(
        f'<svg class="{css_class}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" '
        'fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" '
        f'stroke-linejoin="round" aria-hidden="true" focusable="false">{icon_paths(name)}</svg>'
    )
