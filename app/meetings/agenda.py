"""Agendas: assembled by the scheduler from what was published since the previous meeting,
then edited and finalised by the contactpersoon (or Kwaliteit, for the vakoverleg)."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app import clock
from app.accounts import service as accounts_service
from app.accounts.models import Audience, User
from app.config import LOCAL_TZ, Settings
from app.goals import service as goals_service
from app.inbox import decisions as inbox_decisions
from app.inbox import service as inbox_service
from app.meetings import fit, service
from app.meetings.models import (
    Agenda,
    AgendaEntry,
    AgendaEvent,
    AgendaState,
    EntryKind,
    Meeting,
    MeetingKind,
    MeetingStatus,
)
from app.meetings.service import MeetingError
from app.questions import service as questions_service
from app.search import service as search_service
from app.wiki import service as wiki_service
from app.wiki.models import Item, Theme

SEARCH_GAPS = 5
REVIEWS = 15  # the most overdue; the rest is one point that points to the review queue
FIRST_WINDOW = timedelta(days=31)  # a series' first agenda looks back one month


class StaleAgenda(MeetingError):
    """The agenda changed since the page was loaded."""

    status = 409
    kind = "stale_version"

    def __init__(self) -> None:
        super().__init__("agenda", "Niet opgeslagen: de agenda is intussen gewijzigd. "
                         "Hieronder staat de nieuwe stand; wat u typte staat nog in het formulier.")


# --- assembling ------------------------------------------------------------------------------


def get_agenda(session: Session, meeting: Meeting) -> Agenda | None:
    return session.exec(select(Agenda).where(Agenda.meeting_id == meeting.id)).first()


def agendas_of(session: Session, meeting_ids: list[int]) -> dict[int, Agenda]:
    """The agendas of these meetings, by meeting id (a meeting without one is left out)."""
    if not meeting_ids:
        return {}
    return {a.meeting_id: a for a in session.exec(select(Agenda).where(col(Agenda.meeting_id).in_(meeting_ids)))}


def _previous_cutoff(session: Session, meeting: Meeting) -> datetime | None:
    """Where the window of this series' previous agenda ended, skipping cancelled meetings:
    what a cancelled meeting would have discussed goes to the next one."""
    return session.exec(
        select(Agenda.cutoff)
        .join(Meeting, col(Meeting.id) == Agenda.meeting_id)
        .where(Meeting.kind == meeting.kind, Meeting.team_id == meeting.team_id)
        .where(Meeting.status == MeetingStatus.scheduled)
        .where(col(Meeting.starts_at) < meeting.starts_at)
        .order_by(col(Meeting.starts_at).desc())
        .limit(1)
    ).first()


def _audience(session: Session, meeting: Meeting) -> str:
    if meeting.kind == MeetingKind.vakoverleg or meeting.team_id is None:
        return Audience.beide
    team = accounts_service.get_team(session, meeting.team_id)
    return team.audience if team else Audience.beide


def _entries(session: Session, meeting: Meeting, since: datetime, cutoff: datetime) -> list[dict]:
    """The rows of a new agenda, in order (plain values: inserted in one statement): each with
    its own question and minutes, what fits the meeting's length under "Bespreken" first."""
    def row(kind: str, item_id: int | None = None, title: str = "", text: str = "", prompt: str = "",
            question_id: int | None = None, item: Item | None = None) -> dict:
        return {"kind": kind, "item_id": item_id, "title": title, "text": text, "prompt": prompt,
                "question_id": question_id, "added_by_hand": False, "minutes": fit.estimate(kind, item)}

    audience = _audience(session, meeting)
    new_ids = wiki_service.published_ids_between(session, since, cutoff, audience)
    items = wiki_service.items_by_id(session, set(new_ids))
    rows = [row(EntryKind.item, item_id, prompt=fit.item_prompt(items[item_id], meeting.kind), item=items[item_id])
            for item_id in new_ids if item_id in items]
    # Answered questions of general interest: the team's own, or for the vakoverleg all.
    team_id = meeting.team_id if meeting.kind == MeetingKind.werkoverleg else None
    for q in questions_service.general_interest_answered(session, team_id, since, cutoff):
        title = _first_line(q.text)
        rows.append(row(EntryKind.question, None, title=title, text=q.answer,
                        prompt=fit.question_prompt(title, meeting.kind), question_id=q.id))
    if meeting.kind == MeetingKind.vakoverleg:
        meeting_day = meeting.starts_at.astimezone(LOCAL_TZ).date()
        overdue, total = wiki_service.past_review(session, meeting_day, REVIEWS)
        late = wiki_service.items_by_id(session, set(overdue))
        rows += [row(EntryKind.review, item_id, prompt=fit.review_prompt(late[item_id]))
                 for item_id in overdue if item_id in late]
        if total > len(overdue):
            rows.append(row(
                EntryKind.point, title=f"Nog {total - len(overdue)} items over hun controledatum",
                text="De hele lijst staat op de controlepagina (Controle in het menu van Kwaliteit).",
                prompt="Wie pakt welke thema's op, en vóór wanneer?",
            ))
        rows += [row(EntryKind.search_gap, title=gap.query, prompt=fit.gap_prompt(gap.query),
                     text=f"{gap.count} keer gezocht zonder resultaat")
                 for gap in _search_gaps(session, since, cutoff)]
        if trend := questions_service.counts_per_theme(session, since, cutoff):
            rows.append(row(EntryKind.point, title="Vragen aan de contactpersonen, per thema",
                            text="; ".join(f"{c.theme}: {c.count}" for c in trend),
                            prompt="Welke vragen komen steeds terug? Verdient een thema een nieuw item?"))
        for waiting in inbox_decisions.awaiting_decision(session):
            rows.append(row(EntryKind.point, **decision_point(waiting)))
        inflow = inbox_service.monthly(session, cutoff.astimezone(LOCAL_TZ).date(), months=1)
        if inbox_service.list_sources(session) and inflow:
            m = inflow[0]
            wait = f"; van binnenkomst tot gepubliceerd: mediaan {m.median_days:.1f} dagen".replace(".", ",", 1) if m.median_days is not None else ""
            rows.append(row(EntryKind.point, title="Nieuwe kennis uit de bronnen-inbox, deze maand",
                            text=f"{m.came_in} binnen, {m.adopted} als item gepubliceerd, {m.rejected} niet relevant{wait}.",
                            prompt="Komt nieuwe kennis snel genoeg in de bibliotheek? Mist er een bron?"))
        if progress := goals_service.summary(session, cutoff.astimezone(LOCAL_TZ).date()):
            rows.append(row(EntryKind.goals, title=GOALS_TITLE, text=progress,
                            prompt="Welke doelen lopen achter, en wat doen we daaraan?"))
    candidates = []
    for index, values in enumerate(rows):
        item = items.get(values["item_id"]) if values["kind"] == EntryKind.item else None
        candidates.append(fit.Candidate(
            index, values["kind"], values["minutes"], advice=item.agenda_advice if item else "",
            audience_match=bool(item and audience and item.audience == audience and audience != Audience.beide)))
    chosen = fit.sections(candidates, fit.available(meeting.duration_minutes))
    for index, values in enumerate(rows):
        values["section"] = chosen[index]
    # Bespreken first, each part in the order assembled (grouped by theme).
    rows = [r for r in rows if r["section"] == fit.BESPREKEN] + [r for r in rows if r["section"] != fit.BESPREKEN]
    for position, values in enumerate(rows, start=1):
        values["position"] = position
    return rows


