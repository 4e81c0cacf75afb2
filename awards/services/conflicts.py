"""Conflicts of interest: declared by a juror, detected from names and e-mail domains, ruled.

A conflict bars its juror from the entry (cannot see it, cannot score it) until the chair
dismisses it, and binds the chair too: a chair (or an admin on the jury) barred from an entry
neither sees its conflicts nor rules on them (`access.conflicted_entry_ids`). A conflict that
changes which scorecards count after the entry's category was ratified is flagged
(`conflict.after_ratification` in the audit log, an e-mail to the admins): the frozen result
stands, the live leaderboard no longer matches it. Services flush only; the request commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from awards.matching import find_links
from awards.models import Conflict, Entry, JuryMember, Programme, Ratification, Scorecard
from awards.services.access import conflicted_entry_ids, require_unconflicted
from core.accounts.models import User
from core.audit.services import record, record_all
from core.errors import DomainError, NotAllowed, NotFound
from core.extensions import db
from core.outbox.services import queue_mail

DETECTABLE_STATES = ("submitted", "eligible")
RULINGS = {"uphold": "upheld", "dismiss": "dismissed"}


class ConflictError(DomainError):
    code = "conflict_error"


# --- detection ------------------------------------------------------------------------------


def _describe(code: str, value: str, organisation: str) -> str:
    """The reason stored on a detected conflict, saying what matched. Written in the site's
    default language, whoever triggered detection (also from the command line)."""
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "nl")):
        if code == "affiliation":
            return _(
                "Juror affiliation “%(a)s” matches the organisation “%(o)s”.",
                a=value,
                o=organisation,
            )
        if code == "email_domain":
            return _("Juror and entrant share the e-mail domain “%(d)s”.", d=value)
        return _(
            "Juror e-mail domain “%(d)s” matches the organisation “%(o)s”.",
            d=value,
            o=organisation,
        )


def _detect(members: Iterable[JuryMember], entries: Iterable[Entry], *, now, actor):
    """Create and audit a conflict for every linked (juror, entry) pair without one yet."""
    members, entries = list(members), list(entries)
    if not members or not entries:
        return []
    existing = set(
        db.session.execute(
            sa.select(Conflict.jury_member_id, Conflict.entry_id).where(
                Conflict.jury_member_id.in_([m.id for m in members]),
                Conflict.entry_id.in_([e.id for e in entries]),
            )
        ).all()
    )
    created: list[Conflict] = []
    audited: list[tuple[Conflict, object, dict]] = []
    links = find_links(
        [(member.affiliation, member.user.email) for member in members],
        [(e.organisation, e.owner.email if e.owner is not None else None) for e in entries],
    )
    for m, e, code, value in links:
        member, entry = members[m], entries[e]
        if (member.id, entry.id) in existing:
            continue
        reason = _describe(code, value, entry.organisation)
        conflict = Conflict(
            jury_member_id=member.id,
            entry_id=entry.id,
            source="detected",
            status="pending",
            reason=reason,
            created_at=now,
        )
        created.append(conflict)
        data = {"member_id": member.id, "entry_id": entry.id, "match": code, "reason": reason}
        audited.append((conflict, entry.programme, data))
    if created:  # one flush for the conflicts, one for their audit entries (bulk INSERTs)
        db.session.add_all(created)
        db.session.flush()
        record_all("conflict.detected", audited, now=now, actor=actor)
    flag_after_ratification(created, "detected", now=now, actor=actor)
    return created


def detect_conflicts_for_entry(entry: Entry, *, now: datetime, actor=None) -> list[Conflict]:
    """Create a pending "detected" conflict for every juror of the entry's programme linked to
    it by affiliation or e-mail domain. Idempotent: pairs that already have a conflict (any
    status, so a dismissal stands) are skipped. Only entries submitted or eligible are checked.
    Returns the new conflicts; audits `conflict.detected` for each."""
    if entry.status not in DETECTABLE_STATES:
        return []
    members = db.session.scalars(
        sa.select(JuryMember)
        .options(joinedload(JuryMember.user))
        .where(JuryMember.programme_id == entry.programme_id)
    ).all()
    return _detect(members, [entry], now=now, actor=actor)


def detect_conflicts_for_member(member: JuryMember, *, now: datetime, actor=None) -> list[Conflict]:
    """Like `detect_conflicts_for_entry`, for one juror against every submitted or eligible
    entry of the programme. Idempotent; returns the new conflicts."""
    entries = db.session.scalars(
        sa.select(Entry)
        .options(joinedload(Entry.owner))
        .where(Entry.programme_id == member.programme_id, Entry.status.in_(DETECTABLE_STATES))
    ).all()
    return _detect([member], entries, now=now, actor=actor)


def detect_conflicts_for_programme(programme: Programme, *, now: datetime, actor) -> int:
    """Re-run detection for every juror of the programme; returns how many were created."""
    members = db.session.scalars(
        sa.select(JuryMember)
        .options(joinedload(JuryMember.user))
        .where(JuryMember.programme_id == programme.id)
    ).all()
    entries = db.session.scalars(
        sa.select(Entry)
        .options(joinedload(Entry.owner))
        .where(Entry.programme_id == programme.id, Entry.status.in_(DETECTABLE_STATES))
    ).all()
    return len(_detect(members, entries, now=now, actor=actor))


# --- declaring and ruling -------------------------------------------------------------------


def declare_conflict(member: JuryMember, entry: Entry, reason: str, *, now: datetime) -> Conflict:
    """The juror declares a conflict on `entry`: a pending "declared" conflict that bars them
    at once. Their draft scorecard for the entry is deleted (a submitted one stays, excluded
    from the results by the bar). A dismissed conflict is reopened as declared.

    Raises ConflictError("reason_required") without a reason, NotFound when the entry is not
    in the juror's programme or already barred for them."""
    reason = (reason or "").strip()
    if not reason:
        raise ConflictError(_l("Say why you have a conflict of interest."), code="reason_required")
    if entry.programme_id != member.programme_id:
        raise NotFound()
    conflict = db.session.scalar(
        sa.select(Conflict).where(
            Conflict.jury_member_id == member.id, Conflict.entry_id == entry.id
        )
    )
    if conflict is not None and conflict.bars:
        raise NotFound()
    if conflict is None:
        conflict = Conflict(jury_member_id=member.id, entry_id=entry.id, created_at=now)
        db.session.add(conflict)
    conflict.source = "declared"
    conflict.status = "pending"
    conflict.reason = reason
    conflict.ruling_note = ""
    conflict.ruled_by_id = None
    conflict.ruled_at = None
    draft = db.session.scalar(
        sa.select(Scorecard).where(
            Scorecard.jury_member_id == member.id,
            Scorecard.entry_id == entry.id,
            Scorecard.status == "draft",
        )
    )
    if draft is not None:
        db.session.delete(draft)
    db.session.flush()
    record(
        "conflict.declared",
        conflict,
        now=now,
        actor=member.user,
        scope=member.programme,
        entry_id=entry.id,
        reason=reason,
        draft_deleted=draft is not None,
    )
    flag_after_ratification([conflict], "declared", now=now, actor=member.user)
    return conflict


