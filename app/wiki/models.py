"""Themes, items, their revisions and review checks."""

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, field_validator
from pydantic import Field as PField
from sqlalchemy import JSON, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.accounts.models import Audience
from app.dates import SaneDate
from app.db import utcnow
from app.textinput import blank_if_invisible, no_nul

SUMMARY_MAX = 300
# What a concept made for Kwaliteit (from the inbox, from a question) says where a person still
# has to write; an item that still says it cannot be published.
TO_FILL = "Nog invullen:"
TO_FILL_SUMMARY = f"{TO_FILL} waar gaat dit over, in één regel?"
TO_FILL_DOSSIER = f"{TO_FILL} wat betekent dit voor het dossier?"
MAX_INT = 2**31 - 1  # the largest id or version a database integer column holds


class ItemStatus(StrEnum):
    draft = "draft"
    published = "published"
    archived = "archived"


STATUS_LABELS = {
    ItemStatus.draft: "Concept",
    ItemStatus.published: "Gepubliceerd",
    ItemStatus.archived: "Gearchiveerd",
}
AUDIENCE_LABELS = {
    Audience.klantbegeleider: "Klantbegeleiders",
    Audience.schuldregelaar: "Schuldregelaars",
    Audience.beide: "Klantbegeleiders en schuldregelaars",
}