DECISION_TITLE = "Besluit over een kennisproduct: "


def decision_point(waiting: inbox_decisions.Waiting) -> dict:
    """An inbox entry awaiting the vakoverleg's decision, as a point: its memo, where to decide."""
    return {"title": f"{DECISION_TITLE}{waiting.entry.title}"[:300],
            "text": f"{waiting.memo or waiting.entry.excerpt}\n\nIn de bronnen-inbox: /inbox#bericht-{waiting.entry.id}"[:5000],
            "prompt": "Nemen we dit over? Leg het besluit en de reden vast in de bronnen-inbox."}


def put_on_next_vakoverleg(session: Session, entry_id: int, now: datetime) -> Meeting | None:
    """An entry that went to the vakoverleg after the next one's agenda was assembled: added to
    that agenda while it is a concept (once). Returns the meeting whose agenda holds it, or None
    when the point comes with the assembly (no agenda yet) or the agenda is final."""
    meeting = service.next_meeting(session, MeetingKind.vakoverleg, None, now)
    agenda = get_agenda(session, meeting) if meeting is not None and meeting.status != "cancelled" else None
    if agenda is None:
        return None
    waiting = next((w for w in inbox_decisions.awaiting_decision(session) if w.entry.id == entry_id), None)
    if waiting is None:
        return None
    point = decision_point(waiting)
    if any(e.kind == EntryKind.point and e.title == point["title"] for e in entries(session, agenda)):
        return meeting
    if agenda.state == AgendaState.final:
        return None
    _claim_version(session, agenda, agenda.version)
    session.add(AgendaEntry(
        agenda_id=agenda.id, position=_next_position(session, agenda), kind=EntryKind.point,  # type: ignore[arg-type]
        added_by_hand=False, minutes=fit.estimate(EntryKind.point), section=fit.BESPREKEN, **point,
    ))
    session.flush()
    return meeting


