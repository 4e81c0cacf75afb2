"""The form of a ticket type change after booking: the type to change to."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField
from wtforms.validators import Optional

from core.forms import Form
from events.forms.registration import ticket_type_id


class TypeChangeForm(Form):
    # checked by `events.services.type_changes` (one the registration may change to)
    ticket_type = RadioField(
        _l("New ticket"), choices=[], coerce=ticket_type_id, validate_choice=False,
        validators=[Optional()],
    )  # fmt: skip

    def chosen(self) -> int | None:
        data = self.ticket_type.data
        return data if isinstance(data, int) else None
