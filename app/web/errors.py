"""Every refusal and every error is answered here: a clear Dutch message naming the field, as
JSON for the API and as a page for people; never a bare 500.

Refusals are raised, never returned: the domains raise an `InputError` (app/errors.py) that
carries its status, the request's session dependency rolls the transaction back, and the
handler below answers. A form page declares how it is shown again (`deps.on_refusal`), so
what was typed stays on screen with the message next to its field."""

import logging
from typing import Any, TypeVar
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import Conflict, InputError, InvalidFields
from app.web.deps import CsrfFailed, LoginRequired, is_api

log = logging.getLogger("kennisbank.web")

_MESSAGES = {
    "missing": "Dit veld is verplicht.",
    "string_too_short": "Dit veld mag niet leeg zijn.",
    "string_too_long": "Maximaal {max_length} tekens.",
    "string_type": "Vul hier tekst in.",
    "string_unicode": "Deze tekst bevat ongeldige tekens. Haal ze weg.",
    "string_pattern_mismatch": "Alleen kleine letters, cijfers en streepjes.",
    "int_parsing": "Vul een geheel getal in.",
    "int_type": "Vul een geheel getal in.",
    "int_from_float": "Vul een geheel getal in.",
    "float_parsing": "Vul een getal in.",
    "float_type": "Vul een getal in.",
    "finite_number": "Vul een getal in.",
    "bool_parsing": "Vul ja of nee in (true of false).",
    "bool_type": "Vul ja of nee in (true of false).",
    "date_parsing": "Vul een datum in als JJJJ-MM-DD.",
    "date_from_datetime_parsing": "Vul een datum in als JJJJ-MM-DD.",
    "date_from_datetime_inexact": "Vul een datum in als JJJJ-MM-DD, zonder tijd.",
    "date_type": "Vul een datum in als JJJJ-MM-DD.",
    "time_parsing": "Vul een tijd in als UU:MM.",
    "time_type": "Vul een tijd in als UU:MM.",
    "enum": "Kies een van: {expected}.",
    "literal_error": "Kies een van: {expected}.",
    "list_type": "Vul een lijst in.",
    "too_long": "Maximaal {max_length} waarden.",
    "greater_than": "Vul meer dan {gt} in.",
    "greater_than_equal": "Vul minstens {ge} in.",
    "less_than_equal": "Vul hoogstens {le} in.",
    "extra_forbidden": "Dit veld bestaat niet.",
    "model_attributes_type": "Stuur een JSON-object.",
    "dict_type": "Stuur een JSON-object.",
    "model_type": "Stuur een JSON-object.",
    "json_invalid": "De JSON is ongeldig ({error}).",
    "json_type": "De JSON is ongeldig.",
    "none_required": "Dit veld kan niet gewijzigd worden.",
}
_LOCATIONS = {"body", "query", "path", "header", "cookie", "form"}
# What a field is called on the pages, for a person reading a refusal (the API keeps the
# names). Fields the person never typed (hidden ones) are not shown back to them.
FIELD_LABELS = {
    "q": "Zoekvraag", "page": "Pagina", "van": "Gepubliceerd vanaf", "tot": "Gepubliceerd tot",
    "doelgroep": "Doelgroep", "thema": "Thema", "team": "Team", "formaat": "Formaat",
    "meeting_id": "Overleg", "person_id": "Persoon", "question_id": "Vraag", "maand": "Maand",
    "email": "E-mailadres", "name": "Naam", "title": "Titel", "summary": "Samenvatting",
    "body": "Tekst", "dossier_meaning": "Wat betekent dit voor het dossier?", "text": "Tekst",
    "tags": "Trefwoorden", "source_name": "Bron", "source_url": "Bronlink", "note": "Notitie",
    "answer": "Antwoord", "reason": "Reden", "prompt": "Gespreksvraag", "minutes": "Minuten",
    "discussion_question": "Gespreksvraag", "day": "Datum", "at": "Begintijd", "location": "Plaats",
    "theme": "Thema", "section": "Deel", "order": "Volgorde", "notes": "Aantekeningen",
    "current": "Huidig wachtwoord", "password": "Wachtwoord", "repeat": "Herhaal het wachtwoord",
}
HIDDEN_FIELDS = {"next", "version", "actie", "entry", "action", "csrf_token", "password"}


