"""The library as it stood at a moment, read from the items and their revisions: how many items
were published, which themes held them, what came in new, and which review dates fell due and
whether someone checked or updated the item in time. The goals (app/goals/library.py) judge
the plan's "gebouwd, ingericht en geactualiseerd" with these; a snapshot of a past day sees
only what existed on that day.

Every check and every edit is a revision that carries the item's review date at that moment
(app/wiki/service.py), so the revisions alone tell when a review date was set and whether
something happened around it.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from app.config import LOCAL_TZ
from app.wiki.models import Item, ItemCheck, ItemStatus, Revision, Theme

# A review counts as done in time from this many days before its date (the review list shows
# items that early) up to `grace` days after it.
EARLY_DAYS = 30


def published_at(moment: datetime):  # type: ignore[no-untyped-def]
    """Items that were published at `moment`: published then and not archived before it."""
    return and_(
        col(Item.published_at).is_not(None), col(Item.published_at) < moment,
        or_(Item.status == ItemStatus.published,
            and_(Item.status == ItemStatus.archived, col(Item.archived_at) >= moment)),
    )


@dataclass(frozen=True)
class Stock:
    published: int
    themes: int
    themes_filled: int
    built_on: date | None  # the day the library first held `min_items` items
    new_since_built: int  # items first published after that day, up to the moment


def stock(session: Session, moment: datetime, min_items: int) -> Stock:
    published = session.exec(select(func.count()).select_from(Item).where(published_at(moment))).one()
    themes = session.exec(select(func.count()).select_from(Theme)).one()
    filled = session.exec(
        select(func.count(func.distinct(Item.theme_id))).where(published_at(moment))).one()
    built_on = None
    new = 0
    if published >= min_items > 0:
        nth = session.exec(
            select(Item.published_at).where(published_at(moment))
            .order_by(col(Item.published_at)).offset(min_items - 1).limit(1)).first()
        if nth is not None:
            built_on = nth.astimezone(LOCAL_TZ).date()
            after = datetime.combine(built_on + timedelta(days=1), datetime.min.time(), LOCAL_TZ)
            new = session.exec(select(func.count()).select_from(Item).where(
                published_at(moment), col(Item.published_at) >= after)).one()
    return Stock(published, themes, filled, built_on, new)


@dataclass(frozen=True)
class Review:
    item_id: int
    due: date
    done: bool | None  # True: checked or updated in time; False: not; None: still open


def reviews(session: Session, start: date, moment: datetime, grace: int) -> list[Review]:
    """The review dates that fell due from `start` up to the moment, on items that were
    published when the date was set and not archived long before it. Done in time: a later
    revision (a check, an edit, archiving) from EARLY_DAYS before the date to `grace` days
    after it. Open: not done yet, and the grace has not passed."""
    today = moment.astimezone(LOCAL_TZ).date()
    scheduled = (select(Revision.item_id).where(
        col(Revision.review_date) >= start, col(Revision.review_date) <= today,
        col(Revision.created_at) < moment)).distinct()
    rows = session.exec(
        select(Revision.item_id, Revision.created_at, Revision.review_date, Revision.status)
        .where(col(Revision.item_id).in_(scheduled), col(Revision.created_at) < moment)
        .order_by(col(Revision.item_id), col(Revision.created_at), col(Revision.number))
    ).all()
    by_item: dict[int, list] = {}  # type: ignore[type-arg]
    for row in rows:
        by_item.setdefault(row[0], []).append(row)
    out = []
    for item_id, revs in by_item.items():
        seen: set[date] = set()
        for k, (_, _set, due, status) in enumerate(revs):
            if due is None or due in seen or not (start <= due <= today) or status != ItemStatus.published:
                continue
            seen.add(due)
            window_from = due - timedelta(days=EARLY_DAYS)
            later = revs[k + 1:]
            dropped = any(  # rescheduled or archived well before the date: nothing fell due
                r[1].astimezone(LOCAL_TZ).date() < window_from and (r[2] != due or r[3] != ItemStatus.published)
                for r in later)
            if dropped:
                continue
            done = any(window_from <= r[1].astimezone(LOCAL_TZ).date() <= due + timedelta(days=grace)
                       for r in later)
            out.append(Review(item_id, due, True if done else (None if today <= due + timedelta(days=grace) else False)))
    return out


def written_by(session: Session, person_id: int) -> list[tuple[Revision, Item]]:
    """Every version a person saved, with its item, oldest first (their own-data download)."""
    return list(session.exec(
        select(Revision, Item).join(Item, col(Item.id) == Revision.item_id)
        .where(Revision.author_id == person_id).order_by(col(Revision.created_at), col(Revision.id))
    ))


def checked_by(session: Session, person_id: int) -> list[tuple[ItemCheck, Item]]:
    """Every "still correct" a person recorded, with its item, oldest first."""
    return list(session.exec(
        select(ItemCheck, Item).join(Item, col(Item.id) == ItemCheck.item_id)
        .where(ItemCheck.checked_by_id == person_id).order_by(col(ItemCheck.checked_at), col(ItemCheck.id))
    ))
