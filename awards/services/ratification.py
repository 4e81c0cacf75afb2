"""Shortlisting nominees, ratifying winners, and the published results.

Rules:
* Only the jury chair (terms accepted) or an admin may shortlist or ratify
  (`require_chair_or_admin`, NotAllowed otherwise).
* They read the final round's results (`awards.services.rounds`: its entries — those the
  chair advanced into it —, its scorecards, criteria and quorum; the programme's scoring
  close is the final round's).
* Both are possible only after scoring closes and before `publish_at`
  (ResultsWindowClosed, codes `scoring_not_closed` / `results_published`).
* A ratified category is frozen: shortlisting or ratifying it again raises CategoryRatified (409)
  and changes nothing.
* A shortlist holds 1..`category.shortlist_size` of the category's eligible entries, each with
  at least quorum scorecards; it replaces the category's earlier nominations.
* The winner must be on the shortlist. The ratification freezes the chosen method's leaderboard
  (`snapshot`), the method, trim, quorum and the tie-break rule that separated the winner from
  the entry ranked directly below it ("" when their rounded totals differ).
* Results are public from `publish_at` on, and only for ratified categories.
* A ratified result stands. A conflict recorded (or a bar lifted) after ratification changes
  which scorecards count, so the live ranking may differ from the frozen one: the conflict is
  flagged (`awards.services.conflicts.flag_after_ratification`) and `ratified_result` says
  which entries moved and why, next to the frozen snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from awards.models import (
    Category,
    Entry,
    JuryMember,
    Nomination,
    Programme,
    Ratification,
    Scorecard,
)
from awards.services.access import require_chair_or_admin, require_unconflicted_decision
from awards.services.results import (
    BoardData,
    leaderboard,
    load_board_data,
    resolve_options,
    snapshot_row,
)
from awards.timeline import Timeline
from core.audit.models import AuditEntry
from core.audit.services import record
from core.errors import DomainError, NotFound
from core.extensions import db
from core.locking import write_transaction


class ResultsWindowClosed(DomainError):
    code = "results_window_closed"
    status = 409
    message = _l("Shortlisting and ratification are possible only after scoring closes.")


class CategoryRatified(DomainError):
    code = "category_ratified"
    status = 409
    message = _l("This category has been ratified; its results can no longer change.")


class ShortlistError(DomainError):
    code = "bad_shortlist"
    status = 400
    message = _l("This shortlist is not valid.")


def require_results_window(programme: Programme, now: datetime) -> None:
    """Raise ResultsWindowClosed unless scoring has closed and the results are not public."""
    timeline = Timeline.of(programme)
    if not timeline.scoring_closed(now):
        raise ResultsWindowClosed(code="scoring_not_closed")
    if timeline.published(now):
        raise ResultsWindowClosed(
            _l("The results have been published; nothing can change any more."),
            code="results_published",
        )


def results_window_problem(programme: Programme, now: datetime) -> ResultsWindowClosed | None:
    """Why shortlisting and ratifying are closed at `now` (`require_results_window`), or None."""
    try:
        require_results_window(programme, now)
    except ResultsWindowClosed as error:
        return error
    return None


def ratification_of(category: Category) -> Ratification | None:
    return db.session.scalar(sa.select(Ratification).where(Ratification.category_id == category.id))


def nominations_by_category(programme: Programme) -> dict[int, list[Nomination]]:
    """Category id -> its nominations (with entries), in one query."""
    rows = db.session.scalars(
        sa.select(Nomination)
        .join(Category, Category.id == Nomination.category_id)
        .where(Category.programme_id == programme.id)
        .options(selectinload(Nomination.entry))
        .order_by(Nomination.id)
    )
    out: dict[int, list[Nomination]] = {}
    for nomination in rows:
        out.setdefault(nomination.category_id, []).append(nomination)
    return out


def ratifications_by_category(programme: Programme) -> dict[int, Ratification]:
    rows = db.session.scalars(
        sa.select(Ratification)
        .join(Category, Category.id == Ratification.category_id)
        .where(Category.programme_id == programme.id)
    )
    return {r.category_id: r for r in rows}


def _prepare(programme: Programme, category: Category, actor, now: datetime) -> None:
    """Common checks, under a lock so that two decisions on one category queue: SQLite's
    write lock (`write_transaction`), and the category's row lock on PostgreSQL."""
    if category.programme_id != programme.id:
        raise NotFound()
    write_transaction()
    db.session.execute(sa.select(Category.id).where(Category.id == category.id).with_for_update())
    require_decidable(programme, category, actor, now)