def _first_line(text: str) -> str:
    line = text.strip().split("\n")[0]
    return line if len(line) <= 200 else line[:199].rstrip() + "…"


def _search_gaps(session: Session, since: datetime, cutoff: datetime) -> list:  # type: ignore[type-arg]
    """The queries that found nothing most often in the months of the window."""
    counts: dict[str, int] = {}
    start, end = since.astimezone(LOCAL_TZ).date(), cutoff.astimezone(LOCAL_TZ).date()
    month = start.replace(day=1)
    while month <= end:
        for gap in search_service.queries_without_results(session, month):
            counts[gap.query] = counts.get(gap.query, 0) + gap.count
        month = (month + timedelta(days=32)).replace(day=1)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:SEARCH_GAPS]
    return [search_service.QueryCount(q, n) for q, n in ranked]


def assemble(
    session: Session, meeting: Meeting, now: datetime, by: User | None = None
) -> Agenda | None:
    """Assemble the agenda of a meeting from what was published since the previous one.
    Returns None when the meeting already has one (made now by another run or process:
    the unique meeting_id decides) or is cancelled."""
    if meeting.status == MeetingStatus.cancelled or get_agenda(session, meeting) is not None:
        return None
    since = _previous_cutoff(session, meeting) or min(meeting.starts_at, now) - FIRST_WINDOW
    cutoff = now
    # What goes on the agenda first, the writes after: on SQLite the savepoint takes the write
    # lock, held only while the agenda is stored.
    rows = _entries(session, meeting, since, cutoff)
    try:
        with session.begin_nested():
            agenda = Agenda(meeting_id=meeting.id, since=since, cutoff=cutoff, assembled_at=now)  # type: ignore[arg-type]
            session.add(agenda)
            session.flush()
            if rows:  # one executemany (an agenda of a big library holds hundreds of rows)
                session.connection().execute(
                    insert(AgendaEntry.__table__), [{**r, "agenda_id": agenda.id} for r in rows]  # type: ignore[attr-defined]
                )
            session.add(AgendaEvent(
                agenda_id=agenda.id, at=now, action="assembled",  # type: ignore[arg-type]
                user_id=by.id if by else None, user_name=by.name if by else "Planner",
            ))
            session.flush()
    except IntegrityError:
        return None
    return agenda


def due(session: Session, now: datetime, settings: Settings) -> list[Meeting]:
    """Meetings still to come whose agenda should exist by now but does not: the scheduler's
    work, also after downtime (then their moment has long passed)."""
    horizon = now + timedelta(days=60)  # further than any lead time of 30 working days
    candidates = session.exec(
        select(Meeting)
        .outerjoin(Agenda, col(Agenda.meeting_id) == Meeting.id)
        .where(col(Agenda.id).is_(None), Meeting.status == MeetingStatus.scheduled)
        .where(col(Meeting.starts_at) > now, col(Meeting.starts_at) <= horizon)
        .order_by(col(Meeting.starts_at))
    ).all()
    rules = {r.id: r for r in service.list_rules(session)}
    return [
        m for m in candidates
        if service.assembly_moment(m, rules.get(m.rule_id), settings) <= now  # type: ignore[arg-type]
    ]


