"""The bronnen-inbox's rules: sources, polling them into entries (each entry once, however
often it is fetched, and never again once rejected or removed from the feed), and turning an
entry into a concept item, or not.

Polling is safe in several processes: a process claims a due source with one conditional
UPDATE of its next poll moment, so only one fetches it; entries are inserted with the
database's unique (source, key), so a race makes no double."""

import hashlib
import logging
import re
from calendar import timegm
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from html import unescape
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import nh3
from sqlalchemy import and_, case, func, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from app.accounts.models import User
from app.config import LOCAL_TZ, Settings, get_settings
from app.dates import nl_date
from app.db import utcnow
from app.errors import InputError, NotFound
from app.inbox import fetch
from app.inbox.models import (
    Entry,
    EntryStatus,
    EntryStep,
    Source,
    SourceIn,
    SourceKind,
    SourceState,
)
from app.privacy import BSN_MESSAGE, find_bsn
from app.textinput import blank_if_invisible, visible
from app.wiki import service as wiki_service
from app.wiki.models import TO_FILL_DOSSIER, TO_FILL_SUMMARY, Item, ItemIn, ItemStatus, Theme

log = logging.getLogger("kennisbank.inbox")
CLAIM = timedelta(minutes=5)  # a claimed source is not polled by another process meanwhile
MIN_INTERVAL = timedelta(minutes=15)
CHANGED = "gewijzigd"  # the inbox's filter for adopted entries whose origin changed


class InboxError(InputError):
    """Input about sources and entries that is refused."""


class PollFailed(Exception):
    """A source could not be read; the message says why, in Dutch."""


# --- sources ---------------------------------------------------------------------------------


def list_sources(session: Session) -> list[Source]:
    return list(session.exec(select(Source).order_by(col(Source.name), col(Source.id))))


def get_source(session: Session, source_id: int) -> Source:
    source = session.get(Source, source_id)
    if source is None:
        raise NotFound("source", "Deze bron bestaat niet.")
    return source


PRIVATE_HOST = fetch.PRIVATE_HOST


def add_source(session: Session, data: SourceIn) -> Source:
    theme = wiki_service.get_theme(session, data.theme) if data.theme else None
    if data.theme and theme is None:
        raise InboxError("theme", f"Het thema '{data.theme}' bestaat niet.")
    if session.exec(select(Source).where(func.lower(Source.url) == data.url.lower())).first() is not None:
        raise InboxError("url", "Deze bron staat er al.")
    if not get_settings().inbox_private_hosts and not fetch.public_host(data.url):
        raise InboxError("url", PRIVATE_HOST)
    source = Source(name=data.name, url=data.url, theme_id=theme.id if theme else None, audience=data.audience,
                    next_poll_at=utcnow())
    session.add(source)
    session.flush()
    return source


def set_paused(session: Session, source: Source, paused: bool) -> Source:
    if source.state == SourceState.gone and not paused:
        source.failures, source.error, source.error_since = 0, "", None  # try again, on request
    source.state = SourceState.paused if paused else SourceState.active
    source.next_poll_at = utcnow()
    session.add(source)
    session.flush()
    return source


def remove_source(session: Session, source: Source) -> None:
    """The source and the entries no one acted on; entries that became items keep their item."""
    if source.kind == SourceKind.imap and source.state != SourceState.gone:
        raise InboxError("source", "De gedeelde mailbox staat in de instellingen (KENNISBANK_IMAP_HOST): "
                                   "de beheerder van de server haalt hem daar weg. Pauzeren kan hier wel.")
    for entry in session.exec(select(Entry).where(Entry.source_id == source.id)):
        for step in session.exec(select(EntryStep).where(EntryStep.entry_id == entry.id)):
            session.delete(step)
        session.delete(entry)
    session.flush()
    session.delete(source)
    session.flush()


def status_text(source: Source) -> str:
    """What people read about a source: "laatst opgehaald …", "fout sinds …: …"."""
    if source.state == SourceState.gone:
        return f"Gestopt: {source.error}" if source.error else "Gestopt: de bron bestaat niet meer."
    if source.state == SourceState.paused:
        return "Gepauzeerd."
    if source.kind == SourceKind.mail:
        return f"Laatste nieuwsbrief ontvangen op {nl_date(source.last_ok_at)}." if source.last_ok_at else "Nog geen nieuwsbrief."
    if source.error and source.error_since:
        return f"Fout sinds {nl_date(source.error_since)}: {source.error}"
    if source.last_ok_at:
        text = f"Laatst opgehaald op {nl_date(source.last_ok_at)}, {source.last_ok_at.astimezone(LOCAL_TZ):%H:%M} uur"
        return text + (" (de feed is niet helemaal correct opgemaakt, maar is gelezen)." if source.malformed else ".")
    return "Nog niet opgehaald."


