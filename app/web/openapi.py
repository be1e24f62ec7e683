"""The OpenAPI document, with the error bodies the API really sends (app/web/errors.py) instead
of FastAPI's default validation error."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

REF = "#/components/schemas/"


class FieldError(BaseModel):
    field: str = Field(description="het veld, bijvoorbeeld `title` of `attendance.0.email`")
    message: str = Field(description="wat er mis is, in het Nederlands")
    type: str = Field(description="soort fout, bijvoorbeeld `missing`, `bsn` of `stale_version`")
    loc: list[str | int] = Field(description="waar het veld staat: `body`, `query` of `path`, dan het pad")


class FieldErrors(BaseModel):
    """Ongeldige invoer: per veld een Nederlandse uitleg."""

    detail: list[FieldError]


class StaleVersionError(FieldErrors):
    """Iemand anders heeft intussen opgeslagen."""

    current_version: int = Field(description="de versie die nu is opgeslagen")


class Message(BaseModel):
    """Een foutmelding in één zin."""

    detail: str


def _schema(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema(ref_template=REF + "{model}")


def _json(name: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": REF + name}}}}


def docs_page() -> HTMLResponse:
    """Swagger UI from static/vendor: the service needs no internet, and the page no inline
    script (FastAPI's own page loads Swagger UI from a CDN and starts it inline)."""
    page = get_swagger_ui_html(
        openapi_url="/openapi.json", title="Wiki-bibliotheek · API",
        swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
        swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
        swagger_favicon_url="/static/img/favicon.svg",
    )
    body = page.body.decode()
    start = body.index("<script>", body.index("swagger-ui-bundle.js"))
    end = body.index("</script>", start) + len("</script>")
    body = body[:start] + '<script src="/static/js/swagger-init.js"></script>' + body[end:]
    return HTMLResponse(body.replace("<html>", '<html lang="nl">', 1))


def install(app: FastAPI) -> None:
    app.add_api_route("/docs", docs_page, include_in_schema=False, methods=["GET"])
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description,
                             routes=app.routes)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        for model in (FieldErrors, StaleVersionError, Message):
            definition = _schema(model)
            components.update(definition.pop("$defs", {}))
            components[model.__name__] = definition
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                if "422" in responses:
                    responses["422"] = _json("FieldErrors", "Ongeldige invoer: per veld een Nederlandse uitleg")
                if "409" in responses:
                    responses["409"] = _json("StaleVersionError", responses["409"].get("description", "Intussen gewijzigd"))
                # Every operation: a NUL in the address, or a body that cannot be read
                # (app/web/middleware.py, app/web/errors.py).
                responses.setdefault("400", _json("FieldErrors", "Het adres of de inhoud kon niet gelezen worden"))
                if operation.get("security"):  # deps.api_token: a logged-in operation
                    responses.setdefault("401", _json("Message", "Niet ingelogd: stuur een geldig API-token"))
                    responses.setdefault("403", _json("Message", "Geen toegang met deze rol"))
                if method != "get":
                    responses.setdefault("403", _json("Message", "Geen toegang met deze rol, of geen geldig CSRF-token"))
                if method in ("post", "put", "patch"):
                    responses.setdefault("409", _json("FieldErrors", "Iemand anders sloeg tegelijk hetzelfde op"))
                    responses.setdefault("413", _json("FieldErrors", "De inhoud is te groot (meer dan 1 MB)"))
                names = {p.get("name") for p in operation.get("parameters", [])}
                if "{" in path or "team" in names:
                    responses.setdefault("404", _json("Message", "Bestaat niet"))
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
