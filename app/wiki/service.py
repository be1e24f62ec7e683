"""The wiki's rules: themes, items, revisions, optimistic locking and keeping items current.

Every change to an item, content or status or review date, is saved as a revision, so the
item's `version` always equals the number of its latest revision.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, func, or_, true, update
from sqlmodel import Session, col, select

from app import clock
from app.accounts import service as accounts_service
from app.accounts.models import Audience, Role, User
from app.audit import service as audit
from app.audit.models import Action
from app.dates import checked, nl_date
from app.db import utcnow
from app.errors import Conflict, InputError
from app.privacy import BSN_MESSAGE, find_bsn
from app.wiki import history
from app.wiki.models import (
    CONTENT_FIELDS,
    OWNER_MESSAGE,
    TO_FILL,
    Item,
    ItemCheck,
    ItemIn,
    ItemStatus,
    ItemUpdateIn,
    Revision,
    Theme,
    ThemeIn,
)

REVIEW_AFTER_DAYS = 182  # about six months, DESIGN.md
REVIEW_SOON_DAYS = 30
# session.info key: ids of items changed in this transaction, for whoever derives data from them
# (the search index) once the transaction commits.
CHANGED_ITEMS = "kennisbank.changed_items"
RENAMED_ITEMS = "kennisbank.renamed_items"  # (item id, old slug)


class WikiError(InputError):
    """Input the wiki refuses."""


class StaleVersion(Conflict):
    """The save was based on an older version; `current` is what is stored now."""

    kind = "stale_version"

    def __init__(self, current: Item, latest: Revision | None):
        super().__init__(
            "version",
            f"Dit item is intussen gewijzigd (nu versie {current.version}"
            + (f", door {latest.author_name}" if latest else "")
            + "). Haal de nieuwe versie op en voeg uw wijziging daarin toe.",
        )
        self.current = current
        self.latest = latest
        self.current_version = current.version

    def body(self) -> dict:
        return {**super().body(), "current_version": self.current_version}


# --- who may see what ------------------------------------------------------------------------


def can_edit(user: User | None) -> bool:
    return user is not None and user.role == Role.kwaliteit


def visible_statuses(user: User | None) -> tuple[str, ...]:
    if can_edit(user):
        return tuple(ItemStatus)
    # Archived items stay reachable by their link (old agendas point to them), with a notice.
    return (ItemStatus.published, ItemStatus.archived)


# --- themes ----------------------------------------------------------------------------------


def list_themes(session: Session) -> list[Theme]:
    return list(session.exec(select(Theme).order_by(Theme.position, Theme.name)))


def get_theme(session: Session, slug: str) -> Theme | None:
    return session.exec(select(Theme).where(Theme.slug == slug)).first()


def published_counts(session: Session) -> dict[int, int]:
    rows = session.exec(
        select(Item.theme_id, func.count())
        .where(Item.status == ItemStatus.published)
        .group_by(Item.theme_id)
    )
    return {theme_id: count for theme_id, count in rows}


@dataclass(frozen=True)
class NewsWindow:
    """What counts as new: published since `since`; `label` says so to people ("sinds …")."""

    since: datetime
    label: str
    # New for whom: a team's audience counts its own items and those for both (as its agenda).
    audience: str | None = None


RECENT_DAYS = 30


def recent_window(now: datetime | None = None) -> NewsWindow:
    """The window for people without a team meeting to count from: the last 30 days."""
    now = now or utcnow()
    return NewsWindow(now - timedelta(days=RECENT_DAYS), f"in de afgelopen {RECENT_DAYS} dagen")


@dataclass(frozen=True)
class ThemeStat:
    theme: Theme
    published: int
    new: int


def theme_overview(session: Session, since: datetime, audience: str | None = None) -> list[ThemeStat]:
    """Every theme with its number of published items and how many of them are new (for an
    audience: new items for it or for both, as its werkoverleg agenda takes them)."""
    fits = (or_(Item.audience == audience, Item.audience == Audience.beide)
            if audience in (Audience.klantbegeleider, Audience.schuldregelaar) else true())
    is_new = case((and_(col(Item.published_at) >= since, fits), 1), else_=0)
    rows = session.exec(
        select(Item.theme_id, func.count(), func.coalesce(func.sum(is_new), 0))
        .where(Item.status == ItemStatus.published)
        .group_by(Item.theme_id)
    )
    counts = {theme_id: (total, new) for theme_id, total, new in rows}
    return [
        ThemeStat(theme, *counts.get(theme.id, (0, 0)))  # type: ignore[arg-type]
        for theme in list_themes(session)
    ]


def upsert_theme(
    session: Session, *, slug: str, name: str, description: str = "", icon: str = "boek",
    position: int = 0,
) -> tuple[Theme, bool]:
    """Create or update a theme; returns it and whether anything changed."""
    theme = get_theme(session, slug)
    values = {"name": name, "description": description, "icon": icon, "position": position}
    if theme is None:
        theme = Theme(slug=slug, **values)
        session.add(theme)
        session.flush()
        return theme, True
    changed = False
    for key, value in values.items():
        if getattr(theme, key) != value:
            setattr(theme, key, value)
            changed = True
    return theme, changed


def create_theme(session: Session, data: ThemeIn) -> Theme:
    slug = slugify(data.name)
    if slug in RESERVED_SLUGS:
        slug = f"{slug}-thema"
    if get_theme(session, slug) is not None:
        raise WikiError("name", "Er bestaat al een thema met deze naam.")
    theme = Theme(slug=slug, **data.model_dump(exclude={"owner"}), owner_id=_owner_id(session, data.owner))
    session.add(theme)
    session.flush()
    return theme


def update_theme(session: Session, theme: Theme, data: ThemeIn) -> Theme:
    owner_id = _owner_id(session, data.owner)
    for key, value in data.model_dump(exclude={"owner"}).items():
        setattr(theme, key, value)
    theme.owner_id = owner_id
    session.flush()
    return theme


def theme_owner_choices(session: Session) -> list[User]:
    """Who may own a theme: the active kwaliteitsmedewerkers, by name."""
    return accounts_service.users_with_role(session, Role.kwaliteit)


def _owner_id(session: Session, owner: int | None) -> int | None:
    if owner is None:
        return None
    user = accounts_service.get_user(session, owner) if 0 < owner <= 2**31 - 1 else None
    if user is None or not user.is_active or user.role != Role.kwaliteit:
        raise WikiError("owner", OWNER_MESSAGE)
    return owner


def theme_owners(session: Session) -> tuple[int, int, list[str]]:
    """How many themes have an active user as owner, of how many; and the names of those
    without one."""
    themes = list_themes(session)
    users = accounts_service.users_by_id(session, {t.owner_id for t in themes if t.owner_id})
    without = [t.name for t in themes if not (t.owner_id and users.get(t.owner_id) and users[t.owner_id].is_active)]
    return len(themes) - len(without), len(themes), without


def review_dates_kept(session: Session, today: date) -> tuple[int, int]:
    """How many published items have a review date of today or later, of how many published."""
    published = session.exec(select(func.count()).select_from(Item).where(Item.status == ItemStatus.published)).one()
    kept = session.exec(
        select(func.count()).select_from(Item)
        .where(Item.status == ItemStatus.published, col(Item.review_date).is_not(None), col(Item.review_date) >= today)
    ).one()
    return kept, published


# --- reading items ---------------------------------------------------------------------------


def get_item(session: Session, slug: str, viewer: User | None = None) -> Item | None:
    item = session.exec(select(Item).where(Item.slug == slug)).first()
    if item is None or item.status not in visible_statuses(viewer):
        return None
    return item


def list_items(
    session: Session,
    *,
    viewer: User | None,
    theme: Theme | None = None,
    statuses: tuple[str, ...] | None = None,
    audience: str | None = None,
    page: int = 1,
    per_page: int = 20,
) -> tuple[list[Item], int]:
    allowed = visible_statuses(viewer)
    wanted = tuple(s for s in (statuses or (ItemStatus.published,)) if s in allowed)
    query = select(Item).where(col(Item.status).in_(wanted))
    if theme is not None:
        query = query.where(Item.theme_id == theme.id)
    if audience in (Audience.klantbegeleider, Audience.schuldregelaar):
        query = query.where(or_(Item.audience == audience, Item.audience == Audience.beide))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(
        query.order_by(col(Item.published_at).desc(), col(Item.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return list(rows), total


def viewer_audience(user: User | None) -> str | None:
    """The audience whose items a person sees first: their function's, if they have one."""
    function = user.function if user else None
    return function if function in (Audience.klantbegeleider, Audience.schuldregelaar) else None