def entry_counts(session: Session) -> dict[int, int]:
    rows = session.exec(select(Entry.source_id, func.count()).group_by(Entry.source_id))
    return {source_id: n for source_id, n in rows}


# --- polling ---------------------------------------------------------------------------------


def claim_due(session: Session, now: datetime, limit: int = 10) -> list[int]:
    """The ids of active sources due for a poll that this process now holds (others skip
    them until CLAIM has passed)."""
    due = session.exec(select(Source.id, Source.next_poll_at).where(
        col(Source.kind).in_([SourceKind.feed, SourceKind.imap]), Source.state == SourceState.active,
        col(Source.next_poll_at) <= now).limit(limit)).all()
    taken = []
    for source_id, moment in due:
        result = session.execute(update(Source).where(col(Source.id) == source_id, col(Source.next_poll_at) == moment)
                                 .values(next_poll_at=now + CLAIM).execution_options(synchronize_session=False))
        if result.rowcount == 1:  # type: ignore[attr-defined]
            taken.append(source_id)
    return taken


def plain(html: str, limit: int) -> str:
    # nh3 gives escaped text: unescaped once it is plain text (the templates escape it again).
    text = unescape(nh3.clean(html or "", tags=set())).replace("\xa0", " ")
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


TRACKING = re.compile(r"^(utm_|mc_|fbclid$|gclid$|_hs|mkt_tok$)")


def clean_link(url: str) -> str:
    """A link without tracking parameters (utm_…, mc_…, fbclid, …)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING.match(k)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def _web_link(url: str) -> str:
    """The entry's link when it is a web address (not javascript:, data:, …), cleaned."""
    url = (url or "").strip()
    return clean_link(url)[:1000] if url.lower().startswith(("http://", "https://")) else ""


def _key(entry) -> str:  # type: ignore[no-untyped-def]
    if entry.get("id"):
        return f"id:{entry['id']}"[:300]
    if entry.get("link"):
        return f"link:{clean_link(entry['link'])}"[:300]
    digest = hashlib.sha256(f"{entry.get('title', '')}\n{entry.get('summary', '')}".encode()).hexdigest()
    return f"hash:{digest}"


def _when(entry) -> datetime | None:  # type: ignore[no-untyped-def]
    """When the entry was published (else last updated), by the feed."""
    return _moment(entry, "published_parsed", "updated_parsed")


def _updated(entry) -> datetime | None:  # type: ignore[no-untyped-def]
    """When the feed says the entry last changed (Atom's updated)."""
    return _moment(entry, "updated_parsed")


def _moment(entry, *keys: str) -> datetime | None:  # type: ignore[no-untyped-def]
    """The first of these parsed times the entry has, in UTC."""
    parsed = next((entry.get(k) for k in keys if entry.get(k)), None)
    if not parsed:
        return None
    try:
        return datetime.fromtimestamp(timegm(parsed), UTC)
    except (OverflowError, ValueError):
        return None


def _text(value: object, limit: int) -> str:
    """A plain-text field of a shared item: no markup, at most `limit` characters."""
    text = blank_if_invisible(unescape(nh3.clean(str(value or ""), tags=set())).strip())
    return text[:limit]


def _shared(entry, organisation: str) -> dict | None:  # type: ignore[no-untyped-def]
    """The item's own fields, where the entry comes from another Wiki-bibliotheek's shared
    feed (its kb: elements); else None."""
    if not (entry.get("kb_dossier") or entry.get("kb_body")):
        return None
    bron = entry.get("kb_bron") if isinstance(entry.get("kb_bron"), dict) else {}
    url = _text(bron.get("href"), 500)
    tags = entry.get("tags") or []
    return {
        "organisation": _text(organisation, 200), "summary": _text(entry.get("kb_summary"), 300),
        "dossier_meaning": _text(entry.get("kb_dossier"), 5_000), "body": _text(entry.get("kb_body"), 100_000),
        "source_name": _text(bron.get("naam"), 200), "source_url": url if url.startswith(("http://", "https://")) else "",
        "theme": _text(tags[0].get("term") if tags else "", 80),
    }