# --- reading ---------------------------------------------------------------------------------


@dataclass
class Line:
    entry: AgendaEntry
    item: Item | None
    theme: Theme | None
    # The goals' point: the figures of /doelen, computed when the agenda is read (for a meeting
    # still to come today's, for a held one those of its day), and the day they are of.
    text: str | None = None
    as_of: date | None = None

    @property
    def shown_text(self) -> str:
        return self.entry.text if self.text is None else self.text


@dataclass
class Section:
    """Consecutive lines under one heading: a theme, or a kind of point; in one part of the
    agenda (Bespreken or Ter kennisname)."""

    heading: str
    lines: list[Line] = field(default_factory=list)
    part: str = fit.BESPREKEN


SECTION_HEADINGS = {
    EntryKind.question: "Vragen uit het team",
    EntryKind.review: "Controledatum verstreken",
    EntryKind.search_gap: "Gezocht zonder resultaat",
    EntryKind.point: "Overige punten",
    EntryKind.goals: "Implementatiedoelen",
}
GOALS_TITLE = "Stand van de implementatiedoelen"


def entries(session: Session, agenda: Agenda) -> list[AgendaEntry]:
    return list(
        session.exec(
            select(AgendaEntry).where(AgendaEntry.agenda_id == agenda.id).order_by(col(AgendaEntry.position))
        )
    )


def lines(session: Session, agenda: Agenda, live_goals: bool = True) -> list[Line]:
    """The agenda's lines with their items and themes; the goals' point with today's figures
    (`live_goals=False` where only the titles are shown, such as the home page)."""
    found = entries(session, agenda)
    items = wiki_service.items_by_id(session, {e.item_id for e in found if e.item_id})  # type: ignore[misc]
    themes = wiki_service.themes_by_id(session)
    out = []
    goals: tuple[str, date] | None = None
    for entry in found:
        item = items.get(entry.item_id) if entry.item_id else None
        line = Line(entry, item, themes.get(item.theme_id) if item else None)
        if entry.kind == EntryKind.goals and live_goals:
            if goals is None:
                meeting = session.get(Meeting, agenda.meeting_id)
                day = min(clock.today(), meeting.starts_at.astimezone(LOCAL_TZ).date()) if meeting else clock.today()
                goals = (goals_service.summary(session, day), day)
            line.text, line.as_of = goals
        out.append(line)
    return out


def sections(agenda_lines: list[Line]) -> list[Section]:
    """Group the lines as they come: a new heading whenever the part, or the theme (or kind),
    changes."""
    out: list[Section] = []
    for line in agenda_lines:
        if line.entry.kind == EntryKind.item and line.theme is not None:
            heading = line.theme.name
        else:
            heading = SECTION_HEADINGS.get(line.entry.kind, "Overige punten")  # type: ignore[call-overload]
        part = line.entry.section if line.entry.section in fit.SECTION_LABELS else fit.BESPREKEN
        if not out or out[-1].heading != heading or out[-1].part != part:
            out.append(Section(heading, part=part))
        out[-1].lines.append(line)
    return out


@dataclass(frozen=True)
class Timing:
    """The discussion against the time there is: "45 van 75 minuten"."""

    planned: int
    available: int

    @property
    def over(self) -> bool:
        return self.planned > self.available


def timing(meeting: Meeting, agenda_lines: list[Line]) -> Timing:
    planned = sum(line.entry.minutes for line in agenda_lines if line.entry.section == fit.BESPREKEN)
    return Timing(planned, fit.available(meeting.duration_minutes))


def history(session: Session, agenda: Agenda) -> list[AgendaEvent]:
    return list(
        session.exec(
            select(AgendaEvent).where(AgendaEvent.agenda_id == agenda.id).order_by(col(AgendaEvent.at), col(AgendaEvent.id))
        )
    )


# --- editing ---------------------------------------------------------------------------------


