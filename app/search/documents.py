"""What search knows of an item: its text as plain words, built from the database row."""

import html

import nh3

from app.search.index import Document
from app.wiki import service as wiki_service
from app.wiki.markdown import render as render_markdown


def plain_text(markdown: str) -> str:
    return html.unescape(nh3.clean(render_markdown(markdown), tags=set()))


def document(row: wiki_service.IndexRow) -> Document:
    item = row.item
    text = f"{plain_text(item.body)}\n{item.dossier_meaning}\n{' '.join(item.tags)}"
    return Document(
        slug=item.slug,
        version=item.version,
        title=item.title,
        summary=item.summary,
        text=text,
        theme=row.theme_slug,
        audience=item.audience,
        published=item.published_at or item.updated_at,
    )
