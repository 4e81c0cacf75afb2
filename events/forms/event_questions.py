"""Registration questions: the staff form for a question, and the registration form's extra
fields (one per question of the event, `with_questions`). The rules are
`events.services.event_questions`'; the fields only show them ("(required)", the options)."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from core.forms import Form, clean_text, one_line
from events.models import EventQuestion
from events.services.event_questions import (
    ANSWER_REQUIRED,
    HELP_MAX,
    KEY_MAX,
    LABEL_MAX,
    NO,
    REQUIRED,
    YES,
    check_answers,
    field_name,
)

KIND_LABELS = {
    "text": _l("Text"),
    "choice": _l("Choice from a list"),
    "yes_no": _l("Yes or no"),
}


class QuestionForm(Form):
    key = StringField(
        _l("Key"),
        filters=[one_line],
        validators=[InputRequired(REQUIRED), Length(max=KEY_MAX)],
        description=_l(
            "Lowercase letters, digits and underscores; the export's column is q_ and the key."
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
        validators=[InputRequired(REQUIRED), Length(max=LABEL_MAX)],
    )
    label_en = StringField(
        _l("Question (English)"),
        filters=[one_line],
        validators=[InputRequired(REQUIRED), Length(max=LABEL_MAX)],
    )
    help_nl = TextAreaField(
        _l("Help text (Dutch)"), filters=[clean_text], validators=[Length(max=HELP_MAX)]
    )
    help_en = TextAreaField(
        _l("Help text (English)"), filters=[clean_text], validators=[Length(max=HELP_MAX)]
    )
    choices = TextAreaField(
        _l("Options"),
        filters=[clean_text],
        validators=[Length(max=10_000)],
        description=_l("For a choice: at least two options, one per line, Dutch | English."),
    )
    required = BooleanField(_l("An answer is required to register"))


class _Answers:
    """Mixed into the registration form by `with_questions`."""

    questions: Sequence[EventQuestion] = ()

    def question_fields(self) -> list:
        """The question fields, in the questions' order."""
        return [getattr(self, field_name(q)) for q in self.questions]

    def answers(self) -> dict[str, object]:
        """Field name -> what was sent, for `start_registration(answers=...)`."""
        return {field_name(q): getattr(self, field_name(q)).data for q in self.questions}

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)  # type: ignore[misc]
        _values, errors = check_answers(self.questions, self.answers())
        for name, message in errors.items():
            found = getattr(self, name)
            if not found.errors:
                found.errors = [*found.errors, message]
            ok = False
        return ok


def answer_field(question: EventQuestion, locale: str):
    """The form field for an answer to `question`, labelled in `locale`."""
    label = question.label(locale)
    description = question.help(locale)
    required = [InputRequired(ANSWER_REQUIRED)] if question.required else [Optional()]
    if question.kind == "choice":
        options = [
            SelectChoice(c["nl"], c["en"] if locale == "en" else c["nl"]) for c in question.choices
        ]
        return RadioField(
            label, choices=options, validators=required, description=description,
            validate_choice=False,
        )  # fmt: skip
    if question.kind == "yes_no":
        return RadioField(
            label,
            choices=[SelectChoice(YES, _l("Yes")), SelectChoice(NO, _l("No"))],
            validators=required,
            description=description,
            validate_choice=False,
        )
    return TextAreaField(
        label,
        filters=[clean_text],
        validators=required,  # the length: check_answers (ANSWER_MAX)
        description=description,
    )


def with_questions(form_class: type, questions: Sequence[EventQuestion], locale: str) -> type:
    """`form_class` with a field per question (named `field_name`, labelled in `locale`),
    `question_fields()`, `answers()`, and the answers checked by `check_answers` on validate."""
    fields = {field_name(q): answer_field(q, locale) for q in questions}
    namespace = {"questions": tuple(questions), **fields}
    return type(form_class)(form_class.__name__, (_Answers, form_class), namespace)
