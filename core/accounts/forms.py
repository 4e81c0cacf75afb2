"""Account forms. Field checks here are for friendly messages; services enforce the rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from core.accounts.services import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from core.forms import Form, WholeNumberField

LANGUAGE_CHOICES = [SelectChoice("nl", "Nederlands"), SelectChoice("en", "English")]


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _email_field():
    return EmailField(
        _l("E-mail address"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Enter your e-mail address.")),
            Length(max=254),
            Email(_l("That is not a valid e-mail address.")),
        ],
    )


def _new_password_fields(label=None):
    password = PasswordField(
        label or _l("Password"),
        description=_l("At least %(n)s characters.", n=MIN_PASSWORD_LENGTH),
        validators=[
            DataRequired(_l("Choose a password.")),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
                message=_l(
                    "Choose a password of at least %(n)s characters.", n=MIN_PASSWORD_LENGTH
                ),
            ),
        ],
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[
            DataRequired(_l("Repeat the password.")),
            EqualTo("password", _l("The two passwords are not the same.")),
        ],
    )
    return password, confirm


def _name_field():
    return StringField(
        _l("Name"),
        filters=[_strip],
        validators=[DataRequired(_l("Enter your name.")), Length(max=200)],
    )


def _language_field():
    return SelectField(_l("Language"), choices=LANGUAGE_CHOICES, default="nl")


class LoginForm(Form):
    email = _email_field()
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Enter your password.")), Length(max=1024)]
    )
    remember = BooleanField(_l("Stay logged in on this device"))
    next = HiddenField()


class SignupForm(Form):
    name = _name_field()
    email = _email_field()
    password, confirm = _new_password_fields()
    language = _language_field()


class ForgotPasswordForm(Form):
    email = _email_field()


class ResetPasswordForm(Form):
    password, confirm = _new_password_fields()


class ProfileForm(Form):
    name = _name_field()
    language = _language_field()


class ChangePasswordForm(Form):
    """The account page's password change: the current password, then the new one twice."""

    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Enter your current password.")), Length(max=1024)],
    )
    password, confirm = _new_password_fields(_l("New password"))


# --- users managed by admins (core.accounts.admin_views) ------------------------------------

ROLE_CHOICES = [
    SelectChoice("none", _l("No role")),
    SelectChoice("staff", _l("Staff")),
    SelectChoice("admin", _l("Admin")),
]
STATE_CHOICES = [
    SelectChoice("active", _l("Active")),
    SelectChoice("invited", _l("Invited")),
    SelectChoice("deactivated", _l("Deactivated")),
]


class UserFilterForm(Form):
    """The users list's filter bar (GET, no CSRF): search, role, state and the page."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Name or e-mail address"), filters=[_strip], validators=[Optional(), Length(max=254)]
    )
    role = SelectField(_l("Role"), choices=[SelectChoice("", _l("All")), *ROLE_CHOICES], default="")
    state = SelectField(
        _l("State"), choices=[SelectChoice("", _l("All")), *STATE_CHOICES], default=""
    )
    page = WholeNumberField(_l("Page"), validators=[Optional()], minimum=1)


class InviteUserForm(Form):
    name = _name_field()
    email = _email_field()
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default="none")
    language = _language_field()


class UserRoleForm(Form):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)


class AcceptInvitationForm(Form):
    password, confirm = _new_password_fields()
