"""Writing and reading the audit log. Other domains call record(); nothing updates a row."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from app.audit.models import LABELS, Action, AuditEvent
from app.db import utcnow


def record(
    session: Session,
    action: Action,
    *,
    actor_id: int | None = None,
    subject_type: str | None = None,
    subject_id: object = None,
    summary: str = "",
    detail: dict | None = None,
    address: str = "",
) -> AuditEvent:
    """Add one event to the request's transaction: it is kept exactly when the change is.
    Without `address`, the request's client address (set on the session by the web layer);
    "" for work of the service itself (the scheduler, the command line)."""
    address = address or session.info.get("client_address", "")
    event = AuditEvent(
        actor_id=actor_id, action=action, subject_type=subject_type,
        subject_id=None if subject_id is None else str(subject_id)[:120],
        summary=summary[:500], detail=detail, address=address[:64],
    )
    session.add(event)
    return event


@dataclass(frozen=True)
class AuditFilter:
    start: datetime | None = None  # inclusive
    end: datetime | None = None  # exclusive
    actor_id: int | None = None
    action: str | None = None


def _where(query, f: AuditFilter):  # type: ignore[no-untyped-def]
    if f.start is not None:
        query = query.where(col(AuditEvent.at) >= f.start)
    if f.end is not None:
        query = query.where(col(AuditEvent.at) < f.end)
    if f.actor_id is not None:
        query = query.where(AuditEvent.actor_id == f.actor_id)
    if f.action:
        query = query.where(AuditEvent.action == f.action)
    return query


def events(session: Session, f: AuditFilter, limit: int = 100, offset: int = 0) -> tuple[int, list[AuditEvent]]:
    """(total, the page of events), newest first."""
    total = session.exec(_where(select(func.count()).select_from(AuditEvent), f)).one()
    rows = list(session.exec(
        _where(select(AuditEvent), f).order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .limit(limit).offset(offset)
    ))
    return total, rows


def label(action: str) -> str:
    return LABELS.get(action, action)


def remove_older_than(session: Session, days: int, now: datetime | None = None) -> int:
    """The retention job: events older than `days` go; returns how many."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    result = session.exec(delete(AuditEvent).where(col(AuditEvent.at) < cutoff))  # type: ignore[call-overload]
    return result.rowcount or 0
