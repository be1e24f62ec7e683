"""Preparing and keeping a meeting: the agenda editor, moving or cancelling, the attendance
register, and the rules. For the team's contactpersoon, and Kwaliteit."""

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from app import clock
from app.accounts import service as accounts_service
from app.accounts.models import Team, User
from app.dates import parse_date, parse_time
from app.meetings import agenda as agenda_service
from app.meetings import attendance as attendance_service
from app.meetings import calendar, fit, service
from app.meetings.models import Agenda, AgendaState, Meeting, MeetingKind
from app.meetings.routes import MeetingId, common, meeting_or_404
from app.meetings.views import view
from app.web.deps import CsrfProtected, CurrentUser, PostedForm, SessionDep, on_refusal
from app.web.errors import validated
from app.web.templating import render
from app.wiki.models import MAX_INT

router = APIRouter(include_in_schema=False)
Version = Annotated[int, Form(ge=1, le=MAX_INT)]


def managed(session: SessionDep, user: User, meeting_id: int) -> Meeting:
    meeting = meeting_or_404(session, meeting_id)
    if not service.can_manage(user, meeting):
        raise HTTPException(403, "Alleen de contactpersoon van dit team of Kwaliteit bereidt dit overleg voor.")
    return meeting


def _editor(
    request: Request, session: SessionDep, meeting: Meeting, *, error: dict | None = None,
    typed: dict | None = None, status_code: int = 200,
) -> Response:
    now = clock.now()
    shown = view(session, meeting, now)
    agenda = shown.agenda
    lines = agenda_service.lines(session, agenda) if agenda else []
    local = meeting.starts_at.astimezone(calendar.LOCAL_TZ)
    context = {
        **common(),
        "v": shown,
        "lines": lines,
        "sections": agenda_service.sections(lines),
        "timing": agenda_service.timing(meeting, lines) if lines else None,
        "choices": agenda_service.recent_items_to_add(session, agenda) if agenda else [],
        "error": error or {},
        "typed": typed or {},
        "final": agenda is not None and agenda.state == AgendaState.final,
        "move": {"day": local.date().isoformat(), "at": f"{local:%H:%M}", "location": meeting.location,
                 "note": meeting.status_note, **(typed or {})},
        "history": agenda_service.history(session, agenda) if agenda else [],
        "now": now,
    }
    return render(request, "meeting_edit.html", context, status_code)


@router.get("/werkoverleg/{meeting_id}/bewerken")
def edit_page(request: Request, session: SessionDep, user: CurrentUser, meeting_id: MeetingId) -> Response:
    return _editor(request, session, managed(session, user, meeting_id))


@router.post("/werkoverleg/{meeting_id}/samenstellen", dependencies=[CsrfProtected])
def assemble_now(session: SessionDep, user: CurrentUser, meeting_id: MeetingId) -> Response:
    """Assemble the agenda now instead of at its moment (nothing happens if it exists)."""
    meeting = managed(session, user, meeting_id)
    if meeting.starts_at > clock.now():
        agenda_service.assemble(session, meeting, clock.now(), by=user)
    return RedirectResponse(f"/werkoverleg/{meeting.id}/bewerken", status_code=303)


ACTIONS = ("omhoog", "omlaag", "verwijderen", "vraag", "plan", "volgorde", "item", "punt", "definitief", "heropenen")


@router.post("/werkoverleg/{meeting_id}/agenda", dependencies=[CsrfProtected])
def edit_agenda(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    meeting_id: MeetingId,
    actie: Annotated[str, Form(max_length=20)],
    version: Version,
    entry: Annotated[int | None, Form(ge=1, le=MAX_INT)] = None,
    prompt: Annotated[str, Form(max_length=5000)] = "",
    item: Annotated[str, Form(max_length=120)] = "",
    title: Annotated[str, Form(max_length=1000)] = "",
    text: Annotated[str, Form(max_length=20_000)] = "",
    reason: Annotated[str, Form(max_length=1000)] = "",
    section: Annotated[str, Form(max_length=20)] = "",
    minutes: Annotated[str, Form(max_length=10)] = "",
    order: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    meeting = managed(session, user, meeting_id)
    agenda = agenda_service.get_agenda(session, meeting)
    if agenda is None or actie not in ACTIONS:
        raise HTTPException(404, "Deze agenda bestaat (nog) niet.")
    typed = {"actie": actie, "entry": entry, "prompt": prompt, "title": title, "text": text, "reason": reason,
             "section": section, "minutes": minutes}
    wants_json = actie == "volgorde" and "application/json" in request.headers.get("accept", "")
    if wants_json:  # the page's script: a refusal as JSON, which it shows after reloading
        on_refusal(request, lambda refused: JSONResponse(refused.body(), status_code=refused.status))
    else:
        on_refusal(request, lambda refused: _editor(
            request, session, meeting, typed=typed, status_code=refused.status,
            error={"field": refused.field, "message": refused.message, "actie": actie, "entry": entry}))
    _apply(session, agenda, user, actie, version, entry, prompt, item, title, text, reason, section, minutes, order)
    if wants_json:
        return JSONResponse({"version": agenda.version})  # the page's script keeps its forms current
    anchor = f"#punt-{entry}" if entry and actie in ("omhoog", "omlaag", "vraag", "plan") else ""
    return RedirectResponse(f"/werkoverleg/{meeting.id}/bewerken?opgeslagen=1{anchor}", status_code=303)


def _minutes(text: str) -> int:
    digits = text.strip()
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 3):
        raise service.MeetingError("minutes", f"Vul een aantal minuten in van {fit.MIN_MINUTES} tot en met {fit.MAX_MINUTES}.")
    return int(digits)


