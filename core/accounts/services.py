"""Accounts: sign-up, e-mail verification, log-in checks, password reset and change, log-out
everywhere, profile, admins.

Services take `now`, flush only and raise `DomainError` subclasses; the caller commits.
Links in e-mails carry signed tokens (`core.tokens`): purpose "verify" (3 days) and
"reset" (1 hour, single-use because it carries a fingerprint of the current password hash).

No enumeration: sign-up and the reset request answer the same whether or not the address has
an account, and do the same work (sign-up hashes the password and queues one mail either
way; a reset request renders the reset mail and writes one audit entry either way); the
e-mail tells the address's owner what happened. Every new password and every log-out ends all sessions of the account
(`User.end_sessions`).
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
from core.outbox.services import queue_mail, render_mail
from core.tokens import BadToken, make_token, read_token

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
LOCALES = ("nl", "en")
VERIFY_MAX_AGE = int(timedelta(days=3).total_seconds())
RESET_MAX_AGE = int(timedelta(hours=1).total_seconds())
# at most one verification / reset mail per address per interval (the outbox is the record)
MAIL_INTERVAL = timedelta(minutes=1)


class WeakPassword(DomainError):
    code = "weak_password"
    message = _l("Choose a password of at least %(n)s characters.", n=MIN_PASSWORD_LENGTH)


class InvalidCredentials(DomainError):
    code = "invalid_credentials"
    status = 401
    message = _l("The e-mail address or password is not correct.")


class AccountDeactivated(DomainError):
    code = "account_deactivated"
    status = 403
    message = _l("This account has been deactivated. Ask an admin if you need it again.")


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


def sign_up(*, name: str, email: str, password: str, locale: str, now: datetime) -> User | None:
    """Create an unverified account and queue the verification e-mail; returns it.

    When the (normalised) address already has an account (also when a concurrent sign-up wins
    the unique index; only the new account is undone), nothing is created: the owner gets
    `account_signup_exists` ("log in or reset your password") and None is returned. Both
    paths hash the password and queue one mail, so neither the answer nor its time tells
    whether the address is registered. A repeat within MAIL_INTERVAL of an earlier sign-up
    mail to the address queues nothing, on both paths. Raises WeakPassword, InvalidInput.
    """
    name, locale = _clean_profile(name, locale)
    check_password_rules(password)
    email = normalise_email(email)
    user = User(email=email, name=name, locale=locale, is_admin=False, created_at=now)
    user.set_password(password)  # before the look-up: the known path does the same work
    created = False
    existing = find_user(email)
    if existing is None:
        try:
            with db.session.begin_nested():  # a savepoint: only the new user is undone
                db.session.add(user)
            created = True
        except sa.exc.IntegrityError:
            # a concurrent sign-up with the same address won the unique index
            existing = find_user(email)
    if not created:
        _signup_attempted(existing, email, now=now)
        return None
    record("account.signed_up", user, now=now, actor=user)
    send_verification(user, now=now, force=True)
    return user


_SIGNUP_MAILS = ("account_verify", "account_signup_exists")


def _signup_attempted(existing: User | None, email: str, *, now: datetime) -> None:
    """Tell the owner of `email` that someone tried to sign up with it (once per interval)."""
    if existing is None or _recent_mail(email, _SIGNUP_MAILS, now):
        return
    queue_mail(email, "account_signup_exists", now=now, locale=existing.locale, user=existing)


def _recent_mail(to: str, kinds: str | tuple[str, ...], now: datetime) -> bool:
    """Whether a mail of `kinds` went to `to` less than MAIL_INTERVAL before `now`."""
    kinds = (kinds,) if isinstance(kinds, str) else kinds
    recent = db.session.scalar(
        sa.select(sa.func.count(MailMessage.id)).where(
            MailMessage.to_addr == to,
            MailMessage.kind.in_(kinds),
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
    address and a wrong password (and after about the same work, so timing tells nothing);
    AccountDeactivated for the right password of a deactivated account."""
    user = find_user(email)
    if user is None or not user.password_hash:
        if not _DUMMY_HASH:
            _DUMMY_HASH.append(generate_password_hash("not a real password"))
        check_password_hash(_DUMMY_HASH[0], password or "")
        raise InvalidCredentials()
    if not user.check_password(password or ""):
        raise InvalidCredentials()
    if user.deactivated_at is not None:  # said only to whoever knows the password
        raise AccountDeactivated()
    return user


def _fingerprint(user: User) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, (user.password_hash or "").encode(), hashlib.sha256).hexdigest()[:24]


def request_password_reset(email: str, *, now: datetime) -> MailMessage | None:
    """Queue a reset link when an account has this address; otherwise send nothing.

    Never raises for an unknown address (no account enumeration), and does the same work
    for it: the same look-ups, a token, the reset mail rendered (for a stand-in account) but
    not queued, and the same write: an `account.reset_requested` audit entry (for no account,
    and without the address, when there is none). A repeat within MAIL_INTERVAL queues no
    mail (after the same work). Returns the queued message or None.
    """
    address = normalise_email(email)
    user = find_user(address)
    recent = _recent_mail(address, "account_reset", now)
    target = user or User(email=address, name="", locale="nl", password_hash="")
    token = make_token("reset", {"uid": target.id or 0, "fp": _fingerprint(target)}, now=now)
    record("account.reset_requested", target, now=now, actor=user)  # no account: no id
    if user is None or recent:
        render_mail("account_reset", locale=target.locale, user=target, token=token)
        return None
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
    user.set_password(password)  # also ends every session of the account
    if not user.is_verified:
        user.email_verified_at = now
    record("account.password_reset", user, now=now, actor=user)
    db.session.flush()
    return user


def change_password(user: User, *, current: str, new: str, now: datetime) -> User:
    """Replace the password of a logged-in user who knows the current one.

    Ends every session and remember cookie of the account (the caller logs the current
    browser in again). Raises InvalidInput on `current_password` when the current password is
    wrong, WeakPassword for a new one outside the length rules.
    """
    if not user.check_password(current or ""):
        raise InvalidInput(
            {"current_password": _l("That is not your current password.")},
            code="wrong_password",
        )
    check_password_rules(new)
    user.set_password(new)
    record("account.password_changed", user, now=now, actor=user)
    db.session.flush()
    return user


def end_sessions(user: User) -> None:
    """Log `user` out everywhere: every session and remember cookie stops working."""
    user.end_sessions()
    db.session.flush()


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
