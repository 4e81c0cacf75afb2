"""Filter form for the admin outbox list (GET, no CSRF) and the status labels it shows."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, SelectField

from core.forms import Form
from core.labels import LABELS

STATUS_LABELS = LABELS["outbox_status"]


class OutboxFilterForm(Form):
    class Meta:
        csrf = False

    status = SelectField(
        _l("Status"),
        choices=[SelectChoice("", _l("All"))]
        + [SelectChoice(value, label) for value, label in STATUS_LABELS.items()],
        default="",
    )
