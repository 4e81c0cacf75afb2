"""Forms of the group messages pages (`awards.views.admin_messages`). Field checks only;
who gets a message and when it may go are in `awards.services.group_messages`."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from awards.services.group_messages import GROUPS
from core.forms import Form

SUBJECT_MAX = 200
BODY_MAX = 20000


class MessageForm(Form):
    group = SelectField(
        _l("Send to"),
        choices=[SelectChoice(g.key, g.label) for g in GROUPS.values()],
        validators=[DataRequired(_l("Choose a group."))],
    )
    category_id = SelectField(_l("Category"), coerce=str, validators=[Optional()])
    panel_id = SelectField(_l("Panel"), coerce=str, validators=[Optional()])
    subject_nl = StringField(
        _l("Subject (Dutch)"),
        validators=[DataRequired(_l("Enter the subject in Dutch.")), Length(max=SUBJECT_MAX)],
    )
    body_nl = TextAreaField(
        _l("Message (Dutch)"),
        validators=[DataRequired(_l("Enter the message in Dutch.")), Length(max=BODY_MAX)],
    )
    subject_en = StringField(
        _l("Subject (English)"),
        validators=[DataRequired(_l("Enter the subject in English.")), Length(max=SUBJECT_MAX)],
    )
    body_en = TextAreaField(
        _l("Message (English)"),
        validators=[DataRequired(_l("Enter the message in English.")), Length(max=BODY_MAX)],
    )
    key = HiddenField(validators=[DataRequired(), Length(min=16, max=64)])

    def set_choices(self, categories, panels, locale: str) -> None:
        self.category_id.choices = [SelectChoice("", "—")] + [
            SelectChoice(str(c.id), c.name(locale)) for c in categories
        ]
        self.panel_id.choices = [SelectChoice("", "—")] + [
            SelectChoice(str(p.id), p.name) for p in panels
        ]

    @staticmethod
    def chosen_id(value) -> int | None:
        return int(value) if value and str(value).isdigit() and len(str(value)) < 10 else None


class UnsubscribeForm(Form):
    """Only the CSRF token: the link's token names who and which programme."""
