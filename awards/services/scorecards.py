"""What a juror sees and scores: their entry list (own shuffled order), one entry, their own
scorecard (draft → submitted, locked until the chair reopens it), and the scorecards that
count for the results — each in one round (`awards.services.rounds`; 1 in a programme of one
round): the round's entries (round 2 on: those advanced into it), or the juror's own
`Assignment` rows when the round is not scored by the whole jury, with the round's criteria and
scoring window. A juror has one scorecard per entry per round.

A juror only ever gets their own scorecard from here; conflicts bar at the service level.
Services flush only and raise `DomainError`s; the request commits.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from awards.models import (
    Assignment,
    Category,
    Conflict,
    Entry,
    JuryMember,
    Programme,
    Score,
    Scorecard,
)
from awards.services.access import require_unconflicted
from awards.services.rounds import (
    advanced_clause,
    assigned_round_clause,
    final_round,
    get_round,
    in_round_clause,
    round_criteria,
)
from awards.services.scales import parse_score
from core.audit.services import record
from core.errors import DomainError, InvalidInput, NotAllowed, NotFound
from core.extensions import db
from core.outbox.services import queue_mail


class ScoringClosed(DomainError):
    code = "scoring_closed"
    message = _l("Scoring is not open: scorecards can only be changed during the scoring period.")


class ScorecardLocked(DomainError):
    code = "scorecard_locked"
    status = 409
    message = _l(
        "This scorecard has been submitted and is locked. Ask the jury chair to reopen it."
    )


class ScoresInvalid(InvalidInput):
    """Per-criterion problems; `errors` maps the score field (`score_<criterion id>`) to its
    messages. Nothing was saved."""

    code = "scores_invalid"

    def __init__(self, errors: dict[int, str]):
        super().__init__(
            {score_field(criterion_id): message for criterion_id, message in errors.items()},
            _l("Some scores need attention; nothing was saved."),
        )


def score_field(criterion_id: int) -> str:
    """The scorecard form's field for a criterion's score (`awards.forms.jury.scorecard_form`)."""
    return f"score_{criterion_id}"


@dataclass(frozen=True)
class ListedEntry:
    """A row of the juror's entry list, as plain values (the list loads no Entry objects)."""

    entry_id: int
    title: str
    organisation: str
    category_nl: str
    category_en: str
    status: str | None  # own scorecard: None, "draft" or "submitted"

    def category(self, locale: str) -> str:
        return self.category_en if locale == "en" else self.category_nl


# --- what a juror may see -------------------------------------------------------------------


def _assigned_clause(programme_id, member_id, round_no, entry_id_column=Entry.id):
    """A WHERE clause: the juror scores the entry in the round — the whole jury scores it, or
    the entry is assigned to them (`Assignment`). Numbers, or bound parameters of a
    statement built once."""
    return sa.or_(
        ~assigned_round_clause(programme_id, round_no),
        sa.select(Assignment.id)
        .where(
            Assignment.jury_member_id == member_id,
            Assignment.entry_id == entry_id_column,
            Assignment.round_no == round_no,
        )
        .exists(),
    )


def juror_entries(member: JuryMember, *, secret: str, round_no: int = 1) -> list[ListedEntry]:
    """The entries of round `round_no` the juror scores — the round's entries, or only those
    assigned to them when the round is not scored by the whole jury — minus those barred for
    them (a conflict the chair has not dismissed), each with the status of the juror's own
    scorecard of the round, in the juror's own order: sorted by
    sha256("{secret}:{member.id}:{entry.id}") — stable between visits, different per juror.
    One query (`_juror_entries_statement`), of plain columns."""
    found = db.session.execute(
        _juror_entries_statement(round_no >= 2),
        {"member": member.id, "programme": member.programme_id, "round_no": round_no},
    )
    rows = [ListedEntry(*row) for row in found]

    def key(row: ListedEntry) -> str:
        return hashlib.sha256(f"{secret}:{member.id}:{row.entry_id}".encode()).hexdigest()

    return sorted(rows, key=key)


