"""The beheerder's pages: accounts, teams, the CSV import and the settings (read-only)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import RedirectResponse, Response

from app.accounts import csvimport, manage, settings_view
from app.accounts import mail as link_mail
from app.accounts import service as accounts_service
from app.accounts.models import Audience, Function, LinkPurpose, Role, User
from app.errors import InputError
from app.textinput import whole_number
from app.web.deps import CsrfProtected, PostedForm, RequireRole, SessionDep, SettingsDep, on_refusal
from app.web.errors import validated
from app.web.templating import render
from app.wiki.models import MAX_INT

router = APIRouter(prefix="/beheer", include_in_schema=False)
Admin = Annotated[User, Depends(RequireRole(Role.beheerder, message="Deze pagina is voor de beheerder."))]
Id = Annotated[int, Path(ge=1, le=MAX_INT)]
AUDIENCE_LABELS = {Audience.klantbegeleider: "Klantbegeleiders", Audience.schuldregelaar: "Schuldregelaars",
                   Audience.beide: "Beide"}
FUNCTION_OPTIONS = [("", "Geen"), *((f.value, f.value.capitalize()) for f in Function)]


def actor(request: Request, user: User) -> manage.Actor:
    # As the login route: uvicorn puts the client's address here (behind a trusted proxy, the forwarded one).
    return manage.Actor(user.id, request.client.host if request.client else "onbekend")  # type: ignore[arg-type]


def _fields(posted, names: tuple[str, ...]) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {n: str(posted.get(n) or "").strip() for n in names}


def _common(session: SessionDep) -> dict:
    return {"teams": accounts_service.list_teams(session), "audience_labels": AUDIENCE_LABELS,
            "function_options": FUNCTION_OPTIONS}


@router.get("")
def index(request: Request, user: Admin) -> Response:
    return render(request, "beheer_index.html")


# --- users -----------------------------------------------------------------------------------


def _users_page(request: Request, session: SessionDep, typed: dict | None = None, errors: dict | None = None,
                status_code: int = 200, import_errors: dict | None = None) -> Response:
    teams = {t.id: t for t in accounts_service.list_teams(session)}
    context = {**_common(session), "users": accounts_service.list_users(session), "team_by_id": teams,
               "typed": typed or {}, "errors": errors or {}, "import_errors": import_errors or {}}
    return render(request, "beheer_users.html", context, status_code)


@router.get("/gebruikers")
def users_page(request: Request, session: SessionDep, user: Admin) -> Response:
    return _users_page(request, session)


@router.post("/gebruikers", dependencies=[CsrfProtected])
def create_user(request: Request, session: SessionDep, user: Admin, posted: PostedForm) -> Response:
    typed = _fields(posted, ("email", "name", "role", "team", "function"))
    on_refusal(request, lambda refused: _users_page(request, session, typed, refused.errors, refused.status))
    data = validated(manage.UserNew, {k: v or None if k in ("team", "function") else v for k, v in typed.items()})
    created = manage.create_user(session, data, actor(request, user))
    return RedirectResponse(f"/beheer/gebruikers/{created.id}?aangemaakt=1", status_code=303)


# --- CSV import (before /gebruikers/{user_id}, which would take 'import') ------------------------------------------------------------------------------


@router.post("/gebruikers/import", dependencies=[CsrfProtected])
def import_preview(request: Request, session: SessionDep, user: Admin, posted: PostedForm) -> Response:
    on_refusal(request, lambda refused: _users_page(request, session, import_errors=refused.errors,
                                                    status_code=refused.status))
    text = _read_upload(posted)
    rows = csvimport.run(session, csvimport.read(text), actor(request, user), dry_run=True)
    return render(request, "beheer_import.html", {"rows": rows, "text": text, "done": False})


@router.get("/gebruikers/import")
def import_again(user: Admin) -> Response:
    """The address the preview stood at, opened again (a bookmark, the back button): the list
    with the import form."""
    return RedirectResponse("/beheer/gebruikers#import", status_code=303)


@router.post("/gebruikers/import/bevestigen", dependencies=[CsrfProtected])
def import_confirm(request: Request, session: SessionDep, user: Admin, posted: PostedForm) -> Response:
    on_refusal(request, lambda refused: _users_page(request, session, import_errors=refused.errors,
                                                    status_code=refused.status))
    rows = csvimport.run(session, csvimport.read(_read_upload(posted)), actor(request, user), dry_run=False)
    return render(request, "beheer_import.html", {"rows": rows, "text": "", "done": True})


def _read_upload(posted) -> str:  # type: ignore[no-untyped-def]
    upload = posted.get("bestand")
    raw = upload.file.read() if upload is not None and not isinstance(upload, str) else str(posted.get("inhoud") or "").encode()
    return csvimport.decode(raw)


def _user_page(request: Request, session: SessionDep, person: User, *, typed: dict | None = None,
               errors: dict | None = None, status_code: int = 200, link: dict | None = None) -> Response:
    team = accounts_service.get_team(session, person.team_id) if person.team_id else None
    values = typed or {"name": person.name, "role": person.role, "team": team.slug if team else "",
                       "function": person.function or ""}
    context = {**_common(session), "person": person, "team": team, "typed": values, "errors": errors or {},
               "link": link}
    response = render(request, "beheer_user.html", context, status_code)
    if link:
        response.headers["cache-control"] = "no-store"  # a link to pass on: not in any cache
    return response


@router.get("/gebruikers/{user_id}")
def user_page(request: Request, session: SessionDep, user: Admin, user_id: Id) -> Response:
    return _user_page(request, session, manage.user_or_404(session, user_id))


@router.post("/gebruikers/{user_id}", dependencies=[CsrfProtected])
def change_user(request: Request, session: SessionDep, user: Admin, user_id: Id, posted: PostedForm) -> Response:
    person = manage.user_or_404(session, user_id)
    typed = _fields(posted, ("name", "role", "team", "function"))
    on_refusal(request, lambda refused: _user_page(request, session, manage.user_or_404(session, user_id),
                                                   typed=typed, errors=refused.errors, status_code=refused.status))
    data = validated(manage.UserUpdate, {k: v or None if k in ("team", "function") else v for k, v in typed.items()})
    manage.change_user(session, person, data, actor(request, user))
    return RedirectResponse(f"/beheer/gebruikers/{person.id}?opgeslagen=1", status_code=303)


@router.post("/gebruikers/{user_id}/deactiveren", dependencies=[CsrfProtected])
def deactivate(request: Request, session: SessionDep, user: Admin, user_id: Id) -> Response:
    person = manage.user_or_404(session, user_id)
    on_refusal(request, lambda refused: _user_page(request, session, manage.user_or_404(session, user_id),
                                                   errors=refused.errors, status_code=refused.status))
    manage.deactivate(session, person, actor(request, user))
    return RedirectResponse(f"/beheer/gebruikers/{person.id}?gedeactiveerd=1", status_code=303)


@router.post("/gebruikers/{user_id}/heractiveren", dependencies=[CsrfProtected])
def reactivate(request: Request, session: SessionDep, user: Admin, user_id: Id) -> Response:
    person = manage.user_or_404(session, user_id)
    manage.reactivate(session, person, actor(request, user))
    return RedirectResponse(f"/beheer/gebruikers/{person.id}?geheractiveerd=1", status_code=303)


def _send_link(request: Request, session: SessionDep, settings: SettingsDep, user: User, user_id: int,
               purpose: LinkPurpose) -> Response:
    person = manage.user_or_404(session, user_id)
    on_refusal(request, lambda refused: _user_page(request, session, manage.user_or_404(session, user_id),
                                                   errors=refused.errors, status_code=refused.status))
    token = manage.create_link(session, person, purpose, actor(request, user))
    url = link_mail.link_url(settings, token)
    if link_mail.can_send(settings):
        if link_mail.compose_and_send(settings, person, purpose, url):
            return _user_page(request, session, person, link={"purpose": purpose, "sent": True})
        # The mail server refused or was down: the link is made; the beheerder passes it on.
        return _user_page(request, session, person, link={"purpose": purpose, "sent": False, "url": url,
                                                          "failed": True})
    return _user_page(request, session, person, link={"purpose": purpose, "sent": False, "url": url})


@router.post("/gebruikers/{user_id}/uitnodigen", dependencies=[CsrfProtected])
def invite(request: Request, session: SessionDep, settings: SettingsDep, user: Admin, user_id: Id) -> Response:
    return _send_link(request, session, settings, user, user_id, LinkPurpose.invite)


@router.post("/gebruikers/{user_id}/herstellink", dependencies=[CsrfProtected])
def reset_link(request: Request, session: SessionDep, settings: SettingsDep, user: Admin, user_id: Id) -> Response:
    return _send_link(request, session, settings, user, user_id, LinkPurpose.reset)


# --- teams -----------------------------------------------------------------------------------


def _teams_page(request: Request, session: SessionDep, typed: dict | None = None, errors: dict | None = None,
                status_code: int = 200) -> Response:
    teams = accounts_service.list_teams(session)
    context = {**_common(session), "counts": manage.member_counts(session), "typed": typed or {},
               "errors": errors or {},
               "contacts": {t.id: accounts_service.contactpersoon_of(session, t) for t in teams}}
    return render(request, "beheer_teams.html", context, status_code)


@router.get("/teams")
def teams_page(request: Request, session: SessionDep, user: Admin) -> Response:
    return _teams_page(request, session)


@router.post("/teams", dependencies=[CsrfProtected])
def create_team(request: Request, session: SessionDep, user: Admin, posted: PostedForm) -> Response:
    typed = _fields(posted, ("slug", "name", "audience"))
    on_refusal(request, lambda refused: _teams_page(request, session, typed, refused.errors, refused.status))
    team = manage.create_team(session, validated(manage.TeamNew, {**typed, "audience": typed["audience"] or "beide"}),
                              actor(request, user))
    return RedirectResponse(f"/beheer/teams/{team.id}?aangemaakt=1", status_code=303)


def _team_page(request: Request, session: SessionDep, team_id: int, typed: dict | None = None,
               errors: dict | None = None, status_code: int = 200) -> Response:
    team = manage.team_or_404(session, team_id)
    members = manage.all_members(session, team)
    others = [u for u in accounts_service.list_users(session) if u.team_id != team.id and u.is_active]
    context = {**_common(session), "team": team, "members": members, "others": others,
               "typed": typed or {"name": team.name, "audience": team.audience}, "errors": errors or {},
               "team_roles": manage.TEAM_ROLES}
    return render(request, "beheer_team.html", context, status_code)


@router.get("/teams/{team_id}")
def team_page(request: Request, session: SessionDep, user: Admin, team_id: Id) -> Response:
    return _team_page(request, session, team_id)


@router.post("/teams/{team_id}", dependencies=[CsrfProtected])
def change_team(request: Request, session: SessionDep, user: Admin, team_id: Id, posted: PostedForm) -> Response:
    team = manage.team_or_404(session, team_id)
    typed = _fields(posted, ("name", "audience"))
    on_refusal(request, lambda refused: _team_page(request, session, team_id, typed, refused.errors, refused.status))
    manage.change_team(session, team, validated(manage.TeamUpdate, typed), actor(request, user))
    return RedirectResponse(f"/beheer/teams/{team.id}?opgeslagen=1", status_code=303)


@router.post("/teams/{team_id}/leden", dependencies=[CsrfProtected])
def change_members(request: Request, session: SessionDep, user: Admin, team_id: Id, posted: PostedForm) -> Response:
    team = manage.team_or_404(session, team_id)
    typed = _fields(posted, ("actie", "user", "role"))
    on_refusal(request, lambda refused: _team_page(request, session, team_id, None, refused.errors, refused.status))
    person_id = whole_number(typed["user"])
    if person_id is None or person_id > MAX_INT:
        raise InputError("user", "Kies een persoon.")
    person = manage.user_or_404(session, person_id)
    who = actor(request, user)
    if typed["actie"] == "toevoegen":
        manage.add_member(session, team, person, who)
    elif typed["actie"] == "verwijderen":
        manage.remove_member(session, team, person, who)
    elif typed["actie"] == "rol":
        manage.set_team_role(session, team, person, typed["role"], who)
    else:
        raise InputError("actie", "Onbekende actie.")
    return RedirectResponse(f"/beheer/teams/{team.id}?opgeslagen=1", status_code=303)


# --- settings --------------------------------------------------------------------------------


@router.get("/instellingen")
def settings_page(request: Request, settings: SettingsDep, user: Admin) -> Response:
    return render(request, "beheer_settings.html", {"rows": settings_view.rows(settings),
                                                    "smtp": link_mail.can_send(settings)})
