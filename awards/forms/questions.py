"""The admin's form for a question of a programme's entry form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from awards.forms.programmes import MAX_POSITION
from core.forms import Form, LocalDecimalField, WholeNumberField, clean_text, one_line

REQUIRED = _l("This field is required.")
KIND_LABELS = {
    "short_text": _l("Short text (one line)"),
    "long_text": _l("Long text"),
    "choice": _l("Choice from a list"),
    "number": _l("Number"),
    "url": _l("Web address"),
    "file": _l("PDF file"),
}


class QuestionForm(Form):
    key = StringField(
        _l("Key"),
        filters=[one_line],
        validators=[InputRequired(REQUIRED), Length(max=40)],
        description=_l(
            "Lowercase letters, digits and underscores; the export column is q_ and the key."
        ),
    )
    kind = SelectField(
        _l("Kind of answer"),
        choices=[SelectChoice(code, label) for code, label in KIND_LABELS.items()],
        validators=[InputRequired(REQUIRED)],
        validate_choice=False,
    )
    label_nl = StringField(
        _l("Question (Dutch)"),
        filters=[one_line],
        validators=[InputRequired(REQUIRED), Length(max=200)],
    )
    label_en = StringField(
        _l("Question (English)"),
        filters=[one_line],
        validators=[InputRequired(REQUIRED), Length(max=200)],
    )
    help_nl = TextAreaField(
        _l("Help text (Dutch)"), filters=[clean_text], validators=[Length(max=2_000)]
    )
    help_en = TextAreaField(
        _l("Help text (English)"), filters=[clean_text], validators=[Length(max=2_000)]
    )
    choices = TextAreaField(
        _l("Options"),
        filters=[clean_text],
        validators=[Length(max=20_000)],
        description=_l("For a choice: one option per line, Dutch | English."),
    )
    required = BooleanField(_l("An answer is required to submit"))
    category_ids = SelectMultipleField(
        _l("Categories"),
        coerce=int,
        validate_choice=False,
        description=_l("Asked of entries in these categories; none chosen: all categories."),
    )
    min_number = LocalDecimalField(
        _l("Lowest number allowed"),
        validators=[Optional()],
        description=_l("For a number; leave empty for no limit."),
    )
    max_number = LocalDecimalField(
        _l("Highest number allowed"),
        validators=[Optional()],
        description=_l("For a number; leave empty for no limit."),
    )
    position = WholeNumberField(
        _l("Position"),
        default=0,
        minimum=-MAX_POSITION,
        maximum=MAX_POSITION,
        validators=[Optional()],
    )

    def set_categories(self, programme, locale: str) -> None:
        self.category_ids.choices = [
            SelectChoice(c.id, c.name(locale)) for c in programme.categories
        ]
