"""Forms on the entrant's path (draft, edit) and the admin's screening form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from awards.services.entries import CASE_TEXT_MAX, LINE_MAX, SUMMARY_MAX
from awards.services.questions import RawAnswer, field_name
from core.forms import Form, LocalDecimalField, clean_text, one_line


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

    def uploaded_file(self, name: str = "attachment"):
        """The file uploaded in field `name` (a FileStorage), or None when none was chosen."""
        upload = self[name].data
        if upload is None or isinstance(upload, str) or not getattr(upload, "filename", ""):
            return None
        return upload

    def raw_answers(self, questions, stored: dict) -> dict[int, RawAnswer]:
        """Question id -> what was typed or chosen; `stored`: question id -> the PDF just
        stored for it."""
        answers = {}
        for question in questions:
            name = field_name(question)
            data = self[name].data
            if question.kind == "number":
                answers[question.id] = RawAnswer(number=data)
            elif question.kind == "file":
                answers[question.id] = RawAnswer(
                    file=stored.get(question.id), remove_file=bool(self[f"{name}_remove"].data)
                )
            else:
                answers[question.id] = RawAnswer(text=data or "")
        return answers


def entry_form(questions, locale: str, **kwargs) -> EntryForm:
    """The entry form with a field `q_<id>` per question (after the fixed fields), labelled
    in `locale`. Rules (required, range, web address, option, PDF) are the service's
    (`awards.services.questions`), so a draft may leave a required question open."""

    class QuestionsForm(EntryForm):
        pass

    for question in questions:
        name = field_name(question)
        label = question.label(locale)
        if question.required:
            label = _l("%(label)s (required to submit)", label=label)
        hint = question.help(locale)
        if question.kind == "long_text":
            field = TextAreaField(label, filters=[clean_text], description=hint)
        elif question.kind == "choice":
            options = [SelectChoice("", _l("— choose —"))]
            options += [
                SelectChoice(c["nl"], c["en"] if locale == "en" else c["nl"])
                for c in question.choices
            ]
            field = SelectField(label, choices=options, validate_choice=False, description=hint)
        elif question.kind == "number":
            field = LocalDecimalField(label, validators=[Optional()], description=hint)
        elif question.kind == "file":
            field = FileField(label, description=hint or _l("One PDF of at most 10 MB."))
            setattr(QuestionsForm, f"{name}_remove", BooleanField(_l("Remove the current file")))
        else:  # short_text, url
            field = StringField(label, filters=[one_line], description=hint)
        setattr(QuestionsForm, name, field)
    return QuestionsForm(**kwargs)


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
