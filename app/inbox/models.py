"""The bronnen-inbox: sources Kwaliteit follows (RSS and Atom feeds) and the entries they bring
in, waiting to become a concept item, or not."""

from datetime import datetime
from enum import StrEnum

import httpx
from pydantic import BaseModel, ConfigDict, field_validator
from pydantic import Field as PField
from sqlalchemy import JSON, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import utcnow
from app.textinput import blank_if_invisible, no_nul


class SourceState(StrEnum):
    active = "actief"
    paused = "gepauzeerd"
    gone = "verdwenen"  # the feed answered 410 Gone: polling stopped


class EntryStatus(StrEnum):
    new = "nieuw"
    later = "later"
    rejected = "niet-relevant"
    drafted = "concept"


class EntryFilter(StrEnum):
    """What the inbox can show: a status, or the adopted entries whose origin changed."""

    new = "nieuw"
    later = "later"
    rejected = "niet-relevant"
    drafted = "concept"
    changed = "gewijzigd"


ENTRY_LABELS = {EntryStatus.new: "Nieuw", EntryStatus.later: "Later", EntryStatus.rejected: "Niet relevant",
                EntryStatus.drafted: "Item van gemaakt"}


class SourceKind(StrEnum):
    feed = "feed"  # an RSS or Atom feed the service polls
    mail = "mail"  # newsletters by mail (an uploaded .eml), one source per sender
    imap = "imap"  # the shared mailbox of the settings (KENNISBANK_IMAP_*), read over IMAP


class Source(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(default=SourceKind.feed, sa_type=String(10))
    name: str = Field(sa_type=String(120))
    url: str = Field(sa_type=String(500))
    theme_id: int | None = Field(default=None, foreign_key="theme.id")
    audience: str = Field(default="beide", sa_type=String(20))
    state: str = Field(default=SourceState.active, sa_type=String(20))
    # Conditional GET: what the server said last time.
    etag: str = Field(default="", sa_type=String(300))
    last_modified: str = Field(default="", sa_type=String(100))
    interval_minutes: int = 60
    next_poll_at: datetime = Field(default_factory=utcnow, index=True)
    last_polled_at: datetime | None = None
    last_ok_at: datetime | None = None
    failures: int = 0  # consecutive: the interval backs off with them
    error: str = Field(default="", sa_type=String(500))
    error_since: datetime | None = None
    malformed: bool = False  # read, but the feed is not well-formed
    created_at: datetime = Field(default_factory=utcnow)


class Entry(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("source_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id", index=True)
    # What makes an entry the same one next time: its GUID, else its link, else a hash.
    key: str = Field(sa_type=String(300))
    title: str = Field(sa_type=String(300))
    link: str = Field(default="", sa_type=String(1000))
    excerpt: str = Field(default="", sa_type=Text)
    published_at: datetime | None = None
    fetched_at: datetime = Field(default_factory=utcnow, index=True)
    status: str = Field(default=EntryStatus.new, sa_type=String(20), index=True)
    reason: str = Field(default="", sa_type=String(300))
    item_id: int | None = Field(default=None, foreign_key="item.id")
    decided_at: datetime | None = None
    updated_at: datetime | None = None  # when the feed last said the entry changed (Atom's updated)
    # From another Wiki-bibliotheek's shared feed: the item's own fields (organisation, summary,
    # dossier_meaning, body, source_name, source_url, theme), so adopting it retypes nothing.
    shared: dict | None = Field(default=None, sa_type=JSON)
    # The origin changed after its concept item was made (a shared item's new version), until
    # Kwaliteit marks it seen.
    origin_changed_at: datetime | None = None


class SourceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = PField(min_length=1, max_length=120)
    url: str = PField(min_length=1, max_length=500, description="adres van de RSS- of Atom-feed")
    theme: str | None = PField(default=None, max_length=80, description="slug van het standaardthema")
    audience: str = PField(default="beide", max_length=20, description="klantbegeleider, schuldregelaar of beide")

    @field_validator("audience")
    @classmethod
    def _audience(cls, value: str) -> str:
        if value not in ("klantbegeleider", "schuldregelaar", "beide"):
            raise ValueError("Kies klantbegeleider, schuldregelaar of beide.")
        return value

    @field_validator("name", "url")
    @classmethod
    def _clean(cls, value: str, info) -> str:  # type: ignore[no-untyped-def]
        value = blank_if_invisible(no_nul(value)).strip()
        if not value:
            raise ValueError("Dit veld mag niet leeg zijn.")
        if info.field_name == "url":
            if not value.lower().startswith(("http://", "https://")):
                raise ValueError("Een feedadres begint met http:// of https://.")
            if not valid_url(value):
                raise ValueError("Dit is geen geldig adres; kopieer het adres van de feed uit de adresbalk.")
        return value


def valid_url(value: str) -> bool:
    """An address httpx can request: a host, no spaces or control characters."""
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return False
    try:
        return bool(httpx.URL(value).host)
    except (httpx.InvalidURL, ValueError, UnicodeError):
        return False


class SourcePublic(BaseModel):
    id: int
    name: str
    url: str
    theme: str | None
    audience: str
    state: str
    status: str = PField(description="in woorden: laatst opgehaald …, fout sinds …")
    last_polled_at: datetime | None
    entries: int


class EntryPublic(BaseModel):
    id: int
    source: int
    title: str
    link: str
    excerpt: str
    published_at: datetime | None
    fetched_at: datetime
    status: str
    item: str | None = PField(description="slug van het concept-item, als dat gemaakt is")
    origin_changed_at: datetime | None = PField(
        default=None, description="het origineel is na het overnemen gewijzigd, op dit moment")


class PollResult(BaseModel):
    new_entries: int
    status: str


class FeedToken(SQLModel, table=True):
    """A key for another municipality to read the shared feed: created and revoked by Kwaliteit;
    only its SHA-256 is stored (a long random string: a slow hash adds nothing)."""

    __tablename__ = "feed_token"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_type=String(120))  # for whom: "Gemeente Buurstad"
    token_hash: str = Field(sa_type=String(64), unique=True)
    prefix: str = Field(sa_type=String(12))
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class DecisionStep(StrEnum):
    """Deciding on a knowledge product (seed 004), where Kwaliteit wants to: each step a note
    and a date; the vakoverleg's agenda lists the entries waiting for its decision."""

    analyse = "analyse"  # which wish of the organisation does it answer?
    assessment = "beoordeling"
    memo = "memo"
    meeting = "vakoverleg"  # on the next vakoverleg's agenda, for a decision
    adopted = "overnemen"
    declined = "niet-overnemen"


STEP_LABELS = {
    DecisionStep.analyse: "Analyse: welke wens van de organisatie beantwoordt het?",
    DecisionStep.assessment: "Beoordeling",
    DecisionStep.memo: "Korte memo",
    DecisionStep.meeting: "Naar het vakoverleg, voor een besluit",
    DecisionStep.adopted: "Besluit: overnemen",
    DecisionStep.declined: "Besluit: niet overnemen",
}
STEP_ORDER = list(DecisionStep)


class EntryStep(SQLModel, table=True):
    __tablename__ = "entry_step"

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="entry.id", index=True)
    step: str = Field(sa_type=String(20))
    note: str = Field(default="", sa_type=Text)
    at: datetime = Field(default_factory=utcnow)
    by_id: int | None = Field(default=None, foreign_key="user.id")