def recent_items(session: Session, limit: int = 8, audience: str | None = None) -> list[Item]:
    """The latest published items (no count: the home page shows only these); for an
    audience, theirs and those for both."""
    query = select(Item).where(Item.status == ItemStatus.published)
    if audience in (Audience.klantbegeleider, Audience.schuldregelaar):
        query = query.where(or_(Item.audience == audience, Item.audience == Audience.beide))
    return list(session.exec(query.order_by(col(Item.published_at).desc(), col(Item.id).desc()).limit(limit)))


def published_between(
    session: Session, since: datetime, until: datetime, audience: str = Audience.beide
) -> list[Item]:
    """Published items with since < published_at <= until that fit an audience, ordered by
    theme (its position) and then publication: what an agenda takes in."""
    ids = published_ids_between(session, since, until, audience)
    found = items_by_id(session, set(ids))
    return [found[i] for i in ids]


def published_ids_between(
    session: Session, since: datetime, until: datetime, audience: str = Audience.beide
) -> list[int]:
    """The ids of `published_between`, without loading the items."""
    query = (
        select(Item.id)
        .join(Theme, col(Theme.id) == Item.theme_id)
        .where(Item.status == ItemStatus.published)
        .where(col(Item.published_at) > since, col(Item.published_at) <= until)
    )
    if audience in (Audience.klantbegeleider, Audience.schuldregelaar):
        query = query.where(or_(Item.audience == audience, Item.audience == Audience.beide))
    query = query.order_by(Theme.position, Theme.name, col(Item.published_at), col(Item.id))
    return list(session.exec(query))  # type: ignore[arg-type]


