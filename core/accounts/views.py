"""Sign-up, log-in/out, e-mail verification, password reset and change, and the profile page.

Every POST here is CSRF-protected (CSRFProtect is global). Views read the clock once and call
services; the request's unit of work commits, and `refusal` turns a DomainError into a message.
Sign-up and the reset request answer the same page whether or not the address has an account.
Log-out, a password change and a reset end every session of the account (`User.end_sessions`).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from core.accounts import management, services
from core.accounts.forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    ResetPasswordForm,
    SignupForm,
)
from core.clock import now
from core.extensions import limiter
from core.i18n import current_locale
from core.tokens import BadToken
from core.unit_of_work import refusal

bp = Blueprint("accounts", __name__)


#: the session key holding the safe `next` of a sign-up until its address is verified
AFTER_VERIFY = "after_verify"


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site ("/..."), else None.

    Refuses absolute URLs, scheme-relative `//host`, backslashes (browsers read `/\\host`
    as `//host`) and control characters (browsers drop tabs/newlines: `/\\t/host`).
    """
    if not target or len(target) > 2000 or not target.startswith("/"):
        return None
    if target.startswith("//") or "\\" in target:
        return None
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _home() -> str:
    return url_for("site.home")


def _status(form) -> int:
    """400 for a submitted form that did not validate, else 200."""
    return 400 if form.is_submitted() and form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute;50 per hour", methods=["POST"])
def login():
    """Log in with e-mail and password; one generic message for any wrong combination.
    Goes to `next` when it is a path on this site, else home."""
    next_url = safe_next(request.values.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or _home())
    form = LoginForm()
    if form.validate_on_submit():
        with refusal(form) as refused:
            user = services.authenticate(form.email.data, form.password.data)
            login_user(user, remember=bool(form.remember.data))
            if not user.is_verified:
                flash(
                    _(
                        "Please confirm your e-mail address with the link we sent you. "
                        "You can ask for a new link on your account page."
                    ),
                    "info",
                )
            return redirect(next_url or _home())
        form.next.data = next_url or ""
        return render_template("accounts/login.html", form=form), refused.status
    form.next.data = next_url or ""
    return render_template("accounts/login.html", form=form), _status(form)


@bp.post("/logout")
def logout():
    """Log out everywhere (POST only, with the CSRF token): every session and remember cookie
    of the account stops working, on this device and all others. Then go home."""
    if current_user.is_authenticated:
        services.end_sessions(current_user._get_current_object())
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(_home())


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit("5 per minute;30 per hour", methods=["POST"])
def signup():
    """Create an account and send the verification link; the visitor then logs in.

    The answer ("check your inbox") is the same when the address already has an account:
    its owner gets an e-mail saying so instead (see `services.sign_up`). A safe `next` (the
    page that sent the visitor to log in) is kept: in the links to the log-in page and in the
    session, so that the verification link, opened in this browser, leads on to it."""
    next_url = safe_next(request.values.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or _home())
    form = SignupForm()
    if not form.is_submitted():
        form.language.data = current_locale()
    if form.validate_on_submit():
        with refusal(form) as refused:
            services.sign_up(
                name=form.name.data,
                email=form.email.data,
                password=form.password.data,
                locale=form.language.data,
                now=now(),
            )
            session["lang"] = form.language.data
            if next_url:
                session[AFTER_VERIFY] = next_url
            return render_template(
                "accounts/signup_sent.html", email=form.email.data, next_url=next_url
            )
        return render_template("accounts/signup.html", form=form, next_url=next_url), refused.status
    return render_template("accounts/signup.html", form=form, next_url=next_url), _status(form)


@bp.get("/verify/<token>")
def verify(token: str):
    """Confirm the address in a verification link; a bad or expired link gets a 400 page."""
    try:
        services.verify_email(token, now=now())
    except BadToken as e:
        return render_template(
            "accounts/token_invalid.html", message=e.message, purpose="verify"
        ), 400
    flash(_("Thank you, your e-mail address is confirmed."), "success")
    next_url = safe_next(session.pop(AFTER_VERIFY, None))
    if current_user.is_authenticated:
        return redirect(next_url or _home())
    return redirect(url_for("accounts.login", next=next_url))