@functools.cache
def _juror_entries_statement(later_round: bool) -> sa.Select:
    """`juror_entries`' query, built once per shape (round 1, or a later round with its
    advancements) and run with the parameters `member`, `programme` and `round_no`."""
    member: sa.BindParameter[int] = sa.bindparam("member")
    programme: sa.BindParameter[int] = sa.bindparam("programme")
    round_no: sa.BindParameter[int] = sa.bindparam("round_no")
    own_card = sa.and_(
        Scorecard.entry_id == Entry.id,
        Scorecard.jury_member_id == member,
        Scorecard.round_no == round_no,
    )
    query = (
        sa.select(
            Entry.id,
            Entry.title,
            Entry.organisation,
            Category.name_nl,
            Category.name_en,
            Scorecard.status,
        )
        .join(Category, Category.id == Entry.category_id)
        .outerjoin(Scorecard, own_card)
        .where(
            Entry.programme_id == programme,
            Entry.status == "eligible",
            _assigned_clause(programme, member, round_no),
            ~barring_conflict_exists(member, Entry.id),
        )
    )
    if later_round:
        query = query.where(advanced_clause(round_no))
    return query


def juror_entry(member: JuryMember, entry_id: int, round_no: int = 1) -> Entry:
    """An entry the juror may see in round `round_no`: eligible, in their programme, in the
    round (advanced into it; assigned to them when the round has assignments), not barred by
    a conflict the chair has not dismissed. Raises NotAllowed before the terms are accepted,
    NotFound else."""
    if member.terms_accepted_at is None:
        raise NotAllowed(_l("Accept the jury terms first."), code="terms_not_accepted")
    entry = db.session.get(Entry, entry_id)
    if entry is None or entry.programme_id != member.programme_id or entry.status != "eligible":
        raise NotFound()
    entry_id_value = sa.literal(entry.id)
    allowed = sa.and_(
        in_round_clause(round_no, entry_id_value),
        _assigned_clause(member.programme_id, member.id, round_no, entry_id_value),
    )
    barred = db.session.scalar(
        sa.select(Conflict.id).where(
            Conflict.jury_member_id == member.id,
            Conflict.entry_id == entry.id,
            Conflict.status != "dismissed",
        )
    )
    if barred is not None or not db.session.scalar(sa.select(allowed)):
        raise NotFound()
    return entry


def own_scorecard(member: JuryMember, entry: Entry, round_no: int = 1) -> Scorecard | None:
    """The juror's own scorecard of round `round_no` for the entry with its scores, or None."""
    return db.session.scalar(
        sa.select(Scorecard)
        .options(selectinload(Scorecard.scores))
        .where(
            Scorecard.jury_member_id == member.id,
            Scorecard.entry_id == entry.id,
            Scorecard.round_no == round_no,
        )
    )


# --- scoring --------------------------------------------------------------------------------


def save_scorecard(
    member: JuryMember,
    entry_id: int,
    *,
    values: Mapping[int, object],
    comments: Mapping[int, str],
    comment: str,
    submit: bool,
    now: datetime,
    round_no: int = 1,
) -> Scorecard:
    """Save the juror's scorecard of round `round_no` for an entry as a draft (may be
    partial) or submit it (every criterion of the round scored; then locked). `values` and
    `comments` are keyed by criterion id.

    Raises NotAllowed/NotFound (see `juror_entry`), ScoringClosed outside the round's scoring
    window, ScorecardLocked once submitted, ScoresInvalid (per criterion) — in every case
    nothing changes. Audits `scorecard.submitted` on submit."""
    entry = juror_entry(member, entry_id, round_no)
    programme = member.programme
    if not get_round(programme, round_no).is_open(now):
        raise ScoringClosed()
    card = own_scorecard(member, entry, round_no)
    if card is not None and card.status == "submitted":
        raise ScorecardLocked()
    criteria = round_criteria(programme, round_no)
    parsed: dict[int, Decimal | None] = {}
    errors: dict[int, str] = {}
    for criterion in criteria:
        try:
            parsed[criterion.id] = parse_score(criterion, values.get(criterion.id))
        except ValueError as exc:
            errors[criterion.id] = str(exc)
            continue
        if submit and parsed[criterion.id] is None:
            errors[criterion.id] = str(_l("Score this criterion before submitting."))
    if errors:
        raise ScoresInvalid(errors)
    if card is None:
        card = Scorecard(
            jury_member_id=member.id,
            entry_id=entry.id,
            round_no=round_no,
            status="draft",
            scores=[],
        )
        db.session.add(card)
    existing = {score.criterion_id: score for score in card.scores}
    for criterion in criteria:
        score = existing.get(criterion.id)
        if score is None:
            score = Score(criterion_id=criterion.id, value=None, comment="")
            card.scores.append(score)
        score.value = parsed[criterion.id]
        score.comment = (comments.get(criterion.id) or "").strip()
    card.comment = (comment or "").strip()
    card.updated_at = now
    if submit:
        card.status = "submitted"
        card.submitted_at = now
    db.session.flush()
    if submit:
        record(
            "scorecard.submitted",
            card,
            now=now,
            actor=member.user,
            scope=programme,
            entry_id=entry.id,
            member_id=member.id,
            round=round_no,
        )
    return card


