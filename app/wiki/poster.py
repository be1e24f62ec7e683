"""The theme infographic as a poster for the wall: one SVG, A4 or A3, portrait.

A-sizes share one aspect ratio, so the poster is drawn once on a 210 × 297 grid (millimetres
of A4) and only its printed size changes. The SVG carries its fonts (base64 woff2) and icons,
so it looks the same in any browser, print shop or drawing program, without the service.
"""

import base64
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from xml.sax.saxutils import escape

from app.config import STATIC_DIR
from app.web.brand import Brand
from app.web.icons import icon_paths
from app.web.templating import nl_date
from app.wiki.font_metrics import text_width
from app.wiki.service import ThemeStat

FONT_DIR = STATIC_DIR / "vendor" / "fonts"
SIZES = {"a4": (210, 297), "a3": (297, 420)}
WIDTH, HEIGHT = SIZES["a4"]
MARGIN = 14
COLUMNS = 3
GAP = 5


@dataclass(frozen=True)
class PosterText:
    title: str
    subtitle: str
    address: str
    today: date


@lru_cache
def _font_faces() -> str:
    faces = []
    for file, weight in (("noto-sans-latin-400-normal", 400), ("noto-sans-latin-700-normal", 700)):
        data = base64.b64encode((FONT_DIR / f"{file}.woff2").read_bytes()).decode()
        faces.append(
            f"@font-face{{font-family:'Noto Sans';font-weight:{weight};"
            f"src:url(data:font/woff2;base64,{data}) format('woff2');}}"
        )
    return "".join(faces)


def _lines(text: str, width_mm: float, size_mm: float, max_lines: int, bold: bool = False) -> list[str]:
    """Wrap text to a width, measured with the font's own advance widths."""
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and text_width(candidate, size_mm, bold) <= width_mm:
            lines[-1] = candidate
        else:
            lines.append(word)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1].rstrip(" ,.;:") + "…"
    return lines


def _text(
    x: float, y: float, lines: list[str], size: float, css: str, leading: float = 1.25,
    anchor: str = "start",
) -> str:
    spans = "".join(
        f'<tspan x="{x:.2f}" dy="{0 if i == 0 else size * leading:.2f}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return (
        f'<text x="{x:.2f}" y="{y:.2f}" class="{css}" font-size="{size:.2f}" '
        f'text-anchor="{anchor}">{spans}</text>'
    )


NAME_TOP = 21.5  # baseline of a theme's name, below its icon
DESCRIPTION_SIZES = (3.1, 2.9, 2.7, 2.5)  # mm; 2.5 mm is 7 pt on A4 and 10 pt on A3


def _room(height: float, size: float, leading: float) -> int:
    """How many lines of text fit above the bottom padding of a tile."""
    return max(0, 1 + int((height - 4) / (size * leading)))


def _description_size(
    stats: list[ThemeStat], width: float, tile_h: float, name_size: float, leading: float
) -> float:
    """The largest size at which every theme's description fits its tile whole."""
    for size in DESCRIPTION_SIZES:
        if all(
            len(_lines(s.theme.description, width, size, 99))
            <= _room(tile_h - NAME_TOP - len(_lines(s.theme.name, width, name_size, 2, bold=True)) * name_size * 1.25 - 1,
                     size, leading)
            for s in stats
        ):
            return size
    return DESCRIPTION_SIZES[-1]


def render(stats: list[ThemeStat], brand: Brand, text: PosterText, size: str) -> str:
    width_mm, height_mm = SIZES[size]
    rows = max(1, -(-len(stats) // COLUMNS))
    top = 56
    bottom = HEIGHT - 24
    tile_w = (WIDTH - 2 * MARGIN - (COLUMNS - 1) * GAP) / COLUMNS
    tile_h = min(60.0, (bottom - top - (rows - 1) * GAP) / rows)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width_mm}mm" height="{height_mm}mm" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" lang="nl">',
        f"<title>{escape(text.title)}: de thema's van de Wiki-bibliotheek</title>",
        "<style>"
        + _font_faces()
        + "text{font-family:'Noto Sans',Arial,sans-serif;}"
        + f".ink{{fill:{brand.ink};}} .accent{{fill:{brand.accent};}} .bold{{font-weight:700;}}"
        + "</style>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        f'<rect width="{WIDTH}" height="8" fill="{brand.accent}"/>',
        _text(MARGIN, 26, [text.title], 11, "ink bold"),
        _text(MARGIN, 36, _lines(text.subtitle, WIDTH - 2 * MARGIN, 4.6, 2), 4.6, "ink"),
        _text(MARGIN, 48, [f"Stand van {nl_date(text.today)}"], 3.6, "accent bold"),
    ]
    name_size, leading = 4.3, 1.3
    desc_size = _description_size(stats, tile_w - 8, tile_h, name_size, leading)
    for index, stat in enumerate(stats):
        row, column = divmod(index, COLUMNS)
        x = MARGIN + column * (tile_w + GAP)
        y = top + row * (tile_h + GAP)
        parts.append(
            f'<rect x="{x:.2f}" y="{y:.2f}" width="{tile_w:.2f}" height="{tile_h:.2f}" rx="2.5" '
            f'fill="{brand.accent_soft}" stroke="{brand.accent}" stroke-width="0.5"/>'
        )
        parts.append(
            f'<g transform="translate({x + 4:.2f} {y + 4:.2f}) scale(0.5)" fill="none" '
            f'stroke="{brand.accent}" stroke-width="2" stroke-linecap="round" '
            f'stroke-linejoin="round">{icon_paths(stat.theme.icon)}</g>'
        )
        count = f"{stat.published} item{'s' if stat.published != 1 else ''}"
        parts.append(_text(x + tile_w - 4, y + 10, [count], 3.4, "ink bold", anchor="end"))
        name_lines = _lines(stat.theme.name, tile_w - 8, name_size, 2, bold=True)
        parts.append(_text(x + 4, y + NAME_TOP, name_lines, name_size, "ink bold"))
        if stat.theme.description:
            desc_top = y + NAME_TOP + len(name_lines) * name_size * 1.25 + 1
            room = _room(y + tile_h - desc_top, desc_size, leading)
            lines = _lines(stat.theme.description, tile_w - 8, desc_size, room)
            parts.append(_text(x + 4, desc_top, lines, desc_size, "ink", leading))
    parts.append(_text(MARGIN, HEIGHT - 14, [f"Zoek, lees en vraag: {text.address}"], 4.2, "ink bold"))
    parts.append(
        _text(MARGIN, HEIGHT - 8, [f"{brand.name} · Schuldhulpverlening · nieuwe kennis bespreken we "
                                   "maandelijks in het werkoverleg"], 3.2, "ink")
    )
    parts.append("</svg>")
    return "\n".join(parts)
