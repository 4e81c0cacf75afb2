"""The entrant's path: draft, edit, submit, withdraw and reopen an entry; refs, status labels, and
the entrant's lists (own entries, programmes open for submission).

What an entrant may do with an entry at a moment is `allowed_actions` (the entry page, its
template and the checks below all use it). Every status change goes through `transition` and
its table (screening, in `awards.services.screening`, too). Functions take the acting user and
`now`, check ownership and the programme timeline, flush, and raise DomainError subclasses.
Entrants never see scores, nominations or results through this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import format_datetime, format_number
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from awards.models import Category, Entry, Programme
from awards.services.access import require_owner
from awards.services.questions import field_name, missing_required
from awards.storage import StoredFile, release_after_commit
from awards.timeline import PhaseClosed, Timeline
from core.audit.services import record
from core.errors import DomainError, InvalidInput
from core.extensions import db
from core.i18n import current_locale
from core.labels import LABELS
from core.outbox.services import queue_mail
from core.templating import DATETIME_FORMAT

REF_ATTEMPTS = 5
SUMMARY_MAX = 1_000
CASE_TEXT_MAX = 20_000
LINE_MAX = 200
EDITABLE = frozenset({"draft", "submitted"})
# action -> (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "submit": (frozenset({"draft"}), "submitted"),
    "withdraw": (frozenset({"draft", "submitted", "eligible"}), "withdrawn"),
    "reopen": (frozenset({"withdrawn"}), "draft"),
    "eligible": (frozenset({"submitted", "eligible", "ineligible"}), "eligible"),
    "ineligible": (frozenset({"submitted", "eligible", "ineligible"}), "ineligible"),
}
STATE_LABELS = LABELS["entry"]
RESULT_LABELS = LABELS["entry_result"]


class SubmissionsClosed(DomainError):
    code = "submissions_closed"


class WrongState(DomainError):
    code = "wrong_state"
    status = 409


@dataclass(frozen=True)
class EntryData:
    category_id: int | None
    organisation: str
    title: str
    summary: str = ""
    case_text: str = ""


def allowed_actions(entry: Entry, now: datetime) -> frozenset[str]:
    """What the entrant may do with `entry` at `now` (ownership aside): "edit" a draft or
    submitted entry and "submit" a draft while submissions are open; "withdraw" a draft,
    submitted or eligible entry until scoring closes; "reopen" a withdrawn entry as a draft
    while submissions are open (the undo of a withdrawal)."""
    timeline = Timeline.of(entry.programme)
    open_ = timeline.submissions_open(now)
    allowed = set()
    if entry.status in EDITABLE and open_:
        allowed.add("edit")
    if entry.status in TRANSITIONS["submit"][0] and open_:
        allowed.add("submit")
    if entry.status in TRANSITIONS["withdraw"][0] and not timeline.scoring_closed(now):
        allowed.add("withdraw")
    if entry.status in TRANSITIONS["reopen"][0] and open_:
        allowed.add("reopen")
    return frozenset(allowed)


def status_label(entry: Entry, outcome: str | None = None):
    """What the entrant sees: Draft, Submitted, Eligible, "Ineligible: <reason>" or Withdrawn;
    Winner or Nominee when `outcome` (from `ratification.published_outcomes`, so only once the
    results are public) says so."""
    if outcome is not None:
        return RESULT_LABELS[outcome]
    if entry.status == "ineligible" and entry.screening_reason:
        return _l("Ineligible: %(reason)s", reason=entry.screening_reason)
    return STATE_LABELS.get(entry.status, entry.status)


def ref_prefix(programme: Programme) -> str:
    """`CDA` for slugs like `cda-2025` or `customer-data-awards-2025`; letters only, ≤ 6."""
    words = [w for w in programme.slug.split("-") if w and w[0].isalpha()]
    prefix = words[0] if len(words) == 1 else "".join(w[0] for w in words)
    return re.sub(r"[^A-Za-z0-9]", "", prefix).upper()[:6] or "E"


def next_ref(programme: Programme) -> str:
    """The next free-looking ref in the programme, e.g. `CDA-0007` (max existing + 1)."""
    prefix = ref_prefix(programme)
    refs = db.session.scalars(
        sa.select(Entry.ref).where(
            Entry.programme_id == programme.id, Entry.ref.like(f"{prefix}-%")
        )
    )
    numbers = [int(r.rsplit("-", 1)[1]) for r in refs if r.rsplit("-", 1)[1].isdigit()]
    return f"{prefix}-{max(numbers, default=0) + 1:04d}"


def create_entry(
    programme: Programme,
    owner,
    data: EntryData,
    *,
    now: datetime,
    attachment: StoredFile | None = None,
) -> Entry:
    """A new draft owned by `owner`, with a fresh ref. Needs open submissions.

    A concurrent request may take the same ref: each attempt runs in a savepoint and a taken
    ref is retried with the next one, `REF_ATTEMPTS` times. Raises SubmissionsClosed,
    InvalidInput, DomainError("ref_busy") when every attempt found its ref taken.
    """
    require_submissions_open(programme, now)
    category = _check(programme, data)
    for _attempt in range(REF_ATTEMPTS):
        try:
            with db.session.begin_nested():
                entry = Entry(
                    programme=programme,
                    category=category,
                    owner=owner,
                    ref=next_ref(programme),
                    organisation=data.organisation.strip(),
                    title=data.title.strip(),
                    summary=data.summary.strip(),
                    case_text=data.case_text.strip(),
                    status="draft",
                    created_at=now,
                    updated_at=now,
                )
                if attachment is not None:
                    _attach(entry, attachment)
                db.session.add(entry)
                db.session.flush()
        except IntegrityError:
            continue
        record("entry.created", entry, now=now, actor=owner, scope=programme, ref=entry.ref)
        return entry
    raise DomainError(
        _l("Your entry could not be saved just now. Please try again."), code="ref_busy"
    )


def update_entry(
    entry: Entry,
    actor,
    data: EntryData,
    *,
    now: datetime,
    attachment: StoredFile | None = None,
    remove_attachment: bool = False,
) -> str | None:
    """Change a draft or submitted entry while submissions are open.

    Returns the key of a replaced or removed file; that file is deleted once the transaction
    commits (`release_after_commit`).
    Raises NotFound (not the owner or an admin), WrongState, SubmissionsClosed, InvalidInput.
    """
    require_editable(entry, actor, now)
    entry.category = _check(entry.programme, data)
    entry.organisation = data.organisation.strip()
    entry.title = data.title.strip()
    entry.summary = data.summary.strip()
    entry.case_text = data.case_text.strip()
    old_key = None
    if attachment is not None or (remove_attachment and entry.attachment_key):
        old_key = entry.attachment_key
        entry.attachment_key = entry.attachment_name = entry.attachment_size = None
        if attachment is not None:
            _attach(entry, attachment)
    entry.updated_at = now
    db.session.flush()
    release_after_commit(old_key)
    return old_key


def require_editable(entry: Entry, actor, now: datetime) -> None:
    """Raises NotFound (not the owner or an admin), WrongState (not a draft or submitted entry)
    or SubmissionsClosed; views call it before storing an upload."""
    require_owner(entry, actor)
    if "edit" in allowed_actions(entry, now):
        return
    if entry.status not in EDITABLE:
        raise WrongState(_l("This entry can no longer be changed."), code="not_editable")
    require_submissions_open(entry.programme, now)


def submit_entry(entry: Entry, actor, *, now: datetime) -> Entry:
    """Submit a draft before the deadline and queue the receipt e-mail to its owner.

    Raises NotFound, WrongState (not a draft), SubmissionsClosed, DomainError("incomplete")
    when the summary or the case text is empty, InvalidInput("questions_unanswered") naming
    each required question of its category left open (`questions.missing_required`).
    """
    require_owner(entry, actor)
    if "submit" not in allowed_actions(entry, now):
        if entry.status not in TRANSITIONS["submit"][0]:
            raise WrongState(_l("This entry has already been submitted."), code="not_draft")
        require_submissions_open(entry.programme, now)
    if not entry.summary.strip() or not entry.case_text.strip():
        raise DomainError(
            _l("Fill in the summary and the case before you submit."), code="incomplete"
        )
    missing = missing_required(entry)
    if missing:
        raise InvalidInput(
            {field_name(q): _l("This field is required.") for q in missing},
            _l(
                "Answer the required questions before you submit: %(questions)s.",
                questions=", ".join(q.label(current_locale()) for q in missing),
            ),
            code="questions_unanswered",
        )
    transition(entry, "submit")
    entry.submitted_at = entry.updated_at = now
    db.session.flush()
    record("entry.submitted", entry, now=now, actor=actor, scope=entry.programme)
    if entry.owner is not None:
        owner = entry.owner
        queue_mail(
            owner.email,
            "entry_submitted",
            locale=owner.locale,
            now=now,
            entry=entry,
            programme=entry.programme,
            owner=owner,
        )
    return entry


def withdraw_entry(entry: Entry, actor, *, now: datetime) -> Entry:
    """Withdraw a draft, submitted or eligible entry until scoring closes; it is never scored.

    Raises NotFound, WrongState, DomainError("scoring_closed").
    """
    require_owner(entry, actor)
    if entry.status not in TRANSITIONS["withdraw"][0]:
        raise WrongState(_l("This entry cannot be withdrawn."), code="not_withdrawable")
    if "withdraw" not in allowed_actions(entry, now):
        raise DomainError(
            _l(
                "Entries can no longer be withdrawn: scoring closed on %(date)s.",
                date=format_datetime(entry.programme.scoring_close_at, DATETIME_FORMAT),
            ),
            code="scoring_closed",
        )
    previous = entry.status
    transition(entry, "withdraw")
    entry.updated_at = now
    db.session.flush()
    record(
        "entry.withdrawn",
        entry,
        now=now,
        actor=actor,
        scope=entry.programme,
        previous=previous,
    )
    return entry


def reopen_entry(entry: Entry, actor, *, now: datetime) -> Entry:
    """Undo a withdrawal: the withdrawn entry becomes a draft again (to be edited and
    submitted anew) while submissions are open; audited as "entry.reopened".

    Raises NotFound, WrongState (not withdrawn), SubmissionsClosed.
    """
    require_owner(entry, actor)
    if entry.status not in TRANSITIONS["reopen"][0]:
        raise WrongState(_l("Only a withdrawn entry can be reopened."), code="not_withdrawn")
    require_submissions_open(entry.programme, now)
    transition(entry, "reopen")
    entry.submitted_at = None
    entry.updated_at = now
    db.session.flush()
    record("entry.reopened", entry, now=now, actor=actor, scope=entry.programme)
    return entry


def require_submissions_open(programme: Programme, now: datetime) -> None:
    """Raises SubmissionsClosed ("submissions_not_open" / "submissions_closed") with the date."""
    try:
        Timeline.of(programme).require_submissions_open(now)
    except PhaseClosed as exc:
        if Timeline.of(programme).phase(now) == "upcoming":
            raise SubmissionsClosed(
                _l(
                    "Submissions for this programme open on %(date)s.",
                    date=format_datetime(programme.submissions_open_at, DATETIME_FORMAT),
                ),
                code="submissions_not_open",
            ) from exc
        raise SubmissionsClosed(
            _l(
                "Submissions for this programme closed on %(date)s.",
                date=format_datetime(programme.submissions_close_at, DATETIME_FORMAT),
            ),
        ) from exc


def _check(programme: Programme, data: EntryData) -> Category:
    errors = {}
    category = db.session.get(Category, data.category_id) if data.category_id else None
    if category is None or category.programme_id != programme.id:
        errors["category"] = _l("Choose a category of this programme.")
    for name in ("organisation", "title"):
        value = getattr(data, name).strip()
        if not value:
            errors[name] = _l("This field is required.")
        elif len(value) > LINE_MAX:
            errors[name] = _l("At most %(n)s characters.", n=LINE_MAX)
    if len(data.summary.strip()) > SUMMARY_MAX:
        errors["summary"] = _l("At most %(n)s characters.", n=format_number(SUMMARY_MAX))
    if len(data.case_text.strip()) > CASE_TEXT_MAX:
        errors["case_text"] = _l("At most %(n)s characters.", n=format_number(CASE_TEXT_MAX))
    if errors or category is None:
        raise InvalidInput(errors)
    return category


def _attach(entry: Entry, stored: StoredFile) -> None:
    entry.attachment_key = stored.key
    entry.attachment_name = stored.name
    entry.attachment_size = stored.size


def transition(entry: Entry, action: str) -> None:
    """The one place an entry's status changes, along `TRANSITIONS`; WrongState otherwise."""
    allowed_from, target = TRANSITIONS[action]
    if entry.status not in allowed_from:  # callers check first, with a friendlier message
        raise WrongState(code="bad_transition")
    entry.status = target


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
