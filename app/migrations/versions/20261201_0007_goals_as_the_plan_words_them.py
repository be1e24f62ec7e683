"""goals: the library goal as the plan words it, klantbegeleiders without the contactpersonen

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 20:00:00

Data only. A database that still has the starter goals as first loaded gets the new
definitions from content/goals.yaml; a goal Kwaliteit already changed (another measure or
group) is left alone. The library goal's old snapshots measured something else (the share of
items within their review date) and are removed, so its trend does not mix two meanings.
"""

from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
import yaml
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GOALS_FILE = Path(__file__).resolve().parents[2] / "content" / "goals.yaml"
OLD_GROUP = ["medewerker", "contactpersoon"]

goal = sa.table(
    "goal", sa.column("id", sa.Integer), sa.column("key", sa.String), sa.column("measure", sa.String),
    sa.column("params", sa.JSON), sa.column("target", sa.Float), sa.column("how", sa.Text),
)
snapshot = sa.table("goal_snapshot", sa.column("goal_id", sa.Integer))


def _new() -> dict[str, dict]:
    if not GOALS_FILE.exists():
        return {}
    return {entry["key"]: entry for entry in yaml.safe_load(GOALS_FILE.read_text("utf-8")) or []}


def upgrade() -> None:
    new = _new()
    bind = op.get_bind()
    rows = bind.execute(sa.select(goal.c.id, goal.c.key, goal.c.measure, goal.c.params)).all()
    for goal_id, key, measure, params in rows:
        entry = new.get(key)
        if entry is None:
            continue
        if key == "bibliotheek_actueel" and measure == "library_fresh" and entry["measure"] == "library_built_current":
            bind.execute(goal.update().where(goal.c.id == goal_id).values(
                measure=entry["measure"], params=entry["params"], target=entry["target"], how=entry["how"]))
            bind.execute(snapshot.delete().where(snapshot.c.goal_id == goal_id))
        elif key in ("klantbegeleiders_werkoverleg", "raadplegen") and (params or {}).get("group", {}).get("roles") == OLD_GROUP:
            group = {**params["group"], "roles": entry["params"]["group"]["roles"]}
            bind.execute(goal.update().where(goal.c.id == goal_id).values(params={**params, "group": group}))


def downgrade() -> None:
    pass  # the old definitions were wrong; nothing to go back to