def store(session: Session, source: Source, entries: list, now: datetime, organisation: str = "") -> int:
    """New entries in; returns how many. An entry already here that the feed says changed
    (a later Atom `updated`) is refreshed while no one acted on it, and marked as changed
    when a concept item was made of it: the origin has a new version."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    new = 0
    for entry in entries:
        title = plain(entry.get("title", ""), 300)
        title = title if visible(title) else "(zonder titel)"  # zero-width characters are no title
        excerpt = blank_if_invisible(plain(entry.get("summary", "") or entry.get("description", ""), 1000))
        if find_bsn(title) or find_bsn(excerpt):
            continue  # no client data in the kennisbank, not even from a feed
        key, updated = _key(entry), _updated(entry)
        values = {"source_id": source.id, "key": key, "title": title,
                  "link": _web_link(entry.get("link", "")), "excerpt": excerpt,
                  "published_at": _when(entry), "fetched_at": now, "status": EntryStatus.new,
                  "updated_at": updated, "shared": _shared(entry, organisation)}
        statement = insert(Entry).values(**values).on_conflict_do_nothing(index_elements=["source_id", "key"])
        if session.execute(statement.returning(Entry.id)).all():
            new += 1
        elif updated is not None:
            _changed(session, source.id, key, updated, title, excerpt, values["shared"])  # type: ignore[arg-type]
    return new


def _changed(session: Session, source_id: int, key: str, updated: datetime, title: str, excerpt: str,
             shared: dict | None) -> None:
    here = (col(Entry.source_id) == source_id, col(Entry.key) == key)
    newer = or_(col(Entry.updated_at).is_(None), col(Entry.updated_at) < updated)
    # Once known, the first date is the baseline: an entry stored before dates were kept is
    # not "changed" at its first date.
    changed = and_(col(Entry.updated_at).is_not(None), col(Entry.updated_at) < updated)
    session.execute(update(Entry).where(*here, newer, col(Entry.status).in_((EntryStatus.new, EntryStatus.later)))
                    .values(updated_at=updated, title=title, excerpt=excerpt, shared=shared)
                    .execution_options(synchronize_session=False))
    session.execute(update(Entry).where(*here, newer, col(Entry.status) == EntryStatus.drafted)
                    .values(updated_at=updated,
                            origin_changed_at=case((changed, updated), else_=Entry.origin_changed_at))
                    .execution_options(synchronize_session=False))
    session.execute(update(Entry).where(*here, newer, col(Entry.status) == EntryStatus.rejected)
                    .values(updated_at=updated).execution_options(synchronize_session=False))


def origin_seen(session: Session, entry: Entry) -> Entry:
    """Kwaliteit looked at the origin's new version (and changed the item, or not)."""
    entry.origin_changed_at = None
    session.add(entry)
    session.flush()
    return entry


def poll(session: Session, source: Source, now: datetime | None = None,
         transport: httpx.BaseTransport | None = None, settings: Settings | None = None) -> int:
    """Fetch one source and store its new entries; returns how many are new. The source's
    status, validators and next poll moment are updated whatever happened."""
    if source.kind == SourceKind.mail:
        raise InboxError("source", "Deze nieuwsbrief komt per mail: upload de mail (.eml) in de inbox, "
                                   "of laat de dienst de gedeelde mailbox lezen.")
    now = now or utcnow()
    settings = settings or get_settings()
    source.last_polled_at = now
    if source.kind == SourceKind.imap:
        from app.inbox import mail  # it builds on this module

        try:
            new = mail.read_mailbox(session, source, settings, now)
        except PollFailed as exc:
            return _failed(session, source, now, str(exc))
        return _succeeded(session, source, now, new)
    got = fetch.fetch(source.url, source.etag, source.last_modified, now, transport,
                      allow_private=settings.inbox_private_hosts)
    if got.new_url:
        source.url = got.new_url[:500]  # moved permanently: from now on the new address
    if got.status in (200, 304) and not got.error:
        new = 0
        if got.status == 200:
            feed = getattr(got.feed, "feed", None) or {}
            new = store(session, source, got.entries, now, organisation=feed.get("author", "") if feed else "")
            source.etag, source.last_modified = got.etag[:300], got.last_modified[:100]
            source.malformed = got.malformed
        return _succeeded(session, source, now, new, got.max_age)
    if got.status == 410:
        source.state, source.error = SourceState.gone, "De bron bestaat niet meer (410 Gone); er wordt niet meer opgehaald."
        source.error_since = source.error_since or now
        source.next_poll_at = now + fetch.MAX_INTERVAL
        session.add(source)
        session.flush()
        return 0
    if got.status in (429, 503):
        error = f"De bron vraagt om later terug te komen ({got.status})."
    elif got.status:
        error = f"De bron antwoordde met een fout ({got.status})."
    else:
        error = got.error or "De bron was niet bereikbaar."
    return _failed(session, source, now, error, got.retry_after)


