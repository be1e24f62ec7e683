"""inbox: sources (feeds) and the entries they bring in

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'source',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('url', sa.String(length=500), nullable=False),
        sa.Column('theme_id', sa.Integer(), nullable=True),
        sa.Column('audience', sa.String(length=20), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('etag', sa.String(length=300), nullable=False),
        sa.Column('last_modified', sa.String(length=100), nullable=False),
        sa.Column('interval_minutes', sa.Integer(), nullable=False),
        sa.Column('next_poll_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('last_polled_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('last_ok_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('error', sa.String(length=500), nullable=False),
        sa.Column('error_since', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('malformed', sa.Boolean(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_source_theme_id_theme')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_source')),
    )
    op.create_index(op.f('ix_source_next_poll_at'), 'source', ['next_poll_at'], unique=False)
    op.create_table(
        'entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=300), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('link', sa.String(length=1000), nullable=False),
        sa.Column('excerpt', sa.Text(), nullable=False),
        sa.Column('published_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('fetched_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('reason', sa.String(length=300), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_entry_item_id_item')),
        sa.ForeignKeyConstraint(['source_id'], ['source.id'], name=op.f('fk_entry_source_id_source')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_entry')),
        sa.UniqueConstraint('source_id', 'key', name=op.f('uq_entry_source_id')),
    )
    op.create_index(op.f('ix_entry_fetched_at'), 'entry', ['fetched_at'], unique=False)
    op.create_index(op.f('ix_entry_source_id'), 'entry', ['source_id'], unique=False)
    op.create_index(op.f('ix_entry_status'), 'entry', ['status'], unique=False)


def downgrade() -> None:
    op.drop_table('entry')
    op.drop_table('source')
