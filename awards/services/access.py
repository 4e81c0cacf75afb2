"""Who may do what on a programme. Every view calls these; nothing is checked in templates only."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from awards.models import Conflict, Entry, JuryMember, Programme
from core.errors import NotAllowed, NotFound
from core.extensions import db


def membership(programme: Programme, user) -> JuryMember | None:
    """The user's jury membership on `programme`, or None."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        sa.select(JuryMember).where(
            JuryMember.programme_id == programme.id, JuryMember.user_id == user.id
        )
    )


def require_juror(programme: Programme, user, *, terms: bool = True) -> JuryMember:
    """The user's membership; NotAllowed unless on the jury (and, if `terms`, terms accepted)."""
    member = membership(programme, user)
    if member is None:
        raise NotAllowed(_l("You are not on this jury."), code="not_juror")
    if terms and member.terms_accepted_at is None:
        raise NotAllowed(_l("Accept the jury terms first."), code="terms_not_accepted")
    return member


def require_chair_or_admin(programme: Programme, user) -> JuryMember | None:
    """The chair's membership (None for an admin who is not on the jury); NotAllowed otherwise."""
    member = membership(programme, user)
    if member is not None and member.is_chair and member.terms_accepted_at is not None:
        return member
    if getattr(user, "is_admin", False):
        return member
    raise NotAllowed(_l("Only the jury chair or an admin may do this."), code="not_chair")


def barred_entry_ids(member: JuryMember) -> set[int]:
    """Entries this juror may not see or score: any conflict the chair has not dismissed."""
    return set(
        db.session.scalars(
            sa.select(Conflict.entry_id).where(
                Conflict.jury_member_id == member.id, Conflict.status != "dismissed"
            )
        )
    )


def get_programme(slug: str) -> Programme:
    programme = db.session.scalar(sa.select(Programme).where(Programme.slug == slug))
    if programme is None:
        raise NotFound()
    return programme


def get_entry(programme: Programme, entry_id: int) -> Entry:
    entry = db.session.get(Entry, entry_id)
    if entry is None or entry.programme_id != programme.id:
        raise NotFound()
    return entry