def _claim_version(session: Session, agenda: Agenda, based_on: int, *, final_ok: bool = False) -> None:
    """Every change names the version it was based on; one conditional UPDATE claims the next."""
    if agenda.state == AgendaState.final and not final_ok:
        raise MeetingError("agenda", "De agenda is definitief. Heropen hem eerst, met een reden.")
    result = session.execute(
        update(Agenda)
        .where(col(Agenda.id) == agenda.id, col(Agenda.version) == based_on)
        .values(version=based_on + 1)
        .execution_options(synchronize_session=False)
    )
    session.refresh(agenda)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise StaleAgenda


def _entry(session: Session, agenda: Agenda, entry_id: int) -> AgendaEntry:
    entry = session.get(AgendaEntry, entry_id)
    if entry is None or entry.agenda_id != agenda.id:
        raise MeetingError("entry", "Dit agendapunt bestaat niet (meer).")
    return entry


def _renumber(session: Session, ordered: list[AgendaEntry]) -> None:
    for position, entry in enumerate(ordered, start=1):
        entry.position = position
        session.add(entry)
    session.flush()


def _in_order(session: Session, agenda: Agenda) -> list[AgendaEntry]:
    """The entries as the agenda shows them: Bespreken first, then Ter kennisname."""
    found = entries(session, agenda)
    return [e for e in found if e.section == fit.BESPREKEN] + [e for e in found if e.section != fit.BESPREKEN]


def move_entry(session: Session, agenda: Agenda, entry_id: int, step: int, based_on: int) -> None:
    """Move an entry one place up (step -1) or down (+1) within its part of the agenda."""
    _claim_version(session, agenda, based_on)
    ordered = _in_order(session, agenda)
    entry = _entry(session, agenda, entry_id)
    same = [e for e in ordered if e.section == entry.section]
    index = next(i for i, e in enumerate(same) if e.id == entry.id)
    target = max(0, min(len(same) - 1, index + step))
    same.insert(target, same.pop(index))
    others = [e for e in ordered if e.section != entry.section]
    _renumber(session, same + others if entry.section == fit.BESPREKEN else others + same)


def reorder(session: Session, agenda: Agenda, order: list[int], sections_by_id: dict[int, str],
            based_on: int) -> None:
    """The whole order at once (dragging, or the keyboard, on the page): `order` names every
    entry once; `sections_by_id` may move entries between Bespreken and Ter kennisname."""
    _claim_version(session, agenda, based_on)
    found = {e.id: e for e in entries(session, agenda)}
    if sorted(order) != sorted(found):
        raise MeetingError("entry", "De volgorde past niet bij de agenda: laad de pagina opnieuw.")
    if any(section not in fit.SECTION_LABELS for section in sections_by_id.values()):
        raise MeetingError("section", "Kies Bespreken of Ter kennisname.")
    for entry_id, section in sections_by_id.items():
        if entry_id in found:
            found[entry_id].section = section
    ordered = [found[i] for i in order]
    _renumber(session, [e for e in ordered if e.section == fit.BESPREKEN] +
              [e for e in ordered if e.section != fit.BESPREKEN])


def set_plan(session: Session, agenda: Agenda, entry_id: int, section: str, minutes: int, based_on: int) -> None:
    """Discuss a point or only mention it, and how many minutes it gets."""
    if section not in fit.SECTION_LABELS:
        raise MeetingError("section", "Kies Bespreken of Ter kennisname.")
    if not fit.MIN_MINUTES <= minutes <= fit.MAX_MINUTES:
        raise MeetingError("minutes", f"Vul een aantal minuten in van {fit.MIN_MINUTES} tot en met {fit.MAX_MINUTES}.")
    _claim_version(session, agenda, based_on)
    entry = _entry(session, agenda, entry_id)
    moved = entry.section != section
    entry.section, entry.minutes = section, minutes
    session.add(entry)
    session.flush()
    if moved:  # to the end of its new part
        ordered = [e for e in _in_order(session, agenda) if e.id != entry.id]
        first = [e for e in ordered if e.section == fit.BESPREKEN]
        rest = [e for e in ordered if e.section != fit.BESPREKEN]
        _renumber(session, first + [entry] + rest if section == fit.BESPREKEN else first + rest + [entry])


def remove_entry(session: Session, agenda: Agenda, entry_id: int, based_on: int) -> AgendaEntry:
    _claim_version(session, agenda, based_on)
    entry = _entry(session, agenda, entry_id)
    session.delete(entry)
    session.flush()
    _renumber(session, _in_order(session, agenda))
    return entry