def past_review(session: Session, on: date, limit: int) -> tuple[list[int], int]:
    """The ids of the `limit` most overdue published items (review date on or before `on`),
    and how many are overdue in all."""
    overdue = select(Item.id).where(Item.status == ItemStatus.published, col(Item.review_date) <= on)
    ids = session.exec(overdue.order_by(col(Item.review_date), col(Item.id)).limit(limit)).all()
    total = session.exec(select(func.count()).select_from(overdue.subquery())).one()
    return list(ids), total  # type: ignore[arg-type]


def items_by_id(session: Session, ids: set[int]) -> dict[int, Item]:
    if not ids:
        return {}
    return {i.id: i for i in session.exec(select(Item).where(col(Item.id).in_(ids)))}  # type: ignore[misc]


def themes_by_id(session: Session) -> dict[int, Theme]:
    return {t.id: t for t in list_themes(session)}  # type: ignore[misc]


def revisions(session: Session, item: Item) -> list[Revision]:
    return list(
        session.exec(
            select(Revision).where(Revision.item_id == item.id).order_by(col(Revision.number).desc())
        )
    )


def get_revision(session: Session, item: Item, number: int) -> Revision | None:
    return session.exec(
        select(Revision).where(Revision.item_id == item.id, Revision.number == number)
    ).first()


# --- writing items ---------------------------------------------------------------------------


