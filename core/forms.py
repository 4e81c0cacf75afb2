"""Form helpers every domain shares: text cleaning filters, a decimal field typed the Dutch
or the English way, and binding a service's `InvalidInput` to a form's fields."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from wtforms import DecimalField
from wtforms.widgets import TextInput

from core.errors import InvalidInput


def _field(form, name: str):
    field = getattr(form, name, None)
    return field if field is not None and hasattr(field, "errors") else None


def bind_errors(form, error: InvalidInput) -> bool:
    """Attach `error`'s field messages to the matching fields of `form`; True when it had
    field errors and every one found a field (otherwise the caller shows the rest)."""
    for name, messages in error.errors.items():
        field = _field(form, name)
        if field is not None:
            field.errors = [*field.errors, *messages]
    return bool(error.errors) and not unbound_messages(form, error)


def unbound_messages(form, error: InvalidInput) -> list:
    """`error`'s field messages that name no field of `form`, in order."""
    return [
        message
        for name, messages in error.errors.items()
        if _field(form, name) is None
        for message in messages
    ]


def clean_text(value):
    """Strip surrounding space and use "\\n" line breaks (browsers send "\\r\\n")."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n").strip()
    return value


def one_line(value):
    """A single line: any run of whitespace, line breaks included, becomes one space."""
    if isinstance(value, str):
        return " ".join(value.split())
    return value


class LocalDecimalField(DecimalField):
    """A decimal typed the Dutch or the English way ("1,5" or "1.5"); never a float.

    A text box (a number box would send nothing for "1,5" in an English browser), shown
    without trailing zeros.
    """

    widget = TextInput()

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if isinstance(self.data, Decimal):
            return format(self.data.normalize(), "f")
        return "" if self.data is None else str(self.data)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = valuelist[0].strip().replace(",", ".")
        if not raw:
            self.data = None
            return
        try:
            value = Decimal(raw)
        except InvalidOperation as exc:
            self.data = None
            raise ValueError(self.gettext("Not a valid decimal value.")) from exc
        if not value.is_finite():
            self.data = None
            raise ValueError(self.gettext("Not a valid decimal value."))
        self.data = value
