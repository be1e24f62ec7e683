"""The item editor's form: raw strings in, a validated ItemIn (or Dutch field errors) out."""

from collections.abc import Mapping
from typing import Any

from app.web.errors import validated
from app.wiki.models import (
    CONTENT_FIELDS,
    Item,
    ItemIn,
    ItemStatus,
    ItemUpdateIn,
    Theme,
)

FORM_FIELDS = (
    "title", "summary", "body", "dossier_meaning", "theme", "audience", "tags", "source_name",
    "source_url", "valid_from", "valid_until", "review_date", "discussion_question", "agenda_advice",
    "shareable", "status", "note", "version",
)
ADVICE_LABELS = {
    "": "de planner kiest, naar wat past in de tijd",
    "bespreken": "altijd bespreken",
    "ter-kennisname": "ter kennisname (niet bespreken)",
}
_DATES = ("valid_from", "valid_until", "review_date")


def form_values(form: Mapping[str, Any]) -> dict[str, str]:
    """Everything the user typed, as typed, so a refused save can show it again."""
    values = {name: str(form.get(name) or "") for name in FORM_FIELDS}
    # The button pressed decides the status when the form has no status field.
    action = str(form.get("action") or "")
    if action in ItemStatus.__members__:
        values["status"] = action
    return values


def values_from_item(item: Item, theme: Theme) -> dict[str, str]:
    values: dict[str, str] = {}
    for name in CONTENT_FIELDS:
        value = getattr(item, name)
        if name == "tags":
            values[name] = ", ".join(value)
        elif name == "shareable":
            values[name] = "on" if value else ""
        elif value is None:
            values[name] = ""
        else:
            values[name] = str(value)
    values.update(theme=theme.slug, status=item.status, version=str(item.version), note="")
    return values


def parse(values: dict[str, str], *, update: bool) -> ItemIn:
    """The form's values as an ItemIn (ItemUpdateIn when `update`); refused by field."""
    data: dict[str, Any] = {k: v for k, v in values.items() if k != "version"}
    for name in _DATES:
        data[name] = data[name] or None
    data["tags"] = [t.strip() for t in values["tags"].split(",") if t.strip()]
    data["status"] = data["status"] or ItemStatus.draft
    data["audience"] = data["audience"] or "beide"
    data["shareable"] = values.get("shareable") == "on"  # a checkbox: sent only when ticked
    if update:
        data["version"] = values["version"]
        return validated(ItemUpdateIn, data)
    return validated(ItemIn, data)
