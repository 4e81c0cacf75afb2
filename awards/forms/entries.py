"""Forms on the entrant's path (draft, edit) and the admin's screening form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from awards.services.entries import CASE_TEXT_MAX, LINE_MAX, SUMMARY_MAX
from core.forms import Form, clean_text, one_line


class EntryForm(Form):
    """A case. Summary and case text may stay empty in a draft; submitting needs them."""

    category = SelectField(
        _l("Category"),
        coerce=int,
        validators=[InputRequired(_l("Choose a category."))],
    )
    organisation = StringField(
        _l("Organisation"),
        filters=[one_line],
        validators=[InputRequired(_l("This field is required.")), Length(max=LINE_MAX)],
    )
    title = StringField(
        _l("Title of the case"),
        filters=[one_line],
        validators=[InputRequired(_l("This field is required.")), Length(max=LINE_MAX)],
    )
    summary = TextAreaField(
        _l("Summary"),
        filters=[clean_text],
        validators=[Optional(), Length(max=SUMMARY_MAX)],
        description=_l("At most 1,000 characters."),
    )
    case_text = TextAreaField(
        _l("The case"),
        filters=[clean_text],
        validators=[Optional(), Length(max=CASE_TEXT_MAX)],
        description=_l("At most 20,000 characters."),
    )
    attachment = FileField(
        _l("PDF attachment (optional)"),
        description=_l("One PDF of at most 10 MB, without a password."),
    )
    remove_attachment = BooleanField(_l("Remove the current attachment"))

    def set_categories(self, programme, locale: str) -> None:
        self.category.choices = [SelectChoice(c.id, c.name(locale)) for c in programme.categories]

    def uploaded_file(self):
        """The uploaded file (a FileStorage), or None when no file was chosen."""
        upload = self.attachment.data
        if upload is None or isinstance(upload, str) or not getattr(upload, "filename", ""):
            return None
        return upload


class ScreeningForm(Form):
    outcome = RadioField(
        _l("Outcome"),
        choices=[
            SelectChoice("eligible", _l("Eligible")),
            SelectChoice("ineligible", _l("Ineligible")),
        ],
        validators=[InputRequired(_l("Choose eligible or ineligible."))],
    )
    reason = TextAreaField(
        _l("Reason"),
        filters=[clean_text],
        validators=[Length(max=2_000)],
        description=_l("Required when the entry is ineligible; the entrant sees it."),
    )