def set_prompt(session: Session, agenda: Agenda, entry_id: int, prompt: str, based_on: int) -> None:
    prompt = service.clean_text("prompt", prompt)
    if len(prompt) > 1000:
        raise MeetingError("prompt", "Een gespreksvraag is hoogstens 1000 tekens.")
    _claim_version(session, agenda, based_on)
    entry = _entry(session, agenda, entry_id)
    entry.prompt = prompt
    session.add(entry)
    session.flush()


def _next_position(session: Session, agenda: Agenda) -> int:
    return (session.exec(
        select(func.max(AgendaEntry.position)).where(AgendaEntry.agenda_id == agenda.id)
    ).one() or 0) + 1


def add_item(session: Session, agenda: Agenda, slug: str, viewer: User, based_on: int) -> AgendaEntry:
    item = wiki_service.get_item(session, slug.strip(), viewer)
    if item is None or item.status != "published":
        raise MeetingError("item", "Kies een gepubliceerd item.")
    if any(e.item_id == item.id and e.kind == EntryKind.item for e in entries(session, agenda)):
        raise MeetingError("item", "Dit item staat al op de agenda.")
    _claim_version(session, agenda, based_on)
    meeting = session.get(Meeting, agenda.meeting_id)
    entry = AgendaEntry(
        agenda_id=agenda.id, position=_next_position(session, agenda), kind=EntryKind.item,  # type: ignore[arg-type]
        item_id=item.id, prompt=fit.item_prompt(item, meeting.kind if meeting else MeetingKind.werkoverleg),
        added_by_hand=True, minutes=fit.estimate(EntryKind.item, item), section=fit.BESPREKEN,
    )
    session.add(entry)
    session.flush()
    return entry


def add_point(session: Session, agenda: Agenda, title: str, text: str, based_on: int) -> AgendaEntry:
    title, text = service.clean_text("title", title), service.clean_text("text", text)
    if not title:
        raise MeetingError("title", "Geef het punt een korte titel.")
    if len(title) > 200:
        raise MeetingError("title", "Een titel is hoogstens 200 tekens.")
    if len(text) > 5000:
        raise MeetingError("text", "De toelichting is hoogstens 5000 tekens.")
    _claim_version(session, agenda, based_on)
    entry = AgendaEntry(
        agenda_id=agenda.id, position=_next_position(session, agenda), kind=EntryKind.point,  # type: ignore[arg-type]
        title=title, text=text, added_by_hand=True, minutes=fit.estimate(EntryKind.point), section=fit.BESPREKEN,
    )
    session.add(entry)
    session.flush()
    return entry


CHANGES = {"omhoog": "volgorde", "omlaag": "volgorde", "volgorde": "volgorde", "verwijderen": "punt weggehaald",
           "vraag": "gespreksvraag", "plan": "deel of minuten", "item": "item toegevoegd", "punt": "punt toegevoegd"}
CHANGE_MERGE = timedelta(minutes=30)


def record_change(session: Session, agenda: Agenda, user: User, action: str, now: datetime) -> None:
    """The history says who changed the agenda and what: one line per person and session of
    work (changes within half an hour are one line, "volgorde, gespreksvraag")."""
    what = CHANGES.get(action)
    if what is None:
        return
    last = session.exec(select(AgendaEvent).where(AgendaEvent.agenda_id == agenda.id)
                        .order_by(col(AgendaEvent.at).desc(), col(AgendaEvent.id).desc()).limit(1)).first()
    if last is not None and last.action == "changed" and last.user_id == user.id and now - last.at < CHANGE_MERGE:
        parts = [p for p in last.reason.split(", ") if p]
        if what not in parts:
            parts.append(what)
        last.reason, last.at = ", ".join(parts)[:300], now
        session.add(last)
    else:
        session.add(AgendaEvent(agenda_id=agenda.id, at=now, action="changed", user_id=user.id,  # type: ignore[arg-type]
                                user_name=user.name, reason=what))
    session.flush()


