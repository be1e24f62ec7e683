"""Import and export of the library as Markdown files with YAML front matter.

Layout of a content folder:
    themes.yaml                         the themes, in display order
    items/<theme>/<slug>.md             an item: front matter + Markdown body
    items/<theme>/<slug>.history.yaml   optional: every revision and review check, from export

Import is idempotent: an item whose stored content equals its file is left alone; a changed
file becomes a new revision. Export then import into an empty database gives the same themes,
items and revisions.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlmodel import Session, col, select

from app.db import utcnow
from app.wiki import service
from app.wiki.models import (
    CONTENT_FIELDS,
    Item,
    ItemCheck,
    ItemIn,
    ItemStatus,
    Revision,
    Theme,
)

Progress = Callable[[int, int, str], None]
_FRONT_KEYS = set(ItemIn.model_fields) | {"example", "published_at"}


class ContentError(ValueError):
    """A content file that cannot be imported; the message names the file and the problem."""


@dataclass
class ImportReport:
    themes_changed: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.themes_changed or self.created or self.updated)


# --- reading files ---------------------------------------------------------------------------


_FRONT_MATTER = re.compile(r"---[ \t]*\n(.*?)\n---[ \t]*(?:\n|$)(.*)", re.S)


def split_front_matter(text: str, path: Path) -> tuple[dict[str, Any], str]:
    """YAML between the first two '---' lines; everything after is the body, '---' included."""
    text = text.replace("\r\n", "\n")
    if not text.startswith("---"):
        raise ContentError(f"{path}: het bestand begint niet met front matter (---).")
    match = _FRONT_MATTER.match(text)
    if match is None:
        raise ContentError(f"{path}: de front matter wordt niet afgesloten met ---.")
    head, body = match.groups()
    try:
        meta = yaml.safe_load(head) or {}
    except yaml.YAMLError as exc:
        raise ContentError(f"{path}: ongeldige YAML in de front matter ({exc}).") from exc
    if not isinstance(meta, dict):
        raise ContentError(f"{path}: de front matter is geen lijst van sleutels en waarden.")
    return meta, body


def item_files(folder: Path) -> list[Path]:
    return sorted((folder / "items").glob("*/*.md"))


def _parse_item(path: Path) -> tuple[ItemIn, dict[str, Any]]:
    meta, body = split_front_matter(path.read_text(encoding="utf-8"), path)
    unknown = set(meta) - _FRONT_KEYS
    if unknown:
        raise ContentError(f"{path}: onbekende sleutel(s) {', '.join(sorted(unknown))}.")
    extra = {"example": bool(meta.pop("example", False)), "published_at": meta.pop("published_at", None)}
    meta.setdefault("status", ItemStatus.published)
    meta.setdefault("slug", path.stem)
    meta.setdefault("theme", path.parent.name)
    try:
        data = ItemIn.model_validate({**meta, "body": body})
    except ValidationError as exc:
        raise ContentError(f"{path}: {_problems(exc)}") from exc
    return data, extra


# --- import ----------------------------------------------------------------------------------


def import_folder(
    session: Session, folder: Path, progress: Progress | None = None
) -> ImportReport:
    folder = Path(folder)
    report = ImportReport()
    themes_file = folder / "themes.yaml"
    if themes_file.exists():
        for position, entry in enumerate(_themes(themes_file)):
            _, changed = service.upsert_theme(
                session, slug=entry.slug, name=entry.name, description=entry.description,
                icon=entry.icon, position=position,
            )
            report.themes_changed += int(changed)
    files = item_files(folder)
    for n, path in enumerate(files, start=1):
        if progress:
            progress(n, len(files), path.stem)
        try:
            _import_item(session, path, report)
        except (ContentError, service.WikiError) as exc:
            report.errors.append(str(exc) if isinstance(exc, ContentError) else f"{path}: {exc}")
    return report


class _ThemeEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80)
    name: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=300)
    icon: str = Field(default="boek", max_length=40)


class _RevisionEntry(BaseModel):
    model_config = ConfigDict(extra="allow")

    number: int = Field(ge=1)
    created_at: datetime
    theme: str
    status: ItemStatus


def _problems(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())


def _themes(path: Path) -> list[_ThemeEntry]:
    try:
        entries = yaml.safe_load(path.read_text("utf-8")) or []
        if not isinstance(entries, list):
            raise ContentError(f"{path}: verwacht een lijst van thema's.")
        return [_ThemeEntry.model_validate(e) for e in entries]
    except yaml.YAMLError as exc:
        raise ContentError(f"{path}: ongeldige YAML ({exc}).") from exc
    except ValidationError as exc:
        raise ContentError(f"{path}: {_problems(exc)}") from exc


def _import_item(session: Session, path: Path, report: ImportReport) -> None:
    data, extra = _parse_item(path)
    existing = session.exec(select(Item).where(Item.slug == data.slug)).first()
    history = path.with_name(f"{path.stem}.history.yaml")
    if existing is None:
        if history.exists():
            _create_with_history(session, data, extra, history)
        else:
            item = service.create_item(
                session, data, None, is_example=extra["example"], author_name="Import",
            )
            if extra["published_at"] and item.status == ItemStatus.published:
                item.published_at = _aware(extra["published_at"])
        report.created += 1
        return
    theme = service.get_theme(session, data.theme)
    if _same(existing, data, extra["example"], theme):
        report.unchanged += 1
        return
    update = service.ItemUpdateIn.model_validate(
        {**data.model_dump(exclude={"slug"}), "version": existing.version,
         "note": data.note or f"Bijgewerkt bij import van {path.name}"}
    )
    service.update_item(
        session, existing, update, None, author_name="Import", is_example=extra["example"]
    )
    report.updated += 1


def _same(item: Item, data: ItemIn, example: bool, theme: Theme | None) -> bool:
    wanted = service.content_of(data)
    stored = {name: getattr(item, name) for name in wanted}
    if data.review_date is None:
        stored.pop("review_date", None)
        wanted.pop("review_date", None)
    return (
        stored == wanted
        and item.is_example == example
        and item.status == data.status
        and theme is not None
        and item.theme_id == theme.id
    )


def _aware(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=utcnow().tzinfo)


def _create_with_history(
    session: Session, data: ItemIn, extra: dict[str, Any], history: Path
) -> None:
    try:
        recorded = yaml.safe_load(history.read_text("utf-8")) or {}
        entries = [
            _RevisionEntry.model_validate(e).model_dump() for e in recorded.get("revisions") or []
        ]
    except (yaml.YAMLError, AttributeError) as exc:
        raise ContentError(f"{history}: geen geldige geschiedenis ({exc}).") from exc
    except ValidationError as exc:
        raise ContentError(f"{history}: {_problems(exc)}") from exc
    if not entries:
        raise ContentError(f"{history}: geen versies gevonden.")
    themes = {t.slug: t for t in service.list_themes(session)}
    theme = themes.get(data.theme)
    if theme is None:
        raise ContentError(f"{history}: thema '{data.theme}' bestaat niet.")
    item = Item(
        slug=data.slug,  # type: ignore[arg-type]
        theme_id=theme.id,  # type: ignore[arg-type]
        status=data.status,
        version=max(e["number"] for e in entries),
        is_example=extra["example"],
        published_at=_aware(extra["published_at"]) if extra["published_at"] else None,
        created_at=_aware(entries[0]["created_at"]),
        updated_at=_aware(entries[-1]["created_at"]),
        **service.content_of(data),
    )
    if data.review_date is not None:
        item.review_date = data.review_date
    session.add(item)
    session.flush()
    for entry in entries:
        entry_theme = themes.get(entry.pop("theme"))
        if entry_theme is None:
            raise ContentError(f"{history}: versie {entry['number']} noemt een onbekend thema.")
        entry["created_at"] = _aware(entry["created_at"])
        entry["is_example"] = bool(entry.pop("example", False))
        session.add(Revision(item_id=item.id, theme_id=entry_theme.id, **entry))  # type: ignore[arg-type]
    for check in recorded.get("checks") or []:
        check["checked_at"] = _aware(check["checked_at"])
        session.add(ItemCheck(item_id=item.id, **check))  # type: ignore[arg-type]
        item.checked_at = max(item.checked_at or check["checked_at"], check["checked_at"])
    session.flush()
    service.mark_changed(session, item)


# --- export ----------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


def _front_matter(item: Item, theme_slug: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"title": item.title, "summary": item.summary, "theme": theme_slug}
    for name in CONTENT_FIELDS:
        if name in ("title", "summary", "body", "is_example"):
            continue
        meta[name] = getattr(item, name)
    meta["status"] = item.status
    meta["example"] = item.is_example
    if item.published_at:
        meta["published_at"] = item.published_at.isoformat()
    return meta


def export_folder(session: Session, folder: Path, progress: Progress | None = None) -> int:
    folder = Path(folder)
    (folder / "items").mkdir(parents=True, exist_ok=True)
    themes = service.list_themes(session)
    by_id = {t.id: t for t in themes}
    (folder / "themes.yaml").write_text(
        _dump([{"slug": t.slug, "name": t.name, "icon": t.icon, "description": t.description}
               for t in themes]),
        encoding="utf-8",
    )
    items = list(session.exec(select(Item).order_by(col(Item.id))))
    for n, item in enumerate(items, start=1):
        if progress:
            progress(n, len(items), item.slug)
        theme_slug = by_id[item.theme_id].slug
        target = folder / "items" / theme_slug
        target.mkdir(parents=True, exist_ok=True)
        text = f"---\n{_dump(_front_matter(item, theme_slug))}---\n{item.body}"
        (target / f"{item.slug}.md").write_text(text, encoding="utf-8")
        history = {
            "revisions": list(_revisions(session, item, by_id)),
            "checks": [
                {"checked_at": c.checked_at.isoformat(), "checked_by_name": c.checked_by_name,
                 "next_review_date": c.next_review_date, "note": c.note}
                for c in service.checks(session, item)
            ],
        }
        (target / f"{item.slug}.history.yaml").write_text(_dump(history), encoding="utf-8")
    return len(items)


def _revisions(session: Session, item: Item, themes: dict) -> Iterator[dict[str, Any]]:
    for revision in reversed(service.revisions(session, item)):
        entry: dict[str, Any] = {
            "number": revision.number,
            "created_at": revision.created_at.isoformat(),
            "author_name": revision.author_name,
            "note": revision.note,
            "status": revision.status,
            "theme": themes[revision.theme_id].slug,
            "example": revision.is_example,
        }
        for name in CONTENT_FIELDS:
            if name != "is_example":
                entry[name] = getattr(revision, name)
        yield entry
