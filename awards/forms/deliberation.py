"""The deliberation page's form: which comments of one entry reach its entrant. Which ids
are comments of the entry, and who may choose, is the deliberation service's say
(`validate_choice=False`)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField
from wtforms.validators import InputRequired
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from core.forms import Form, WholeNumberField


class FeedbackForm(Form):
    cards = SelectMultipleField(
        _l("Overall comments to share with the entrant"),
        coerce=int,
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    scores = SelectMultipleField(
        _l("Comments per criterion to share with the entrant"),
        coerce=int,
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    round_no = WholeNumberField(minimum=1, validators=[InputRequired()], widget=HiddenInput())
