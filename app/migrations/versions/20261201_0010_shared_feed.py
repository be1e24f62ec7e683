"""sharing between municipalities: shareable items and keys for the shared feed

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 21:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("item", "revision"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("shareable", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        'feed_token',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('prefix', sa.String(length=12), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('last_used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_feed_token')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_feed_token_token_hash')),
    )


def downgrade() -> None:
    op.drop_table('feed_token')
    for table in ("revision", "item"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("shareable")
