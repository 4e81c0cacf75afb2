"""Coded domain errors that services raise and views turn into messages, plus HTTP error pages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

from core.extensions import db


class DomainError(Exception):
    """A rule said no. `code` is stable (tests and logs use it); `message` is shown to the user."""

    code = "domain_error"
    status = 400
    message = _l("That is not allowed.")

    def __init__(self, message=None, *, code: str | None = None):
        if code:
            self.code = code
        if message is not None:
            self.message = message
        super().__init__(str(self.message))


class NotAllowed(DomainError):
    code = "forbidden"
    status = 403
    message = _l("You are not allowed to do that.")


class NotFound(DomainError):
    code = "not_found"
    status = 404
    message = _l("Not found.")


class InvalidInput(DomainError):
    """Input a rule refused. `errors` maps a field name (or a JSON path, a line reference) to
    its messages; `core.forms.bind_errors` puts them on the form's fields. `message` defaults
    to the first field message, else the general one. Nothing has been written when this is
    raised."""

    code = "invalid_input"
    status = 400
    message = _l("Please correct the marked fields.")

    def __init__(
        self,
        errors: Mapping[str, Any] | None = None,
        message=None,
        *,
        code: str | None = None,
    ):
        self.errors: dict[str, list] = {
            key: list(value) if isinstance(value, list | tuple) else [value]
            for key, value in (errors or {}).items()
        }
        if message is None:
            message = next((msgs[0] for msgs in self.errors.values() if msgs), None)
        super().__init__(message, code=code)

    def messages(self) -> list[str]:
        """Every message as text, prefixed with its field: "capacity: ..."."""
        return [f"{key}: {msg}" for key, msgs in self.errors.items() for msg in msgs]


def register_errorhandlers(app: Flask) -> None:
    """Every HTTP error and every uncaught DomainError renders a page, never a traceback.

    Each handler rolls the session back first: an error raised where the unit of work did not
    (a failed commit, a before-request hook) leaves it unusable, and the page itself loads
    the signed-in user."""

    def render(status: int, message):
        db.session.rollback()
        if request.accept_mimetypes.best == "application/json":
            return {"error": str(message)}, status
        return render_template("core/error.html", status=status, message=message), status

    messages = {
        400: _l("The request could not be understood."),
        403: _l("You are not allowed to see this page."),
        404: _l("This page does not exist."),
        405: _l("This action is not available here."),
        413: _l("The upload is too large."),
        429: _l("Too many requests; please wait a moment."),
        500: _l("Something went wrong on our side. Nothing was changed."),
    }
    for status, message in messages.items():
        app.register_error_handler(status, lambda e, s=status, m=message: render(s, m))

    app.register_error_handler(
        CSRFError,
        lambda e: render(
            400, _l("The form expired or was not sent from this site. Please try again.")
        ),
    )
    app.register_error_handler(DomainError, lambda e: render(e.status, e.message))
