"""Who may do what on a programme and its entries (juror, chair, staff and admin — staff have
the admins' rights here, `core.accounts.models.has_staff_rights` —, an entry's owner and
the audience of its PDF). Every view calls these; nothing is checked in templates only."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from awards.models import Category, Conflict, Entry, JuryMember, Programme
from awards.services.session_memo import note, remembered
from awards.timeline import Timeline
from core.accounts.models import has_staff_rights
from core.errors import NotAllowed, NotFound
from core.extensions import db


def membership(programme: Programme, user) -> JuryMember | None:
    """The user's jury membership on `programme`, or None (asked once until the session
    writes: `session_memo`)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    programme_id, user_id = programme.id, user.id
    member = remembered(
        ("membership", programme_id, user_id),
        lambda: db.session.scalar(_MEMBERSHIP, {"programme": programme_id, "user": user_id}),
    )
    if member is not None:
        note(_on_a_jury(user_id), True)  # `is_juror` need not ask
    return member


def is_juror(user) -> bool:
    """True when the user is on any jury (one query, none once this session found one of
    their memberships); False for anonymous users."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    user_id = user.id
    return remembered(
        _on_a_jury(user_id),
        lambda: db.session.scalar(_ANY_MEMBERSHIP, {"user": user_id}) is not None,
    )


def _on_a_jury(user_id: int) -> tuple:
    """The `session_memo` key of "is this user on any jury?"."""
    return ("is_juror", user_id)


_MEMBERSHIP = sa.select(JuryMember).where(
    JuryMember.programme_id == sa.bindparam("programme"), JuryMember.user_id == sa.bindparam("user")
)
_ANY_MEMBERSHIP = (
    sa.select(JuryMember.id).where(JuryMember.user_id == sa.bindparam("user")).limit(1)
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
    """The chair's membership (None for an admin or staff member who is not on the jury);
    NotAllowed otherwise. Staff have the admins' rights on programmes (`has_staff_rights`),
    and are bound by their conflicts of interest the same way."""
    member = membership(programme, user)
    if member is not None and member.is_chair and member.terms_accepted_at is not None:
        return member
    if has_staff_rights(user):
        return member
    raise NotAllowed(_l("Only the jury chair or an admin may do this."), code="not_chair")


def conflicted_entry_ids(programme: Programme, user) -> set[int]:
    """Entries of `programme` that bind `user` through a conflict of interest: those their
    jury membership is barred from (`barred_entry_ids`); none when they are not on the jury.

    Conflicts bind everyone on the jury — the chair, and an admin or staff member who is also
    a juror: they neither see such an entry on the jury and results pages nor act on it; an
    admin or staff member who is not conflicted does. The staff pages (screening, the entries
    list) are not jury pages."""
    member = membership(programme, user)
    return barred_entry_ids(member) if member is not None else set()


def results_hidden_from(programme: Programme, user, *, now, closes_at=None) -> set[int]:
    """Entry ids the results pages must leave out for `user`; NotAllowed when they may not
    see results at all.

    Admins see results at any time, the chair once scoring has closed (before that, a
    leaderboard with few scorecards would show single jurors' scores) — the programme's
    scoring, or with `closes_at` a round's (`awards.services.rounds`); neither sees the
    entries they are barred from by a conflict of interest (`conflicted_entry_ids`: an
    admin only when also on the jury). Everyone else: NotAllowed.
    """
    member = require_chair_or_admin(programme, user)
    if member is None:  # an admin off the jury
        return set()
    closed = Timeline.of(programme).scoring_closed(now) if closes_at is None else now >= closes_at
    if not has_staff_rights(user) and not closed:
        raise NotAllowed(
            _l(
                "The chair sees the results once scoring has closed; until then, follow the progress page."
            ),
            code="results_not_yet",
        )
    return barred_entry_ids(member)


def conflicted_decision(programme: Programme, user, entry_ids: set[int]) -> bool:
    """Whether `user` has a conflict with any of `entry_ids` (a category's entries), so that
    a decision on them is not theirs to take (`require_unconflicted_decision`)."""
    return bool(conflicted_entry_ids(programme, user) & set(entry_ids))


def require_unconflicted_decision(programme: Programme, user, entry_ids: set[int]) -> None:
    """NotAllowed when `user` — the chair, or an admin on the jury — has a conflict with any
    of `entry_ids` (the category's entries): they leave that category's decisions to an
    admin without one."""
    if conflicted_decision(programme, user, entry_ids):
        raise NotAllowed(_conflicted_message(user, category=True), code="chair_conflicted")


def require_unconflicted(
    programme: Programme, user, entry_id: int, *, conflicted: set[int] | None = None
) -> None:
    """NotAllowed (code `conflicted`) when `user` is barred from the entry by a conflict of
    interest (`conflicted_entry_ids`, or `conflicted` when the caller has it already): the
    chair — or an admin on the jury — then leaves every action on it (reopening a
    scorecard, ruling on a conflict) to an admin."""
    if conflicted is None:
        conflicted = conflicted_entry_ids(programme, user)
    if entry_id in conflicted:
        raise NotAllowed(_conflicted_message(user, category=False), code="conflicted")


def _conflicted_message(user, *, category: bool):
    if has_staff_rights(user):
        if category:
            return _l(
                "You have a conflict of interest in this category; another admin takes this decision."
            )
        return _l("You have a conflict of interest with this entry; another admin must do this.")
    if category:
        return _l("You have a conflict of interest in this category; an admin takes this decision.")
    return _l("You have a conflict of interest with this entry; an admin must do this.")


def barred_entry_ids(member: JuryMember) -> set[int]:
    """Entries this juror may not see or score: any conflict the chair has not dismissed
    (asked once until the session writes: `session_memo`)."""
    member_id = member.id
    return set(
        remembered(
            ("barred", member_id),
            lambda: frozenset(
                db.session.scalars(
                    sa.select(Conflict.entry_id).where(
                        Conflict.jury_member_id == member_id, Conflict.status != "dismissed"
                    )
                )
            ),
        )
    )


def get_programme(slug: str) -> Programme:
    programme = db.session.scalar(_PROGRAMME, {"slug": slug})
    if programme is None:
        raise NotFound()
    return programme


_PROGRAMME = sa.select(Programme).where(Programme.slug == sa.bindparam("slug"))


def get_category(programme: Programme, slug: str | None) -> Category | None:
    """The programme's category by slug (the first one when no slug; None when it has
    none); NotFound for a slug it does not have."""
    categories = programme.categories
    if not slug:
        return categories[0] if categories else None
    for category in categories:
        if category.slug == slug:
            return category
    raise NotFound()


def get_entry(programme: Programme, entry_id: int) -> Entry:
    entry = db.session.get(Entry, entry_id)
    if entry is None or entry.programme_id != programme.id:
        raise NotFound()
    return entry


def require_owner(entry: Entry, user) -> None:
    """Raises NotFound unless `user` owns the entry or is staff or an admin (existence not
    revealed)."""
    if has_staff_rights(user):
        return
    if user is None or entry.owner_id is None or entry.owner_id != getattr(user, "id", None):
        raise NotFound()


def get_own_entry(programme: Programme, entry_id: int, user) -> Entry:
    """The entry if `user` owns it or is staff or an admin; NotFound otherwise (existence not
    revealed)."""
    entry = get_entry(programme, entry_id)
    require_owner(entry, user)
    return entry


def require_attachment_access(entry: Entry, user) -> None:
    """Owner, staff and admins always; a juror of the programme only with accepted terms, no barring
    conflict, and an eligible entry. Raises NotAllowed (terms not accepted) or NotFound."""
    if has_staff_rights(user) or (user is not None and entry.owner_id == user.id):
        return
    member = membership(entry.programme, user)
    if member is None:
        raise NotFound()
    if member.terms_accepted_at is None:
        raise NotAllowed(_l("Accept the jury terms first."), code="terms_not_accepted")
    if entry.status != "eligible" or entry.id in barred_entry_ids(member):
        raise NotFound()