def get_scorecard(programme: Programme, scorecard_id: int) -> Scorecard:
    """A scorecard of `programme` (for the chair/admin); NotFound otherwise."""
    card = db.session.get(Scorecard, scorecard_id)
    if card is None or card.jury_member.programme_id != programme.id:
        raise NotFound()
    return card


def reopen_scorecard(card: Scorecard, reason: str, *, actor, now: datetime) -> Scorecard:
    """The chair or an admin sends a submitted scorecard back to draft so the juror can change
    it; the juror gets an e-mail with the reason. Audits `scorecard.reopened`.

    Raises NotAllowed (`access.require_unconflicted`) when the actor has a conflict with the
    entry — a conflicted chair leaves it to an admin —, DomainError "reason_required",
    "not_submitted", or ScoringClosed when the juror could not resubmit it."""
    require_unconflicted(card.jury_member.programme, actor, card.entry_id)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Give a reason for reopening."), code="reason_required")
    if card.status != "submitted":
        raise DomainError(_l("This scorecard is not submitted."), code="not_submitted")
    member = card.jury_member
    if not get_round(member.programme, card.round_no).is_open(now):
        raise ScoringClosed(
            _l("Scorecards can only be reopened while scoring is open."), code="scoring_closed"
        )
    card.status = "draft"
    card.submitted_at = None
    card.updated_at = now
    db.session.flush()
    record(
        "scorecard.reopened",
        card,
        now=now,
        actor=actor,
        scope=member.programme,
        entry_id=card.entry_id,
        member_id=member.id,
        reason=reason,
    )
    queue_mail(
        member.user.email,
        "jury_scorecard_reopened",
        now=now,
        locale=member.user.locale,
        user=member.user,
        programme=member.programme,
        entry=card.entry,
        reason=reason,
    )
    return card


# --- results side ---------------------------------------------------------------------------


def barring_conflict_exists(
    member_column=Scorecard.jury_member_id, entry_column=Scorecard.entry_id
):
    """A correlated EXISTS: the scorecard's juror has a non-dismissed conflict on its entry
    (or, with other columns, the juror and entry they name: an `Assignment`'s)."""
    return (
        sa.select(Conflict.id)
        .where(
            Conflict.jury_member_id == member_column,
            Conflict.entry_id == entry_column,
            Conflict.status != "dismissed",
        )
        .exists()
    )


def counted_scorecards_query(programme: Programme, round_no: int | None = None) -> sa.Select:
    """A select of the Scorecards that count for the results of round `round_no` (None: the
    final round): submitted in that round, for entries of `programme` in the round (eligible;
    from round 2 on advanced into it), by jurors not barred from the entry (no conflict other
    than dismissed). Add options/ordering as needed, e.g.
    `.options(selectinload(Scorecard.scores))`."""
    info = final_round(programme) if round_no is None else get_round(programme, round_no)
    return (
        sa.select(Scorecard)
        .join(Entry, Entry.id == Scorecard.entry_id)
        .where(
            Entry.programme_id == programme.id,
            Entry.status == "eligible",
            Scorecard.status == "submitted",
            Scorecard.round_no == info.position,
            in_round_clause(info.position, Scorecard.entry_id),
            ~barring_conflict_exists(),
        )
    )
