"""Which entries a user may see: the owner's own entries, the PDF's audience, and the
entrant's lists (own entries, programmes open for submission)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from awards.models import Entry, Programme
from awards.services import access
from awards.services.entries import require_owner
from core.errors import NotAllowed, NotFound
from core.extensions import db


def get_own_entry(programme: Programme, entry_id: int, user) -> Entry:
    """The entry if `user` owns it or is an admin; NotFound otherwise (existence not revealed)."""
    entry = access.get_entry(programme, entry_id)
    require_owner(entry, user)
    return entry


def require_attachment_access(entry: Entry, user) -> None:
    """Owner and admins always; a juror of the programme only with accepted terms, no barring
    conflict, and an eligible entry. Raises NotAllowed (terms not accepted) or NotFound."""
    if getattr(user, "is_admin", False) or (user is not None and entry.owner_id == user.id):
        return
    member = access.membership(entry.programme, user)
    if member is None:
        raise NotFound()
    if member.terms_accepted_at is None:
        raise NotAllowed(_l("Accept the jury terms first."), code="terms_not_accepted")
    if entry.status != "eligible" or entry.id in access.barred_entry_ids(member):
        raise NotFound()


def entries_of(user) -> list[Entry]:
    """The user's entries across programmes, newest programme first."""
    return list(
        db.session.scalars(
            sa.select(Entry)
            .join(Entry.programme)
            .where(Entry.owner_id == user.id)
            .options(joinedload(Entry.programme), joinedload(Entry.category))
            .order_by(Programme.submissions_open_at.desc(), Entry.id)
        )
    )


def open_programmes(now: datetime) -> list[Programme]:
    """Programmes whose submission window is open at `now`."""
    return list(
        db.session.scalars(
            sa.select(Programme)
            .where(Programme.submissions_open_at <= now, Programme.submissions_close_at > now)
            .order_by(Programme.submissions_close_at)
        )
    )
