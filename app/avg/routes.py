"""People's own data (AVG): /account/gegevens (page and JSON), GET /api/v1/me/data; and for the
beheerder, removing a departed person's personal data: /beheer/personen/{id}/verwijderen."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from app.accounts.models import ROLE_LABELS, Role, User
from app.audit.models import LABELS
from app.avg import erasure, service
from app.errors import InputError
from app.web.deps import CsrfProtected, CurrentUser, RequireRole, SessionDep, on_refusal
from app.web.templating import render

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["accounts"])
Admin = Annotated[User, Depends(RequireRole(
    Role.beheerder, message="Alleen de beheerder verwijdert persoonsgegevens."))]
PersonId = Annotated[int, Path(ge=1, le=2**31 - 1)]
CONFIRM_WORD = "VERWIJDEREN"


@pages.get("/account/gegevens")
def own_data_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    data = service.own_data(session, user)
    service.downloaded(session, user, "pagina")
    return render(request, "avg_own_data.html", {"data": data, "action_labels": LABELS})


@pages.get("/account/gegevens.json")
def own_data_download(session: SessionDep, user: CurrentUser) -> Response:
    data = service.own_data(session, user)
    service.downloaded(session, user, "json")
    return JSONResponse(data, headers={"content-disposition": 'attachment; filename="mijn-gegevens.json"',
                                       "cache-control": "no-store"})


@api.get("/me/data", summary="Alles wat de kennisbank over u bewaart (AVG: inzage)")
def own_data_api(session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    data = service.own_data(session, user)
    service.downloaded(session, user, "api")
    return data


@pages.get("/beheer/personen/{person_id}/verwijderen")
def erase_page(request: Request, session: SessionDep, user: Admin, person_id: PersonId) -> Response:
    return _erase(request, session, user, erasure.get_person(session, person_id))


def _erase(request: Request, session: SessionDep, user: User, person: User, error: str | None = None,
           status_code: int = 200) -> Response:
    context = {"person": person, "role_labels": ROLE_LABELS, "error": error,
               "refusal": erasure.is_erasable(person, user), "confirm_word": CONFIRM_WORD}
    return render(request, "avg_erase.html", context, status_code)


@pages.post("/beheer/personen/{person_id}/verwijderen", dependencies=[CsrfProtected])
def erase(request: Request, session: SessionDep, user: Admin, person_id: PersonId,
          confirm: Annotated[str, Form(max_length=40)] = "") -> Response:
    person = erasure.get_person(session, person_id)
    on_refusal(request, lambda refused: _erase(
        request, session, user, erasure.get_person(session, person_id), refused.message, refused.status))
    if confirm.strip() != CONFIRM_WORD:
        raise InputError("confirm", f"Typ {CONFIRM_WORD} om te bevestigen dat u deze gegevens wilt verwijderen.")
    erasure.anonymise(session, person, user)
    return RedirectResponse(f"/beheer/personen/{person_id}/verwijderen?klaar=1", status_code=303)
