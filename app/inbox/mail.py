"""Newsletters by mail: a saved mail (.eml) uploaded by Kwaliteit, or the shared mailbox the
service reads over IMAP (settings KENNISBANK_IMAP_*). One mail becomes one entry per article it
links to, or one entry for the mail where it links to none; each under a source per sender.

The mailbox is read, never changed: messages are fetched with BODY.PEEK (they stay unread for
the people who share the mailbox) and the service remembers the last UID it read, with the
folder's UIDVALIDITY, in the mailbox's source row. The mailbox is a source of its own (kind
imap) so that its polling is claimed, backed off and reported as a feed's is."""

import email.utils
import hashlib
import imaplib
import logging
import re
import ssl
from datetime import UTC, datetime, timedelta
from email import policy as email_policy
from email.parser import BytesParser
from html.parser import HTMLParser

from sqlmodel import Session, col, select

from app.config import Settings
from app.db import utcnow
from app.inbox import service
from app.inbox.models import Source, SourceKind, SourceState
from app.textinput import whole_number

MAX_MAIL_BYTES = 5_000_000
PER_POLL = 50  # mails read per poll; the rest follow at the next
FIRST_DAYS = 30  # a mailbox read for the first time: the mails of this many days
TIMEOUT = 30.0

SKIP_LINK = re.compile(r"(afmeld|unsubscribe|uitschrijv|webversie|in je browser|in uw browser|view in browser|"
                       r"facebook\.com|twitter\.com|x\.com/|linkedin\.com/(company|shareArticle)|instagram\.com|"
                       r"youtube\.com|mailto:|privacy|voorkeuren)", re.I)

log = logging.getLogger(__name__)