def label_of(field: str) -> str:
    return FIELD_LABELS.get(field, field.replace("_", " ").capitalize())
SERVER_ERROR_MESSAGE = (
    "Er ging aan onze kant iets mis; het is niet aan u. Probeer het over een paar minuten opnieuw. "
    "Blijft het misgaan, meld dan aan de beheerder wat u deed en hoe laat."
)
TITLES = {
    400: "Ongeldige invoer", 403: "Geen toegang", 404: "Niet gevonden", 409: "Intussen gewijzigd",
    413: "Te groot", 422: "Ongeldige invoer", 429: "Even wachten", 500: "Er ging iets mis",
}


def dutch_message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "value_error":
        return str(ctx.get("error", error.get("msg", ""))).removeprefix("Value error, ")
    if "expected" in ctx:  # pydantic lists the choices in English: "'a', 'b' or 'c'"
        ctx = {**ctx, "expected": str(ctx["expected"]).replace(" or ", " of ")}
    template = _MESSAGES.get(kind)
    if template is None:
        log.info("No Dutch message for validation error type %r: %s", kind, error.get("msg"))
        return "Deze waarde is ongeldig."
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return template


def field_of(error: dict[str, Any]) -> str:
    loc = [str(part) for part in error.get("loc", ())]
    if loc and loc[0] in _LOCATIONS:
        loc = loc[1:]
    return ".".join(loc) or "body"