def require_decidable(programme: Programme, category: Category, actor, now: datetime) -> None:
    """Raise what a shortlist or ratification of `category` by `actor` at `now` would be
    refused with — NotAllowed (not the chair or an admin, or a conflict in the category),
    ResultsWindowClosed, CategoryRatified — without taking the decision's locks (the
    confirmation step asks this before the decision itself checks again)."""
    require_chair_or_admin(programme, actor)
    require_unconflicted_decision(programme, actor, category_entry_ids(category))
    require_results_window(programme, now)
    if ratification_of(category) is not None:
        raise CategoryRatified()


def nominee(category: Category, entry_id: int) -> Entry:
    """The category's nominated entry `entry_id`; ShortlistError (`winner_not_nominee`) when
    it is not on the shortlist."""
    found = db.session.scalar(
        sa.select(Entry)
        .join(Nomination, Nomination.entry_id == Entry.id)
        .where(Nomination.category_id == category.id, Entry.id == entry_id)
    )
    if found is None:
        raise ShortlistError(_l("The winner must be on the shortlist."), code="winner_not_nominee")
    return found


def category_entry_ids(category: Category) -> set[int]:
    """Every entry of the category, whatever its state (whose conflicts bar a decision)."""
    return set(db.session.scalars(sa.select(Entry.id).where(Entry.category_id == category.id)))


def _unranked(entry: Entry) -> ShortlistError:
    return ShortlistError(
        _l("%(ref)s is not ranked: it has too few scorecards.", ref=entry.ref),
        code="insufficient_scorecards",
    )


def shortlist(
    programme: Programme,
    category: Category,
    entry_ids: list[int],
    *,
    actor,
    now: datetime,
    data: BoardData | None = None,
) -> list[Nomination]:
    """Replace the category's nominations with `entry_ids`; audit `results.shortlisted`.

    Raises NotAllowed, ResultsWindowClosed, CategoryRatified, or ShortlistError (codes
    `shortlist_empty`, `shortlist_too_long`, `not_eligible`, `insufficient_scorecards`)."""
    _prepare(programme, category, actor, now)
    wanted = list(dict.fromkeys(entry_ids))
    if not wanted:
        raise ShortlistError(_l("Choose at least one nominee."), code="shortlist_empty")
    if len(wanted) > category.shortlist_size:
        raise ShortlistError(
            _l("A shortlist holds at most %(n)s nominees.", n=category.shortlist_size),
            code="shortlist_too_long",
        )
    results = {r.entry.id: r for r in leaderboard(programme, category, data=data)}
    for entry_id in wanted:
        if entry_id not in results:
            raise ShortlistError(
                _l("Only eligible entries of this category can be nominated."),
                code="not_eligible",
            )
        if results[entry_id].rank is None:
            raise _unranked(results[entry_id].entry)
    db.session.execute(sa.delete(Nomination).where(Nomination.category_id == category.id))
    nominations = [Nomination(category_id=category.id, entry_id=i, created_at=now) for i in wanted]
    db.session.add_all(nominations)
    db.session.flush()
    record(
        "results.shortlisted",
        category,
        now=now,
        actor=actor,
        scope=programme,
        entries=[results[i].entry.ref for i in wanted],
    )
    return nominations


