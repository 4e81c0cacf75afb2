"""Filter form for the admin outbox list (GET, no CSRF) and the status labels it shows."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, SelectField

from core.forms import Form

STATUS_LABELS = {
    "queued": _l("Queued"),
    "sent": _l("Sent"),
    "logged": _l("Logged (not sent)"),
    "failed": _l("Failed"),
}


class OutboxFilterForm(Form):
    class Meta:
        csrf = False

    status = SelectField(
        _l("Status"),
        choices=[SelectChoice("", _l("All"))]
        + [SelectChoice(value, label) for value, label in STATUS_LABELS.items()],
        default="",
    )
