"""Questions: the page everyone asks on and the contactpersoon answers on, and the JSON API."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from app import clock
from app.accounts import service as accounts_service
from app.accounts.models import Role, User
from app.dates import SaneDate
from app.questions import service
from app.questions.models import (
    CHANNEL_LABELS,
    AnswerIn,
    HelpedIn,
    Question,
    QuestionIn,
    QuestionPublic,
)
from app.textinput import whole_number
from app.web.deps import CsrfProtected, CurrentUser, PostedForm, RequireRole, SessionDep, on_refusal
from app.web.errors import validated
from app.web.templating import render
from app.wiki import service as wiki_service
from app.wiki.models import MAX_INT

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/questions", tags=["vragen"])
QuestionId = Annotated[int, Path(ge=1, le=MAX_INT)]


PER_PAGE = 20
HELPED = {"ja": True, "nee": False}
# The advice function's figures: aggregates only, so management sees them too.
Monitor = Annotated[User, Depends(RequireRole(
    Role.kwaliteit, Role.contactpersoon, Role.management,
    message="De cijfers over de adviesfunctie zijn voor Kwaliteit, contactpersonen en management."))]
SHOW = {"open": False, "beantwoord": True, "alle": None}  # ?toon=: answered or not


def _page(request: Request, session: SessionDep, user: User, *, errors: dict | None = None,
          typed: dict | None = None, focus: Question | None = None, status_code: int = 200) -> Response:
    answering = service.can_log_for_others(user)
    params = request.query_params
    show = params.get("toon") if params.get("toon") in SHOW else "open"
    themes = wiki_service.list_themes(session)
    theme = next((t for t in themes if t.slug == params.get("thema")), None)
    try:
        page = max(1, min(10_000, int(params.get("page", "1"))))
    except ValueError:
        page = 1
    mine = service.mine(session, user)
    team_questions, total = ([], 0)
    if answering:
        team_questions, total = service.to_answer(
            session, user, answered=SHOW[show], theme_id=theme.id if theme else None,
            limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    # Just answered or made a concept of (it may have left the list shown), or linked from the
    # worklist (it may be on another page): that question first, in view.
    named = next((n for k in ("beantwoord", "concept", "vraag") if (n := whole_number(params.get(k, ""), 9))), None)
    if focus is None and named:
        saved = service.get(session, named)
        focus = saved if saved is not None and service.can_see(user, saved) else None
    if focus is not None and focus.asker_id != user.id and focus.id not in {q.id for q in team_questions}:
        team_questions.insert(0, focus)  # the one whose answer was refused (what was typed), or just saved
    shown = mine + team_questions
    people = accounts_service.users_by_id(
        session, {q.asker_id for q in shown} | {q.answered_by_id for q in shown if q.answered_by_id})
    askers = service.askers_for(session, user)
    linked = wiki_service.items_by_id(session, {q.item_id for q in shown if q.item_id})
    context = {
        "mine": mine,
        "team_questions": team_questions,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PER_PAGE)),
        "show": show,
        "theme": theme,
        # The open questions shown are all of them unless a filter narrows the list.
        "open_count": (total if show == "open" and theme is None
                       else service.to_answer(session, user, answered=False, limit=0)[1]) if answering else 0,
        "people": people,
        "answering": answering,
        "askers": askers,
        "themes": themes,
        "themes_by_id": {t.id: t for t in themes},
        "items": wiki_service.recent_items(session, limit=200),
        "linked": linked,
        "channels": CHANNEL_LABELS,
        "errors": errors or {},
        "typed": typed or {},
        "today": clock.today(),
    }
    return render(request, "questions.html", context, status_code)


@pages.get("/vragen")
def questions_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    return _page(request, session, user)


def _form(form) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {k: str(v) for k, v in form.items() if isinstance(v, str)}


@pages.post("/vragen", dependencies=[CsrfProtected])
def ask_page(request: Request, session: SessionDep, user: CurrentUser, posted: PostedForm) -> Response:
    typed = _form(posted)
    values = {
        "text": typed.get("text", ""), "theme": typed.get("theme") or None,
        "channel": typed.get("channel") or "app", "asker": typed.get("asker") or None,
        "asked_on": typed.get("asked_on") or None,
    }
    on_refusal(request, lambda refused: _page(
        request, session, user, errors={"ask": refused.errors}, typed={"ask": typed}, status_code=refused.status))
    service.ask(session, validated(QuestionIn, values), user, clock.now())
    return RedirectResponse("/vragen?verstuurd=1", status_code=303)


def _question(session: SessionDep, user: User, question_id: int) -> Question:
    question = service.get(session, question_id)
    if question is None:
        raise HTTPException(404, "Deze vraag bestaat niet.")
    if not service.can_see(user, question):
        raise HTTPException(403, "Deze vraag is niet aan u gesteld.")
    return question


def _own_question(session: SessionDep, user: User, question_id: int) -> Question:
    """Only the asker says whether an answer helped: for anyone else the question is not there."""
    question = service.get(session, question_id)
    if question is None or question.asker_id != user.id:
        raise HTTPException(404, "Deze vraag bestaat niet.")
    return question


@pages.post("/vragen/{question_id}/antwoord", dependencies=[CsrfProtected])
def answer_page(request: Request, session: SessionDep, user: CurrentUser, question_id: QuestionId, posted: PostedForm) -> Response:
    question = _question(session, user, question_id)
    if not service.can_answer(user, question):
        raise HTTPException(403, "Alleen de contactpersoon van het team of Kwaliteit beantwoordt deze vraag.")
    typed = _form(posted)
    key = f"q{question.id}"
    values = {"answer": typed.get("answer", ""), "general_interest": typed.get("general_interest") == "on",
              "item": typed.get("item") or None, "theme": typed.get("theme") or None}
    on_refusal(request, lambda refused: _page(
        request, session, user, errors={key: refused.errors}, typed={key: typed}, focus=question,
        status_code=refused.status))
    service.answer(session, question, validated(AnswerIn, values), user, clock.now())
    show = typed.get("toon") if typed.get("toon") in SHOW else "open"
    return RedirectResponse(f"/vragen?toon={show}&beantwoord={question.id}#vraag-{question.id}", status_code=303)


@pages.post("/vragen/{question_id}/concept", dependencies=[CsrfProtected])
def draft_page(request: Request, session: SessionDep, user: CurrentUser, question_id: QuestionId,
               theme: Annotated[str, Form(max_length=80)] = "") -> Response:
    question = _question(session, user, question_id)
    on_refusal(request, lambda refused: _page(
        request, session, user, errors={f"q{question.id}": refused.errors}, focus=question,
        status_code=refused.status))
    item = service.make_draft_item(session, question, user, clock.now(), theme or None)
    if user.role == Role.kwaliteit:
        return RedirectResponse(f"/items/{item.slug}/bewerken", status_code=303)
    return RedirectResponse(f"/vragen?toon=alle&concept={question.id}#vraag-{question.id}", status_code=303)


@pages.post("/vragen/{question_id}/geholpen", dependencies=[CsrfProtected])
def helped_page(request: Request, session: SessionDep, user: CurrentUser, question_id: QuestionId, posted: PostedForm) -> Response:
    question = _own_question(session, user, question_id)
    on_refusal(request, lambda refused: _page(
        request, session, user, errors={f"h{question.id}": refused.errors}, status_code=refused.status))
    said = HELPED.get(str(posted.get("helped", "")))
    if said is None:
        raise service.QuestionError("helped", "Kies ja of nee.")
    service.say_helped(session, question, said, user, clock.now())
    return RedirectResponse(f"/vragen?geholpen={question.id}#vraag-{question.id}", status_code=303)


# --- API -------------------------------------------------------------------------------------


def to_public(session: SessionDep, question: Question) -> QuestionPublic:
    asker = accounts_service.get_user(session, question.asker_id)
    team = accounts_service.get_team(session, question.team_id) if question.team_id else None
    themes = wiki_service.themes_by_id(session)
    item = wiki_service.items_by_id(session, {question.item_id}).get(question.item_id) if question.item_id else None
    return QuestionPublic(
        id=question.id, asker=asker.email if asker else "", team=team.slug if team else None,  # type: ignore[arg-type]
        theme=themes[question.theme_id].slug if question.theme_id in themes else None,
        channel=question.channel, text=question.text, asked_at=question.asked_at,
        answer=question.answer, answered_at=question.answered_at,
        general_interest=question.general_interest, item=item.slug if item else None,
        helped=question.helped,
    )


@api.get("", summary="Vragen: uw eigen; voor een contactpersoon die van het team; voor Kwaliteit alle")
def list_questions(
    session: SessionDep, user: CurrentUser, open_only: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 100, offset: Annotated[int, Query(ge=0, le=MAX_INT)] = 0,
) -> list[QuestionPublic]:
    """Newest first; page with `limit` and `offset`."""
    return [to_public(session, q) for q in service.listed(session, user, open_only=open_only, limit=limit, offset=offset)]


@api.post(
    "", status_code=201, summary="Een vraag stellen, of vastleggen voor een collega",
    responses={422: {"description": "Bijvoorbeeld een BSN in de tekst (type 'bsn')"}},
    dependencies=[CsrfProtected],
)
def post_question(session: SessionDep, user: CurrentUser, data: QuestionIn) -> QuestionPublic:
    return to_public(session, service.ask(session, data, user, clock.now()))


@api.put("/{question_id}/answer", summary="Een vraag beantwoorden (contactpersoon of Kwaliteit)",
         dependencies=[CsrfProtected])
def put_answer(session: SessionDep, user: CurrentUser, question_id: QuestionId, data: AnswerIn) -> QuestionPublic:
    question = _question(session, user, question_id)
    service.answer(session, question, data, user, clock.now())
    return to_public(session, question)



@api.post("/{question_id}/helped", summary="Had u hier iets aan? Ja of nee, van wie de vraag stelde",
          responses={404: {"description": "Niet uw vraag"}, 422: {"description": "Nog niet beantwoord"}},
          dependencies=[CsrfProtected])
def post_helped(session: SessionDep, user: CurrentUser, question_id: QuestionId, data: HelpedIn) -> QuestionPublic:
    question = _own_question(session, user, question_id)
    service.say_helped(session, question, data.helped, user, clock.now())
    return to_public(session, question)


@api.get("/monitoring", summary="De adviesfunctie in cijfers: aantallen, behandeltijd, per thema, of het hielp")
def get_monitoring(
    session: SessionDep, user: Monitor,
    start: Annotated[SaneDate, Query(description="eerste dag, JJJJ-MM-DD")],
    end: Annotated[SaneDate, Query(description="laatste dag (tot en met), JJJJ-MM-DD")],
) -> service.AdviceMonitoring:
    """Only aggregates; a figure over fewer than three people is empty with its reason."""
    return service.advice_monitoring(session, start, end)