class Theme(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(sa_type=String(80), unique=True)
    name: str = Field(sa_type=String(120))
    description: str = Field(default="", sa_type=String(300))
    icon: str = Field(default="boek", sa_type=String(40))
    position: int = 0
    # Who keeps this theme's items current (borging: "er blijft iemand eigenaar").
    owner_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class ItemContent(SQLModel):
    """The fields an editor writes; shared by the item and each of its revisions."""

    title: str = Field(sa_type=String(200))
    summary: str = Field(sa_type=String(SUMMARY_MAX))
    body: str = Field(default="", sa_type=Text)
    dossier_meaning: str = Field(sa_type=Text)
    audience: str = Field(default=Audience.beide, sa_type=String(20))
    tags: list[str] = Field(default_factory=list, sa_type=JSON)
    source_name: str = Field(default="", sa_type=String(200))
    source_url: str = Field(default="", sa_type=String(500))
    valid_from: date | None = None
    valid_until: date | None = None
    review_date: date | None = None
    is_example: bool = False
    # For the werkoverleg: the question this item puts to the team (empty: one made from the
    # title), and Kwaliteit's advice whether it must be discussed or is for information.
    discussion_question: str = Field(default="", sa_type=Text)
    agenda_advice: str = Field(default="", sa_type=String(20))
    # Offered to other municipalities in the shared feed (/feeds/items.atom); off by default.
    shareable: bool = False


CONTENT_FIELDS = tuple(ItemContent.model_fields)


class Item(ItemContent, table=True):
    __table_args__ = (
        # The pages' hot queries (infographic counts, theme lists, what is new, the review
        # queue) read these columns only: with these indexes they never touch the item rows.
        Index("ix_item_status_theme_published", "status", "theme_id", "published_at"),
        Index("ix_item_status_published", "status", "published_at"),
        Index("ix_item_status_review_date", "status", "review_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(sa_type=String(120), unique=True)
    theme_id: int = Field(foreign_key="theme.id", index=True)
    status: str = Field(default=ItemStatus.draft, sa_type=String(20), index=True)
    # Optimistic lock: every save must name the version it was based on.
    version: int = 1
    owner_id: int | None = Field(default=None, foreign_key="user.id")
    published_at: datetime | None = Field(default=None, index=True)
    archived_at: datetime | None = None
    checked_at: datetime | None = None
    checked_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Revision(ItemContent, table=True):
    __table_args__ = (UniqueConstraint("item_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    number: int
    theme_id: int = Field(foreign_key="theme.id")
    status: str = Field(sa_type=String(20))
    author_id: int | None = Field(default=None, foreign_key="user.id")
    # Kept as text so history stays readable when an account is removed or imported elsewhere.
    author_name: str = Field(default="", sa_type=String(120))
    note: str = Field(default="", sa_type=String(300))
    created_at: datetime = Field(default_factory=utcnow)


class ItemCheck(SQLModel, table=True):
    """A 'gecontroleerd' mark: someone confirmed the item is still correct."""

    __tablename__ = "item_check"

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    checked_by_id: int | None = Field(default=None, foreign_key="user.id")
    checked_by_name: str = Field(default="", sa_type=String(120))
    checked_at: datetime = Field(default_factory=utcnow)
    next_review_date: date
    note: str = Field(default="", sa_type=String(300))


# --- API schemas -----------------------------------------------------------------------------


class AgendaAdvice(StrEnum):
    """Kwaliteit's advice for the werkoverleg; empty: the assembler decides by what fits."""

    auto = ""
    bespreken = "bespreken"
    ter_kennisname = "ter-kennisname"


class ItemIn(BaseModel):
    """What the API accepts to create an item."""

    model_config = ConfigDict(extra="forbid")

    title: str = PField(min_length=1, max_length=200)
    summary: str = PField(min_length=1, max_length=SUMMARY_MAX)
    body: str = PField(default="", max_length=200_000)
    dossier_meaning: str = PField(min_length=1, max_length=5_000)
    theme: str = PField(min_length=1, max_length=80, description="slug van het thema")
    audience: Audience = Audience.beide
    tags: list[str] = PField(default_factory=list, max_length=20)
    source_name: str = PField(default="", max_length=200)
    source_url: str = PField(default="", max_length=500)
    valid_from: SaneDate | None = None
    valid_until: SaneDate | None = None
    review_date: SaneDate | None = None
    discussion_question: str = PField(default="", max_length=1000, description="gespreksvraag voor het werkoverleg")
    agenda_advice: AgendaAdvice = PField(default=AgendaAdvice.auto, description="bespreken, ter-kennisname of leeg")
    shareable: bool = PField(default=False, description="deelbaar met andere gemeenten (in de gedeelde feed)")
    status: ItemStatus = ItemStatus.draft
    slug: str | None = PField(default=None, max_length=120, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    note: str = PField(default="", max_length=300)

    @field_validator("*", mode="before")
    @classmethod
    def _clean_text(cls, value: object, info) -> object:  # type: ignore[no-untyped-def]
        """One newline convention (browsers send CRLF), no NUL, no stray spaces around short
        fields; the body keeps its indentation (Markdown code blocks)."""
        if isinstance(value, list):
            return [cls._clean_text(v, info) for v in value]
        if not isinstance(value, str):
            return value
        value = blank_if_invisible(no_nul(value).replace("\r\n", "\n").replace("\r", "\n"))
        if info.field_name == "body":
            return value.lstrip("\n").rstrip()
        return value.strip()

    @field_validator("source_url")
    @classmethod
    def _http_only(cls, value: str) -> str:
        if value and not value.lower().startswith(("http://", "https://")):
            raise ValueError("Een bronlink begint met http:// of https://.")
        return value


class ItemUpdateIn(ItemIn):
    """An update names the version it was based on, and replaces every field (PUT): the status
    must be given, so that leaving it out never unpublishes an item."""

    version: int = PField(ge=1, le=MAX_INT)
    status: ItemStatus
    slug: None = None  # a slug never changes: links in agendas and mail must keep working


THEME_ICONS = {
    "boek": "Boek",
    "wet": "Wetboek",
    "schild": "Schild",
    "handdruk": "Handdruk",
    "weegschaal": "Weegschaal",
    "euro": "Euroteken",
    "signaal": "Signaal",
    "toeslag": "Toeslag",
    "inkomen": "Inkomen",
    "portemonnee": "Portemonnee",
    "gesprek": "Gesprek",
    "netwerk": "Netwerk",
    "proces": "Proces",
}


OWNER_MESSAGE = "Kies als eigenaar een actieve kwaliteitsmedewerker uit de lijst, of laat het leeg."


class ThemeIn(BaseModel):
    """What Kwaliteit fills in for a theme; the slug follows from the name once, then stays."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = PField(min_length=1, max_length=120)
    description: str = PField(default="", max_length=300)
    icon: str = "boek"
    position: int = PField(default=0, ge=0, le=1000)
    owner: int | None = None  # the id of the active kwaliteitsmedewerker who keeps it current

    @field_validator("owner", mode="before")
    @classmethod
    def _owner_id(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if not text:
                return None
            if not (text.isascii() and text.isdigit() and len(text) <= 10):
                raise ValueError(OWNER_MESSAGE)
            return int(text)
        return value

    @field_validator("icon")
    @classmethod
    def _known_icon(cls, value: str) -> str:
        if value not in THEME_ICONS:
            raise ValueError(f"Kies een van de pictogrammen: {', '.join(THEME_ICONS)}.")
        return value


class ThemePublic(BaseModel):
    slug: str
    name: str
    description: str
    icon: str
    item_count: int


class ItemPublic(BaseModel):
    slug: str
    title: str
    summary: str
    body: str
    body_html: str
    dossier_meaning: str
    theme: str
    audience: str
    tags: list[str]
    source_name: str
    source_url: str
    valid_from: date | None
    valid_until: date | None
    review_date: date | None
    discussion_question: str
    agenda_advice: str
    shareable: bool
    status: str
    version: int
    is_example: bool
    published_at: datetime | None
    updated_at: datetime


class ItemPage(BaseModel):
    total: int
    page: int
    per_page: int
    items: list[ItemPublic]