def _order(text: str) -> tuple[list[int], dict[int, str]]:
    """"12:bespreken,13:ter-kennisname,…" as the script sends it."""
    order, sections = [], {}
    for part in filter(None, text.split(",")):
        entry_id, _, section = part.partition(":")
        if not (entry_id.isascii() and entry_id.isdigit() and len(entry_id) <= 10):
            raise service.MeetingError("entry", "De volgorde past niet bij de agenda: laad de pagina opnieuw.")
        order.append(int(entry_id))
        if section:
            sections[int(entry_id)] = section
    return order, sections


def _apply(session, agenda: Agenda, user: User, actie: str, version: int, entry, prompt, item, title, text, reason,  # type: ignore[no-untyped-def]
           section="", minutes="", order="") -> None:
    now = clock.now()
    if actie in ("omhoog", "omlaag", "verwijderen", "vraag", "plan") and entry is None:
        raise service.MeetingError("entry", "Kies een agendapunt.")
    if actie == "omhoog":
        agenda_service.move_entry(session, agenda, entry, -1, version)
    elif actie == "omlaag":
        agenda_service.move_entry(session, agenda, entry, +1, version)
    elif actie == "verwijderen":
        agenda_service.remove_entry(session, agenda, entry, version)
    elif actie == "vraag":
        agenda_service.set_prompt(session, agenda, entry, prompt, version)
    elif actie == "plan":
        agenda_service.set_plan(session, agenda, entry, section, _minutes(minutes), version)
    elif actie == "volgorde":
        agenda_service.reorder(session, agenda, *_order(order), version)
    elif actie == "item":
        agenda_service.add_item(session, agenda, item, user, version)
    elif actie == "punt":
        agenda_service.add_point(session, agenda, title, text, version)
    elif actie == "definitief":
        agenda_service.finalise(session, agenda, user, version, now)
    elif actie == "heropenen":
        agenda_service.reopen(session, agenda, user, reason, version, now)
    agenda_service.record_change(session, agenda, user, actie, now)


