"""The audit log, read: /beheer/audit and GET /api/v1/audit, for the beheerder and Kwaliteit."""

from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from app.accounts.models import Role, User
from app.audit import service
from app.errors import InputError
from app.textinput import whole_number
from app.web.deps import RequireRole, SessionDep, on_refusal
from app.web.templating import render

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["audit"])
Reader = Annotated[User, Depends(RequireRole(
    Role.beheerder, Role.kwaliteit, message="Alleen de beheerder en Kwaliteit lezen het auditlog."))]
PER_PAGE = 50
# Read as typed (bounded), then refused by parse_filter naming the field: the page comes back
# with the filter as it was typed.
Text = Annotated[str | None, Query(max_length=2000)]


@pages.get("/beheer/audit")
def audit_page(request: Request, session: SessionDep, user: Reader, van: Text = None, tot: Text = None,
               actor: Text = None, action: Text = None, page: Text = None) -> Response:
    typed = {"van": van or "", "tot": tot or "", "actor": actor or "", "action": action or ""}
    on_refusal(request, lambda refused: _page(request, session, None, typed, 1, refused.errors, refused.status))
    chosen = service.parse_filter(van, tot, actor, action)
    number = whole_number(page or "1")
    if number is None or not 1 <= number <= 100_000:
        raise InputError("page", "Dit paginanummer bestaat niet.")
    return _page(request, session, chosen, typed, number)


def _page(request: Request, session: SessionDep, chosen: service.AuditFilter | None, typed: dict, page: int,
          errors: dict | None = None, status_code: int = 200) -> Response:
    total, rows = service.events(session, chosen, PER_PAGE, (page - 1) * PER_PAGE) if chosen else (0, [])
    query = urlencode({k: v for k, v in typed.items() if v})
    context = {
        "events": service.described(session, rows), "total": total, "typed": typed, "errors": errors or {},
        "actors": [("", "Iedereen")] + [(str(i), name) for i, name in service.actors(session)],
        "actions": [("", "Alle handelingen")] + service.action_choices(),
        "page": page, "pages": max(1, -(-total // PER_PAGE)), "pager_query": f"&{query}" if query else "",
    }
    return render(request, "audit.html", context, status_code)


class AuditEventPublic(BaseModel):
    id: int
    at: datetime
    actor_id: int | None
    actor: str = Field(description="naam van het account; een geanonimiseerd account heeft een plaatsvervangende naam")
    actor_anonymised: bool
    action: str
    label: str = Field(description="de handeling in het Nederlands")
    subject_type: str | None
    subject_id: str | None
    summary: str
    detail: dict | None
    address: str = Field(description="het adres van de client; leeg: werk van de dienst zelf")


class AuditPage(BaseModel):
    total: int
    limit: int
    offset: int
    events: list[AuditEventPublic]


@api.get("/audit", summary="Het auditlog: wie wat wanneer vanaf waar deed, nieuwste eerst")
def audit_api(
    session: SessionDep, user: Reader,
    start: Annotated[str | None, Query(alias="from", max_length=40, description="JJJJ-MM-DD, vanaf")] = None,
    end: Annotated[str | None, Query(alias="to", max_length=40, description="JJJJ-MM-DD, tot en met")] = None,
    actor: Annotated[str | None, Query(max_length=40, description="id van het account")] = None,
    action: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> AuditPage:
    chosen = service.parse_filter(start, end, actor, action, fields=("from", "to", "actor", "action"))
    total, rows = service.events(session, chosen, limit, offset)
    return AuditPage(total=total, limit=limit, offset=offset, events=[
        AuditEventPublic(id=v.event.id, at=v.event.at, actor_id=v.event.actor_id, actor=v.actor,  # type: ignore[arg-type]
                         actor_anonymised=v.actor_anonymised, action=v.event.action, label=v.label,
                         subject_type=v.event.subject_type, subject_id=v.event.subject_id,
                         summary=v.event.summary, detail=v.event.detail, address=v.event.address)
        for v in service.described(session, rows)])
