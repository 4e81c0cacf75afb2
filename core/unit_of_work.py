"""One request, one unit of work (in the spirit of indico's ``RH.process``).

`App.dispatch_request` runs every view inside the request's transaction: it commits when the
view returns and rolls back when anything escapes it or the commit fails. An escaped
`DomainError` then renders its status and message (`core.errors`). A URL that could only
fail in the database (control characters such as NUL, numbers beyond an integer column) is
refused before the view runs (`refuse_hostile_url`). Views therefore never call ``commit()`` or
``rollback()``; services only flush.

A view that answers a refusal itself (re-render the form, flash and redirect) wraps the
service calls in `refusal`::

    with refusal(form) as refused:
        entries.submit_entry(entry, current_user, now=current)
        return redirect(...)
    return render_template(...), refused.status

On a `DomainError` the block's changes are rolled back, an `InvalidInput`'s field errors
are bound to `form` (messages naming no field of it are flashed; any other error's message
is flashed) and execution continues after the block.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask, flash, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from core.errors import DomainError, InvalidInput, NotFound
from core.extensions import db
from core.forms import INT_MAX, INT_MIN, bind_errors, unbound_messages
from core.text import has_control

_WHOLE = re.compile(r"\s*[+-]?\d+\s*")


class App(Flask):
    """Flask, with each view dispatched as one unit of work."""

    def dispatch_request(self) -> ResponseReturnValue:
        refuse_hostile_url()
        try:
            response = super().dispatch_request()
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        return response


def refuse_hostile_url() -> None:
    """Refuse a request before its view runs when its URL could only fail in the database:
    NotFound (404) for a whole-number path argument outside PostgreSQL's integer range (no
    row has such an id); InvalidInput (400) when path arguments or query string (names or
    values) hold a control character or a line break (see `core.text.has_control`), or a
    query value is a whole number outside that range (no page, id or option is)."""
    view_args = (request.view_args or {}).values()
    if any(isinstance(v, int) and not INT_MIN <= v <= INT_MAX for v in view_args):
        raise NotFound()
    texts = [str(v) for v in view_args]
    query = [text for key, value in request.args.items(multi=True) for text in (key, value)]
    if any(has_control(text, multiline=False) for text in texts + query):
        raise InvalidInput(
            message=_l("The address holds characters that are not allowed."), code="bad_url"
        )
    if any(_out_of_range(value) for value in query):
        raise InvalidInput(
            message=_l("The address holds a number that is too large."), code="bad_url"
        )


def _out_of_range(text: str) -> bool:
    """True for a whole number (as text) outside PostgreSQL's integer range."""
    if not _WHOLE.fullmatch(text):
        return False
    digits = text.strip().lstrip("+-")
    return len(digits) > 10 or not INT_MIN <= int(text) <= INT_MAX


@dataclass
class Refused:
    """What `refusal` caught: the error, or None when the block ran through."""

    error: DomainError | None = None

    @property
    def status(self) -> int:
        """The caught error's HTTP status; 200 when nothing was refused."""
        return self.error.status if self.error is not None else 200

    def __bool__(self) -> bool:
        return self.error is not None


@contextmanager
def refusal(form=None, *, flash_message: bool = True) -> Iterator[Refused]:
    """Catch a `DomainError` raised in the block: roll the transaction back, bind an
    `InvalidInput`'s field errors to `form` (flash those naming no field; any other error's
    message is flashed), and
    record the error on the yielded `Refused`. Any other exception propagates (and the unit
    of work rolls back)."""
    refused = Refused()
    try:
        yield refused
    except DomainError as error:
        db.session.rollback()
        refused.error = error
        messages = [error.message]
        if isinstance(error, InvalidInput) and form is not None and error.errors:
            bind_errors(form, error)
            messages = unbound_messages(form, error)
        if flash_message:
            for message in messages:
                flash(str(message), "error")
