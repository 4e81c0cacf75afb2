"""The admin's programme, category and criterion forms. Times are Europe/Amsterdam wall-clock."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateTimeLocalField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from awards.scoring import METHODS
from core.forms import Form, LocalDecimalField, WholeNumberField, clean_text, one_line

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
REQUIRED = _l("This field is required.")
MAX_POSITION = 10_000  # the order of categories and criteria
METHOD_LABELS = {
    "mean": _l("Mean"),
    "median": _l("Median"),
    "trimmed": _l("Trimmed mean"),
    "zscore": _l("Z-score normalised mean"),
}


def _moment(label):
    return DateTimeLocalField(
        label,
        format=DATETIME_FORMATS,
        validators=[InputRequired(REQUIRED)],
        description=_l("Amsterdam time"),
    )


def _slug(label=None):
    return StringField(
        label or _l("Slug"),
        filters=[one_line],
        validators=[InputRequired(REQUIRED), Length(max=80)],
        description=_l("Lowercase letters, digits and dashes; used in web addresses."),
    )


def _position():
    return WholeNumberField(
        _l("Position"),
        default=0,
        minimum=-MAX_POSITION,
        maximum=MAX_POSITION,
        validators=[Optional()],
    )


class ProgrammeForm(Form):
    slug = _slug()
    name = StringField(
        _l("Name"), filters=[one_line], validators=[InputRequired(REQUIRED), Length(max=200)]
    )
    submissions_open_at = _moment(_l("Submissions open"))
    submissions_close_at = _moment(_l("Submissions close"))
    scoring_open_at = _moment(_l("Scoring opens"))
    scoring_close_at = _moment(_l("Scoring closes"))
    publish_at = _moment(_l("Results published"))
    quorum = WholeNumberField(
        _l("Quorum"),
        default=3,
        minimum=1,
        maximum=100,
        validators=[InputRequired(REQUIRED)],
        description=_l("Submitted scorecards an entry needs before it is ranked."),
    )
    trim = WholeNumberField(
        _l("Trim"),
        default=1,
        minimum=0,
        maximum=100,
        validators=[InputRequired(REQUIRED)],
        description=_l("Highest and lowest scores dropped by the trimmed mean."),
    )
    method = SelectField(
        _l("Default aggregation method"),
        choices=[SelectChoice(m, METHOD_LABELS.get(m, m)) for m in METHODS],
        default="mean",
    )
    jury_terms_nl = TextAreaField(_l("Jury terms (Dutch)"), filters=[clean_text])
    jury_terms_en = TextAreaField(_l("Jury terms (English)"), filters=[clean_text])


class CategoryForm(Form):
    slug = _slug()
    name_nl = StringField(
        _l("Name (Dutch)"),
        filters=[one_line],
        validators=[InputRequired(REQUIRED), Length(max=200)],
    )
    name_en = StringField(
        _l("Name (English)"),
        filters=[one_line],
        validators=[InputRequired(REQUIRED), Length(max=200)],
    )
    description_nl = TextAreaField(_l("Description (Dutch)"), filters=[clean_text])
    description_en = TextAreaField(_l("Description (English)"), filters=[clean_text])
    shortlist_size = WholeNumberField(
        _l("Shortlist size"),
        default=3,
        minimum=1,
        maximum=100,
        validators=[InputRequired(REQUIRED)],
    )
    position = _position()


class CriterionForm(Form):
    key = StringField(
        _l("Key"),
        filters=[one_line],
        validators=[InputRequired(REQUIRED), Length(max=40)],
        description=_l("Lowercase letters, digits and underscores, e.g. customer_focus."),
    )
    name_nl = StringField(
        _l("Name (Dutch)"),
        filters=[one_line],
        validators=[InputRequired(REQUIRED), Length(max=120)],
    )
    name_en = StringField(
        _l("Name (English)"),
        filters=[one_line],
        validators=[InputRequired(REQUIRED), Length(max=120)],
    )
    rubric_nl = TextAreaField(_l("Rubric (Dutch)"), filters=[clean_text])
    rubric_en = TextAreaField(_l("Rubric (English)"), filters=[clean_text])
    weight = LocalDecimalField(_l("Weight"), default=1, validators=[InputRequired(REQUIRED)])
    min_score = LocalDecimalField(
        _l("Minimum score"), default=1, validators=[InputRequired(REQUIRED)]
    )
    max_score = LocalDecimalField(
        _l("Maximum score"), default=10, validators=[InputRequired(REQUIRED)]
    )
    step = LocalDecimalField(_l("Step"), default=1, validators=[InputRequired(REQUIRED)])
    position = _position()
    round_no = SelectField(
        _l("Asked in"),
        coerce=lambda value: round_choice(value),
        choices=[],
        description=_l("A criterion can be asked in every round or in one round only."),
    )


ASSIGNMENT_LABELS = {
    "all": _l("The whole jury"),
    "panels": _l("Panels (each scores its categories or entries)"),
    "auto": _l("Automatic assignment (a number of jurors per entry)"),
}


class RoundForm(Form):
    """A judging round (`awards.services.rounds`): its names, scoring window, quorum and who
    scores it."""

    name_nl = StringField(
        _l("Name (Dutch)"),
        filters=[one_line],
        validators=[InputRequired(REQUIRED), Length(max=120)],
        description=_l("For example Longlist, Shortlist or Finale."),
    )
    name_en = StringField(
        _l("Name (English)"),
        filters=[one_line],
        validators=[InputRequired(REQUIRED), Length(max=120)],
    )
    scoring_open_at = _moment(_l("Scoring opens"))
    scoring_close_at = _moment(_l("Scoring closes"))
    quorum = WholeNumberField(
        _l("Quorum"),
        default=3,
        minimum=1,
        maximum=100,
        validators=[InputRequired(REQUIRED)],
        description=_l("Submitted scorecards an entry needs in this round before it is ranked."),
    )
    assignment = SelectField(
        _l("Who scores"),
        choices=[SelectChoice(k, v) for k, v in ASSIGNMENT_LABELS.items()],
        default="all",
    )
    jurors_per_entry = WholeNumberField(
        _l("Jurors per entry"),
        minimum=1,
        maximum=100,
        validators=[Optional()],
        description=_l("Only with automatic assignment."),
    )


def round_choice(value):
    """The criterion form's round: "" (every round) -> None, else the round's number."""
    if value in (None, "", "None"):
        return None
    return int(value)


def criterion_round_choices(numbers) -> list[SelectChoice]:
    """The choices of a criterion's round: every round, or one of `numbers`."""
    return [SelectChoice("", _l("Every round"))] + [
        SelectChoice(str(n), _l("Round %(n)s only", n=n)) for n in numbers
    ]