# Fixed path words next to /items/{slug} and /themas/{slug}: never a slug.
RESERVED_SLUGS = frozenset({"nieuw", "overzicht", "bewerken", "geschiedenis", "zoeken", "poster"})


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:80].rstrip("-") or "item"


def unique_slug(session: Session, wanted: str) -> str:
    slug, n = wanted, 2
    if slug in RESERVED_SLUGS:
        slug = f"{wanted}-{n}"
        n += 1
    while session.exec(select(Item.id).where(Item.slug == slug)).first() is not None:
        slug, n = f"{wanted}-{n}", n + 1
    return slug


def _resolve_theme(session: Session, data: ItemIn) -> Theme:
    theme = get_theme(session, data.theme)
    if theme is None:
        raise WikiError("theme", f"Het thema '{data.theme}' bestaat niet. Kies een bestaand thema.")
    return theme


def _check_privacy(data: ItemIn) -> None:
    """No client data in the kennisbank: a BSN in any text of an item is refused (the
    discussion question reaches every agenda, the note the history)."""
    for field in ("title", "summary", "dossier_meaning", "body", "source_name", "source_url",
                  "discussion_question", "note"):
        if find_bsn(getattr(data, field)):
            raise WikiError(field, BSN_MESSAGE, kind="bsn")
    if any(find_bsn(tag) for tag in data.tags):
        raise WikiError("tags", BSN_MESSAGE, kind="bsn")


def _check_filled_in(data: ItemIn) -> None:
    """A concept from the inbox or a question says where to write; it is not published so."""
    if data.status != ItemStatus.published:
        return
    for field, label in (("summary", "de samenvatting"), ("dossier_meaning", "wat dit betekent voor het dossier")):
        if getattr(data, field).lstrip().startswith(TO_FILL):
            raise WikiError(field, f"Vul eerst {label} in; daarna kunt u publiceren.")


def _check_dates(data: ItemIn) -> None:
    if data.valid_from and data.valid_until and data.valid_until < data.valid_from:
        raise WikiError("valid_until", "'Geldig tot' ligt vóór 'geldig vanaf'.")


def content_of(data: ItemIn) -> dict:
    values = data.model_dump(include=set(CONTENT_FIELDS) - {"is_example"})
    values["audience"] = Audience(values["audience"]).value
    values["tags"] = sorted({t.strip().lower() for t in data.tags if t.strip()})
    return values


def _snapshot(
    session: Session, item: Item, author: User | None, note: str, *, author_name: str | None = None
) -> Revision:
    revision = Revision(
        item_id=item.id,  # type: ignore[arg-type]
        number=item.version,
        theme_id=item.theme_id,
        status=item.status,
        author_id=author.id if author else None,
        author_name=author_name if author_name is not None else (author.name if author else ""),
        note=note[:300],
        **{name: getattr(item, name) for name in CONTENT_FIELDS},
    )
    session.add(revision)
    session.flush()
    mark_changed(session, item)
    return revision


def mark_changed(session: Session, item: Item) -> None:
    """Tell whoever derives data from items (the search index) to refresh this one on commit."""
    session.info.setdefault(CHANGED_ITEMS, set()).add(item.id)


def mark_renamed(session: Session, item: Item, old_slug: str) -> None:
    """mark_changed() for an item whose address changed: what is derived under the old one goes."""
    mark_changed(session, item)
    session.info.setdefault(RENAMED_ITEMS, set()).add((item.id, old_slug))


def _apply_status(item: Item, status: str) -> None:
    now = utcnow()
    if status == ItemStatus.published and item.published_at is None:
        item.published_at = now
    if status == ItemStatus.published and item.review_date is None:
        item.review_date = now.date() + timedelta(days=REVIEW_AFTER_DAYS)
    item.archived_at = now if status == ItemStatus.archived else None
    item.status = status


