"""View guards. Object-level checks live in each domain's services."""

from __future__ import annotations

from functools import wraps

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required


def admin_required(view):
    """Log-in required; 403 unless the user is an admin."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def verified_required(view):
    """Log-in required, with a verified e-mail address; otherwise the user is sent to their
    account page with a message and a button to resend the verification e-mail."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_verified:
            flash(_("Please verify your e-mail address first."), "error")
            return redirect(url_for("accounts.profile"))
        return view(*args, **kwargs)

    return wrapped