@bp.post("/account/resend-verification")
@login_required
def resend_verification():
    """Queue a new verification link (at most one a minute), then go back to `next`."""
    back = safe_next(request.form.get("next")) or url_for("accounts.profile")
    with refusal():
        message = services.send_verification(current_user._get_current_object(), now=now())
        if message is None:
            flash(_("Your e-mail address is already confirmed."), "info")
        else:
            flash(_("We sent a new link to %(email)s.", email=current_user.email), "success")
    return redirect(back)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per minute;30 per hour", methods=["POST"])
def forgot_password():
    """Ask for a reset link. The answer is the same whether or not the account exists."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data, now=now())
        return render_template("accounts/forgot_sent.html")
    return render_template("accounts/forgot.html", form=form), _status(form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password via a reset link (1 hour, single-use); a bad link gets a 400 page."""
    at = now()
    try:
        services.user_for_reset(token, now=at)
    except BadToken as e:
        return render_template(
            "accounts/token_invalid.html", message=e.message, purpose="reset"
        ), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        with refusal(form) as refused:
            services.reset_password(token, form.password.data, now=at)
            if current_user.is_authenticated:
                logout_user()
            flash(_("Your password has been changed. You can log in with it now."), "success")
            return redirect(url_for("accounts.login"))
        return render_template("accounts/reset.html", form=form, token=token), refused.status
    return render_template("accounts/reset.html", form=form, token=token), _status(form)


@bp.route("/welcome/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """An invited person chooses their first password (the link of `account_invite`, 7 days,
    once); that confirms the address and logs them in. A bad or used link gets a 400 page."""
    at = now()
    try:
        invited = management.user_for_invitation(token, now=at)
    except BadToken as e:
        return render_template(
            "accounts/token_invalid.html", message=e.message, purpose="invite"
        ), 400
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        with refusal(form) as refused:
            user = management.accept_invitation(token, form.password.data, now=at)
            if current_user.is_authenticated:
                logout_user()
            login_user(user)
            session["lang"] = user.locale
            flash(_("Welcome, %(name)s. Your password is set.", name=user.name), "success")
            return redirect(_home())
        return render_template(
            "accounts/welcome.html", form=form, token=token, user=invited
        ), refused.status
    return render_template("accounts/welcome.html", form=form, token=token, user=invited), _status(
        form
    )


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile():
    """Show the account (address, verification state), change name and language; the page
    also holds the password change form (`change_password`)."""
    user = current_user._get_current_object()
    form = ProfileForm(data={"name": user.name, "language": user.locale})
    if form.validate_on_submit():
        with refusal(form) as refused:
            services.update_profile(user, name=form.name.data, locale=form.language.data, now=now())
            session["lang"] = user.locale
            flash(_("Your account has been updated."), "success")
            return redirect(url_for("accounts.profile"))
        return _profile_page(form=form, status=refused.status)
    return _profile_page(form=form, status=_status(form))


@bp.post("/account/password")
@login_required
@limiter.limit("10 per minute;50 per hour")
def change_password():
    """Change the password (the current one first). Every other session and remember cookie
    of the account ends; this browser stays logged in (with a remember cookie if it had one)."""
    user = current_user._get_current_object()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        with refusal(form) as refused:
            services.change_password(
                user, current=form.current_password.data, new=form.password.data, now=now()
            )
            remember = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
            login_user(user, remember=remember in request.cookies)
            flash(
                _("Your password has been changed. You are logged out on every other device."),
                "success",
            )
            return redirect(url_for("accounts.profile"))
        return _profile_page(password_form=form, status=refused.status)
    return _profile_page(password_form=form, status=_status(form))


def _profile_page(*, form=None, password_form=None, status: int = 200):
    user = current_user._get_current_object()
    form = form or ProfileForm(formdata=None, data={"name": user.name, "language": user.locale})
    password_form = password_form or ChangePasswordForm(formdata=None)
    return render_template("accounts/profile.html", form=form, password_form=password_form), status