def finalise(session: Session, agenda: Agenda, user: User, based_on: int, now: datetime) -> None:
    _claim_version(session, agenda, based_on)
    agenda.state = AgendaState.final
    agenda.finalised_at, agenda.finalised_by_id = now, user.id
    session.add(agenda)
    session.add(AgendaEvent(agenda_id=agenda.id, at=now, action="finalised", user_id=user.id, user_name=user.name))  # type: ignore[arg-type]
    session.flush()


def reopen(session: Session, agenda: Agenda, user: User, reason: str, based_on: int, now: datetime) -> None:
    reason = service.clean_text("reason", reason)
    if not reason:
        raise MeetingError("reason", "Geef kort aan waarom de agenda weer open moet.")
    if agenda.state != AgendaState.final:
        raise MeetingError("reason", "De agenda is nog niet definitief.")
    _claim_version(session, agenda, based_on, final_ok=True)
    agenda.state = AgendaState.concept
    agenda.finalised_at, agenda.finalised_by_id = None, None
    session.add(agenda)
    session.add(AgendaEvent(agenda_id=agenda.id, at=now, action="reopened", user_id=user.id,  # type: ignore[arg-type]
                            user_name=user.name, reason=reason[:300]))
    session.flush()


def recent_items_to_add(session: Session, agenda: Agenda, days: int = 120) -> list[Item]:
    """Published items of the last months that are not on this agenda: the choice for adding."""
    on_agenda = {e.item_id for e in entries(session, agenda) if e.item_id}
    until = agenda.cutoff + timedelta(days=60)
    found = wiki_service.published_between(session, agenda.cutoff - timedelta(days=days), until)
    return sorted((i for i in found if i.id not in on_agenda), key=lambda i: i.title)


def meeting_day(meeting: Meeting) -> date:
    return meeting.starts_at.astimezone(LOCAL_TZ).date()


@dataclass
class Built:
    meeting: Meeting
    agenda: Agenda | None
    outcome: str  # "samengesteld", "bestond al", "gaat niet door", "al voorbij"


def build(
    session: Session, now: datetime, *, kind: str | None = None, team_id: int | None = None,
    month: tuple[int, int] | None = None,
) -> list[Built]:
    """A manual run (`kennisbank agenda build`): plan, then give every meeting still to come in
    the month (default: this month and the next) its agenda now. Running it again changes
    nothing: meetings that have one keep it."""
    service.plan(session, now)
    today = now.astimezone(LOCAL_TZ).date()
    if month is None:
        first = today.replace(day=1)
        end = (first + timedelta(days=62)).replace(day=1)
    else:
        first = date(month[0], month[1], 1)
        end = (first + timedelta(days=32)).replace(day=1)
    start_at = datetime.combine(first, datetime.min.time(), LOCAL_TZ)
    end_at = datetime.combine(end, datetime.min.time(), LOCAL_TZ)
    query = select(Meeting).where(col(Meeting.starts_at) >= start_at, col(Meeting.starts_at) < end_at)
    if kind is not None:
        query = query.where(Meeting.kind == kind, Meeting.team_id == team_id)
    out = []
    for meeting in session.exec(query.order_by(col(Meeting.starts_at), col(Meeting.id))).all():
        existing = get_agenda(session, meeting)
        if existing is not None:
            out.append(Built(meeting, existing, "bestond al"))
        elif meeting.status == MeetingStatus.cancelled:
            out.append(Built(meeting, None, "gaat niet door"))
        elif meeting.starts_at <= now:
            out.append(Built(meeting, None, "al voorbij"))
        else:
            made = assemble(session, meeting, now)
            out.append(Built(meeting, made or get_agenda(session, meeting), "samengesteld" if made else "bestond al"))
    return out


def events_by(session: Session, person_id: int) -> list[tuple[AgendaEvent, Meeting]]:
    """Every change a person made to an agenda (finalised, reopened with the reason), with its
    meeting, oldest first (their own-data download)."""
    return list(session.exec(
        select(AgendaEvent, Meeting).join(Agenda, col(Agenda.id) == AgendaEvent.agenda_id)
        .join(Meeting, col(Meeting.id) == Agenda.meeting_id)
        .where(AgendaEvent.user_id == person_id).order_by(col(AgendaEvent.at), col(AgendaEvent.id))
    ))
