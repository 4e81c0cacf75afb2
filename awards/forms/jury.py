"""Forms of the jury pages. Field checks only; the rules (scales, windows, who may) are in
`awards.services.jury`, `.conflicts` and `.scorecards`."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from awards.services.jury import MIN_PASSWORD_LENGTH
from awards.services.scales import grid
from core.forms import Form
from core.i18n import format_number

COMMENT_MAX = 5000


class InviteForm(Form):
    email = EmailField(
        _l("E-mail address"),
        validators=[
            DataRequired(_l("Enter an e-mail address.")),
            Email(_l("Enter a valid e-mail address.")),
            Length(max=254),
        ],
    )
    name = StringField(
        _l("Name"), validators=[DataRequired(_l("Enter the juror's name.")), Length(max=200)]
    )
    affiliation = StringField(
        _l("Affiliation"),
        validators=[Optional(), Length(max=200)],
        description=_l("The juror's organisation; used to detect conflicts of interest."),
    )
    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice("member", _l("Jury member")),
            SelectChoice("chair", _l("Jury chair")),
        ],
        default="member",
    )


class SetPasswordForm(Form):
    password = PasswordField(
        _l("Choose a password"),
        validators=[
            DataRequired(_l("Choose a password.")),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=1024,
                message=_l(
                    "Choose a password of at least %(n)s characters.", n=MIN_PASSWORD_LENGTH
                ),
            ),
        ],
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[EqualTo("password", _l("The two passwords are not the same."))],
    )


class TermsForm(Form):
    accept = BooleanField(
        _l("I have read the jury terms and accept them."),
        validators=[DataRequired(_l("Tick the box to accept the jury terms."))],
    )


class DeclareConflictForm(Form):
    reason = TextAreaField(
        _l("Why do you have a conflict of interest?"),
        validators=[
            DataRequired(_l("Say why you have a conflict of interest.")),
            Length(max=2000),
        ],
    )


class RuleConflictForm(Form):
    decision = SelectField(
        _l("Ruling"),
        choices=[
            SelectChoice("uphold", _l("Uphold: the juror stays barred")),
            SelectChoice("dismiss", _l("Dismiss: the juror may score")),
        ],
    )
    note = TextAreaField(
        _l("Note"),
        validators=[DataRequired(_l("Add a note explaining the ruling.")), Length(max=2000)],
    )


class ReopenForm(Form):
    reason = TextAreaField(
        _l("Reason for reopening"),
        validators=[DataRequired(_l("Give a reason for reopening.")), Length(max=2000)],
    )


class ScorecardBase(Form):
    comment = TextAreaField(_l("Overall comment"), validators=[Optional(), Length(max=COMMENT_MAX)])
    save = SubmitField(_l("Save draft"))
    submit = SubmitField(_l("Submit"))


def scorecard_form(criteria, locale: str, **kwargs) -> ScorecardBase:
    """A scorecard form for these criteria (in their order): `score_<id>` is a choice on the
    criterion's step grid and `comment_<id>` a comment. Scores are checked by the service
    (`validate_choice=False`), so a crafted value gets the scale's own message."""

    class ScorecardForm(ScorecardBase):
        pass

    for criterion in criteria:
        choices = [SelectChoice("", _l("— not scored —"))]
        choices += [SelectChoice(v, format_number(v, locale)) for v in grid(criterion)]
        setattr(
            ScorecardForm,
            f"score_{criterion.id}",
            SelectField(
                criterion.name(locale),
                choices=choices,
                validate_choice=False,
                description=criterion.rubric(locale),
            ),
        )
        setattr(
            ScorecardForm,
            f"comment_{criterion.id}",
            TextAreaField(
                _l("Comment on %(name)s", name=criterion.name(locale)),
                validators=[Optional(), Length(max=COMMENT_MAX)],
            ),
        )
    return ScorecardForm(**kwargs)
