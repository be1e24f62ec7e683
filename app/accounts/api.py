"""The accounts' API: who am I (for a client that shows the person's name, role and team)."""

from fastapi import APIRouter
from pydantic import BaseModel, Field

from app.accounts import service
from app.accounts.models import ROLE_LABELS
from app.web.deps import CurrentUser, SessionDep

router = APIRouter(prefix="/api/v1", tags=["accounts"])


class Me(BaseModel):
    id: int
    name: str
    email: str
    role: str = Field(description="medewerker, contactpersoon, kwaliteit, leidinggevende, management of beheerder")
    role_label: str
    team: str | None = Field(description="slug van het team; leeg: geen team")
    team_name: str | None
    function: str | None = Field(description="klantbegeleider, schuldregelaar of leeg")


@router.get("/me", summary="Wie bent u: naam, rol, team en functie")
def me(session: SessionDep, user: CurrentUser) -> Me:
    team = service.get_team(session, user.team_id) if user.team_id else None
    return Me(id=user.id, name=user.name, email=user.email, role=user.role,  # type: ignore[arg-type]
              role_label=ROLE_LABELS.get(user.role, user.role),  # type: ignore[call-overload]
              team=team.slug if team else None, team_name=team.name if team else None, function=user.function)