_STATUS_ACTIONS = {ItemStatus.published: Action.item_published, ItemStatus.archived: Action.item_archived}


def _audit_status(session: Session, item: Item, before: str | None, author: User | None) -> None:
    """Publishing and archiving are in the audit log (issue 14), in the change's transaction."""
    action = _STATUS_ACTIONS.get(item.status)  # type: ignore[call-overload]
    if action is None or item.status == before:
        return
    audit.record(session, action, actor_id=author.id if author else None, subject_type="item",
                 subject_id=item.id, summary=f"{item.title} ({item.slug})", detail={"version": item.version})


def create_item(
    session: Session,
    data: ItemIn,
    author: User | None,
    *,
    is_example: bool = False,
    author_name: str | None = None,
) -> Item:
    theme = _resolve_theme(session, data)
    _check_dates(data)
    _check_privacy(data)
    _check_filled_in(data)
    if data.slug:
        if data.slug in RESERVED_SLUGS:
            raise WikiError("slug", f"'{data.slug}' is gereserveerd; kies een andere korte naam.")
        if session.exec(select(Item.id).where(Item.slug == data.slug)).first() is not None:
            raise WikiError("slug", "Er bestaat al een item met deze korte naam (slug).")
        slug = data.slug
    else:
        slug = unique_slug(session, slugify(data.title))
    item = Item(
        slug=slug,
        theme_id=theme.id,  # type: ignore[arg-type]
        owner_id=author.id if author else None,
        is_example=is_example,
        **content_of(data),
    )
    _apply_status(item, data.status)
    session.add(item)
    session.flush()
    _snapshot(session, item, author, data.note or "Aangemaakt", author_name=author_name)
    _audit_status(session, item, None, author)
    return item


