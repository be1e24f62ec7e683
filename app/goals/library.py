"""The plan's library goal, "De Wiki-bibliotheek is gebouwd, ingericht en na een half jaar
geactualiseerd", as four parts a person can check (measure `library_built_current`):

- gebouwd: the library holds at least `min_items` published items;
- ingericht: every theme holds at least one;
- nieuwe kennis: after the day it was built, at least `min_new` items were added;
- op tijd gecontroleerd: of the review dates that fell due in the period, at least
  `review_share` were checked or updated in time (app/wiki/history.py says what in time is).

The value is the share of parts met (target 1: all four). Everything is counted as it stood at
the moment computed, so a snapshot of a past day never sees items published later. Before the
deadline a part that can still be met counts as on pace, except building and filling the
themes after the first `build_days` days. "Op tijd gecontroleerd" is judged at the deadline,
over the whole half year (before it, more review dates can fall due; it is on pace while the
share so far is enough); when no review date fell due, there was nothing to be late with.
So the goal as a whole is met at the deadline at the earliest.
"""

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from app.dates import nl_date
from app.wiki import history


@dataclass(frozen=True)
class Part:
    key: str
    label: str
    met: bool
    on_pace: bool
    detail: str


@dataclass(frozen=True)
class Library:
    parts: list[Part]

    @property
    def value(self) -> float:
        return sum(p.met for p in self.parts) / len(self.parts)

    @property
    def on_pace(self) -> float:
        return sum(p.met or p.on_pace for p in self.parts) / len(self.parts)


def _count(n: int, one: str, more: str) -> str:
    return f"{n} {one if n == 1 else more}"


def judge(session: Session, params: dict, start: date, deadline: date, today: date, moment: datetime) -> Library:
    min_items = max(1, int(params.get("min_items", 40)))
    min_new = max(1, int(params.get("min_new", 1)))
    share = float(params.get("review_share", 0.9))
    grace = max(0, int(params.get("grace_days", 14)))
    build_days = max(0, int(params.get("build_days", 30)))
    due = today >= deadline
    building = (today - start).days <= build_days and not due
    stock = history.stock(session, moment, min_items)
    built = stock.published >= min_items
    filled = stock.themes > 0 and stock.themes_filled == stock.themes
    new = stock.new_since_built >= min_new
    reviews = history.reviews(session, start, moment, grace)
    judged = [r for r in reviews if r.done is not None]
    in_time = sum(1 for r in judged if r.done)
    so_far = not judged or in_time / len(judged) >= share
    if judged:
        review_detail = (f"{in_time} van {len(judged)} op tijd gecontroleerd of bijgewerkt "
                         f"(nodig: {share * 100:.0f}%)")
    else:
        review_detail = "geen controledatum viel in deze periode" if due else "nog geen controledatum verstreken"
    open_reviews = len(reviews) - len(judged)
    if open_reviews:
        review_detail += f"; {_count(open_reviews, 'controle loopt', 'controles lopen')} nog"
    if not due:
        review_detail += f"; beoordeeld op {nl_date(deadline)}"
    parts = [
        Part("gebouwd", "Gebouwd", built, building,
             f"{_count(stock.published, 'item', 'items')} gepubliceerd (nodig: {min_items})"),
        Part("ingericht", "Ingericht", filled, building,
             f"{stock.themes_filled} van {stock.themes} thema's hebben items"),
        Part("nieuw", "Nieuwe kennis", new, not due,
             (f"{_count(stock.new_since_built, 'item', 'items')} toegevoegd sinds de bibliotheek op "
              f"{nl_date(stock.built_on)} gevuld was (nodig: {min_new})") if stock.built_on
             else "telt vanaf de dag dat de bibliotheek gevuld is"),
        # Judged over the whole half year: more review dates can still fall due.
        Part("gecontroleerd", "Op tijd gecontroleerd", due and so_far, not due and so_far, review_detail),
    ]
    return Library(parts)
