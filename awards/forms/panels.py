"""Forms of the admin's panels and assignment pages. Field checks only; the rules (whose
jurors, which rounds, categories and entries, how many jurors per entry) are in
`awards.services.panels` and `awards.services.assignment`."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length, Optional

from awards.services.panels import MAX_NAME
from core.forms import INT_MAX, Form, WholeNumberField, one_line

_ID = re.compile(r"\d{1,10}")


def row_id(value):
    """A chosen row's id: a whole number within PostgreSQL's integer, None for nothing
    chosen; anything else is a field error (the service says whether the row may be
    chosen)."""
    if value is None or isinstance(value, int):
        return value
    text = str(value).strip()
    if not text:
        return None
    if not _ID.fullmatch(text) or int(text) > INT_MAX:
        raise ValueError(_l("Choose one of the options."))
    return int(text)


class PanelForm(Form):
    name = StringField(
        _l("Panel name"),
        filters=[one_line],
        validators=[InputRequired(_l("Give the panel a name.")), Length(max=MAX_NAME)],
        description=_l("For example Panel A or Transformation panel."),
    )


class PanelMemberForm(Form):
    # the service checks the juror is on this programme's jury
    member_id = SelectField(
        _l("Juror"), coerce=row_id, validate_choice=False, validators=[Optional()]
    )


class ScopeForm(Form):
    round_no = SelectField(_l("In round"), coerce=row_id, validate_choice=False)
    category_id = SelectField(
        _l("A whole category"), coerce=row_id, validate_choice=False, validators=[Optional()]
    )
    entry_ids = SelectMultipleField(
        _l("Or these entries"),
        coerce=row_id,
        validate_choice=False,
        validators=[Optional()],
        description=_l("Hold Ctrl (or Cmd) to choose several."),
    )


class AssignForm(Form):
    k = WholeNumberField(
        _l("Jurors for each entry"),
        minimum=1,
        maximum=1000,
        validators=[Optional()],
        description=_l("How many jurors score each entry of the round."),
    )
