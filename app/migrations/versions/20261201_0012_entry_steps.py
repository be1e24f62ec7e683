"""inbox: the steps of deciding on a knowledge product

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 23:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'entry_step',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('step', sa.String(length=20), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_entry_step_entry_id_entry')),
        sa.ForeignKeyConstraint(['by_id'], ['user.id'], name=op.f('fk_entry_step_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_entry_step')),
    )
    op.create_index(op.f('ix_entry_step_entry_id'), 'entry_step', ['entry_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_entry_step_entry_id'), table_name='entry_step')
    op.drop_table('entry_step')
