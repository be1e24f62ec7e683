"""plan: the implementation plan in the guide's twelve parts, the yearly werkplan, the asker's
"Had u hier iets aan?" on a question, and a theme's owner

The plan's texts and its rows (groups, factors, strategies, actions, activities, borging
answers); every save keeps the whole plan as a revision. Nothing existing changes: the new
columns of question and theme are empty.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('intervention', sa.String(length=200), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=False),
    sa.Column('author', sa.String(length=200), nullable=False),
    sa.Column('written', sa.String(length=60), nullable=False),
    sa.Column('is_example', sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_plan_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan'))
    )
    op.create_table('plan_borging',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('sign', sa.String(length=40), nullable=False),
    sa.Column('met', sa.Boolean(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('extra_action', sa.String(length=500), nullable=False),
    sa.Column('checked_on', sa.Date(), nullable=False),
    sa.Column('checked_by_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['checked_by_id'], ['user.id'], name=op.f('fk_plan_borging_checked_by_id_user')),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_plan_borging_plan_id_plan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_borging')),
    sa.UniqueConstraint('plan_id', 'sign', name=op.f('uq_plan_borging_plan_id'))
    )
    op.create_table('plan_evaluation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('made_on', sa.Date(), nullable=False),
    sa.Column('goals', sa.JSON(), nullable=False),
    sa.Column('barriers', sa.Text(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('made_by_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['made_by_id'], ['user.id'], name=op.f('fk_plan_evaluation_made_by_id_user')),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_plan_evaluation_plan_id_plan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_evaluation'))
    )
    op.create_table('plan_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('influence', sa.String(length=10), nullable=False),
    sa.Column('interest', sa.String(length=10), nullable=False),
    sa.Column('involvement', sa.Text(), nullable=False),
    sa.Column('is_user', sa.Boolean(), nullable=False),
    sa.Column('ist', sa.Text(), nullable=False),
    sa.Column('soll', sa.Text(), nullable=False),
    sa.Column('hourly_rate', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_plan_group_plan_id_plan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_group')),
    sa.UniqueConstraint('plan_id', 'name', name=op.f('uq_plan_group_plan_id'))
    )
    with op.batch_alter_table('plan_group', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_group_plan_id'), ['plan_id'], unique=False)

    op.create_table('plan_part',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=30), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_plan_part_plan_id_plan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_part')),
    sa.UniqueConstraint('plan_id', 'key', name=op.f('uq_plan_part_plan_id'))
    )
    op.create_table('plan_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('document', sa.Text(), nullable=False),
    sa.Column('summary', sa.String(length=300), nullable=False),
    sa.Column('saved_by_id', sa.Integer(), nullable=True),
    sa.Column('saved_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_plan_revision_plan_id_plan')),
    sa.ForeignKeyConstraint(['saved_by_id'], ['user.id'], name=op.f('fk_plan_revision_saved_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_revision')),
    sa.UniqueConstraint('plan_id', 'number', name=op.f('uq_plan_revision_plan_id'))
    )
    op.create_table('werkplan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_werkplan_plan_id_plan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_werkplan')),
    sa.UniqueConstraint('plan_id', 'year', name=op.f('uq_werkplan_plan_id'))
    )
    op.create_table('plan_activity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('phase', sa.String(length=20), nullable=False),
    sa.Column('text', sa.String(length=300), nullable=False),
    sa.Column('hours', sa.Float(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['plan_group.id'], name=op.f('fk_plan_activity_group_id_plan_group')),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_plan_activity_plan_id_plan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_activity'))
    )
    with op.batch_alter_table('plan_activity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_activity_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_activity_plan_id'), ['plan_id'], unique=False)

    op.create_table('plan_factor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('direction', sa.String(length=20), nullable=False),
    sa.Column('impact', sa.Integer(), nullable=True),
    sa.Column('changeable', sa.Boolean(), nullable=True),
    sa.Column('priority', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.CheckConstraint('impact BETWEEN 1 AND 3', name=op.f('ck_plan_factor_impact_range')),
    sa.ForeignKeyConstraint(['group_id'], ['plan_group.id'], name=op.f('fk_plan_factor_group_id_plan_group')),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_plan_factor_plan_id_plan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_factor'))
    )
    with op.batch_alter_table('plan_factor', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_factor_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_factor_plan_id'), ['plan_id'], unique=False)

    op.create_table('plan_goal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['goal_id'], ['goal.id'], name=op.f('fk_plan_goal_goal_id_goal')),
    sa.ForeignKeyConstraint(['group_id'], ['plan_group.id'], name=op.f('fk_plan_goal_group_id_plan_group')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_goal')),
    sa.UniqueConstraint('goal_id', name=op.f('uq_plan_goal_goal_id'))
    )
    with op.batch_alter_table('plan_goal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_goal_group_id'), ['group_id'], unique=False)

    op.create_table('werkplan_goal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('werkplan_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['werkplan_id'], ['werkplan.id'], name=op.f('fk_werkplan_goal_werkplan_id_werkplan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_werkplan_goal'))
    )
    with op.batch_alter_table('werkplan_goal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_werkplan_goal_werkplan_id'), ['werkplan_id'], unique=False)

    op.create_table('plan_strategy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('factor_id', sa.Integer(), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('phase', sa.String(length=20), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['factor_id'], ['plan_factor.id'], name=op.f('fk_plan_strategy_factor_id_plan_factor')),
    sa.ForeignKeyConstraint(['group_id'], ['plan_group.id'], name=op.f('fk_plan_strategy_group_id_plan_group')),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_plan_strategy_plan_id_plan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_strategy'))
    )
    with op.batch_alter_table('plan_strategy', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_strategy_factor_id'), ['factor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_strategy_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_strategy_plan_id'), ['plan_id'], unique=False)

    op.create_table('werkplan_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['goal_id'], ['werkplan_goal.id'], name=op.f('fk_werkplan_result_goal_id_werkplan_goal')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_werkplan_result'))
    )
    with op.batch_alter_table('werkplan_result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_werkplan_result_goal_id'), ['goal_id'], unique=False)

    op.create_table('plan_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('strategy_id', sa.Integer(), nullable=True),
    sa.Column('result_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('due', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('check_on', sa.Date(), nullable=True),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('reminded_on', sa.Date(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_plan_action_owner_id_user')),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_plan_action_plan_id_plan')),
    sa.ForeignKeyConstraint(['result_id'], ['werkplan_result.id'], name=op.f('fk_plan_action_result_id_werkplan_result')),
    sa.ForeignKeyConstraint(['strategy_id'], ['plan_strategy.id'], name=op.f('fk_plan_action_strategy_id_plan_strategy')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_action'))
    )
    with op.batch_alter_table('plan_action', schema=None) as batch_op:
        batch_op.create_index('ix_plan_action_open_due', ['done_on', 'due'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_action_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_action_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_action_result_id'), ['result_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_action_strategy_id'), ['strategy_id'], unique=False)

    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.add_column(sa.Column('helped', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('helped_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))

    with op.batch_alter_table('theme', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_theme_owner_id_user'), 'user', ['owner_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('theme', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_theme_owner_id_user'), type_='foreignkey')
        batch_op.drop_column('owner_id')

    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_column('helped_at')
        batch_op.drop_column('helped')

    with op.batch_alter_table('plan_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_action_strategy_id'))
        batch_op.drop_index(batch_op.f('ix_plan_action_result_id'))
        batch_op.drop_index(batch_op.f('ix_plan_action_plan_id'))
        batch_op.drop_index(batch_op.f('ix_plan_action_owner_id'))
        batch_op.drop_index('ix_plan_action_open_due')

    op.drop_table('plan_action')
    with op.batch_alter_table('werkplan_result', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_werkplan_result_goal_id'))

    op.drop_table('werkplan_result')
    with op.batch_alter_table('plan_strategy', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_strategy_plan_id'))
        batch_op.drop_index(batch_op.f('ix_plan_strategy_group_id'))
        batch_op.drop_index(batch_op.f('ix_plan_strategy_factor_id'))

    op.drop_table('plan_strategy')
    with op.batch_alter_table('werkplan_goal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_werkplan_goal_werkplan_id'))

    op.drop_table('werkplan_goal')
    with op.batch_alter_table('plan_goal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_goal_group_id'))

    op.drop_table('plan_goal')
    with op.batch_alter_table('plan_factor', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_factor_plan_id'))
        batch_op.drop_index(batch_op.f('ix_plan_factor_group_id'))

    op.drop_table('plan_factor')
    with op.batch_alter_table('plan_activity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_activity_plan_id'))
        batch_op.drop_index(batch_op.f('ix_plan_activity_group_id'))

    op.drop_table('plan_activity')
    op.drop_table('werkplan')
    op.drop_table('plan_revision')
    op.drop_table('plan_part')
    with op.batch_alter_table('plan_group', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_group_plan_id'))

    op.drop_table('plan_group')
    op.drop_table('plan_evaluation')
    op.drop_table('plan_borging')
    op.drop_table('plan')
