"""Forms of the admin's privacy pages: finding a person, and confirming an erasure."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length

from core.forms import Form, one_line


class LookupForm(Form):
    """A GET form (no CSRF token): the address of the person asking."""

    class Meta:
        csrf = False

    email = StringField(
        _l("E-mail address"),
        filters=[one_line],
        validators=[DataRequired(_l("Enter an e-mail address.")), Length(max=254)],
    )


class EraseForm(Form):
    """Erasing a person: the admin types the person's address again to confirm."""

    email = HiddenField(validators=[DataRequired(), Length(max=254)])
    confirm = StringField(
        _l("Type the person's e-mail address to confirm"),
        filters=[one_line],
        validators=[DataRequired(_l("Type the e-mail address to confirm.")), Length(max=254)],
    )
