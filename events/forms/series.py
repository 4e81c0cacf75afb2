"""Series and copy forms (the rules live in `events/services/series.py` and `copies.py`):
a series, an event's series, a copy of an event, a series of recurring talks made in one go.
The views set the series choices (`series_choices`)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from core.forms import Form, WholeNumberField, one_line
from events.forms.admin import MARKDOWN_HINT
from events.services.copies import MAX_SHIFT_DAYS
from events.services.series import MAX_TALKS, SeriesData

REQUIRED = _l("This field is required.")
SLUG_HINT = _l("Lower-case letters, digits and hyphens, e.g. digital-talks.")
INTERVAL_CHOICES = [
    SelectChoice("weekly", _l("Every week")),
    SelectChoice("biweekly", _l("Every two weeks")),
    SelectChoice("monthly", _l("Every month, on the same weekday (e.g. the second Thursday)")),
]
NEW_SERIES = 0


def series_choices(all_series, *, none_label) -> list[SelectChoice]:
    """(id, title) per series, after a first choice 0 named `none_label`."""
    return [SelectChoice(0, none_label)] + [SelectChoice(s.id, s.title_nl) for s in all_series]


class SeriesForm(Form):
    slug = StringField(
        _l("Slug (web address)"),
        filters=[one_line],
        description=SLUG_HINT,
        validators=[DataRequired(REQUIRED), Length(max=80)],
    )
    title_nl = StringField(_l("Title (Dutch)"), filters=[one_line],
                           validators=[DataRequired(REQUIRED), Length(max=200)])  # fmt: skip
    title_en = StringField(_l("Title (English)"), filters=[one_line],
                           validators=[DataRequired(REQUIRED), Length(max=200)])  # fmt: skip
    description_nl = TextAreaField(_l("Description (Dutch)"), description=MARKDOWN_HINT)
    description_en = TextAreaField(_l("Description (English)"), description=MARKDOWN_HINT)

    def to_data(self) -> SeriesData:
        return SeriesData(
            slug=self.slug.data or "",
            title_nl=self.title_nl.data or "",
            title_en=self.title_en.data or "",
            description_nl=self.description_nl.data or "",
            description_en=self.description_en.data or "",
        )

    @classmethod
    def for_series(cls, series) -> SeriesForm:
        return cls(formdata=None, data={f: getattr(series, f) for f in (
            "slug", "title_nl", "title_en", "description_nl", "description_en")})  # fmt: skip


class EventSeriesForm(Form):
    """Which series an event belongs to (0: none)."""

    series_id = SelectField(_l("Series"), coerce=int, validate_choice=True)


class CopyForm(Form):
    slug = StringField(
        _l("Slug of the copy"),
        filters=[one_line],
        description=_l("Lower-case letters, digits and hyphens, e.g. digital-talk-cookies-2."),
        validators=[DataRequired(REQUIRED), Length(max=80)],
    )
    title_nl = StringField(_l("Title (Dutch)"), filters=[one_line],
                           validators=[DataRequired(REQUIRED), Length(max=200)])  # fmt: skip
    title_en = StringField(_l("Title (English)"), filters=[one_line],
                           validators=[DataRequired(REQUIRED), Length(max=200)])  # fmt: skip
    start_date = DateField(
        _l("New date"),
        validators=[Optional()],
        description=_l("The copy starts on this day at the same Amsterdam time."),
    )
    shift_days = WholeNumberField(
        _l("Or: move every date by (days)"),
        minimum=-MAX_SHIFT_DAYS,
        maximum=MAX_SHIFT_DAYS,
        validators=[Optional()],
        description=_l("Used when no new date is given; 7 is a week later."),
    )


class RecurringForm(Form):
    series = SelectField(
        _l("Series"),
        coerce=int,
        validate_choice=True,
        description=_l("The talk and its copies join this series."),
    )
    series_slug = StringField(
        _l("Slug of the new series"),
        filters=[one_line],
        description=SLUG_HINT,
        validators=[Length(max=80)],
    )
    series_title_nl = StringField(_l("Title of the new series (Dutch)"), filters=[one_line],
                                  validators=[Length(max=200)])  # fmt: skip
    series_title_en = StringField(_l("Title of the new series (English)"), filters=[one_line],
                                  validators=[Length(max=200)])  # fmt: skip
    interval = SelectField(_l("How often"), choices=INTERVAL_CHOICES, validate_choice=True)
    count = WholeNumberField(
        _l("Number of new talks"),
        minimum=1,
        maximum=MAX_TALKS,
        validators=[InputRequired(_l("Enter a whole number."))],
        description=_l("At most %(n)s.", n=MAX_TALKS),
    )
    first_date = DateField(
        _l("Date of the first new talk"),
        validators=[InputRequired(_l("Enter a date."))],
        description=_l("Each talk starts at the template's Amsterdam time."),
    )
    slug_prefix = StringField(
        _l("Slug prefix"),
        filters=[one_line],
        description=_l(
            "Each talk's slug is the prefix and its date, e.g. digital-talk-2026-01-08."
        ),
        validators=[DataRequired(REQUIRED), Length(max=69)],
    )

    def new_series(self) -> SeriesData | None:
        """The new series described, when "a new series" is chosen."""
        if self.series.data != NEW_SERIES:
            return None
        return SeriesData(
            slug=self.series_slug.data or "",
            title_nl=self.series_title_nl.data or "",
            title_en=self.series_title_en.data or "",
        )
