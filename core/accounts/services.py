"""Accounts: sign-up, e-mail verification, log-in checks, password reset, profile, admins.

Services take `now`, flush only and raise `DomainError` subclasses; the caller commits.
Links in e-mails carry signed tokens (`core.tokens`): purpose "verify" (3 days) and
"reset" (1 hour, single-use because it carries a fingerprint of the current password hash).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from core.accounts.models import User
from core.audit.services import record
from core.emails import normalise_email
from core.errors import DomainError, InvalidInput
from core.extensions import db
from core.outbox.models import MailMessage
from core.outbox.services import queue_mail
from core.tokens import BadToken, make_token, read_token

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
LOCALES = ("nl", "en")
VERIFY_MAX_AGE = int(timedelta(days=3).total_seconds())
RESET_MAX_AGE = int(timedelta(hours=1).total_seconds())
# at most one verification / reset mail per address per interval (the outbox is the record)
MAIL_INTERVAL = timedelta(minutes=1)


class EmailTaken(DomainError):
    code = "email_taken"
    status = 409
    message = _l(
        "An account with this e-mail address already exists. Log in, or reset your password."
    )


class WeakPassword(DomainError):
    code = "weak_password"
    message = _l("Choose a password of at least %(n)s characters.", n=MIN_PASSWORD_LENGTH)


class InvalidCredentials(DomainError):
    code = "invalid_credentials"
    status = 401
    message = _l("The e-mail address or password is not correct.")


class TooSoon(DomainError):
    code = "too_soon"
    status = 429
    message = _l("We just sent you a link. Please wait a minute before asking again.")


def find_user(email: str) -> User | None:
    """The user with this address (compared after normalising), or None."""
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def check_password_rules(password: str) -> None:
    """Raises WeakPassword unless MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH."""
    if not password or not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise WeakPassword()


def _clean_profile(name: str, locale: str) -> tuple[str, str]:
    name = " ".join((name or "").split())
    if not name or len(name) > 200:
        raise InvalidInput(message=_l("Enter your name (at most 200 characters)."), code="bad_name")
    if locale not in LOCALES:
        raise InvalidInput(message=_l("Choose Dutch or English."), code="bad_locale")
    return name, locale


def sign_up(*, name: str, email: str, password: str, locale: str, now: datetime) -> User:
    """Create an unverified account and queue the verification e-mail.

    Raises EmailTaken when the (normalised) address is in use (also when a concurrent
    sign-up wins the unique index; only the new account is undone), WeakPassword, InvalidInput.
    """
    name, locale = _clean_profile(name, locale)
    check_password_rules(password)
    email = normalise_email(email)
    if find_user(email) is not None:
        raise EmailTaken()
    user = User(email=email, name=name, locale=locale, is_admin=False, created_at=now)
    user.set_password(password)
    try:
        with db.session.begin_nested():  # a savepoint: only the new user is undone
            db.session.add(user)
    except sa.exc.IntegrityError as exc:
        # a concurrent sign-up with the same address won the unique index
        raise EmailTaken() from exc
    record("account.signed_up", user, now=now, actor=user)
    send_verification(user, now=now, force=True)
    return user


def _recent_mail(to: str, kind: str, now: datetime) -> bool:
    recent = db.session.scalar(
        sa.select(sa.func.count(MailMessage.id)).where(
            MailMessage.to_addr == to,
            MailMessage.kind == kind,
            MailMessage.created_at > now - MAIL_INTERVAL,
        )
    )
    return bool(recent)


def send_verification(user: User, *, now: datetime, force: bool = False) -> MailMessage | None:
    """Queue a fresh verification link for `user`; None when already verified.

    Raises TooSoon when a link went out less than MAIL_INTERVAL ago (unless `force`).
    """
    if user.is_verified:
        return None
    if not force and _recent_mail(user.email, "account_verify", now):
        raise TooSoon()
    token = make_token("verify", {"uid": user.id, "email": user.email}, now=now)
    return queue_mail(
        user.email, "account_verify", now=now, locale=user.locale, user=user, token=token
    )


def verify_email(token: str, *, now: datetime) -> User:
    """Mark the address in `token` verified (idempotent) and return its user.

    Raises BadToken (code "expired_token" after 3 days, "bad_token" when tampered with or
    when the account or its address no longer matches).
    """
    payload = read_token("verify", token, max_age_seconds=VERIFY_MAX_AGE, now=now)
    user = db.session.get(User, _uid(payload))
    if user is None or user.email != payload.get("email"):
        raise BadToken(_l("This link is not valid."), code="bad_token")
    if not user.is_verified:
        user.email_verified_at = now
        record("account.verified", user, now=now, actor=user)
        db.session.flush()
    return user


_DUMMY_HASH: list[str] = []


def authenticate(email: str, password: str) -> User:
    """The user with these credentials. Raises InvalidCredentials, the same for an unknown
    address and a wrong password (and after about the same work, so timing tells nothing)."""
    user = find_user(email)
    if user is None or not user.password_hash:
        if not _DUMMY_HASH:
            _DUMMY_HASH.append(generate_password_hash("not a real password"))
        check_password_hash(_DUMMY_HASH[0], password or "")
        raise InvalidCredentials()
    if not user.check_password(password or ""):
        raise InvalidCredentials()
    return user


def _fingerprint(user: User) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, (user.password_hash or "").encode(), hashlib.sha256).hexdigest()[:24]


def request_password_reset(email: str, *, now: datetime) -> MailMessage | None:
    """Queue a reset link when an account has this address; otherwise do nothing.

    Never raises for an unknown address (no account enumeration); a repeat within
    MAIL_INTERVAL is silently dropped. Returns the queued message or None.
    """
    user = find_user(email)
    if user is None or _recent_mail(user.email, "account_reset", now):
        return None
    token = make_token("reset", {"uid": user.id, "fp": _fingerprint(user)}, now=now)
    return queue_mail(
        user.email, "account_reset", now=now, locale=user.locale, user=user, token=token
    )


def user_for_reset(token: str, *, now: datetime) -> User:
    """The user a reset token is for. Raises BadToken when expired (1 hour), tampered with,
    or already used (the password changed since the token was made)."""
    payload = read_token("reset", token, max_age_seconds=RESET_MAX_AGE, now=now)
    user = db.session.get(User, _uid(payload))
    if user is None or not hmac.compare_digest(str(payload.get("fp")), _fingerprint(user)):
        raise BadToken(_l("This link has already been used or is not valid."), code="bad_token")
    return user


def reset_password(token: str, password: str, *, now: datetime) -> User:
    """Set a new password via a reset token; also verifies the address (the link proved it).

    Raises BadToken (see `user_for_reset`) or WeakPassword. The token cannot be used again.
    """
    user = user_for_reset(token, now=now)
    check_password_rules(password)
    user.set_password(password)
    if not user.is_verified:
        user.email_verified_at = now
    record("account.password_reset", user, now=now, actor=user)
    db.session.flush()
    return user


def update_profile(user: User, *, name: str, locale: str, now: datetime) -> User:
    """Change the display name and language. Raises InvalidInput."""
    user.name, user.locale = _clean_profile(name, locale)
    db.session.flush()
    return user


def create_admin(
    *, email: str, name: str, password: str | None, now: datetime
) -> tuple[User, bool]:
    """Create a verified admin, or promote (and verify, rename) an existing account.

    `password` is required for a new account or one without a password, optional otherwise.
    Returns (user, created). Raises InvalidInput, WeakPassword.
    """
    try:
        validate_email(normalise_email(email), check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidInput(
            message=_l("That is not a valid e-mail address."), code="bad_email"
        ) from exc
    name, _locale = _clean_profile(name, "nl")
    found = find_user(email)
    created = found is None
    user = found or User(email=normalise_email(email), name=name, locale="nl", created_at=now)
    if created:
        db.session.add(user)
    if password is not None or not user.password_hash:
        check_password_rules(password or "")
        user.set_password(password or "")
    user.name = name
    user.is_admin = True
    if not user.is_verified:
        user.email_verified_at = now
    db.session.flush()
    record("account.admin_granted", user, now=now, created=created)
    return user, created


def _uid(payload) -> int:
    uid = payload.get("uid") if isinstance(payload, dict) else None
    if not isinstance(uid, int):
        raise BadToken(_l("This link is not valid."), code="bad_token")
    return uid