def ratify(
    programme: Programme,
    category: Category,
    winner_id: int,
    *,
    actor,
    now: datetime,
    method: str | None = None,
    trim: int | None = None,
    citation_nl: str = "",
    citation_en: str = "",
) -> Ratification:
    """Freeze the category with `winner_id` as winner; audit `results.ratified`.

    Raises NotAllowed, ResultsWindowClosed, CategoryRatified (also when a concurrent
    ratification of the category won), BadResultsOption, or ShortlistError (code
    `winner_not_nominee`)."""
    _prepare(programme, category, actor, now)
    method, trim, quorum = resolve_options(programme, method, trim)
    nominee(category, winner_id)
    results = leaderboard(
        programme,
        category,
        method=method,
        trim=trim,
        data=load_board_data(programme, category=category),
    )
    position = next((i for i, r in enumerate(results) if r.entry.id == winner_id), None)
    if position is None:
        raise ShortlistError(
            _l("Only eligible entries of this category can win."), code="not_eligible"
        )
    if results[position].rank is None:
        raise _unranked(results[position].entry)
    below = results[position + 1] if position + 1 < len(results) else None
    tie_break = (below.tie_break or "") if below is not None and below.rank is not None else ""
    ratification = Ratification(
        category_id=category.id,
        winner_entry_id=winner_id,
        method=method,
        trim=trim,
        quorum=quorum,
        tie_break=tie_break,
        citation_nl=citation_nl.strip(),
        citation_en=citation_en.strip(),
        snapshot=[snapshot_row(r) for r in results],
        ratified_at=now,
        ratified_by_id=actor.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(ratification)
            db.session.flush()
    except IntegrityError as error:  # a concurrent ratification of the same category won
        raise CategoryRatified() from error
    record(
        "results.ratified",
        ratification,
        now=now,
        actor=actor,
        scope=programme,
        category=category.slug,
        winner=results[position].entry.ref,
        method=method,
        trim=trim,
        quorum=quorum,
        tie_break=tie_break,
    )
    return ratification


# --- after ratification ---------------------------------------------------------------------


@dataclass(frozen=True)
class RankChange:
    """An entry whose live rank or total differs from the ratified snapshot (None: unranked,
    or not on that board at all)."""

    entry_id: int
    ref: str
    organisation: str
    ratified_rank: int | None
    ratified_total: str | None
    live_rank: int | None
    live_total: str | None


@dataclass(frozen=True)
class RatifiedResult:
    """A ratified category as its leaderboard shows it: the frozen snapshot (the result),
    the entries the live ranking — same method, trim and quorum — now places differently,
    and the conflicts flagged after ratification (`conflict.after_ratification` audit
    entries, oldest first)."""

    ratification: Ratification
    snapshot: list[dict]
    changes: list[RankChange]
    late_conflicts: list[AuditEntry]

    @property
    def differs(self) -> bool:
        return bool(self.changes or self.late_conflicts)


def late_conflicts(programme: Programme) -> dict[int, list[AuditEntry]]:
    """Ratification id -> the conflicts flagged after it (`conflict.after_ratification`),
    oldest first; one query."""
    rows = db.session.scalars(
        sa.select(AuditEntry)
        .where(
            AuditEntry.action == "conflict.after_ratification",
            AuditEntry.scope_type == "Programme",
            AuditEntry.scope_id == programme.id,
        )
        .order_by(AuditEntry.at, AuditEntry.id)
    )
    out: dict[int, list[AuditEntry]] = {}
    for row in rows:
        if row.object_id is not None:
            out.setdefault(row.object_id, []).append(row)
    return out


def ratified_result(
    programme: Programme,
    ratification: Ratification,
    *,
    hidden: set[int] | frozenset[int] = frozenset(),
    data: BoardData | None = None,
    late: dict[int, list[AuditEntry]] | None = None,
) -> RatifiedResult:
    """The ratified category's frozen result next to today's live ranking under the
    ratification's method, trim and quorum, leaving out the `hidden` entries (a conflicted
    viewer's, `access.results_hidden_from`). `late` is `late_conflicts(programme)` when the
    caller has it. Raises BadResultsOption only for corrupt stored options."""
    live = leaderboard(
        programme,
        ratification.category,
        method=ratification.method,
        trim=ratification.trim,
        quorum=ratification.quorum,
        data=data or load_board_data(programme),
    )
    frozen = {row["entry_id"]: row for row in ratification.snapshot}
    current = {r.entry.id: snapshot_row(r) for r in live}
    changes = []
    for entry_id in [*frozen, *(i for i in current if i not in frozen)]:
        before, after = frozen.get(entry_id, {}), current.get(entry_id, {})
        was = (before.get("rank"), before.get("total"))
        is_ = (after.get("rank"), after.get("total"))
        if entry_id in hidden or (before and after and was == is_):
            continue
        named = before or after
        changes.append(RankChange(entry_id, named["ref"], named["organisation"], *was, *is_))
    flagged = (late if late is not None else late_conflicts(programme)).get(ratification.id, [])
    return RatifiedResult(
        ratification,
        [row for row in ratification.snapshot if row["entry_id"] not in hidden],
        changes,
        [row for row in flagged if row.data.get("entry_id") not in hidden],
    )


@dataclass(frozen=True)
class PublishedCategory:
    category: Category
    ratification: Ratification
    winner: Entry
    nominees: list[Entry]  # the other nominees, by organisation


def published_results(programme: Programme, now: datetime) -> list[PublishedCategory] | None:
    """The ratified categories with winner and other nominees; None before `publish_at`.

    Before the embargo lifts nothing is loaded at all, so nothing can leak."""
    if not Timeline.of(programme).published(now):
        return None
    ratifications = ratifications_by_category(programme)
    nominations = nominations_by_category(programme)
    winners = {
        e.id: e
        for e in db.session.scalars(
            sa.select(Entry).where(
                Entry.id.in_([r.winner_entry_id for r in ratifications.values()])
            )
        )
    }
    out = []
    for category in sorted(programme.categories, key=lambda c: (c.position, c.id)):
        ratification = ratifications.get(category.id)
        if ratification is None:
            continue
        others = [
            n.entry
            for n in nominations.get(category.id, [])
            if n.entry_id != ratification.winner_entry_id
        ]
        out.append(
            PublishedCategory(
                category,
                ratification,
                winners[ratification.winner_entry_id],
                sorted(others, key=lambda e: e.organisation.lower()),
            )
        )
    return out


def published_fingerprint(programme: Programme, now: datetime) -> tuple | None:
    """What the published results of `programme` are made of, for a cache key (one query);
    None before `publish_at`, exactly when `published_results` is None. A ratification is
    frozen, so its id and time stand for its winner, citations and snapshot; the categories'
    names and order and the shown entries' last change (`updated_at`, and how many are
    nominated) are added, as those could still be edited after ratification."""
    if not Timeline.of(programme).published(now):
        return None
    rows = db.session.execute(_fingerprint_statement(), {"programme_id": programme.id}).all()
    return tuple(tuple(str(v) for v in row) for row in rows)


@cache
def _fingerprint_statement() -> sa.Select:
    """`published_fingerprint`'s query, built once (for the `programme_id` parameter)."""
    programme_id: sa.BindParameter[int] = sa.bindparam("programme_id")
    nominated = (
        sa.select(sa.func.count(Nomination.id), sa.func.max(Entry.updated_at))
        .join(Entry, Entry.id == Nomination.entry_id)
        .join(Category, Category.id == Nomination.category_id)
        .where(Category.programme_id == programme_id)
    ).subquery()
    return (
        sa.select(
            Ratification.id,
            Ratification.ratified_at,
            Ratification.winner_entry_id,
            Category.id,
            Category.slug,
            Category.name_nl,
            Category.name_en,
            Category.position,
            nominated.c[0],
            nominated.c[1],
        )
        .select_from(Ratification)
        .join(Category, Category.id == Ratification.category_id)
        .outerjoin(nominated, sa.true())
        .where(Category.programme_id == programme_id)
        .order_by(Ratification.id)
    )


def published_outcomes(entries: Iterable[Entry], now: datetime) -> dict[int, str]:
    """Entry id -> "winner" or "nominee" for those of `entries` that the winners page names
    at `now` (`published_results`, the one rule): nothing before a programme's `publish_at`,
    and only ratified categories. A few queries per published programme among the entries'
    (none for the others)."""
    entries = list(entries)
    programmes = {e.programme_id: e.programme for e in entries}
    wanted = {e.id for e in entries}
    out: dict[int, str] = {}
    for programme in programmes.values():
        for item in published_results(programme, now) or ():
            out.update({n.id: "nominee" for n in item.nominees if n.id in wanted})
            if item.winner.id in wanted:
                out[item.winner.id] = "winner"
    return out


@cache
def _jury_statement() -> sa.Select:
    """`jury_for_display`'s query, built once (for the `programme_id` parameter)."""
    scored = sa.exists().where(
        Scorecard.jury_member_id == JuryMember.id, Scorecard.status == "submitted"
    )
    return sa.select(JuryMember).where(
        JuryMember.programme_id == sa.bindparam("programme_id"), scored
    )


def jury_for_display(programme: Programme) -> list[JuryMember]:
    """The jurors who took part in the programme, chair first, then in the order they joined
    (users joined in the same query). Taking part means having at least one submitted
    scorecard in the programme (a reopened one not resubmitted does not count): an invited
    juror who never scored is not named on the public winners page. Accepted terms are not
    asked for on top: scoring in the app needs them already, and scores an admin imported
    (`score_import`, a jury that scored on paper) count as taking part."""
    members = db.session.scalars(_jury_statement(), {"programme_id": programme.id}).all()
    return sorted(members, key=lambda m: (not m.is_chair, m.id))
