"""questions and goals

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 16:45:05.943560
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('goal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('group', sa.String(length=120), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('how', sa.Text(), nullable=False),
    sa.Column('measure', sa.String(length=30), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('target', sa.Float(), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('horizon_months', sa.Integer(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_goal')),
    sa.UniqueConstraint('key', name=op.f('uq_goal_key'))
    )
    op.create_table('goal_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('population', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['goal_id'], ['goal.id'], name=op.f('fk_goal_snapshot_goal_id_goal')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_goal_snapshot')),
    sa.UniqueConstraint('goal_id', 'day', name=op.f('uq_goal_snapshot_goal_id'))
    )
    with op.batch_alter_table('goal_snapshot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_goal_snapshot_goal_id'), ['goal_id'], unique=False)

    op.create_table('appraisal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('discussed', sa.Boolean(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_appraisal_recorded_by_id_user')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_appraisal_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appraisal'))
    )
    with op.batch_alter_table('appraisal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appraisal_held_on'), ['held_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_appraisal_user_id'), ['user_id'], unique=False)

    op.create_table('milestone',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('reached_on', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_milestone_recorded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_milestone')),
    sa.UniqueConstraint('key', name=op.f('uq_milestone_key'))
    )
    op.create_table('question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('asker_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('logged_by_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('asked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('answered_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('general_interest', sa.Boolean(), nullable=False),
    sa.Column('shared_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('draft_item_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['answered_by_id'], ['user.id'], name=op.f('fk_question_answered_by_id_user')),
    sa.ForeignKeyConstraint(['asker_id'], ['user.id'], name=op.f('fk_question_asker_id_user')),
    sa.ForeignKeyConstraint(['draft_item_id'], ['item.id'], name=op.f('fk_question_draft_item_id_item')),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_question_item_id_item')),
    sa.ForeignKeyConstraint(['logged_by_id'], ['user.id'], name=op.f('fk_question_logged_by_id_user')),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_question_team_id_team')),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_question_theme_id_theme')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question'))
    )
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_asked_at'), ['asked_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_question_asker_id'), ['asker_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_question_shared_at'), ['shared_at'], unique=False)
        batch_op.create_index('ix_question_team_asked', ['team_id', 'asked_at'], unique=False)

    op.create_table('training_flag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('flagged_on', sa.Date(), nullable=False),
    sa.Column('flagged_by_id', sa.Integer(), nullable=False),
    sa.Column('in_plan', sa.Boolean(), nullable=False),
    sa.Column('in_plan_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['flagged_by_id'], ['user.id'], name=op.f('fk_training_flag_flagged_by_id_user')),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_training_flag_item_id_item')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_flag')),
    sa.UniqueConstraint('item_id', name=op.f('uq_training_flag_item_id'))
    )
    with op.batch_alter_table('agenda_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('question_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_agenda_entry_question_id_question'), 'question', ['question_id'], ['id'], ondelete='SET NULL')



def downgrade() -> None:
    with op.batch_alter_table('agenda_entry', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_agenda_entry_question_id_question'), type_='foreignkey')
        batch_op.drop_column('question_id')

    op.drop_table('training_flag')
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_index('ix_question_team_asked')
        batch_op.drop_index(batch_op.f('ix_question_shared_at'))
        batch_op.drop_index(batch_op.f('ix_question_asker_id'))
        batch_op.drop_index(batch_op.f('ix_question_asked_at'))

    op.drop_table('question')
    op.drop_table('milestone')
    with op.batch_alter_table('appraisal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appraisal_user_id'))
        batch_op.drop_index(batch_op.f('ix_appraisal_held_on'))

    op.drop_table('appraisal')
    with op.batch_alter_table('goal_snapshot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_goal_snapshot_goal_id'))

    op.drop_table('goal_snapshot')
    op.drop_table('goal')
