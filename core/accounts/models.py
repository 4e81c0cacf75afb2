"""People who sign in. Site-wide roles (`role`): "admin" (`is_admin`: everything, also users,
privacy requests, the audit log and the outbox), "staff" (`is_staff`: the programme and event
management pages) or "none"; juror and chair are per programme (awards).

An account is active until it is erased (privacy/erasure.py) or deactivated by an admin
(`deactivated_at`); Flask-Login refuses to log an inactive account in, and deactivating also
ends its sessions.

Sessions: Flask-Login keeps `get_id()` ("<id>:<session token>") in the session cookie and in
the remember cookie, and `core.accounts.auth.load_user` accepts it only while the token is the
account's current one. A new token (`end_sessions`: log-out, and every new password) therefore
ends every session and remember cookie of the account at once.
"""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from core.db import UTCDateTime
from core.extensions import Model

#: site-wide roles, lowest first (`User.role`)
USER_ROLES = ("none", "staff", "admin")


def new_session_token() -> str:
    """A fresh random session token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def has_staff_rights(user) -> bool:
    """Whether `user` (a User, Flask-Login's anonymous user or None) may use the staff pages:
    an active staff member or admin. The domains' services ask this for staff actions."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and getattr(user, "is_staff_or_admin", False)
    )


class User(UserMixin, Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str | None] = mapped_column(sa.String(256))
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    is_admin: Mapped[bool] = mapped_column(default=False)
    locale: Mapped[str] = mapped_column(sa.String(5), default="nl")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # set when the person was erased on request (privacy/erasure.py): anonymised, inactive
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    session_token: Mapped[str] = mapped_column(sa.String(64), default=new_session_token)
    # staff: the programme and event management pages (`core.accounts.auth.staff_required`)
    is_staff: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # set while an admin has deactivated the account (core/accounts/management.py; who did
    # it is in the audit log, "account.deactivated")
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def get_id(self) -> str:
        """The id Flask-Login stores in the session and remember cookies: "<id>:<token>"."""
        return f"{self.id}:{self.session_token}"

    def end_sessions(self) -> None:
        """Invalidate every session and remember cookie of this account (a new token)."""
        self.session_token = new_session_token()

    def set_password(self, password: str) -> None:
        """Store a hash of `password`; a new password also ends every session."""
        self.password_hash = generate_password_hash(password)
        self.end_sessions()

    def check_password(self, password: str) -> bool:
        return self.password_hash is not None and check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:
        """False once erased or while deactivated: Flask-Login then refuses to log it in and
        treats an existing session or remember cookie of it as signed out."""
        return self.erased_at is None and self.deactivated_at is None

    @property
    def role(self) -> str:
        """The site-wide role: "admin", "staff" or "none" (`USER_ROLES`)."""
        return "admin" if self.is_admin else "staff" if self.is_staff else "none"

    @property
    def is_staff_or_admin(self) -> bool:
        """Whether the staff pages (programmes, events, jury set-up) are open to this account."""
        return bool(self.is_admin or self.is_staff)

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    def __repr__(self) -> str:
        return f"<User {self.email}>"
