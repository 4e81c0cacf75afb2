"""The leaderboard's forms: the shortlist (ticked entries) and the ratification (the winner
among the nominees, with citations). Which entries may be chosen, and why not, is the
ratification service's say (`validate_choice=False`)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, SelectMultipleField, TextAreaField
from wtforms.validators import InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from core.forms import Form


class ShortlistForm(Form):
    entries = SelectMultipleField(
        _l("Nominees"),
        coerce=int,
        validate_choice=False,  # the service says which entries may be nominated, and why not
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    method = HiddenField()
    trim = HiddenField()


class RatifyForm(Form):
    winner = RadioField(
        _l("Winner"), coerce=int, validate_choice=False, validators=[InputRequired()]
    )
    citation_nl = TextAreaField(_l("Citation (Dutch)"), validators=[Length(max=5000)])
    citation_en = TextAreaField(_l("Citation (English)"), validators=[Length(max=5000)])
    method = HiddenField()
    trim = HiddenField()


class AdvanceForm(Form):
    """The entries of a category that go on to the next round (ticked) — the rounds service
    says which may."""

    entries = SelectMultipleField(
        _l("Entries that go on to the next round"),
        coerce=int,
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    method = HiddenField()
    trim = HiddenField()
