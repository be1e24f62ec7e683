"""A werkoverleg that fits its hour: each point's own discussion question, an estimate of its
minutes, and which points are discussed ("Bespreken") and which only mentioned ("Ter
kennisname") so that the discussion fits the meeting's length.

The plan asks for knowledge transfer that is "behapbaar": a few points discussed properly beat
sixteen read out. Kwaliteit can advise per item (always discuss, or for information); the
contactpersoon changes any of it while preparing.
"""

from dataclasses import dataclass

from app.meetings.models import EntryKind, MeetingKind
from app.wiki.models import AgendaAdvice, Item

BESPREKEN, TER_KENNISNAME = "bespreken", "ter-kennisname"
SECTION_LABELS = {BESPREKEN: "Bespreken", TER_KENNISNAME: "Ter kennisname"}
# Opening, what was agreed last time, and the rondvraag: not available for the points.
FIXED_MINUTES = 15
MIN_MINUTES, MAX_MINUTES = 1, 120


def item_prompt(item: Item, kind: str) -> str:
    """The item's own question, or one made from its title: never one text for all."""
    if item.discussion_question.strip():
        return item.discussion_question.strip()
    if kind == MeetingKind.vakoverleg:
        return (f"Hoe brengt u „{item.title}” in uw eigen werkoverleg, en welke vragen "
                "verwacht u van uw team?")
    # Three ways of asking, by item, so that consecutive points do not read alike.
    patterns = (
        "Bij welke inwoner in uw caseload speelt „{t}”? Wat doet u vanaf nu anders in het dossier?",
        "Wat betekent „{t}” voor een dossier dat u nu heeft lopen?",
        "Kwam u „{t}” al tegen in uw werk? Wat deed u toen, en wat zou u nu doen?",
    )
    return patterns[(item.id or 0) % len(patterns)].format(t=item.title)


def review_prompt(item: Item) -> str:
    return f"Klopt „{item.title}” nog? Wie controleert het, en vóór wanneer?"


def gap_prompt(query: str) -> str:
    return f"Wat zocht men met „{query}”? Is er een item nodig, of een synoniem?"


def question_prompt(title: str, kind: str) -> str:
    if kind == MeetingKind.vakoverleg:
        return f"Komt de vraag „{title}” ook in andere teams voor? Moet er een item over komen?"
    return f"Wat neemt u van de vraag „{title}” mee voor uw eigen dossiers?"


def estimate(kind: str, item: Item | None = None) -> int:
    """Minutes a point takes: an item by its length (reading the summary, then discussing),
    longer when Kwaliteit advises to discuss it; other points a fixed time."""
    if kind == EntryKind.item and item is not None:
        if item.agenda_advice == AgendaAdvice.ter_kennisname:
            return 2
        words = len(item.body.split())
        minutes = 5 + min(5, words // 250)
        return max(minutes, 10) if item.agenda_advice == AgendaAdvice.bespreken else minutes
    return {EntryKind.question: 5, EntryKind.review: 3, EntryKind.search_gap: 3,
            EntryKind.goals: 10, EntryKind.point: 5}.get(kind, 5)  # type: ignore[call-overload]


def available(duration_minutes: int) -> int:
    """Minutes for the points of a meeting of this length."""
    return max(0, duration_minutes - FIXED_MINUTES)


@dataclass
class Candidate:
    index: int  # position in the assembled order
    kind: str
    minutes: int
    advice: str = ""
    audience_match: bool = False  # written for exactly the team's audience (not "beide")


def _priority(c: Candidate) -> tuple[int, int]:
    """Discussed first: what Kwaliteit says must be discussed, questions from the team, items
    for exactly the team's audience, other items, then the vakoverleg's other points."""
    if c.advice == AgendaAdvice.bespreken:
        rank = 0
    elif c.kind == EntryKind.question:
        rank = 1
    elif c.kind == EntryKind.item:
        rank = 2 if c.audience_match else 3
    elif c.kind == EntryKind.goals:
        rank = 2
    else:
        rank = 4
    return rank, c.index


def sections(candidates: list[Candidate], budget: int) -> dict[int, str]:
    """index -> section: in order of priority, what still fits the budget is discussed; an
    item Kwaliteit marked "ter kennisname" never is."""
    left = budget
    out: dict[int, str] = {}
    for c in sorted(candidates, key=_priority):
        if c.advice == AgendaAdvice.ter_kennisname:
            out[c.index] = TER_KENNISNAME
        elif c.minutes <= left:
            out[c.index] = BESPREKEN
            left -= c.minutes
        else:
            out[c.index] = TER_KENNISNAME
    return out
