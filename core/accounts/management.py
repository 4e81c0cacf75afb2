"""Users managed by admins in the UI: the list, invitations, roles, deactivation.

Only the very first admin is made on the command line (`flask users create-admin`); every
later account with a role is invited here. An invitation creates the account (no password,
unverified) and mails a link (purpose "invite", 7 days) to choose a password, which also
confirms the address and logs the person in. The link works once: it carries a fingerprint
of the account's password hash, as the reset link does (`services._fingerprint`).

Refused, with nothing changed (`UserAdminError`, 409): an admin changing their own role or
deactivating themselves, and anything that would leave no active admin (the active admins
are locked first, so two admins demoting each other at once cannot both succeed). Every
change is audited ("account.invited", "account.reinvited", "account.role_changed",
"account.deactivated", "account.reactivated", "account.invite_accepted"). Services take
`actor` and `now`, flush only and raise `DomainError`s; the request commits.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from core.accounts.models import USER_ROLES, User
from core.accounts.services import (
    _clean_profile,
    _fingerprint,
    _uid,
    check_password_rules,
    find_user,
)
from core.audit.services import record
from core.emails import normalise_email
from core.errors import DomainError, InvalidInput, NotFound
from core.extensions import db
from core.locking import write_transaction
from core.outbox.models import MailMessage
from core.outbox.services import queue_mail
from core.tokens import BadToken, make_token, read_token

INVITE_PURPOSE = "invite"
INVITE_DAYS = 7
INVITE_MAX_AGE = int(timedelta(days=INVITE_DAYS).total_seconds())
PER_PAGE = 50
#: the states an account shown in the list can be in (`user_state`); erased ones are not shown
USER_STATES = ("active", "invited", "deactivated")


class UserAdminError(DomainError):
    """A change to an account that the rules refuse; nothing changed."""

    status = 409
    code = "user_admin_refused"


def user_state(user: User) -> str:
    """ "erased", "deactivated", "invited" (no password chosen yet) or "active"."""
    if user.erased_at is not None:
        return "erased"
    if user.deactivated_at is not None:
        return "deactivated"
    if not user.password_hash:
        return "invited"
    return "active"


@dataclass(frozen=True)
class UserPage:
    """One page of the list: its users, the number matching in all, the page and the pages."""

    users: list[User]
    total: int
    page: int
    pages: int


def list_users(*, search: str = "", role: str = "", state: str = "", page: int = 1) -> UserPage:
    """The accounts matching `search` (part of the name or e-mail address, any case, taken
    literally), `role` (one of USER_ROLES) and `state` (one of USER_STATES), by name, PER_PAGE
    a page; erased accounts are left out. Two queries (a count and the page), whatever the
    page holds. An unknown role or state filters nothing; a page past the end is the last."""
    query = sa.select(User).where(User.erased_at.is_(None))
    needle = " ".join((search or "").split()).lower()
    if needle:
        query = query.where(
            sa.or_(
                sa.func.lower(User.name).contains(needle, autoescape=True),
                sa.func.lower(User.email).contains(needle, autoescape=True),
            )
        )
    if role == "admin":
        query = query.where(User.is_admin.is_(True))
    elif role == "staff":
        query = query.where(User.is_staff.is_(True), User.is_admin.is_(False))
    elif role == "none":
        query = query.where(User.is_staff.is_(False), User.is_admin.is_(False))
    if state == "deactivated":
        query = query.where(User.deactivated_at.is_not(None))
    elif state == "invited":
        query = query.where(User.deactivated_at.is_(None), User.password_hash.is_(None))
    elif state == "active":
        query = query.where(User.deactivated_at.is_(None), User.password_hash.is_not(None))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(1, page), pages)
    users = db.session.scalars(
        query.order_by(sa.func.lower(User.name), User.id)
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    return UserPage(users=list(users), total=total, page=page, pages=pages)


def get_user(user_id: int) -> User:
    """The account with this id; NotFound when there is none or it was erased."""
    user = db.session.get(User, user_id)
    if user is None or user.erased_at is not None:
        raise NotFound()
    return user


def _clean_role(role: str) -> str:
    if role not in USER_ROLES:
        raise InvalidInput({"role": _l("Choose no role, staff or admin.")}, code="bad_role")
    return role


def _apply_role(user: User, role: str) -> None:
    user.is_admin = role == "admin"
    user.is_staff = role == "staff"


def invite_user(
    *, name: str, email: str, role: str, locale: str, actor: User, now: datetime
) -> tuple[User, bool]:
    """Create an account with `role` ("none", "staff" or "admin") and language `locale`, and
    mail its owner a link to choose a password (`account_invite`, in their language).
    Returns (user, True); audits "account.invited".

    An address whose account has no password yet (an earlier invitation, or a juror who never
    opened theirs) gets a fresh link instead; the account stays as it is (its role is changed
    on its page): returns (user, False) and audits "account.reinvited". Any other existing
    account is refused: InvalidInput on `email` ("already has an account"), nothing sent.
    Raises InvalidInput for a bad address, name, role or language."""
    try:
        address = validate_email(normalise_email(email), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InvalidInput(
            {"email": _l("That is not a valid e-mail address.")}, code="bad_email"
        ) from exc
    address = normalise_email(address)
    name, locale = _clean_profile(name, locale)
    role = _clean_role(role)
    existing = find_user(address)
    if existing is not None:
        if existing.password_hash or existing.erased_at is not None:
            raise InvalidInput(
                {
                    "email": _l(
                        "This address already has an account. Find it in the list to change its role."
                    )
                },
                code="already_registered",
            )
        if existing.deactivated_at is not None:
            raise InvalidInput(
                {
                    "email": _l(
                        "This address has a deactivated account. Reactivate it first on its page."
                    )
                },
                code="deactivated",
            )
        record("account.reinvited", existing, now=now, actor=actor)
        send_invitation(existing, actor=actor, now=now)
        return existing, False
    user = User(email=address, name=name, locale=locale, created_at=now, password_hash=None)
    _apply_role(user, role)
    db.session.add(user)
    db.session.flush()
    record("account.invited", user, now=now, actor=actor, user_role=role)
    send_invitation(user, actor=actor, now=now)
    return user, True


def send_invitation(user: User, *, actor: User, now: datetime) -> MailMessage:
    """Queue the invitation mail with a fresh link (valid INVITE_DAYS days, once)."""
    token = make_token(INVITE_PURPOSE, {"uid": user.id, "fp": _fingerprint(user)}, now=now)
    return queue_mail(
        user.email,
        "account_invite",
        now=now,
        locale=user.locale,
        user=user,
        inviter=actor,
        token=token,
        days=INVITE_DAYS,
    )


def user_for_invitation(token: str, *, now: datetime) -> User:
    """The account an invitation link is for. Raises BadToken when it is expired (7 days),
    tampered with, already used (a password was chosen since), or the account was
    deactivated or erased."""
    payload = read_token(INVITE_PURPOSE, token, max_age_seconds=INVITE_MAX_AGE, now=now)
    user = db.session.get(User, _uid(payload))
    if (
        user is None
        or not user.is_active
        or user.password_hash
        or not hmac.compare_digest(str(payload.get("fp")), _fingerprint(user))
    ):
        raise BadToken(
            _l("This invitation has already been used or is not valid."), code="bad_token"
        )
    return user


def accept_invitation(token: str, password: str, *, now: datetime) -> User:
    """Choose the first password through an invitation link: confirms the address (the link
    proved it) and ends the link. Raises BadToken (`user_for_invitation`), WeakPassword.
    Audits "account.invite_accepted"; the caller logs the person in."""
    user = user_for_invitation(token, now=now)
    check_password_rules(password)
    user.set_password(password)
    if not user.is_verified:
        user.email_verified_at = now
    record("account.invite_accepted", user, now=now, actor=user)
    db.session.flush()
    return user


def _other_active_admins(user: User) -> int:
    """How many active admins there are besides `user`, with every active admin's row locked
    (in id order; SQLite: the write lock) until the transaction ends, so concurrent demotions
    and deactivations are decided one after the other."""
    write_transaction()
    ids = db.session.scalars(
        sa.select(User.id)
        .where(
            User.is_admin.is_(True),
            User.deactivated_at.is_(None),
            User.erased_at.is_(None),
        )
        .order_by(User.id)
        .with_for_update()
    ).all()
    return len([i for i in ids if i != user.id])


def _refuse_self(user: User, actor: User, message) -> None:
    if user.id == actor.id:
        raise UserAdminError(message, code="own_account")


def _refuse_last_admin(user: User, message) -> None:
    """UserAdminError("last_admin") unless another active admin remains besides `user` (an
    inactive `user` takes none away); `user` is read again under the lock."""
    others = _other_active_admins(user)
    db.session.refresh(user)
    if user.is_admin and user.is_active and others == 0:
        raise UserAdminError(message, code="last_admin")


def set_role(user: User, role: str, *, actor: User, now: datetime) -> bool:
    """Give `user` the site-wide `role`; returns False when it already had it (nothing
    recorded). Refused (UserAdminError): an admin's own role ("own_account"), and taking the
    role of the last active admin ("last_admin"). Raises InvalidInput for an unknown role.
    Audits "account.role_changed" (user_role, previous_role)."""
    role = _clean_role(role)
    _refuse_self(user, actor, _l("You cannot change your own role. Ask another admin to do it."))
    if user.is_admin and role != "admin":
        _refuse_last_admin(
            user, _l("This is the last active admin. Make someone else an admin first.")
        )
    previous = user.role
    if role == previous:
        return False
    _apply_role(user, role)
    db.session.flush()
    record(
        "account.role_changed", user, now=now, actor=actor, user_role=role, previous_role=previous
    )
    return True


def deactivate(user: User, *, actor: User, now: datetime) -> User:
    """Deactivate `user`: they can no longer log in, and every session and remember cookie of
    the account ends at once. Their role is kept for a reactivation. Refused
    (UserAdminError): oneself ("own_account"), the last active admin ("last_admin"), an
    account already deactivated ("already_deactivated"). Audits "account.deactivated"."""
    _refuse_self(user, actor, _l("You cannot deactivate your own account."))
    if user.deactivated_at is not None:
        raise UserAdminError(_l("This account is already deactivated."), code="already_deactivated")
    if user.is_admin:
        _refuse_last_admin(
            user, _l("This is the last active admin. Make someone else an admin first.")
        )
    user.deactivated_at = now
    user.end_sessions()
    db.session.flush()
    record("account.deactivated", user, now=now, actor=actor, user_role=user.role)
    return user


def reactivate(user: User, *, actor: User, now: datetime) -> User:
    """Let a deactivated account log in again, with the role it had. Raises UserAdminError
    ("not_deactivated") for an active one. Audits "account.reactivated"."""
    if user.deactivated_at is None:
        raise UserAdminError(_l("This account is not deactivated."), code="not_deactivated")
    user.deactivated_at = None
    db.session.flush()
    record("account.reactivated", user, now=now, actor=actor, user_role=user.role)
    return user
