"""search_document and search_word: the PostgreSQL search backend (KENNISBANK_SEARCH_BACKEND=postgresql)

Only on PostgreSQL; SQLite searches with the Whoosh index. Each published item has one
search_document row, written in the item's own transaction: its words as the application's
Dutch analysis makes them, in a weighted tsvector (title A, summary B, body C, compound parts D)
with a GIN index, and its unstemmed words (`spell`) for suggestions and "Bedoelde u …?".
search_word is the vocabulary of those words, with a trigram index (pg_trgm) for the closest
word to a typo. The rows are filled by `kennisbank reindex` or at the next start.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 17:00:00
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _trigram_schema() -> str | None:
    """Where pg_trgm lives, creating it when it is missing and we may; None without it."""
    bind = op.get_bind()
    found = bind.execute(text(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm'"
    )).scalar()
    if found:
        return found
    savepoint = bind.begin_nested()
    try:
        bind.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        savepoint.commit()
    except Exception:  # noqa: BLE001 - no right to create it: typos are then looked up without it
        savepoint.rollback()
        return None
    return _trigram_schema()


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("""
        CREATE TABLE search_document (
            item_id integer PRIMARY KEY REFERENCES item (id) ON DELETE CASCADE,
            slug varchar(200) NOT NULL,
            version integer NOT NULL,
            theme_id integer NOT NULL,
            audience varchar(20) NOT NULL,
            published timestamp without time zone NOT NULL,
            analysis integer NOT NULL,
            vector tsvector NOT NULL,
            spell tsvector NOT NULL
        )
    """)
    op.execute("CREATE INDEX ix_search_document_vector ON search_document USING gin (vector)")
    op.execute("CREATE INDEX ix_search_document_spell ON search_document USING gin (spell)")
    op.execute("CREATE INDEX ix_search_document_published ON search_document (published)")
    op.execute("CREATE INDEX ix_search_document_theme ON search_document (theme_id)")
    op.execute("""
        CREATE TABLE search_word (
            word varchar(100) COLLATE "C" PRIMARY KEY,
            documents integer NOT NULL DEFAULT 1
        )
    """)
    schema = _trigram_schema()
    if schema is not None:
        op.execute(
            f'CREATE INDEX ix_search_word_trigram ON search_word USING gin (word "{schema}".gin_trgm_ops)'
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TABLE search_word")
    op.execute("DROP TABLE search_document")
