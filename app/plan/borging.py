"""Placeholder until the borging checklist lands (replaced by the branch that builds it)."""

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session


@dataclass
class Sign:
    key: str
    text: str
    judged_by_app: bool
    met: bool | None
    source: str | None
    evidence: str = ""
    checked_on: date | None = None
    checked_by: str | None = None
    extra_action: str = ""


def checklist(session: Session, plan_id: int, today: date) -> list[Sign]:
    return []


def record_check(*args, **kwargs) -> None:  # type: ignore[no-untyped-def]
    raise NotImplementedError
