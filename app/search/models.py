"""Synonyms that Kwaliteit maintains, and the anonymous query log."""

from datetime import date, datetime

from pydantic import BaseModel
from sqlalchemy import JSON, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import utcnow


class SynonymGroup(SQLModel, table=True):
    """Terms that mean the same when searching, e.g. bvv = beslagvrije voet."""

    __tablename__ = "synonym_group"

    id: int | None = Field(default=None, primary_key=True)
    terms: list[str] = Field(default_factory=list, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class SearchLog(SQLModel, table=True):
    """How often a query was searched in a month, and how often it found nothing.

    No person, no day: DESIGN.md allows query texts only without a person."""

    __tablename__ = "search_log"
    __table_args__ = (UniqueConstraint("month", "query"),)

    id: int | None = Field(default=None, primary_key=True)
    month: date = Field(index=True)  # the first day of the month
    query: str = Field(sa_type=String(200))
    searches: int = 0
    without_results: int = 0


class SearchHit(BaseModel):
    slug: str
    title: str
    summary: str
    theme: str
    theme_name: str
    audience: str
    published_at: datetime | None
    snippet: str
    score: float


class SearchResponse(BaseModel):
    query: str
    total: int
    page: int
    per_page: int
    results: list[SearchHit]
    suggestion: str | None
    corrected: bool = False  # results are for `suggestion` because `query` found nothing
    degraded: bool = False  # the index was unavailable; a simpler search answered


class SuggestResponse(BaseModel):
    items: list[dict[str, str]]
    terms: list[str]


class SearchOutbox(SQLModel, table=True):
    """An item whose change the search index has not taken in yet.

    Written in the item's own transaction, so a change can never be committed without it;
    removed once the index holds the change. What the index writes is read from the item
    itself at that moment, so one row stands for however many saves came before it."""

    __tablename__ = "search_outbox"

    id: int | None = Field(default=None, primary_key=True)
    item_id: int  # no foreign key: the row outlives an item that is deleted
    slug: str = Field(sa_type=String(200))
    queued_at: datetime = Field(default_factory=utcnow)
