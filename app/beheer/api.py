"""The beheerder's API: accounts and teams (JSON)."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel

from app.accounts import manage
from app.accounts import service as accounts_service
from app.accounts.models import Role, Team, User
from app.beheer.routes import actor
from app.web.deps import CsrfProtected, RequireRole, SessionDep
from app.wiki.models import MAX_INT

router = APIRouter(prefix="/api/v1", tags=["beheer"])
Admin = Annotated[User, Depends(RequireRole(Role.beheerder, message="Alleen voor de beheerder."))]
Id = Annotated[int, Path(ge=1, le=MAX_INT)]


class UserPublic(BaseModel):
    id: int
    email: str
    name: str
    role: str
    team: str | None
    function: str | None
    active: bool
    last_login_at: datetime | None


class TeamPublic(BaseModel):
    id: int
    slug: str
    name: str
    audience: str
    members: int


def _user(session: SessionDep, user: User) -> UserPublic:
    team = accounts_service.get_team(session, user.team_id) if user.team_id else None
    return UserPublic(id=user.id, email=user.email, name=user.name, role=user.role,  # type: ignore[arg-type]
                      team=team.slug if team else None, function=user.function, active=user.is_active,
                      last_login_at=user.last_login_at)


def _team(session: SessionDep, team: Team, counts: dict[int, int] | None = None) -> TeamPublic:
    counts = counts if counts is not None else manage.member_counts(session)
    return TeamPublic(id=team.id, slug=team.slug, name=team.name, audience=team.audience,  # type: ignore[arg-type]
                      members=counts.get(team.id, 0))  # type: ignore[arg-type]


@router.get("/users", summary="Alle accounts (beheerder)")
def list_users(session: SessionDep, user: Admin) -> list[UserPublic]:
    return [_user(session, u) for u in accounts_service.list_users(session)]


@router.post("/users", status_code=201, summary="Een account aanmaken (beheerder)", dependencies=[CsrfProtected])
def create_user(request: Request, session: SessionDep, user: Admin, data: manage.UserNew) -> UserPublic:
    return _user(session, manage.create_user(session, data, actor(request, user)))


@router.patch("/users/{user_id}", summary="Een account wijzigen of (de)activeren (beheerder)",
              dependencies=[CsrfProtected])
def change_user(request: Request, session: SessionDep, user: Admin, user_id: Id, data: manage.UserUpdate) -> UserPublic:
    person = manage.user_or_404(session, user_id)
    return _user(session, manage.change_user(session, person, data, actor(request, user)))


@router.get("/teams", summary="Alle teams (beheerder)")
def list_teams(session: SessionDep, user: Admin) -> list[TeamPublic]:
    counts = manage.member_counts(session)
    return [_team(session, t, counts) for t in accounts_service.list_teams(session)]


@router.post("/teams", status_code=201, summary="Een team aanmaken (beheerder)", dependencies=[CsrfProtected])
def create_team(request: Request, session: SessionDep, user: Admin, data: manage.TeamNew) -> TeamPublic:
    return _team(session, manage.create_team(session, data, actor(request, user)))


@router.patch("/teams/{team_id}", summary="Een team hernoemen of de doelgroep wijzigen (beheerder)",
              dependencies=[CsrfProtected])
def change_team(request: Request, session: SessionDep, user: Admin, team_id: Id, data: manage.TeamUpdate) -> TeamPublic:
    team = manage.team_or_404(session, team_id)
    return _team(session, manage.change_team(session, team, data, actor(request, user)))
