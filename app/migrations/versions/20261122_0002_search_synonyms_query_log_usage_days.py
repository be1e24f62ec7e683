"""search: synonyms, query log, usage days

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 08:10:33.092579
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('search_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('query', sa.String(length=200), nullable=False),
    sa.Column('searches', sa.Integer(), nullable=False),
    sa.Column('without_results', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_log')),
    sa.UniqueConstraint('month', 'query', name=op.f('uq_search_log_month'))
    )
    with op.batch_alter_table('search_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_log_month'), ['month'], unique=False)

    op.create_table('synonym_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('terms', sa.JSON(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_synonym_group'))
    )
    op.create_table('usage_day',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_usage_day_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_usage_day')),
    sa.UniqueConstraint('user_id', 'day', 'kind', name=op.f('uq_usage_day_user_id'))
    )
    with op.batch_alter_table('usage_day', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_usage_day_day'), ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_usage_day_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('usage_day', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_usage_day_user_id'))
        batch_op.drop_index(batch_op.f('ix_usage_day_day'))

    op.drop_table('usage_day')
    op.drop_table('synonym_group')
    with op.batch_alter_table('search_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_log_month'))

    op.drop_table('search_log')
