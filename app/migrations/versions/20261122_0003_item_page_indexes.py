"""item: indexes for the pages' hot queries

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 15:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.create_index('ix_item_status_theme_published', ['status', 'theme_id', 'published_at'], unique=False)
        batch_op.create_index('ix_item_status_published', ['status', 'published_at'], unique=False)
        batch_op.create_index('ix_item_status_review_date', ['status', 'review_date'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.drop_index('ix_item_status_review_date')
        batch_op.drop_index('ix_item_status_published')
        batch_op.drop_index('ix_item_status_theme_published')
