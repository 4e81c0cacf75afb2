"""Who is logged in (Flask-Login's user loader) and the view guards. Object-level checks live
in each domain's services."""

from __future__ import annotations

import hmac
from functools import wraps

import sqlalchemy as sa
from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from core.accounts.models import User, has_staff_rights
from core.extensions import db


def load_user(user_id: str) -> User | None:
    """The user a session or remember cookie names, as "<id>:<session token>" (`User.get_id`).

    None (so the visitor is anonymous) when the account is gone, when its session token has
    changed since the cookie was made (log-out, password change or reset: `User.end_sessions`),
    or for any other value, such as the bare ids of cookies made before session tokens.
    """
    uid, sep, token = (user_id or "").partition(":")
    if not sep or not token or not (uid.isascii() and uid.isdigit()) or len(uid) > 18:
        return None
    user = db.session.scalar(_USER, {"id": int(uid)})
    if user is None or not hmac.compare_digest(user.session_token.encode(), token.encode()):
        return None
    if not user.is_active:  # erased or deactivated
        return None
    return user


#: `load_user`'s query, built once: every request of a logged-in visitor asks it first, and
#: `session.get` builds its statement anew each time a request's session is empty
_USER = sa.select(User).where(User.id == sa.bindparam("id"))


def _guard(view, allowed, role: str):
    """`view` behind log-in and `allowed(current_user)` (403 otherwise); the guarded view's
    `required_role` says which guard it is ("admin" or "staff"), for the tests that check
    every staff page uses `staff_required`."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not allowed(current_user):
            abort(403)
        return view(*args, **kwargs)

    wrapped.required_role = role  # type: ignore[attr-defined]
    return wrapped


def admin_required(view):
    """Log-in required; 403 unless the user is an admin."""
    return _guard(view, lambda user: bool(user.is_admin), "admin")


def staff_required(view):
    """Log-in required; 403 unless the user is staff or an admin (`has_staff_rights`): the
    programme and event management pages. Users, privacy requests, the audit log and the
    outbox stay `admin_required`."""
    return _guard(view, has_staff_rights, "staff")


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
