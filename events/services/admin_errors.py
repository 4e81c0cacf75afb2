"""The error the events admin services raise for input that breaks a rule, field by field."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.errors import DomainError


class InvalidData(DomainError):
    """Input refused; `errors` maps a field name (or a JSON path / line reference) to messages.

    Nothing has been written when this is raised.
    """

    code = "invalid_data"
    status = 400
    message = _l("Please correct the marked fields.")

    def __init__(self, errors: dict[str, list], message=None, *, code: str | None = None):
        super().__init__(message, code=code)
        self.errors = errors

    def messages(self) -> list[str]:
        """Every message as text, prefixed with its field: "capacity: ..."."""
        return [f"{key}: {msg}" for key, msgs in self.errors.items() for msg in msgs]
