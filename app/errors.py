"""The errors the domains raise for what they refuse. Each carries the HTTP status it answers
with; the web layer answers them in one place (app/web/errors.py), after the request's
transaction has been rolled back."""

from typing import Any


class InputError(ValueError):
    """Refused input: `field` names it for the API, `message` says why in Dutch for people.

    `status` is the answer's HTTP status (422 unless a subclass or the raiser says otherwise),
    `kind` the machine-readable `type` of the API's error body."""

    status = 422
    kind = "invalid"

    def __init__(self, field: str, message: str, *, kind: str | None = None, status: int | None = None):
        super().__init__(message)
        self.field = field
        self.message = message
        if kind is not None:
            self.kind = kind
        if status is not None:
            self.status = status

    def details(self) -> list[dict[str, Any]]:
        """The API's error entries: {field, message, type, loc}."""
        return [{"field": self.field, "message": self.message, "type": self.kind,
                 "loc": ["body", self.field]}]

    def body(self) -> dict[str, Any]:
        """The API's answer. A refusal about a field lists it; one about access or existence
        (403, 404) is a sentence, as the API's other 403s and 404s are."""
        if self.status in (401, 403, 404):
            return {"detail": self.message}
        return {"detail": self.details()}

    @property
    def errors(self) -> dict[str, str]:
        """The first message per field, for showing a form again."""
        result: dict[str, str] = {}
        for entry in self.details():
            result.setdefault(entry["field"], entry["message"])
        return result


class InvalidFields(InputError):
    """Several fields refused at once: a form's values that its model does not accept."""

    def __init__(self, details: list[dict[str, Any]]):
        first = details[0]
        super().__init__(first["field"], first["message"], kind=first["type"])
        self._details = details

    def details(self) -> list[dict[str, Any]]:
        return self._details


class Forbidden(InputError):
    """The user may not do this."""

    status = 403
    kind = "forbidden"


class NotFound(InputError):
    """What the request names does not exist."""

    status = 404
    kind = "not_found"


class Conflict(InputError):
    """The request was based on something that has changed since (a stale version)."""

    status = 409
    kind = "conflict"
