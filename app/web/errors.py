"""Bad input becomes a clear Dutch message naming the field; never a 500."""

from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.web.deps import CsrfFailed, LoginRequired, is_api

_MESSAGES = {
    "missing": "Dit veld is verplicht.",
    "string_too_short": "Dit veld mag niet leeg zijn.",
    "string_too_long": "Maximaal {max_length} tekens.",
    "string_type": "Vul hier tekst in.",
    "string_pattern_mismatch": "Alleen kleine letters, cijfers en streepjes.",
    "int_parsing": "Vul een geheel getal in.",
    "int_type": "Vul een geheel getal in.",
    "int_from_float": "Vul een geheel getal in.",
    "bool_parsing": "Vul ja of nee in (true of false).",
    "bool_type": "Vul ja of nee in (true of false).",
    "date_parsing": "Vul een datum in als JJJJ-MM-DD.",
    "date_from_datetime_parsing": "Vul een datum in als JJJJ-MM-DD.",
    "date_from_datetime_inexact": "Vul een datum in als JJJJ-MM-DD, zonder tijd.",
    "date_type": "Vul een datum in als JJJJ-MM-DD.",
    "enum": "Kies een van: {expected}.",
    "literal_error": "Kies een van: {expected}.",
    "list_type": "Vul een lijst in.",
    "too_long": "Maximaal {max_length} waarden.",
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


def dutch_message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "value_error":
        return str(ctx.get("error", error.get("msg", ""))).removeprefix("Value error, ")
    template = _MESSAGES.get(kind)
    if template is None:
        return str(error.get("msg", "Ongeldige waarde."))
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return template


def field_of(error: dict[str, Any]) -> str:
    loc = [str(part) for part in error.get("loc", ())]
    if loc and loc[0] in _LOCATIONS:
        loc = loc[1:]
    return ".".join(loc) or "body"


def field_errors(exc: ValidationError | RequestValidationError) -> dict[str, str]:
    """First Dutch message per field, for re-rendering a form."""
    result: dict[str, str] = {}
    for error in exc.errors():
        result.setdefault(field_of(error), dutch_message(error))
    return result


def api_error(status: int, field: str, message: str, kind: str = "invalid") -> JSONResponse:
    return JSONResponse(
        {"detail": [{"field": field, "message": message, "type": kind, "loc": ["body", field]}]},
        status_code=status,
    )


def install(app: FastAPI) -> None:
    from app.web.templating import render

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {
                "field": field_of(e),
                "message": dutch_message(e),
                "type": e.get("type"),
                "loc": list(e.get("loc", ())),
            }
            for e in exc.errors()
        ]
        if is_api(request):
            return JSONResponse({"detail": errors}, status_code=422)
        text = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return render(request, "error.html", {"title": "Ongeldige invoer", "message": text}, 422)

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
        context = {"title": "Niet opgeslagen", "message": exc.message, "typed": exc.typed}
        return render(request, "error.html", context, 403)

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> Response:
        # Input the database refuses (e.g. a NUL character on PostgreSQL): a 422, not a 500.
        message = "Deze invoer bevat tekens die niet opgeslagen kunnen worden. Pas de tekst aan."
        if is_api(request):
            return api_error(422, "body", message, "invalid_characters")
        return render(request, "error.html", {"title": "Ongeldige invoer", "message": message}, 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if is_api(request):
            return JSONResponse(
                {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
            )
        titles = {403: "Geen toegang", 404: "Niet gevonden", 413: "Te groot", 429: "Even wachten"}
        message = exc.detail if isinstance(exc.detail, str) else "Er ging iets mis."
        if exc.status_code == 404 and message == "Not Found":
            message = "Deze pagina bestaat niet (meer). Zoek via de thema's of de zoekbalk."
        if exc.status_code == 405:
            message = "Deze actie kan niet op deze manier."
        return render(
            request,
            "error.html",
            {"title": titles.get(exc.status_code, "Er ging iets mis"), "message": message},
            exc.status_code,
        )
