"""The admin's side of entries: the filtered list, screening, and the CSV/XLSX export."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from awards.models import Entry, EntryQuestion, Programme, Ratification
from awards.services.conflicts import detect_conflicts_for_entry
from awards.services.entries import TRANSITIONS, WrongState, status_label, transition
from awards.services.questions import answers_by_entry, export_value
from core.accounts.models import has_staff_rights
from core.audit.services import record
from core.errors import InvalidInput, NotAllowed
from core.extensions import db
from core.outbox.services import queue_mail
from core.spreadsheets import Table

OUTCOMES = ("eligible", "ineligible")
CSV_HEADER = (
    "ref",
    "category",
    "organisation",
    "title",
    "status",
    "screening_reason",
    "submitted_at",
    "owner_email",
)


def admin_entries(
    programme: Programme, *, status: str | None = None, category_id: int | None = None
) -> list[Entry]:
    """The programme's entries by ref (category and owner loaded), optionally filtered."""
    query = (
        sa.select(Entry)
        .where(Entry.programme_id == programme.id)
        .options(joinedload(Entry.category), joinedload(Entry.owner))
        .order_by(Entry.ref)
    )
    if status:
        query = query.where(Entry.status == status)
    if category_id:
        query = query.where(Entry.category_id == category_id)
    return list(db.session.scalars(query))


def screen_entry(entry: Entry, actor, *, outcome: str, reason: str, now: datetime) -> Entry:
    """An admin marks a submitted (or already screened) entry eligible or ineligible.

    Ineligible needs a reason and e-mails the entrant; eligible runs conflict detection
    (`awards.services.conflicts.detect_conflicts_for_entry`). Raises NotAllowed (not an admin),
    InvalidInput (bad outcome, missing reason), WrongState (draft or withdrawn entry, or an
    entry whose category's results are ratified: the frozen result must not drift).
    """
    if not has_staff_rights(actor):
        raise NotAllowed()
    ratified = db.session.scalar(
        sa.select(Ratification.id).where(Ratification.category_id == entry.category_id)
    )
    if ratified is not None:
        raise WrongState(
            _l(
                "The results of this entry's category are ratified; its screening can no longer change."
            ),
            code="category_ratified",
        )
    reason = (reason or "").strip()
    if outcome not in OUTCOMES:
        raise InvalidInput({"outcome": _l("Choose eligible or ineligible.")}, code="bad_outcome")
    if outcome == "ineligible" and not reason:
        raise InvalidInput(
            {"reason": _l("Give the reason why the entry is ineligible.")}, code="reason_required"
        )
    if not screenable(entry):
        raise WrongState(
            _l(
                "Only submitted entries can be screened; this one is: %(status)s.",
                status=status_label(entry),
            ),
            code="not_screenable",
        )
    previous = entry.status
    transition(entry, outcome)
    entry.screening_reason = reason
    entry.updated_at = now
    db.session.flush()
    record(
        "entry.screened",
        entry,
        now=now,
        actor=actor,
        scope=entry.programme,
        outcome=outcome,
        reason=reason,
        previous=previous,
    )
    if outcome == "ineligible" and entry.owner is not None:
        queue_mail(
            entry.owner.email,
            "entry_ineligible",
            locale=entry.owner.locale,
            now=now,
            entry=entry,
            programme=entry.programme,
            owner=entry.owner,
            reason=reason,
        )
    if outcome == "eligible":
        detect_conflicts_for_entry(entry, now=now)
    return entry


def screenable(entry: Entry) -> bool:
    """True when the entry may be screened (again): submitted, eligible or ineligible."""
    return entry.status in TRANSITIONS["eligible"][0]


def export_table(entries: list[Entry], asked: Sequence[EntryQuestion] = ()) -> Table:
    """The entries as a `core.spreadsheets.Table` of `CSV_HEADER` (the admin's CSV and XLSX
    downloads): one row per entry, `submitted_at` a time (empty for a draft), then a column
    `q_<key>` per question of `asked` (the programme's, in order) with the entry's answer
    (`questions.export_value`: a number, a PDF's file name, else the text; empty when the
    entry's category is not asked it or it was left open). Answers load in one query."""
    answers = answers_by_entry(e.id for e in entries)
    rows = [
        (
            e.ref,
            e.category.slug,
            e.organisation,
            e.title,
            e.status,
            e.screening_reason,
            e.submitted_at,
            e.owner.email if e.owner is not None else "",
            *(
                export_value(q, answers.get(e.id, {}).get(q.id)) if q.asks(e.category_id) else None
                for q in asked
            ),
        )
        for e in entries
    ]
    header = (*CSV_HEADER, *(f"q_{q.key}" for q in asked))
    return Table(header, rows, title="entries")
