"""The one error type the domains raise for input they refuse."""


class InputError(ValueError):
    """Refused input: `field` names it for the API, `message` says why in Dutch for people."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message
