"""Form helpers every domain shares: the base class `Form` (every form of Podium derives from
it), text cleaning filters, bounded number fields (a whole number, a decimal typed the Dutch or
the English way), a select widget for long lists (`LongSelect`), and binding a service's
`InvalidInput` to a form's fields."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache

from babel import support
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import DecimalField, IntegerField, TextAreaField
from wtforms.fields.choices import Choice
from wtforms.i18n import messages_path
from wtforms.widgets import Select, TextInput, html_params

from core.errors import InvalidInput
from core.i18n import current_locale
from core.text import text_problem

#: PostgreSQL's `integer`: every whole-number column
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
#: the largest decimal a form takes (criteria scales and weights stay far below)
DECIMAL_LIMIT = Decimal(1_000_000)
_WHOLE = re.compile(r"[+-]?\d+")
_MAX_DIGITS = 12  # more is out of any range; never converted
_MAX_NUMBER_TEXT = 40


def _refuse_controls(*, multiline: bool):
    """A filter refusing (with a field error) text holding control characters, and in a
    one-line field line breaks; also an uploaded file's name. Lists (multiple selects) are
    checked item by item."""

    def check(value):
        items = value if isinstance(value, list | tuple) else [value]
        for item in items:
            name = getattr(item, "filename", None)
            problem = text_problem(item, multiline=multiline) or text_problem(name, multiline=False)
            if problem is not None:
                raise ValueError(problem)
        return value

    return check


class Form(FlaskForm):
    """The base of every form: each field refuses text with C0 control characters (NUL
    included; tab, and in a text area line breaks, are fine), DEL or lone surrogates, and a
    one-line field refuses line breaks. The refusal is a field error like any other, checked
    before the field's own filters run."""

    class Meta(FlaskForm.Meta):
        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            multiline = isinstance(field, TextAreaField)
            field.filters = (_refuse_controls(multiline=multiline), *field.filters)
            return field

        def get_translations(self, form):
            """WTForms' own messages ("Not a valid choice.") in the request's language, loaded
            once per language for the process (Flask-WTF reads the catalogue from disk again
            for every request that makes a form)."""
            return _wtforms_messages(current_locale())


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


class WholeNumberField(IntegerField):
    """A whole number from `minimum` to `maximum` (default: PostgreSQL's integer range), so
    nothing typed overflows a float comparison (WTForms' NumberRange) or a database column.
    Empty input leaves None (the field's InputRequired / Optional decides); anything else
    that is not such a number is a field error (WTForms' own messages)."""

    def __init__(self, label=None, validators=None, *, minimum=INT_MIN, maximum=INT_MAX, **kw):
        super().__init__(label, validators, **kw)
        self.minimum, self.maximum = minimum, maximum

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.data = None
        raw = valuelist[0].strip() if isinstance(valuelist[0], str) else ""
        if not raw:
            return
        if not _WHOLE.fullmatch(raw):
            raise ValueError(self.gettext("Not a valid integer value."))
        digits = raw.lstrip("+-")
        value = int(raw) if len(digits) <= _MAX_DIGITS else None
        if value is None or not self.minimum <= value <= self.maximum:
            raise ValueError(
                self.gettext("Number must be between %(min)s and %(max)s.")
                % {"min": self.minimum, "max": self.maximum}
            )
        self.data = value


class LocalDecimalField(DecimalField):
    """A decimal typed the Dutch or the English way ("1,5" or "1.5"); never a float.

    A text box (a number box would send nothing for "1,5" in an English browser), shown
    without trailing zeros. Values beyond ±`limit` (default one million) are a field error.
    """

    widget = TextInput()

    def __init__(self, label=None, validators=None, *, limit=DECIMAL_LIMIT, **kw):
        super().__init__(label, validators, **kw)
        self.limit = limit

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
        self.data = None
        if not raw:
            return
        try:
            value = Decimal(raw) if len(raw) <= _MAX_NUMBER_TEXT else None
        except InvalidOperation as exc:
            raise ValueError(self.gettext("Not a valid decimal value.")) from exc
        if value is None or not value.is_finite() or abs(value) > self.limit:
            raise ValueError(_l("Enter a number from -%(n)s to %(n)s.", n=self.limit))
        self.data = value


class LongSelect(Select):
    """WTForms' select for a long, fixed list of plain choices (the ~250 countries of the
    billing form): the options' HTML is built once per list, selected value and attributes,
    not on every render — WTForms' widget builds and escapes every option each time, some
    10 ms of a page's CPU for a country list. The markup is exactly `Select`'s. Choices
    that are not (string value, string label) pairs, groups and `coerce` other than `str`
    render through `Select` itself."""

    def __call__(self, field, **kwargs):
        choices = field.choices
        plain = (
            not self.multiple
            and field.coerce is str
            and isinstance(choices, list | tuple)
            and all(
                isinstance(c, tuple) and len(c) == 2 and all(type(x) is str for x in c)
                for c in choices
            )
        )
        if not plain:
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        flags = getattr(field, "flags", {})
        for k in dir(flags):
            if k in self.validation_attrs and k not in kwargs:
                kwargs[k] = getattr(flags, k)
        options = _options(tuple(choices), field.data if type(field.data) is str else None)
        return Markup(f"<select {html_params(name=field.name, **kwargs)}>{options}</select>")


@cache
def _wtforms_messages(language: str) -> support.NullTranslations:
    return support.Translations.load(messages_path(), [language], domain="wtforms")


@lru_cache(maxsize=64)
def _options(choices: tuple[tuple[str, str], ...], selected: str | None) -> str:
    return "".join(
        Select.render_option(Choice(value, label, value == selected, None))
        for value, label in choices
    )