def get_conflict(programme: Programme, conflict_id: int) -> Conflict:
    """The conflict with its juror; NotFound unless it belongs to `programme`."""
    conflict = db.session.get(Conflict, conflict_id)
    if conflict is None or conflict.jury_member.programme_id != programme.id:
        raise NotFound()
    return conflict


def ruling_refusal(
    conflict: Conflict, actor: User, conflicted: set[int] | None = None
) -> NotAllowed | None:
    """Why `actor` may not rule on `conflict`, or None. Nobody rules on their own conflict,
    an admin neither; nobody rules on a conflict about an entry they are barred from
    themselves (`access.require_unconflicted`; `conflicted`: the actor's
    `access.conflicted_entry_ids`, when the caller has them): an admin without a conflict
    does."""
    if conflict.jury_member.user_id == actor.id:
        return NotAllowed(
            _l("You cannot rule on your own conflict of interest; an admin must."),
            code="own_conflict",
        )
    try:
        require_unconflicted(
            conflict.jury_member.programme, actor, conflict.entry_id, conflicted=conflicted
        )
    except NotAllowed as refused:
        return refused
    return None


def rule_conflict(
    conflict: Conflict, decision: str, note: str, *, actor: User, now: datetime
) -> Conflict:
    """Uphold (the bar stays) or dismiss (the bar is lifted) a conflict, with a note.

    Raises NotAllowed when the actor may not rule on it (`ruling_refusal`: their own, or on
    an entry they have a conflict with), ConflictError("bad_decision" / "note_required") for
    bad input. A ruling that lifts or restores the bar after ratification is flagged
    (`flag_after_ratification`)."""
    if decision not in RULINGS:
        raise ConflictError(_l("Choose uphold or dismiss."), code="bad_decision")
    note = (note or "").strip()
    if not note:
        raise ConflictError(_l("Add a note explaining the ruling."), code="note_required")
    refused = ruling_refusal(conflict, actor)
    if refused is not None:
        raise refused
    barred_before = conflict.bars
    conflict.status = RULINGS[decision]
    conflict.ruling_note = note
    conflict.ruled_by_id = actor.id
    conflict.ruled_at = now
    db.session.flush()
    record(
        "conflict.ruled",
        conflict,
        now=now,
        actor=actor,
        scope=conflict.jury_member.programme,
        entry_id=conflict.entry_id,
        member_id=conflict.jury_member_id,
        decision=conflict.status,
        note=note,
    )
    if conflict.bars != barred_before:
        flag_after_ratification([conflict], conflict.status, now=now, actor=actor)
    return conflict


