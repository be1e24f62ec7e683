"""Jinja2 templates with Dutch formatting helpers."""

from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from app.accounts.models import ROLE_LABELS
from app.config import LOCAL_TZ, get_settings
from app.dates import local, nl_date, nl_month
from app.search.analysis import best_split
from app.web.brand import current_brand
from app.web.deps import CSRF_FIELD, csrf_token_for
from app.web.icons import icon

APP_DIR = Path(__file__).resolve().parent.parent
SHORT_MONTHS = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


def nl_short(value: date) -> str:
    """"22 mrt": for chart axes."""
    return f"{value.day} {SHORT_MONTHS[value.month - 1]}"


def nl_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    local = value.astimezone(LOCAL_TZ) if value.tzinfo else value
    return f"{nl_date(local)}, {local:%H:%M} uur"


WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")


def nl_day(value: date | datetime | None) -> str:
    """"dinsdag 8 december 2026" (in Dutch time)."""
    if value is None:
        return ""
    value = local(value)
    return f"{WEEKDAYS[value.weekday()]} {nl_date(value)}"


def nl_time(value: datetime | None) -> str:
    if value is None:
        return ""
    local = value.astimezone(LOCAL_TZ) if value.tzinfo else value
    return f"{local:%H:%M}"


SOFT_HYPHEN = "\u00ad"


def hyphenate(text: str, min_length: int = 12) -> str:
    """Soft hyphens between the parts of long Dutch compounds (beschermings-bewind), so that a
    narrow tile breaks them where a reader expects; browsers lack Dutch hyphenation offline."""
    words = []
    for word in text.split(" "):
        split = best_split(word) if len(word) >= min_length and word.isalpha() else None
        if split:
            cut = len(word) - len(split[1])
            word = word[:cut] + SOFT_HYPHEN + word[cut:]
        words.append(word)
    return " ".join(words)


def _template_dirs() -> list[Path]:
    return [APP_DIR / "web" / "templates"] + sorted(APP_DIR.glob("*/templates"))


templates = Jinja2Templates(directory=[str(p) for p in dict.fromkeys(_template_dirs())])
templates.env.filters["nl_date"] = nl_date
templates.env.filters["nl_month"] = nl_month
templates.env.filters["nl_datetime"] = nl_datetime
templates.env.filters["nl_short"] = nl_short
templates.env.filters["hyphenate"] = hyphenate
templates.env.filters["nl_day"] = nl_day
templates.env.filters["nl_time"] = nl_time
# For pages that show JSON-ready data (the own-data page): ISO text back to a date or moment.
templates.env.filters["iso_date"] = date.fromisoformat
templates.env.filters["iso_datetime"] = datetime.fromisoformat
templates.env.globals["role_labels"] = ROLE_LABELS
templates.env.globals["csrf_field"] = CSRF_FIELD
templates.env.globals["icon"] = icon


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    ctx = {
        "user": getattr(request.state, "user", None),
        "csrf_token": csrf_token_for(request),
        "settings": get_settings(),
        "brand": current_brand(),
        **(context or {}),
    }
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)
