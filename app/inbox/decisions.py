"""Deciding on a knowledge product (seed 004): analyse, assessment, a short memo, discussed in
the vakoverleg, decision. Each step is a note with a date and who wrote it; an entry waiting
at "vakoverleg" is on that meeting's agenda; the decision makes the concept item, or rejects
the entry with its reason."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from app.accounts.models import User
from app.db import utcnow
from app.inbox import service
from app.inbox.models import STEP_ORDER, DecisionStep, Entry, EntryStatus, EntryStep
from app.privacy import BSN_MESSAGE, find_bsn
from app.textinput import blank_if_invisible
from app.wiki.models import Item

MAX_NOTE = 4000


@dataclass(frozen=True)
class Waiting:
    entry: Entry
    memo: str  # the memo step's note; without a memo, the latest note
    since: datetime


def steps(session: Session, entry_ids: set[int]) -> dict[int, list[EntryStep]]:
    """entry id → its steps, oldest first."""
    if not entry_ids:
        return {}
    out: dict[int, list[EntryStep]] = {}
    for step in session.exec(select(EntryStep).where(col(EntryStep.entry_id).in_(entry_ids))
                             .order_by(col(EntryStep.at), col(EntryStep.id))):
        out.setdefault(step.entry_id, []).append(step)
    return out


DECISIONS = (DecisionStep.adopted, DecisionStep.declined)


def next_steps(entry: Entry, done: list[EntryStep]) -> list[DecisionStep]:
    """The steps that may follow: any later one (a step may be skipped), up to the decision;
    none once the entry is decided (also when decided without these steps)."""
    if entry.status not in (EntryStatus.new, EntryStatus.later) or (done and done[-1].step in DECISIONS):
        return []
    if not done:
        return list(STEP_ORDER)
    last = STEP_ORDER.index(DecisionStep(done[-1].step))
    return STEP_ORDER[last + 1:]


def record(session: Session, entry: Entry, step: str, note: str, by: User, suggested: str | None = None) -> Item | None:
    """Record a step; the decision "overnemen" makes the concept item (returned), in the theme
    the inbox proposes (`suggested`: the search's suggestion, see service.proposed_theme)."""
    if entry.status not in (EntryStatus.new, EntryStatus.later):
        raise service.InboxError("entry", "Over dit bericht is al besloten.")
    try:
        chosen = DecisionStep(step)
    except ValueError:
        raise service.InboxError("step", "Kies een stap uit de lijst.") from None
    done = steps(session, {entry.id}).get(entry.id, [])  # type: ignore[arg-type]
    if chosen not in next_steps(entry, done):
        raise service.InboxError("step", "Deze stap is al gezet; kies een volgende.")
    note = blank_if_invisible(note.strip())
    if len(note) > MAX_NOTE:
        raise service.InboxError("note", f"Een notitie is hoogstens {MAX_NOTE} tekens.")
    if find_bsn(note):
        raise service.InboxError("note", BSN_MESSAGE)
    if chosen in DECISIONS and not note:
        raise service.InboxError("note", "Schrijf kort op waarom: de reden hoort bij het besluit.")
    if chosen in (DecisionStep.analyse, DecisionStep.assessment, DecisionStep.memo) and not note:
        raise service.InboxError("note", "Schrijf de notitie bij deze stap.")
    session.add(EntryStep(entry_id=entry.id, step=chosen, note=note, at=utcnow(), by_id=by.id))  # type: ignore[arg-type]
    session.flush()
    if chosen == DecisionStep.adopted:
        return service.make_draft(session, entry, by, None, suggested)
    if chosen == DecisionStep.declined:
        service.decide(session, entry, EntryStatus.rejected, note[:300])
    return None


def awaiting_decision(session: Session) -> list[Waiting]:
    """The entries whose last step is "vakoverleg" and that are not decided yet, oldest first."""
    open_entries = list(session.exec(select(Entry).where(col(Entry.status).in_((EntryStatus.new, EntryStatus.later)))
                                     .where(col(Entry.id).in_(select(EntryStep.entry_id).where(
                                         EntryStep.step == DecisionStep.meeting)))))
    by_entry = steps(session, {e.id for e in open_entries})  # type: ignore[misc]
    out = []
    for entry in open_entries:
        done = by_entry.get(entry.id, [])  # type: ignore[arg-type]
        if done and done[-1].step == DecisionStep.meeting:
            memo = [s.note for s in done if s.note and s.step == DecisionStep.memo]
            notes = memo or [s.note for s in done if s.note]  # the memo; without one, the last note
            out.append(Waiting(entry, notes[-1] if notes else "", done[-1].at))
    return sorted(out, key=lambda w: w.since)


def steps_by(session: Session, person_id: int) -> list[tuple[EntryStep, Entry]]:
    """Every decision step a person recorded, with its entry, oldest first (their own data)."""
    return list(session.exec(
        select(EntryStep, Entry).join(Entry, col(Entry.id) == EntryStep.entry_id)
        .where(EntryStep.by_id == person_id).order_by(col(EntryStep.at), col(EntryStep.id))
    ))