# --- after ratification ---------------------------------------------------------------------


def flag_after_ratification(
    changed: list[Conflict], change: str, *, now: datetime, actor=None
) -> list[Conflict]:
    """Flag each of `changed` — a conflict just recorded (`change` "declared"/"detected") or
    whose ruling lifted or restored the bar ("dismissed"/"upheld") — whose entry's category
    is already ratified: it changes which scorecards count, so the live leaderboard may no
    longer match the frozen result, which stands. Audits `conflict.after_ratification` on the
    ratification (the leaderboard reads it, `ratification.late_conflicts`) and e-mails every
    active admin who is not barred from the entry themselves. Returns the flagged conflicts; three
    queries, however many conflicts."""
    if not changed:
        return []
    ratified = {
        r.category_id: r
        for r in db.session.scalars(
            sa.select(Ratification).where(
                Ratification.category_id.in_({c.entry.category_id for c in changed})
            )
        )
    }
    flagged = [c for c in changed if c.entry.category_id in ratified]
    if not flagged:
        return []
    entry_ids = {c.entry_id for c in flagged}
    admins = db.session.scalars(
        sa.select(User)
        .where(User.is_admin.is_(True), User.deactivated_at.is_(None))
        .order_by(User.id)
    ).all()
    barred_admins = set(
        db.session.execute(
            sa.select(JuryMember.user_id, Conflict.entry_id)
            .join(Conflict, Conflict.jury_member_id == JuryMember.id)
            .where(
                JuryMember.user_id.in_([a.id for a in admins]),
                Conflict.entry_id.in_(entry_ids),
                Conflict.status != "dismissed",
            )
        ).all()
    )
    for conflict in flagged:
        entry, juror = conflict.entry, conflict.jury_member
        ratification = ratified[entry.category_id]
        record(
            "conflict.after_ratification",
            ratification,
            now=now,
            actor=actor,
            scope=entry.programme,
            conflict_id=conflict.id,
            entry_id=entry.id,
            ref=entry.ref,
            category=entry.category.slug,
            member_id=juror.id,
            juror=juror.user.name,
            change=change,
        )
        for admin in admins:
            if (admin.id, entry.id) in barred_admins:
                continue
            queue_mail(
                admin.email,
                "awards_conflict_after_ratification",
                now=now,
                locale=admin.locale,
                user=admin,
                programme=entry.programme,
                category=entry.category,
                entry=entry,
                juror=juror.user,
                change=change,
            )
    return flagged


def programme_conflicts(programme: Programme, viewer=None) -> tuple[list[Conflict], int]:
    """Every conflict of the programme with juror, user and entry loaded (one query),
    pending first, then by entry reference — for `viewer`, without the conflicts on entries
    they are barred from (`access.conflicted_entry_ids`: a conflicted chair's, their own
    among them). Returns (conflicts, how many were left out)."""
    found = db.session.scalars(
        sa.select(Conflict)
        .join(Conflict.jury_member)
        .join(Conflict.entry)
        .options(
            joinedload(Conflict.jury_member).joinedload(JuryMember.user),
            joinedload(Conflict.entry),
        )
        .where(JuryMember.programme_id == programme.id)
        .order_by((Conflict.status != "pending"), Entry.ref, Conflict.id)
    ).unique()
    hidden = conflicted_entry_ids(programme, viewer) if viewer is not None else set()
    everything = list(found)
    shown = [c for c in everything if c.entry_id not in hidden]
    return shown, len(everything) - len(shown)
