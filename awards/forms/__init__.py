"""Awards forms (Flask-WTF), plus the small helpers they share.

Forms check the shape of input (required, length, number); the rules live in the services,
whose `InvalidInput` errors `apply_errors` puts back on the matching fields.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from wtforms import DecimalField
from wtforms.widgets import TextInput

from core.forms import bind_errors


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


def apply_errors(form, error) -> bool:
    """Attach an InvalidInput's field messages to `form`; True when all found a field."""
    return bind_errors(form, error)
