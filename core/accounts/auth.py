"""View guards. Object-level checks live in each domain's services."""

from __future__ import annotations

from functools import wraps

from flask import abort
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
    """Log-in required, with a verified e-mail address (else 403 with a message)."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_verified:
            abort(403)
        return view(*args, **kwargs)

    return wrapped
