"""OpenID Connect login (issue 14): which role and team a provider's groups give.

Several mapped groups: the highest role wins, in this order (low to high): medewerker,
contactpersoon, kwaliteit, leidinggevende, management, beheerder. The team comes from the
winning group, else from the first matching group (in the order of the mapping) that names one.
No mapped group: no role, so no access; an earlier role is not kept.
"""

from dataclasses import dataclass

from app.accounts.models import Role

ROLE_ORDER = (Role.medewerker, Role.contactpersoon, Role.kwaliteit,
              Role.leidinggevende, Role.management, Role.beheerder)


@dataclass(frozen=True)
class Grant:
    role: Role
    team: str | None


def grant_for_groups(groups: object, group_map: dict[str, dict[str, str]]) -> Grant | None:
    """The role and team slug the groups give, or None when no group is mapped."""
    if isinstance(groups, str):
        groups = [groups]
    if not isinstance(groups, list | tuple):
        return None
    held = {g for g in groups if isinstance(g, str)}
    matches = [target for group, target in group_map.items() if group in held]
    if not matches:
        return None
    best = max(matches, key=lambda t: ROLE_ORDER.index(Role(t["role"])))
    team = best.get("team") or next((t["team"] for t in matches if t.get("team")), None)
    return Grant(role=Role(best["role"]), team=team)
