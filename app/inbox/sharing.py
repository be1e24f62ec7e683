"""Sharing between municipalities: the published items Kwaliteit marked "deelbaar" as an Atom
1.0 feed (/feeds/items.atom), readable with a feed key that Kwaliteit creates and revokes.
Only the item's content is in it: never people, questions or usage. Another Wiki-bibliotheek
subscribes to it as a source in its bronnen-inbox; an item adopted from it keeps the link to
its origin (source name and link)."""

import hashlib
import secrets
from datetime import UTC, datetime
from xml.sax.saxutils import escape, quoteattr

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.db import utcnow
from app.errors import Forbidden, NotFound
from app.inbox.models import FeedToken
from app.inbox.service import InboxError
from app.textinput import blank_if_invisible
from app.wiki import service as wiki_service
from app.wiki.markdown import render as render_markdown
from app.wiki.models import Item, ItemStatus

PREFIX = "kbf_"


# The namespace of the Wiki-bibliotheek's own elements in its shared feed.
NAMESPACE = "urn:wiki-bibliotheek:gedeeld:1"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, name: str) -> str:
    """A new key, shown once; only its hash is kept."""
    name = blank_if_invisible(name.strip())
    if not name:
        raise InboxError("name", "Geef aan voor wie de sleutel is, bijvoorbeeld: Gemeente Buurstad.")
    if len(name) > 120:
        raise InboxError("name", "Een naam is hoogstens 120 tekens; kort hem in.")
    token = PREFIX + secrets.token_urlsafe(32)
    session.add(FeedToken(name=name[:120], token_hash=_hash(token), prefix=token[:12]))
    session.flush()
    return token


def list_tokens(session: Session) -> list[FeedToken]:
    return list(session.exec(select(FeedToken).order_by(col(FeedToken.created_at).desc())))


def revoke(session: Session, token_id: int) -> FeedToken:
    found = session.get(FeedToken, token_id)
    if found is None:
        raise NotFound("token", "Deze sleutel bestaat niet.")
    found.revoked_at = found.revoked_at or utcnow()
    session.add(found)
    session.flush()
    return found


def check(session: Session, token: str) -> FeedToken:
    found = session.exec(select(FeedToken).where(FeedToken.token_hash == _hash(token or ""))).first()
    if found is None or found.revoked_at is not None:
        raise Forbidden("token", "Deze feedsleutel is onbekend of ingetrokken. Vraag Kwaliteit om een nieuwe.")
    found.last_used_at = utcnow()
    session.add(found)
    return found


def shared_items(session: Session, limit: int = 200) -> list[Item]:
    return list(session.exec(
        select(Item).where(Item.status == ItemStatus.published, col(Item.shareable).is_(True))
        .order_by(col(Item.updated_at).desc()).limit(limit)))


def _time(moment: datetime | None) -> str:
    return (moment or datetime(2000, 1, 1, tzinfo=UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def atom(session: Session, base_url: str, organisation: str) -> str:
    """The shared feed. Each entry's id is the item's address (stable); `updated` changes
    with every new version, so a subscriber sees when the origin changed."""
    items = shared_items(session)
    themes = wiki_service.themes_by_id(session)
    newest = session.exec(select(func.max(Item.updated_at)).where(
        Item.status == ItemStatus.published, col(Item.shareable).is_(True))).one()
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xmlns:kb="{NAMESPACE}" xml:lang="nl">',
        f"<title>{escape('Wiki-bibliotheek ' + organisation)}: gedeelde kennisitems</title>",
        f"<id>{escape(base_url)}/feeds/items.atom</id>",
        f"<updated>{_time(newest)}</updated>",
        f"<author><name>{escape(organisation)}</name></author>",
        f"<link rel=\"alternate\" href={quoteattr(base_url + '/')}/>",
    ]
    for item in items:
        url = f"{base_url}/items/{item.slug}"
        html = (f"<p>{escape(item.summary)}</p><p><strong>Wat betekent dit voor het dossier?</strong> "
                f"{escape(item.dossier_meaning)}</p>{render_markdown(item.body)}")
        theme = themes.get(item.theme_id)
        parts += [
            "<entry>",
            f"<id>{escape(url)}</id>",
            f"<title>{escape(item.title)}</title>",
            f"<link rel=\"alternate\" href={quoteattr(url)}/>",
            f"<published>{_time(item.published_at)}</published>",
            f"<updated>{_time(item.updated_at)}</updated>",
            f"<summary>{escape(item.summary)}</summary>",
            f"<content type=\"html\">{escape(html)}</content>",
            f"<category term={quoteattr(theme.slug)} label={quoteattr(theme.name)}/>" if theme else "",
            # The item's own fields for another Wiki-bibliotheek, which adopts it without retyping.
            f"<kb:summary>{escape(item.summary)}</kb:summary>",
            f"<kb:dossier>{escape(item.dossier_meaning)}</kb:dossier>",
            f"<kb:body>{escape(item.body)}</kb:body>",
            f"<kb:bron naam={quoteattr(item.source_name)} href={quoteattr(item.source_url)}/>"
            if item.source_name or item.source_url else "",
            "</entry>",
        ]
    parts.append("</feed>")
    return "\n".join(p for p in parts if p)
