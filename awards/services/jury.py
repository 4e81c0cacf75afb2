"""The jury: invitations, accepting an invitation, the jury terms, membership; conflicts of
interest live in `awards.services.conflicts` and are re-exported here.

Services flush only and raise `DomainError`s; the request commits.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from awards.models import JURY_ROLES, Conflict, JuryMember, Programme, Score, Scorecard
from awards.services.conflicts import (
    declare_conflict,
    detect_conflicts_for_entry,
    detect_conflicts_for_member,
    detect_conflicts_for_programme,
    rule_conflict,
)
from core.accounts.models import User
from core.accounts.services import make_token  # signed on the app clock, unlike core.tokens
from core.audit.services import record
from core.errors import DomainError, NotFound
from core.extensions import db
from core.i18n import LOCALES
from core.outbox.services import queue_mail
from core.tokens import BadToken, read_token

__all__ = [
    "INVITE_DAYS",
    "MIN_PASSWORD_LENGTH",
    "JuryError",
    "accept_terms",
    "declare_conflict",
    "detect_conflicts_for_entry",
    "detect_conflicts_for_member",
    "detect_conflicts_for_programme",
    "get_member",
    "invite_member",
    "member_from_token",
    "programme_members",
    "remove_member",
    "resend_invite",
    "rule_conflict",
    "set_invite_password",
]

INVITE_PURPOSE = "jury-invite"
INVITE_DAYS = 14
MIN_PASSWORD_LENGTH = 10


class JuryError(DomainError):
    code = "jury_error"


def _send_invite(member: JuryMember, *, now: datetime) -> None:
    token = make_token(INVITE_PURPOSE, {"mid": member.id, "uid": member.user_id}, now=now)
    queue_mail(
        member.user.email,
        "jury_invite",
        now=now,
        locale=member.user.locale,
        user=member.user,
        member=member,
        programme=member.programme,
        token=token,
        days=INVITE_DAYS,
    )


def invite_member(
    programme: Programme,
    *,
    email: str,
    name: str,
    affiliation: str,
    role: str,
    actor: User,
    now: datetime,
) -> JuryMember:
    """Put a person on the jury and e-mail them a signed invitation link (valid 14 days).

    Creates the user when the address is new (no password, unverified, Dutch). Runs conflict
    detection for the new juror. Audits `jury.invited`. Raises JuryError: "bad_email",
    "name_required", "bad_role", "chair_taken" (one chair per programme), "already_member"."""
    try:
        email = validate_email(email or "", check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise JuryError(_l("Enter a valid e-mail address."), code="bad_email") from exc
    name, affiliation = (name or "").strip(), (affiliation or "").strip()
    if not name:
        raise JuryError(_l("Enter the juror's name."), code="name_required")
    if role not in JURY_ROLES:
        raise JuryError(_l("Choose chair or member."), code="bad_role")
    if role == "chair" and db.session.scalar(
        sa.select(JuryMember.id).where(
            JuryMember.programme_id == programme.id, JuryMember.role == "chair"
        )
    ):
        raise JuryError(_l("This jury already has a chair."), code="chair_taken")
    user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email))
    if user is None:
        user = User(email=email, name=name, locale="nl", created_at=now, is_admin=False)
        db.session.add(user)
        db.session.flush()
    elif db.session.scalar(
        sa.select(JuryMember.id).where(
            JuryMember.programme_id == programme.id, JuryMember.user_id == user.id
        )
    ):
        raise JuryError(_l("This person is already on the jury."), code="already_member")
    member = JuryMember(
        programme=programme, user=user, role=role, affiliation=affiliation, invited_at=now
    )
    db.session.add(member)
    db.session.flush()
    record(
        "jury.invited",
        member,
        now=now,
        actor=actor,
        scope=programme,
        email=email,
        role=role,
        affiliation=affiliation,
    )
    detect_conflicts_for_member(member, now=now, actor=actor)
    _send_invite(member, now=now)
    return member


def resend_invite(member: JuryMember, *, actor: User, now: datetime) -> None:
    """Send a fresh invitation link to a juror who has not accepted the terms yet.

    Audits `jury.reinvited`. Raises JuryError("already_accepted") otherwise."""
    if member.terms_accepted_at is not None:
        raise JuryError(_l("This juror has already accepted the terms."), code="already_accepted")
    member.invited_at = now
    db.session.flush()
    record("jury.reinvited", member, now=now, actor=actor, scope=member.programme)
    _send_invite(member, now=now)


def member_from_token(token: str, *, now: datetime) -> JuryMember:
    """The jury membership an invitation link was made for (its payload: member and user id).

    Raises BadToken ("bad_token", "expired_token") for a forged, foreign or expired link, and
    BadToken("bad_token") when the membership no longer exists or is another user's."""
    payload = read_token(INVITE_PURPOSE, token, max_age_seconds=INVITE_DAYS * 24 * 3600, now=now)
    member_id = payload.get("mid") if isinstance(payload, dict) else None
    member = db.session.get(JuryMember, member_id) if isinstance(member_id, int) else None
    if member is None or member.user_id != payload.get("uid"):
        raise BadToken(_l("This invitation is no longer valid."), code="bad_token")
    return member