def details_of(errors: list[Any], prefix: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Pydantic's errors as the API's error entries: {field, message, type, loc}."""
    return [
        {"field": field_of(e), "message": dutch_message(e), "type": e.get("type"),
         "loc": [*prefix, *e.get("loc", ())]}
        for e in errors
    ]


Model = TypeVar("Model", bound=BaseModel)


def validated(model: type[Model], data: Any) -> Model:
    """`data` (a form's values) as `model`; refused with every field's Dutch message."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidFields(details_of(exc.errors(), ("body",))) from None


def error_page(request: Request, status: int, message: str, typed: dict | None = None,
               title: str | None = None) -> Response:
    from app.web.templating import render

    context = {"title": title or TITLES.get(status, "Er ging iets mis"), "message": message,
               "typed": typed}
    return render(request, "error.html", context, status)


def refusal_response(request: Request, exc: InputError) -> Response:
    """The one answer to a refusal: JSON for the API; for a page, the form again as it declared
    (deps.on_refusal, rendered before the session closed), else an error page."""
    if is_api(request):
        body = exc.body()
        for entry in body["detail"] if isinstance(body["detail"], list) else []:
            # A domain names the field; whether it came as a query parameter, the request says.
            if entry["loc"] == ["body", entry["field"]] and entry["field"] in request.query_params:
                entry["loc"] = ["query", entry["field"]]
        return JSONResponse(body, status_code=exc.status)
    page = getattr(exc, "page", None)
    if page is not None:
        return page
    return error_page(request, exc.status, exc.message)


def server_error_response(request: Request) -> Response:
    """A 500 that is still a page of this site (or JSON for the API)."""
    if is_api(request):
        return JSONResponse({"detail": SERVER_ERROR_MESSAGE}, status_code=500)
    try:
        return error_page(request, 500, SERVER_ERROR_MESSAGE)
    except Exception:  # noqa: BLE001 - the page itself failed: a plain one, never nothing
        log.exception("Foutpagina niet getoond")
        body = (
            '<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Er ging iets mis'
            f'</title></head><body><h1>Er ging iets mis</h1><p>{SERVER_ERROR_MESSAGE}</p></body></html>'
        )
        return HTMLResponse(body, status_code=500)


class ServerErrorPages:
    """Answer an unexpected exception with a proper 500 page (inside the middleware that adds
    the security headers, so it has them), log it, and do not re-raise: the server then keeps
    the connection open for the client's next request. Starlette's own handler re-raises after
    answering, and the server then drops the keep-alive connection."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("Fout bij %s %s", scope.get("method"), scope.get("path"))
            if started:  # half an answer cannot be replaced: the server closes the connection
                raise
            response = server_error_response(Request(scope, receive))
            await response(scope, receive, send)


def _allowed_methods(request: Request) -> str:
    """Every method some route takes at this path (Starlette names only the first route's):
    asked of the router one method at a time."""
    from starlette.routing import Match

    methods = [m for m in ("GET", "POST", "PUT", "PATCH", "DELETE")
               if any(route.matches({**request.scope, "method": m})[0] == Match.FULL
                      for route in request.app.router.routes)]
    return ", ".join(methods)


def install(app: FastAPI) -> None:
    """The exception handlers, and the 500 page (installed before the security headers'
    middleware, so inside it)."""
    app.add_middleware(ServerErrorPages)

    @app.exception_handler(InputError)
    async def _refused(request: Request, exc: InputError) -> Response:
        return refusal_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = details_of(list(exc.errors()))
        if is_api(request):
            return JSONResponse({"detail": errors}, status_code=422)
        if any(e["loc"][:1] == ["path"] for e in errors):
            # /beheer/gebruikers/abc: an address that leads nowhere, not a form to correct.
            return error_page(request, 404, "Deze pagina bestaat niet (meer). Zoek via de thema's of de zoekbalk.")
        text = " ".join(f"{label_of(e['field'])}: {e['message']}" for e in errors)
        return error_page(request, 422, text)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        if is_api(request):
            return JSONResponse(
                {"detail": "Log in met een geldig API-token (Authorization: Bearer …)."},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, exc: CsrfFailed) -> Response:
        if is_api(request):
            return JSONResponse({"detail": exc.message}, status_code=403)
        # Nothing typed is lost: show it, so it can be copied into a fresh form.
        typed = {label_of(k): v for k, v in exc.typed.items() if k not in HIDDEN_FIELDS}
        return error_page(request, 403, exc.message, typed, title="Niet opgeslagen")

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> Response:
        # Input the database refuses (e.g. a NUL character on PostgreSQL): a 422, not a 500.
        message = "Deze invoer bevat tekens die niet opgeslagen kunnen worden. Pas de tekst aan."
        return refusal_response(request, InputError("body", message, kind="invalid_characters"))

    @app.exception_handler(IntegrityError)
    async def _race(request: Request, exc: IntegrityError) -> Response:
        # Two saves of the same new thing at once (a double click, two colleagues): the database's
        # unique key let one through and rolled the other back. A 409, not a 500.
        message = ("Iemand anders sloeg tegelijk hetzelfde op, en uw opslag is daarom niet bewaard. "
                   "Laad de pagina opnieuw en kijk of het er al staat.")
        return refusal_response(request, Conflict("body", message, kind="conflict"))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 400 and exc.detail == "There was an error parsing the body":  # FastAPI's own
            return refusal_response(request, InputError(
                "body", "De inhoud kon niet gelezen worden. Stuur geldige JSON of een formulier in UTF-8.",
                kind="body_unreadable", status=400))
        if is_api(request):
            if exc.status_code == 405:
                allowed = _allowed_methods(request)
                return JSONResponse({"detail": f"Deze methode kan hier niet. Wel: {allowed}."},
                                    status_code=405, headers={"Allow": allowed})
            return JSONResponse(
                {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
            )
        message = exc.detail if isinstance(exc.detail, str) else "Er ging iets mis."
        if exc.status_code == 404 and message == "Not Found":
            message = "Deze pagina bestaat niet (meer). Zoek via de thema's of de zoekbalk."
        if exc.status_code == 405:
            message = "Deze actie kan niet op deze manier."
        return error_page(request, exc.status_code, message)