class _Links(HTMLParser):
    """The article links of a newsletter: anchors with a real text, not the footer's."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:  # type: ignore[no-untyped-def]
        if tag == "a":
            self._href, self._text = dict(attrs).get("href"), []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            text = re.sub(r"\s+", " ", "".join(self._text)).strip()
            self.links.append((self._href, text))
            self._href = None


def _sender_source(session: Session, sender: str, address: str) -> Source:
    url = f"mailto:{address}"[:500]
    found = session.exec(select(Source).where(Source.kind == SourceKind.mail, Source.url == url)).first()
    if found is not None:
        return found
    name = sender or address
    source = Source(kind=SourceKind.mail, name=(name if "nieuwsbrief" in name.lower() else f"Nieuwsbrief {name}")[:120],
                    url=url, state=SourceState.active)
    session.add(source)
    session.flush()
    return source


def _plausible(when: datetime | None) -> datetime | None:
    """A mail's Date header within 2000-2100 (the service's date range), else unknown: a date
    such as 31 Dec 9999 -1200 cannot even be converted to UTC."""
    if when is None:
        return None
    try:
        moment = when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
    except (OverflowError, ValueError):
        return None
    return moment if 2000 <= moment.year < 2100 else None


def import_newsletter(session: Session, raw: bytes, now: datetime | None = None) -> tuple[Source, int]:
    """A newsletter (.eml or a mail from the mailbox): one entry per article it links to, or
    one for the mail where it links to none; links without tracking parameters. Returns its
    source and how many entries are new (the same mail twice adds nothing)."""
    now = now or utcnow()
    try:
        message = BytesParser(policy=email_policy.default).parsebytes(raw)
        subject = str(message.get("subject") or "").strip()
        sender_name, address = email.utils.parseaddr(str(message.get("from") or ""))
    except Exception as exc:  # noqa: BLE001 - any unreadable mail is the same refusal
        raise service.InboxError("file", "Dit bestand is geen leesbare e-mail (.eml).") from exc
    if not address and not subject:
        raise service.InboxError("file", "Dit bestand is geen e-mail: er staat geen afzender of onderwerp in.")
    source = _sender_source(session, sender_name, address or "onbekend")
    try:
        html_part = message.get_body(preferencelist=("html",))
        text_part = message.get_body(preferencelist=("plain",))
        html = html_part.get_content() if html_part is not None else ""
        text = text_part.get_content() if text_part is not None else service.plain(html, 5000)
        sent = message.get("date")
        when = sent.datetime if sent is not None and getattr(sent, "datetime", None) else None
    except Exception as exc:  # noqa: BLE001 - an unknown charset, a broken part
        raise service.InboxError("file", "De inhoud van deze e-mail is niet te lezen.") from exc
    when = _plausible(when)
    parser = _Links()
    parser.feed(html or "")
    seen: set[str] = set()
    entries = []
    for href, label in parser.links:
        if not href or not href.lower().startswith(("http://", "https://")) or SKIP_LINK.search(href + " " + label):
            continue
        link = service.clean_link(href)
        if link in seen or len(label) < 12:
            continue
        seen.add(link)
        entries.append({"id": f"mail-link:{link}", "title": label, "link": link,
                        "summary": f"Uit de nieuwsbrief ‘{subject}’." if subject else "Uit een nieuwsbrief.",
                        "published_parsed": when.utctimetuple() if when else None})
    if not entries:
        key = str(message.get("message-id") or "") or hashlib.sha256(raw).hexdigest()
        entries.append({"id": f"mail:{key}", "title": subject or "(nieuwsbrief zonder onderwerp)", "link": "",
                        "summary": text, "published_parsed": when.utctimetuple() if when else None})
    new = service.store(session, source, entries, now)
    source.last_ok_at, source.last_polled_at = now, now
    session.add(source)
    session.flush()
    return source, new


# --- the shared mailbox --------------------------------------------------------------------------


def mailbox_url(settings: Settings) -> str:
    return f"imap://{settings.imap_username}@{settings.imap_host}:{settings.imap_port}/{settings.imap_folder}"[:500]


def ensure_mailbox(session: Session, settings: Settings) -> Source | None:
    """The mailbox of the settings as a source (made the first time); a mailbox no longer in
    the settings stops, and says so. None when no mailbox is set."""
    url = mailbox_url(settings) if settings.imap_host else None
    current = None
    for source in session.exec(select(Source).where(Source.kind == SourceKind.imap).order_by(col(Source.id))):
        if source.url == url and current is not None:
            session.delete(source)  # two processes that started at once both made it: one stays
        elif source.url == url:
            current = source
            if source.state == SourceState.gone:  # back in the settings: read it again
                source.state, source.error, source.error_since, source.failures = SourceState.active, "", None, 0
                source.next_poll_at = utcnow()
                session.add(source)
        elif source.state != SourceState.gone:
            source.state, source.error = SourceState.gone, "Deze mailbox staat niet meer in de instellingen."
            source.error_since = utcnow()
            session.add(source)
    if url and current is None:
        current = Source(kind=SourceKind.imap, name=f"Gedeelde mailbox {settings.imap_username}"[:120], url=url,
                         interval_minutes=settings.imap_interval_minutes, next_poll_at=utcnow())
        session.add(current)
    session.flush()
    return current


def _connect(settings: Settings) -> imaplib.IMAP4:
    if settings.imap_security == "ssl":
        return imaplib.IMAP4_SSL(settings.imap_host, settings.imap_port, ssl_context=ssl.create_default_context(),
                                 timeout=TIMEOUT)
    client = imaplib.IMAP4(settings.imap_host, settings.imap_port, timeout=TIMEOUT)
    if settings.imap_security == "starttls":
        client.starttls(ssl.create_default_context())
    return client


def _state(source: Source) -> tuple[str, int]:
    validity, _, last = source.etag.partition(":")
    return validity, whole_number(last, 20) or 0


def read_mailbox(session: Session, source: Source, settings: Settings, now: datetime) -> int:
    """Read the mails that came in since the last poll; returns the new entries. Raises
    service.PollFailed with a Dutch reason when the mailbox cannot be read."""
    new = 0
    try:
        client = _connect(settings)
    except (OSError, imaplib.IMAP4.error) as exc:
        raise service.PollFailed(f"De mailserver was niet bereikbaar ({type(exc).__name__}).") from exc
    try:
        try:
            client.login(settings.imap_username, settings.imap_password)
        except imaplib.IMAP4.error as exc:
            raise service.PollFailed("Inloggen bij de mailbox is mislukt: controleer gebruikersnaam en wachtwoord.") from exc
        status, _ = client.select(_quoted(settings.imap_folder), readonly=True)
        if status != "OK":
            raise service.PollFailed(f"De map ‘{settings.imap_folder}’ bestaat niet in de mailbox.")
        validity = (client.response("UIDVALIDITY")[1] or [b""])[0]
        validity = validity.decode() if isinstance(validity, bytes) else str(validity or "")
        stored_validity, last = _state(source)
        if stored_validity != validity:
            last = 0  # a new or rebuilt folder: its UIDs start again (entries dedupe)
        if last:
            status, data = client.uid("search", None, f"UID {last + 1}:*")
        else:
            since = (now - timedelta(days=FIRST_DAYS)).strftime("%d-%b-%Y")
            status, data = client.uid("search", None, f"SINCE {since}")
        uids = sorted(int(u) for u in (data[0] or b"").split() if int(u) > last) if status == "OK" else []
        for uid in uids[:PER_POLL]:
            status, data = client.uid("fetch", str(uid), "(RFC822.SIZE)")
            size = _size(data)
            if size is not None and size <= MAX_MAIL_BYTES:
                status, data = client.uid("fetch", str(uid), "(BODY.PEEK[])")
                raw = next((part[1] for part in data if isinstance(part, tuple)), b"")
                if raw:
                    try:
                        with session.begin_nested():
                            new += import_newsletter(session, raw, now)[1]
                    except service.InboxError:
                        pass  # not a readable mail: skipped, as a person would
                    except Exception:  # noqa: BLE001 - one sender's mail never stops the mailbox
                        log.exception("Mail %s in de mailbox overgeslagen", uid)
            source.etag = f"{validity}:{uid}"
        return new
    except (OSError, imaplib.IMAP4.error) as exc:
        raise service.PollFailed(f"Het lezen van de mailbox is afgebroken ({type(exc).__name__}).") from exc
    finally:
        try:
            client.logout()
        except Exception:  # noqa: BLE001,S110 - the connection may be gone already
            pass


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _size(data) -> int | None:  # type: ignore[no-untyped-def]
    for part in data or []:
        text = part.decode() if isinstance(part, bytes) else str(part)
        found = re.search(r"RFC822\.SIZE (\d+)", text)
        if found:
            return int(found.group(1))
    return None
