"""Filter form for the admin audit log (GET, no CSRF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from core.forms import Form


class AuditFilterForm(Form):
    class Meta:
        csrf = False

    action = StringField(
        _l("Action starts with"),
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        validators=[Optional(), Length(max=60)],
        description=_l('For example "entry." or "account.signed_up".'),
    )
    scope = SelectField(_l("Programme or event"), choices=[], default="")
