"""werkoverleg that fits its hour: an item's discussion question and agenda advice; an agenda
entry's minutes and section

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 20:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("item", "revision"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("discussion_question", sa.Text(), nullable=False, server_default=""))
            batch.add_column(sa.Column("agenda_advice", sa.String(length=20), nullable=False, server_default=""))
    with op.batch_alter_table("agenda_entry") as batch:
        batch.add_column(sa.Column("minutes", sa.Integer(), nullable=False, server_default="5"))
        batch.add_column(sa.Column("section", sa.String(length=20), nullable=False, server_default="bespreken"))


def downgrade() -> None:
    with op.batch_alter_table("agenda_entry") as batch:
        batch.drop_column("section")
        batch.drop_column("minutes")
    for table in ("revision", "item"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("agenda_advice")
            batch.drop_column("discussion_question")
