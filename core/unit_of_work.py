"""One request, one unit of work (in the spirit of indico's ``RH.process``).

`App.dispatch_request` runs every view inside the request's transaction: it commits when the
view returns and rolls back when anything escapes it or the commit fails. An escaped
`DomainError` then renders its status and message (`core.errors`). A URL whose path or query
string holds control characters (NUL, a lone surrogate...) is refused with 400 before the
view runs, so no view passes one to the database. Views therefore never call ``commit()`` or
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

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask, flash, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from core.errors import DomainError, InvalidInput
from core.extensions import db
from core.forms import bind_errors, unbound_messages
from core.text import has_control


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
    """Raise InvalidInput (400) when the request's path parameters or query string (names or
    values) hold a control character or a line break; see `core.text.has_control`."""
    texts = [str(v) for v in (request.view_args or {}).values()]
    texts += [text for key, value in request.args.items(multi=True) for text in (key, value)]
    if any(has_control(text, multiline=False) for text in texts):
        raise InvalidInput(
            message=_l("The address holds characters that are not allowed."), code="bad_url"
        )


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
