"""meetings: rules, meetings, agendas, attendance

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 15:26:36.672141
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('meeting_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('week', sa.Integer(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=False),
    sa.Column('lead_days', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_meeting_rule_team_id_team')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_rule')),
    sa.UniqueConstraint('kind', 'team_id', name=op.f('uq_meeting_rule_kind'))
    )
    op.create_table('meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('rule_id', sa.Integer(), nullable=True),
    sa.Column('occurrence', sa.Date(), nullable=True),
    sa.Column('starts_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('status_note', sa.String(length=300), nullable=False),
    sa.Column('moved_from', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['rule_id'], ['meeting_rule.id'], name=op.f('fk_meeting_rule_id_meeting_rule')),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_meeting_team_id_team')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting')),
    sa.UniqueConstraint('rule_id', 'occurrence', name=op.f('uq_meeting_rule_id'))
    )
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.create_index('ix_meeting_kind_team_starts', ['kind', 'team_id', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_starts_at'), ['starts_at'], unique=False)

    op.create_table('agenda',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('since', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('cutoff', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('assembled_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('finalised_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('finalised_by_id', sa.Integer(), nullable=True),
    sa.Column('mailed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['finalised_by_id'], ['user.id'], name=op.f('fk_agenda_finalised_by_id_user')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_agenda_meeting_id_meeting')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agenda')),
    sa.UniqueConstraint('meeting_id', name=op.f('uq_agenda_meeting_id'))
    )
    op.create_table('attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('recorded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_attendance_meeting_id_meeting')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_attendance_recorded_by_id_user')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_attendance_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance')),
    sa.UniqueConstraint('meeting_id', 'user_id', name=op.f('uq_attendance_meeting_id'))
    )
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_user_id'), ['user_id'], unique=False)

    op.create_table('agenda_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agenda_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('prompt', sa.Text(), nullable=False),
    sa.Column('added_by_hand', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['agenda_id'], ['agenda.id'], name=op.f('fk_agenda_entry_agenda_id_agenda')),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_agenda_entry_item_id_item')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agenda_entry')),
    sa.UniqueConstraint('agenda_id', 'kind', 'item_id', name=op.f('uq_agenda_entry_agenda_id'))
    )
    with op.batch_alter_table('agenda_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agenda_entry_agenda_id'), ['agenda_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agenda_entry_item_id'), ['item_id'], unique=False)

    op.create_table('agenda_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agenda_id', sa.Integer(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('user_name', sa.String(length=120), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['agenda_id'], ['agenda.id'], name=op.f('fk_agenda_event_agenda_id_agenda')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_agenda_event_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agenda_event'))
    )
    with op.batch_alter_table('agenda_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agenda_event_agenda_id'), ['agenda_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('agenda_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agenda_event_agenda_id'))

    op.drop_table('agenda_event')
    with op.batch_alter_table('agenda_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agenda_entry_item_id'))
        batch_op.drop_index(batch_op.f('ix_agenda_entry_agenda_id'))

    op.drop_table('agenda_entry')
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_user_id'))
        batch_op.drop_index(batch_op.f('ix_attendance_meeting_id'))

    op.drop_table('attendance')
    op.drop_table('agenda')
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_starts_at'))
        batch_op.drop_index('ix_meeting_kind_team_starts')

    op.drop_table('meeting')
    op.drop_table('meeting_rule')