def _bump_version(session: Session, item: Item, based_on: int) -> None:
    """Claim the next version in one conditional UPDATE, so two processes cannot both win."""
    if based_on != item.version:
        raise StaleVersion(item, get_revision(session, item, item.version))
    result = session.execute(
        update(Item)
        .where(col(Item.id) == item.id, col(Item.version) == based_on)
        .values(version=based_on + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(item)
        raise StaleVersion(item, get_revision(session, item, item.version))
    session.refresh(item)


def update_item(
    session: Session,
    item: Item,
    data: ItemUpdateIn,
    author: User | None,
    *,
    author_name: str | None = None,
    is_example: bool | None = None,
) -> Item:
    theme = _resolve_theme(session, data)
    _check_dates(data)
    _check_privacy(data)
    _check_filled_in(data)
    before = item.status
    _bump_version(session, item, data.version)
    for name, value in content_of(data).items():
        if name == "review_date" and value is None:
            continue  # no review date given: keep the one set at publication or check
        setattr(item, name, value)
    if is_example is not None:
        item.is_example = is_example
    item.theme_id = theme.id  # type: ignore[assignment]
    _apply_status(item, data.status)
    session.flush()
    _snapshot(session, item, author, data.note or "Bewerkt", author_name=author_name)
    _audit_status(session, item, before, author)
    return item


def change_status(
    session: Session, item: Item, status: ItemStatus, author: User, based_on: int
) -> Item:
    note = {
        ItemStatus.published: "Gepubliceerd",
        ItemStatus.archived: "Gearchiveerd",
        ItemStatus.draft: "Teruggezet naar concept",
    }[status]
    before = item.status
    _bump_version(session, item, based_on)
    _apply_status(item, status)
    session.flush()
    _snapshot(session, item, author, note)
    _audit_status(session, item, before, author)
    return item


def backdate(session: Session, item: Item, published_at: datetime, review_date: date | None = None) -> None:
    """Demo data only: let a published item (and its history) look published earlier, with
    `review_date` (or six months after the new date) as its review date."""
    shift = published_at - (item.published_at or published_at)
    item.published_at = published_at
    item.created_at = min(item.created_at + shift, published_at)
    item.updated_at = published_at
    item.review_date = review_date or published_at.date() + timedelta(days=REVIEW_AFTER_DAYS)
    for revision in revisions(session, item):
        revision.created_at = revision.created_at + shift
        revision.review_date = item.review_date
        session.add(revision)
    session.add(item)
    mark_changed(session, item)
    session.flush()


# --- keeping items current -------------------------------------------------------------------


@dataclass
class ReviewEntry:
    item: Item
    theme: Theme
    overdue: bool
    days_left: int


def review_queue(session: Session, today: date | None = None) -> list[ReviewEntry]:
    """Published items past their review date or within 30 days of it, most urgent first."""
    today = today or clock.today()
    horizon = today + timedelta(days=REVIEW_SOON_DAYS)
    items = session.exec(
        select(Item)
        .where(Item.status == ItemStatus.published)
        .where(col(Item.review_date).is_not(None))
        .where(col(Item.review_date) <= horizon)
        .order_by(col(Item.review_date), Item.title)
    )
    themes = themes_by_id(session)
    return [
        ReviewEntry(
            item=item,
            theme=themes[item.theme_id],
            overdue=item.review_date < today,  # type: ignore[operator]
            days_left=(item.review_date - today).days,  # type: ignore[operator]
        )
        for item in items
    ]


def review_count(session: Session, today: date | None = None) -> int:
    """How many items `review_queue` holds, without loading them."""
    horizon = (today or clock.today()) + timedelta(days=REVIEW_SOON_DAYS)
    return session.exec(
        select(func.count())
        .select_from(Item)
        .where(Item.status == ItemStatus.published, col(Item.review_date) <= horizon)
    ).one()


def mark_checked(
    session: Session,
    item: Item,
    user: User,
    based_on: int,
    next_review: date | None = None,
    note: str = "",
) -> Item:
    """Record that `user` confirmed the item is still correct, and set the next review date."""
    today = clock.today()
    next_review = checked("next_review", next_review or today + timedelta(days=REVIEW_AFTER_DAYS))
    if next_review <= today:
        raise WikiError("next_review", "De volgende controledatum ligt in de toekomst.")
    _bump_version(session, item, based_on)
    now = utcnow()
    item.review_date = next_review
    item.checked_at = now
    item.checked_by_id = user.id
    session.add(
        ItemCheck(
            item_id=item.id,  # type: ignore[arg-type]
            checked_by_id=user.id,
            checked_by_name=user.name,
            checked_at=now,
            next_review_date=next_review,
            note=note[:300],
        )
    )
    session.flush()
    text = f"Gecontroleerd; volgende controle {nl_date(next_review)}"
    _snapshot(session, item, user, f"{text}. {note}".strip() if note else text)
    return item


def request_theme_review(session: Session, theme: Theme, user: User, reason: str) -> int:
    """After a change of norms: put every published item of a theme in the review queue now."""
    reason = reason.strip()
    if not reason:
        raise WikiError("reason", "Geef kort aan waarom dit thema opnieuw gecontroleerd moet worden.")
    today = clock.today()
    items = session.exec(
        select(Item).where(Item.theme_id == theme.id, Item.status == ItemStatus.published)
    ).all()
    for item in items:
        _bump_version(session, item, item.version)
        item.review_date = today
        session.flush()
        _snapshot(session, item, user, f"Opnieuw controleren: {reason}")
    return len(items)


def checks(session: Session, item: Item) -> list[ItemCheck]:
    """Every 'gecontroleerd' mark of an item, oldest first."""
    return list(
        session.exec(
            select(ItemCheck)
            .where(ItemCheck.item_id == item.id)
            .order_by(col(ItemCheck.checked_at), col(ItemCheck.id))
        )
    )


def last_check(session: Session, item: Item) -> ItemCheck | None:
    found = checks(session, item)
    return found[-1] if found else None


# --- for derived data (the search index) -----------------------------------------------------


@dataclass
class IndexRow:
    item: Item
    theme_slug: str
    theme_name: str


def index_rows(session: Session, item_ids: set[int] | None = None, *, for_share: bool = False) -> list[IndexRow]:
    """Items with their theme, all of them or the given ids, in id order. `for_share`: hold
    the item rows until the transaction ends (PostgreSQL), so that no save of them commits
    between this read and what the caller writes from it."""
    query = select(Item, Theme).join(Theme, col(Theme.id) == Item.theme_id).order_by(col(Item.id))
    if item_ids is not None:
        query = query.where(col(Item.id).in_(item_ids))
    if for_share:
        query = query.with_for_update(read=True, of=Item)
    return [IndexRow(item, theme.slug, theme.name) for item, theme in session.exec(query)]


def slugs_by_id(session: Session, item_ids: set[int]) -> dict[int, str]:
    rows = session.exec(select(Item.id, Item.slug).where(col(Item.id).in_(item_ids)))
    return dict(rows.all())  # type: ignore[arg-type]


def item_ids(session: Session) -> list[int]:
    return list(session.exec(select(Item.id).order_by(col(Item.id))))  # type: ignore[arg-type]


def published_states(session: Session) -> dict[int, tuple[str, int, int]]:
    """Published item id → (slug, version, theme id), to compare derived data with."""
    rows = session.exec(
        select(Item.id, Item.slug, Item.version, Item.theme_id).where(Item.status == ItemStatus.published)
    )
    return {i: (slug, version, theme) for i, slug, version, theme in rows}  # type: ignore[misc]


def published_versions(session: Session) -> dict[str, int]:
    rows = session.exec(select(Item.slug, Item.version).where(Item.status == ItemStatus.published))
    return dict(rows.all())


def count_current(session: Session, today: date, moment: datetime | None = None) -> int:
    """Published items whose review date has not passed (of those published at `moment`)."""
    return session.exec(
        select(func.count()).select_from(Item)
        .where(history.published_at(moment) if moment else Item.status == ItemStatus.published,
               col(Item.review_date) >= today)
    ).one()


def count_published(session: Session, moment: datetime | None = None) -> int:
    """Items published now, or at `moment`."""
    return session.exec(
        select(func.count()).select_from(Item)
        .where(history.published_at(moment) if moment else Item.status == ItemStatus.published)
    ).one()


def published_by_slugs(session: Session, slugs: list[str]) -> dict[str, IndexRow]:
    if not slugs:
        return {}
    query = (
        select(Item, Theme)
        .join(Theme, col(Theme.id) == Item.theme_id)
        .where(col(Item.slug).in_(slugs), Item.status == ItemStatus.published)
    )
    return {item.slug: IndexRow(item, theme.slug, theme.name) for item, theme in session.exec(query)}


def simple_search(
    session: Session,
    words: list[str],
    *,
    theme: str | None = None,
    audience: str | None = None,
    published_from: datetime | None = None,
    published_until: datetime | None = None,
    limit: int = 50,
) -> list[IndexRow]:
    """A plain database search for when the index is unavailable: every word in the title
    or summary, with the same filters as the index."""
    query = (
        select(Item, Theme)
        .join(Theme, col(Theme.id) == Item.theme_id)
        .where(Item.status == ItemStatus.published)
    )
    if theme:
        query = query.where(Theme.slug == theme)
    if audience:
        query = query.where(or_(Item.audience == audience, Item.audience == Audience.beide))
    if published_from:
        query = query.where(col(Item.published_at) >= published_from)
    if published_until:
        query = query.where(col(Item.published_at) <= published_until)
    for word in words:
        pattern = f"%{word}%"
        query = query.where(or_(col(Item.title).ilike(pattern), col(Item.summary).ilike(pattern)))
    query = query.order_by(col(Item.published_at).desc()).limit(limit)
    return [IndexRow(item, theme.slug, theme.name) for item, theme in session.exec(query)]