@router.post("/werkoverleg/{meeting_id}/verplaatsen", dependencies=[CsrfProtected])
def move_meeting(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    meeting_id: MeetingId,
    day: Annotated[str, Form(max_length=20)],
    at: Annotated[str, Form(max_length=10)],
    location: Annotated[str, Form(max_length=1000)] = "",
    note: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    meeting = managed(session, user, meeting_id)
    typed = {"day": day, "at": at, "location": location, "note": note, "actie": "verplaatsen"}
    on_refusal(request, lambda refused: _editor(
        request, session, meeting, typed=typed, status_code=refused.status,
        error={"field": refused.field, "message": refused.message, "actie": "verplaatsen"}))
    unclear = "Vul een datum (JJJJ-MM-DD) en een tijd (UU:MM) in."
    parsed_day, parsed_at = parse_date("day", day, unclear), parse_time("day", at, unclear)
    service.move(session, meeting, parsed_day, parsed_at, location, note, clock.now())
    return RedirectResponse(f"/werkoverleg/{meeting.id}/bewerken?opgeslagen=1", status_code=303)


@router.post("/werkoverleg/{meeting_id}/afzeggen", dependencies=[CsrfProtected])
def cancel_meeting(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    meeting_id: MeetingId,
    reason: Annotated[str, Form(max_length=1000)] = "",
    terugzetten: Annotated[bool, Form()] = False,
) -> Response:
    meeting = managed(session, user, meeting_id)
    on_refusal(request, lambda refused: _editor(
        request, session, meeting, typed={"cancel_reason": reason}, status_code=refused.status,
        error={"field": "cancel_reason", "message": refused.message, "actie": "afzeggen"}))
    if terugzetten:
        service.restore(session, meeting, clock.now())
    else:
        service.cancel(session, meeting, reason, clock.now())
    return RedirectResponse(f"/werkoverleg/{meeting.id}/bewerken?opgeslagen=1", status_code=303)


# --- attendance ------------------------------------------------------------------------------


def _register(request: Request, session: SessionDep, meeting: Meeting, *, error: str | None = None,
              typed: dict | None = None, status_code: int = 200) -> Response:
    recorded = {a.user_id: a for a in attendance_service.attendance(session, meeting)}
    people = attendance_service.expected(session, meeting)
    context = {
        **common(),
        "v": view(session, meeting, clock.now()),
        "people": people,
        "recorded": recorded,
        "error": error,
        "typed": typed,
        "notes": typed["notes"] if typed else meeting.notes,
    }
    return render(request, "attendance.html", context, status_code)


@router.get("/werkoverleg/{meeting_id}/aanwezigheid")
def attendance_page(request: Request, session: SessionDep, user: CurrentUser, meeting_id: MeetingId) -> Response:
    return _register(request, session, managed(session, user, meeting_id))


@router.post("/werkoverleg/{meeting_id}/aanwezigheid", dependencies=[CsrfProtected])
def save_attendance(request: Request, session: SessionDep, user: CurrentUser, meeting_id: MeetingId, posted: PostedForm) -> Response:
    meeting = managed(session, user, meeting_id)
    form = posted
    present = {str(v) for v in form.getlist("aanwezig")}
    active = {str(v) for v in form.getlist("actief")}
    notes = str(form.get("notes") or "")
    rows = {}
    expected = attendance_service.expected(session, meeting)
    for person in expected:
        key = str(person.id)
        rows[person.id] = (key in present, key in active)
    typed = {"present": present, "active": active, "notes": notes}
    on_refusal(request, lambda refused: _register(
        request, session, meeting, error=refused.message, typed=typed, status_code=refused.status))
    if (present | active) - {str(p.id) for p in expected}:  # only a hand-made form sends these
        raise service.MeetingError("aanwezig", "Dit formulier noemt iemand die niet bij dit overleg hoort. "
                                   "Laad de pagina opnieuw; er is niets opgeslagen.")
    if len(notes) > 20_000:
        raise service.MeetingError("notes", "De aantekeningen zijn hoogstens 20.000 tekens.")
    attendance_service.record_attendance(session, meeting, rows, notes, user, clock.now())  # type: ignore[arg-type]
    return RedirectResponse(f"/werkoverleg/{meeting.id}?opgeslagen=1", status_code=303)


# --- rules -----------------------------------------------------------------------------------


def _rules(request: Request, session: SessionDep, user: User, *, errors: dict | None = None,
           typed: dict | None = None, status_code: int = 200) -> Response:
    series: list[tuple[str, Team | None]] = [(MeetingKind.vakoverleg, None)] + [
        (MeetingKind.werkoverleg, t) for t in accounts_service.list_teams(session)
    ]
    rows = []
    for kind, team in series:
        rule = service.get_rule(session, kind, team)
        key = f"{kind}-{team.slug}" if team else kind
        rows.append({
            "key": key, "kind": kind, "team": team, "rule": rule,
            "text": calendar.describe_rule(rule.weekday, rule.week, rule.start_time) if rule else None,
            "editable": service.can_set_rule(user, kind, team),
            "next": service.next_meeting(session, kind, team, clock.now()),
        })
    context = {**common(), "rows": rows, "weeks": calendar.WEEKS, "errors": errors or {}, "typed": typed or {}}
    return render(request, "rules.html", context, status_code)


@router.get("/werkoverleg/regels")
def rules_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    return _rules(request, session, user)


@router.post("/werkoverleg/regels", dependencies=[CsrfProtected])
def save_rule(request: Request, session: SessionDep, user: CurrentUser, posted: PostedForm) -> Response:
    form = {k: str(v) for k, v in posted.items()}
    kind = form.get("kind", "")
    if kind not in (MeetingKind.werkoverleg, MeetingKind.vakoverleg):
        raise HTTPException(422, "Kies werkoverleg of vakoverleg.")
    team = accounts_service.get_team_by_slug(session, form.get("team", "")) if kind == MeetingKind.werkoverleg else None
    if kind == MeetingKind.werkoverleg and team is None:
        raise HTTPException(404, "Dit team bestaat niet.")
    if not service.can_set_rule(user, kind, team):
        raise HTTPException(403, "U mag de vaste tijd van dit overleg niet wijzigen.")
    key = f"{kind}-{team.slug}" if team else kind
    values = {
        "weekday": form.get("weekday", ""), "week": form.get("week", ""),
        "start_time": form.get("start_time", ""), "duration_minutes": form.get("duration_minutes") or 90,
        "location": form.get("location", ""), "lead_days": form.get("lead_days") or None,
    }
    on_refusal(request, lambda refused: _rules(
        request, session, user, errors={key: refused.errors}, typed={key: values}, status_code=refused.status))
    service.set_rule(session, MeetingKind(kind), team, validated(service.RuleIn, values))
    return RedirectResponse(f"/werkoverleg/regels?opgeslagen={key}#{key}", status_code=303)