def _interval(source: Source) -> timedelta:
    return max(MIN_INTERVAL, timedelta(minutes=source.interval_minutes))


def _succeeded(session: Session, source: Source, now: datetime, new: int,
               max_age: timedelta | None = None) -> int:
    source.failures, source.error, source.error_since, source.last_ok_at = 0, "", None, now
    source.next_poll_at = now + max(_interval(source), max_age or timedelta(0))
    session.add(source)
    session.flush()
    if new:
        log.info("Bron %s: %s nieuwe berichten.", source.name, new)
    return new


def _failed(session: Session, source: Source, now: datetime, error: str,
            retry_after: timedelta | None = None) -> int:
    """Backs off: twice the interval after each failure in a row, up to fetch.MAX_INTERVAL, and
    never sooner than the source asked (Retry-After)."""
    source.failures += 1
    source.error, source.error_since = error[:500], source.error_since or now
    wait = min(fetch.MAX_INTERVAL, _interval(source) * (2 ** min(source.failures, 6)))
    if retry_after is not None:
        wait = max(wait, retry_after)
    source.next_poll_at = now + wait
    session.add(source)
    session.flush()
    return 0


# --- the inbox -------------------------------------------------------------------------------


def entries(session: Session, status: str | None = None, source_id: int | None = None,
            limit: int = 50, offset: int = 0) -> tuple[list[Entry], int]:
    query = select(Entry)
    if status == CHANGED:
        query = query.where(col(Entry.origin_changed_at).is_not(None))
    elif status:
        query = query.where(Entry.status == status)
    else:  # what asks for a decision: new, later, and adopted items whose origin changed
        query = query.where(or_(col(Entry.status).in_((EntryStatus.new, EntryStatus.later)),
                                col(Entry.origin_changed_at).is_not(None)))
    if source_id is not None:
        query = query.where(Entry.source_id == source_id)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    newest = func.coalesce(Entry.published_at, Entry.fetched_at)  # the feed's date, else when it came in
    rows = session.exec(query.order_by(newest.desc(), col(Entry.id).desc())
                        .offset(offset).limit(limit))
    return list(rows), total


def waiting_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Entry).where(
        or_(Entry.status == EntryStatus.new, col(Entry.origin_changed_at).is_not(None)))).one()


def get_entry(session: Session, entry_id: int) -> Entry:
    entry = session.get(Entry, entry_id)
    if entry is None:
        raise NotFound("entry", "Dit bericht bestaat niet (meer).")
    return entry


def decide(session: Session, entry: Entry, status: EntryStatus, reason: str = "") -> Entry:
    if entry.status == EntryStatus.drafted:
        raise InboxError("entry", "Van dit bericht is al een concept-item gemaakt.")
    reason = reason.strip()
    if find_bsn(reason):
        raise InboxError("reason", BSN_MESSAGE, kind="bsn")
    entry.status, entry.reason, entry.decided_at = status, reason[:300], utcnow()
    session.add(entry)
    session.flush()
    return entry


def proposed_theme(session: Session, entry: Entry, suggested: str | None, *,
                   themes: dict[str, Theme] | None = None, sources: dict[int, Source] | None = None) -> str | None:
    """The theme a concept item of this entry gets unless Kwaliteit chooses another: the
    shared item's own theme where this library has it, else the source's default theme, else
    the theme the search suggests (`suggested`). `themes` (by slug) and `sources` (by id): for
    a page that asks for many entries at once."""
    themes = themes if themes is not None else {t.slug: t for t in wiki_service.list_themes(session)}
    shared_theme = (entry.shared or {}).get("theme")
    if shared_theme in themes:
        return shared_theme
    source = sources.get(entry.source_id) if sources is not None else session.get(Source, entry.source_id)
    by_id = {t.id: t.slug for t in themes.values()}
    if source and source.theme_id in by_id:
        return by_id[source.theme_id]
    return suggested if suggested in themes else None


