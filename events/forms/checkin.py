"""The check-in page's form: the ticket code as typed (or filled in by the camera script)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from core.forms import Form


class CheckInForm(Form):
    code = StringField(
        _l("Ticket code"),
        validators=[
            DataRequired(message=_l("Type the code on the ticket.")),
            Length(max=500, message=_l("At most %(n)s characters.", n=500)),
        ],
        description=_l("12 letters and digits, as on the ticket; dashes and spaces do not matter."),
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