def set_invite_password(
    member: JuryMember, password: str, *, now: datetime, locale: str | None = None
) -> User:
    """First visit of an invited juror without a password: set it (at least 10 characters),
    which also verifies the e-mail address (the link proved it), and make `locale` (the
    language they read the invitation page in, "nl" or "en") the account's language: the
    admin's invitation could not know it. Audits `jury.invite_accepted`.

    Raises JuryError("has_password") when the user already has one, ("weak_password")."""
    user = member.user
    if user.password_hash:
        raise JuryError(_l("You already have a password; log in instead."), code="has_password")
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise JuryError(
            _l("Choose a password of at least %(n)s characters.", n=MIN_PASSWORD_LENGTH),
            code="weak_password",
        )
    user.set_password(password)
    if locale in LOCALES:
        user.locale = locale
    if user.email_verified_at is None:
        user.email_verified_at = now
    db.session.flush()
    record("jury.invite_accepted", member, now=now, actor=user, scope=member.programme)
    return user


def accept_terms(member: JuryMember, *, accepted: bool, now: datetime) -> bool:
    """Record that the juror accepts the jury terms; returns False if they already had.

    Runs conflict detection for the juror. Audits `jury.terms_accepted`. Raises
    JuryError("terms_required") unless `accepted` (the checkbox) is true."""
    if not accepted:
        raise JuryError(_l("Tick the box to accept the jury terms."), code="terms_required")
    if member.terms_accepted_at is not None:
        return False
    member.terms_accepted_at = now
    db.session.flush()
    record("jury.terms_accepted", member, now=now, actor=member.user, scope=member.programme)
    detect_conflicts_for_member(member, now=now, actor=member.user)
    return True


def get_member(programme: Programme, member_id: int) -> JuryMember:
    """A jury membership of `programme`; NotFound otherwise."""
    member = db.session.get(JuryMember, member_id)
    if member is None or member.programme_id != programme.id:
        raise NotFound()
    return member


def remove_member(member: JuryMember, *, actor: User, now: datetime) -> None:
    """Take a juror off the jury with their drafts and conflicts. Audits `jury.removed`.

    Raises JuryError("has_submitted") once they have submitted a scorecard: their scores
    belong to the results and stay."""
    submitted = db.session.scalar(
        sa.select(sa.func.count(Scorecard.id)).where(
            Scorecard.jury_member_id == member.id, Scorecard.status == "submitted"
        )
    )
    if submitted:
        raise JuryError(
            _l("This juror has submitted scorecards and cannot be removed."), code="has_submitted"
        )
    record(
        "jury.removed",
        member,
        now=now,
        actor=actor,
        scope=member.programme,
        email=member.user.email,
        role=member.role,
    )
    cards = sa.select(Scorecard.id).where(Scorecard.jury_member_id == member.id)
    db.session.execute(sa.delete(Score).where(Score.scorecard_id.in_(cards)))
    db.session.execute(sa.delete(Scorecard).where(Scorecard.jury_member_id == member.id))
    db.session.execute(sa.delete(Conflict).where(Conflict.jury_member_id == member.id))
    db.session.delete(member)
    db.session.flush()


def programme_members(programme: Programme) -> list[tuple[JuryMember, int, int]]:
    """(member, drafts, submitted) for every juror, chair first, then by name: two queries."""
    members = db.session.scalars(
        sa.select(JuryMember)
        .join(JuryMember.user)
        .where(JuryMember.programme_id == programme.id)
        .order_by(JuryMember.role != "chair", User.name, JuryMember.id)
    ).all()
    counts = {
        (member_id, status): n
        for member_id, status, n in db.session.execute(
            sa.select(Scorecard.jury_member_id, Scorecard.status, sa.func.count(Scorecard.id))
            .join(JuryMember, JuryMember.id == Scorecard.jury_member_id)
            .where(JuryMember.programme_id == programme.id)
            .group_by(Scorecard.jury_member_id, Scorecard.status)
        )
    }
    return [
        (m, counts.get((m.id, "draft"), 0), counts.get((m.id, "submitted"), 0)) for m in members
    ]