def make_draft(session: Session, entry: Entry, by: User, theme_slug: str | None, suggested: str | None = None) -> Item:
    """A concept item from the entry, without retyping: title, summary from the excerpt, the
    source's name and the article's link; Kwaliteit finishes it in the editor. An item shared
    by another Wiki-bibliotheek comes with all its fields and its origin (organisation, link,
    version). The theme: `theme_slug` when Kwaliteit chose one, else proposed_theme()."""
    if entry.status == EntryStatus.drafted and entry.item_id:
        raise InboxError("entry", "Van dit bericht is al een concept-item gemaakt.")
    source = session.get(Source, entry.source_id)
    slug = theme_slug or proposed_theme(session, entry, suggested)
    if slug is None:
        first = wiki_service.list_themes(session)
        if not first:
            raise InboxError("theme", "Maak eerst een thema.")
        slug = first[0].slug
    shared = entry.shared or {}
    excerpt = blank_if_invisible(shared.get("summary") or entry.excerpt)
    summary = excerpt[:297].rstrip() + "…" if len(excerpt) > 300 else (excerpt or TO_FILL_SUMMARY)
    link = entry.link if entry.link.startswith(("http://", "https://")) and len(entry.link) <= 500 else ""
    if shared:
        body = shared.get("body") or entry.excerpt
        if shared.get("source_name") or shared.get("source_url"):
            name = shared.get("source_name") or shared.get("source_url")
            body += f"\n\nBron bij het origineel: [{name}]({shared['source_url']})" if shared.get("source_url") else f"\n\nBron bij het origineel: {name}"
        origin_name = shared.get("organisation") or (source.name if source else "")
    else:
        body = entry.excerpt + (f"\n\nLees verder bij de bron: [{entry.title}]({entry.link})" if entry.link else "")
        origin_name = source.name if source else ""
    # The origin's version, in the item's history: the inbox compares later versions with it.
    version = entry.updated_at or entry.published_at
    note = "Concept uit de bronnen-inbox" + (f" ({origin_name[:80]})" if origin_name else "")
    note += f", versie van {nl_date(version)}" if version else ""
    data = ItemIn(
        title=entry.title[:200] if visible(entry.title[:200]) else "(zonder titel)", summary=summary, body=body,
        dossier_meaning=blank_if_invisible(shared.get("dossier_meaning", "")) or TO_FILL_DOSSIER, theme=slug,
        audience=(source.audience if source else "beide"), source_name=origin_name[:200],
        source_url=link, status="draft", note=note,
    )
    item = wiki_service.create_item(session, data, by)
    entry.status, entry.item_id, entry.decided_at = EntryStatus.drafted, item.id, utcnow()
    session.add(entry)
    session.flush()
    return item


# --- measured for the plan ---------------------------------------------------------------------


@dataclass(frozen=True)
class Month:
    month: date
    came_in: int
    adopted: int  # became a published item
    rejected: int
    median_days: float | None  # from coming in to the published item


def monthly(session: Session, today: date, months: int = 6) -> list[Month]:
    """Per month (of coming in), newest first: what came in, what became a published item,
    what was not relevant, and the median time from coming in to published: the plan's
    second problem (Kwaliteit's time for compiling new knowledge), made visible."""
    first = today.replace(day=1)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    begin = datetime.combine(first, datetime.min.time(), UTC)
    rows = session.exec(
        select(Entry.fetched_at, Entry.status, Item.status, Item.published_at)
        .join(Item, col(Item.id) == Entry.item_id, isouter=True)
        .where(col(Entry.fetched_at) >= begin)
    ).all()
    per: dict[date, list] = {}  # type: ignore[type-arg]
    for fetched, status, item_status, published in rows:
        key = fetched.astimezone(LOCAL_TZ).date().replace(day=1)
        per.setdefault(key, []).append((fetched, status, item_status, published))
    out = []
    month = first
    while month <= today:
        got = per.get(month, [])
        waits = sorted((p - f).total_seconds() / 86400 for f, _, s, p in got if s == ItemStatus.published and p)
        median = None
        if waits:
            mid = len(waits) // 2
            median = waits[mid] if len(waits) % 2 else (waits[mid - 1] + waits[mid]) / 2
        out.append(Month(month, len(got), sum(1 for _, _, s, p in got if s == ItemStatus.published and p),
                         sum(1 for _, st, _, _ in got if st == EntryStatus.rejected), median))
        month = (month + timedelta(days=32)).replace(day=1)
    return list(reversed(out))
