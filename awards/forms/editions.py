"""The admin's "copy to next edition" form: the new name and slug, the shift in days, and the
jurors to invite again (ticked boxes; the view sets the choices from the programme's jury)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from awards.forms.programmes import REQUIRED, _slug
from awards.services.editions import MAX_SHIFT_DAYS
from core.forms import Form, WholeNumberField, one_line


class NextEditionForm(Form):
    name = StringField(
        _l("Name"), filters=[one_line], validators=[InputRequired(REQUIRED), Length(max=200)]
    )
    slug = _slug()
    shift_days = WholeNumberField(
        _l("Move the timeline by (days)"),
        minimum=1,
        maximum=MAX_SHIFT_DAYS,
        validators=[InputRequired(REQUIRED)],
        description=_l(
            "Every moment moves this many days on the Amsterdam clock. 364 days (52 weeks) "
            "keeps each moment on the same weekday."
        ),
    )
    jurors = SelectMultipleField(
        _l("Invite these jurors again"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        description=_l(
            "Each one gets a new invitation by e-mail and accepts the jury terms again."
        ),
    )
