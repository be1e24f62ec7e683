"""Writing and reading the audit log. Other domains call record(); nothing updates a row."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from app.accounts import service as accounts_service
from app.audit.models import LABELS, Action, AuditEvent
from app.config import LOCAL_TZ
from app.dates import checked, parse_date
from app.db import utcnow
from app.errors import InputError
from app.textinput import whole_number


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


# --- reading, for /beheer/audit and GET /api/v1/audit ------------------------------------------

MAX_ID = 2**31 - 1


def day_start(day: date) -> datetime:
    """The first moment of a Dutch day, in UTC: a period is chosen in Dutch days."""
    return datetime.combine(day, time(), LOCAL_TZ).astimezone(UTC)


def parse_filter(start: str | None, end: str | None, actor: str | None, action: str | None,
                 fields: tuple[str, str, str, str] = ("van", "tot", "actor", "action")) -> AuditFilter:
    """What a person or client typed, as a filter; refused naming the field (`fields`: the
    names of start, end, actor and action where they were typed)."""
    f_start, f_end, f_actor, f_action = fields
    first = checked(f_start, parse_date(f_start, start)) if start and start.strip() else None
    last = checked(f_end, parse_date(f_end, end)) if end and end.strip() else None
    if first and last and last < first:
        raise InputError(f_end, "De einddatum ligt voor de begindatum.")
    actor_id = None
    if actor and actor.strip():
        actor_id = whole_number(actor)
        if actor_id is None or not 1 <= actor_id <= MAX_ID:
            raise InputError(f_actor, "Kies een persoon uit de lijst (het nummer van een account).")
    if action and action.strip() and action.strip() not in Action.__members__:
        raise InputError(f_action, "Kies een handeling uit de lijst.")
    return AuditFilter(
        start=day_start(first) if first else None,
        end=day_start(last + timedelta(days=1)) if last else None,  # "tot en met"
        actor_id=actor_id, action=action.strip() if action and action.strip() else None,
    )


@dataclass(frozen=True)
class EventView:
    """An event as people read it: the actor's name from the account (a removed person's is a
    placeholder), the Dutch label of the action."""

    event: AuditEvent
    actor: str
    actor_anonymised: bool

    @property
    def label(self) -> str:
        return label(self.event.action)


def described(session: Session, rows: list[AuditEvent]) -> list[EventView]:
    people = accounts_service.users_by_id(session, {e.actor_id for e in rows if e.actor_id is not None})
    out = []
    for event in rows:
        person = people.get(event.actor_id) if event.actor_id is not None else None  # type: ignore[arg-type]
        name = person.name if person else ("De dienst zelf" if event.actor_id is None else "Onbekend account")
        out.append(EventView(event, name, bool(person and person.anonymised_at)))
    return out


def actors(session: Session) -> list[tuple[int, str]]:
    """Everyone who appears as an actor, for the filter's list: (id, name), by name."""
    ids = set(session.exec(select(AuditEvent.actor_id).where(col(AuditEvent.actor_id).is_not(None)).distinct()))
    people = accounts_service.users_by_id(session, ids)  # type: ignore[arg-type]
    return sorted(((p.id, p.name) for p in people.values()), key=lambda pair: (pair[1].lower(), pair[0]))  # type: ignore[misc]


def action_choices() -> list[tuple[str, str]]:
    return [(a.value, LABELS[a]) for a in Action]


def about(session: Session, subject_type: str, subject_id: object) -> list[AuditEvent]:
    """Every event about one record ("user", 12), oldest first."""
    return list(session.exec(
        select(AuditEvent).where(AuditEvent.subject_type == subject_type, AuditEvent.subject_id == str(subject_id))
        .order_by(col(AuditEvent.at), col(AuditEvent.id))
    ))


def of_actor(session: Session, actor_id: int) -> list[AuditEvent]:
    """Every event a person did, oldest first (their own-data download)."""
    return list(session.exec(select(AuditEvent).where(AuditEvent.actor_id == actor_id).order_by(col(AuditEvent.at), col(AuditEvent.id))))
