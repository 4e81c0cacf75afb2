"""A programme's judging rounds (longlist → shortlist → final) and the chair's advancements.

A programme without `Round` rows is one round made of its own fields: its scoring window and
quorum, every criterion, the whole jury (`rounds_of` gives that implicit round 1). Adding a
second round writes round 1's row from the programme's fields; from then on every round has
its row and `_sync_programme` keeps `programme.scoring_open_at` equal to the first round's
opening and `programme.scoring_close_at` / `programme.quorum` equal to the final round's, so
the timeline, ratification and publication read the final round.

Rules (`round_problems`): every window lies inside submissions-close .. publish, opens before
it closes, and starts no earlier than the round before it closes (ordered, no overlap); a
quorum is at least 1. A round with scorecards or advancements cannot be deleted, nor one that
is not the last (positions stay 1..n).

Entries of a round (`round_entries_query`): round 1 holds the eligible entries; round N ≥ 2 the
eligible entries the chair advanced into N (`Advancement`). The chair (or an admin) advances
after round N - 1's scoring closed and before round N opens (`advance`), choosing from round
N - 1's entries of one category; each change is audited. Conflicts bind: an entry the actor is
barred from is neither shown to them nor theirs to advance (`access.require_unconflicted`).

Admin functions take the acting admin and `now`, flush, audit, and raise NotAllowed,
InvalidInput (field -> message) or RoundInUse.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from awards.models import (
    ROUND_ASSIGNMENTS,
    Advancement,
    Assignment,
    Category,
    Criterion,
    Entry,
    PanelScope,
    Programme,
    Round,
    Scorecard,
)
from awards.services.access import (
    conflicted_entry_ids,
    require_chair_or_admin,
    require_unconflicted,
)
from awards.services.programmes import require_admin
from awards.services.session_memo import remembered
from core.audit.services import record
from core.errors import DomainError, InvalidInput, NotFound
from core.extensions import db

IMPLICIT_NAMES = ("Beoordeling", "Scoring")


class RoundInUse(DomainError):
    code = "round_in_use"
    status = 409
    message = _l("This round has scorecards or advancements and cannot be deleted.")


class AdvanceClosed(DomainError):
    code = "advance_closed"
    status = 409
    message = _l(
        "Entries can be advanced only after the round's scoring closed and before the next "
        "round opens."
    )


@dataclass(frozen=True)
class RoundInfo:
    """One round as the pages and services read it (`row` None for the implicit round 1)."""

    position: int
    name_nl: str
    name_en: str
    scoring_open_at: datetime
    scoring_close_at: datetime
    quorum: int
    assignment: str
    jurors_per_entry: int | None
    final: bool
    row: Round | None = None

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_nl

    def is_open(self, now: datetime) -> bool:
        return self.scoring_open_at <= now < self.scoring_close_at

    def closed(self, now: datetime) -> bool:
        return now >= self.scoring_close_at

    @property
    def assigned(self) -> bool:
        """True when jurors score only the entries given to them (`Assignment` rows)."""
        return self.assignment != "all"


@dataclass(frozen=True)
class RoundData:
    name_nl: str
    name_en: str
    scoring_open_at: datetime
    scoring_close_at: datetime
    quorum: int = 3
    assignment: str = "all"
    jurors_per_entry: int | None = None


# --- reading --------------------------------------------------------------------------------


def rows_by_programme(programme_ids: list[int]) -> dict[int, list[Round]]:
    """Programme id -> its stored rounds by position, for several programmes in one query."""
    out: dict[int, list[Round]] = {}
    for row in db.session.scalars(
        sa.select(Round)
        .where(Round.programme_id.in_(programme_ids))
        .order_by(Round.programme_id, Round.position)
    ):
        out.setdefault(row.programme_id, []).append(row)
    return out


def round_rows(programme: Programme) -> list[Round]:
    """The programme's stored rounds by position (empty for a one-round programme), asked
    once until the session writes (`session_memo`)."""
    programme_id = programme.id
    return list(
        remembered(
            ("rounds", programme_id),
            lambda: tuple(db.session.scalars(_ROUNDS, {"programme": programme_id})),
        )
    )


_ROUNDS = (
    sa.select(Round).where(Round.programme_id == sa.bindparam("programme")).order_by(Round.position)
)


def _info(row: Round, final: bool) -> RoundInfo:
    return RoundInfo(
        row.position,
        row.name_nl,
        row.name_en,
        row.scoring_open_at,
        row.scoring_close_at,
        row.quorum,
        row.assignment,
        row.jurors_per_entry,
        final,
        row,
    )


def rounds_of(programme: Programme, rows: list[Round] | None = None) -> list[RoundInfo]:
    """Every round of the programme in order, the last one `final`; without rows, the one
    implicit round made of the programme's own scoring window and quorum. One query."""
    rows = round_rows(programme) if rows is None else rows
    if not rows:
        return [
            RoundInfo(
                1,
                *IMPLICIT_NAMES,
                programme.scoring_open_at,
                programme.scoring_close_at,
                programme.quorum,
                "all",
                None,
                True,
            )
        ]
    return [_info(row, index == len(rows) - 1) for index, row in enumerate(rows)]


def get_round(programme: Programme, round_no: int) -> RoundInfo:
    """Round `round_no` of the programme; NotFound when it has no such round."""
    for info in rounds_of(programme):
        if info.position == round_no:
            return info
    raise NotFound()


def final_round(programme: Programme) -> RoundInfo:
    return rounds_of(programme)[-1]


def current_round(programme: Programme, now: datetime) -> RoundInfo | None:
    """The round whose scoring window holds `now`, or None (between or outside rounds)."""
    return next((r for r in rounds_of(programme) if r.is_open(now)), None)


def jury_round(
    programme: Programme, now: datetime, rounds: list[RoundInfo] | None = None
) -> RoundInfo:
    """The round a juror's pages show at `now`: the open one, else the most recent one whose
    window has started (to read it back), else round 1. `rounds` is `rounds_of(programme)`
    when the caller has it."""
    rounds = rounds_of(programme) if rounds is None else rounds
    started = [r for r in rounds if r.scoring_open_at <= now]
    return started[-1] if started else rounds[0]


def round_criteria(programme: Programme, round_no: int) -> list[Criterion]:
    """The criteria asked in round `round_no`: those of every round and those of that one."""
    return [c for c in programme.criteria if c.round_no in (None, round_no)]


def round_entries_query(programme: Programme | int, round_no: int) -> sa.Select:
    """A select of the Entries in round `round_no`: the eligible entries of `programme` (or
    programme id), from round 2 on only those advanced into it."""
    programme_id = programme if isinstance(programme, int) else programme.id
    query = sa.select(Entry).where(Entry.programme_id == programme_id, Entry.status == "eligible")
    if round_no >= 2:
        query = query.where(
            sa.select(Advancement.id)
            .where(Advancement.entry_id == Entry.id, Advancement.round_no == round_no)
            .exists()
        )
    return query


def in_round_clause(round_no: int, entry_id_column=Entry.id):
    """A WHERE clause: the entry (by `entry_id_column`) is in round `round_no` (always true
    for round 1; the caller checks the entry's programme and state)."""
    if round_no < 2:
        return sa.true()
    return advanced_clause(round_no, entry_id_column)


def advanced_clause(round_no: int | sa.BindParameter[int], entry_id_column=Entry.id):
    """A WHERE clause: the entry (by `entry_id_column`) was advanced into round `round_no`
    (a number, or a bound parameter of a statement built once)."""
    return (
        sa.select(Advancement.id)
        .where(Advancement.entry_id == entry_id_column, Advancement.round_no == round_no)
        .exists()
    )


def assigned_round_clause(
    programme_id: int | sa.BindParameter[int], round_no: int | sa.BindParameter[int]
):
    """A WHERE clause: round `round_no` of the programme is scored by assignment (a stored
    round whose `assignment` is not "all"), so a juror scores only what is assigned (numbers,
    or bound parameters of a statement built once)."""
    return (
        sa.select(Round.id)
        .where(
            Round.programme_id == programme_id,
            Round.position == round_no,
            Round.assignment != "all",
        )
        .exists()
    )


def advanced_ids(programme: Programme, round_no: int) -> set[int]:
    """Ids of the entries advanced into round `round_no` (none for round 1)."""
    if round_no < 2:
        return set()
    return set(
        db.session.scalars(
            sa.select(Advancement.entry_id)
            .join(Entry, Entry.id == Advancement.entry_id)
            .where(Entry.programme_id == programme.id, Advancement.round_no == round_no)
        )
    )


# --- the admin's set-up ---------------------------------------------------------------------


def round_problems(programme: Programme, rounds: list[RoundData]) -> dict[int, dict]:
    """Round index -> {field: message} for every rule the sequence `rounds` breaks."""
    out: dict[int, dict] = {}
    for index, data in enumerate(rounds):
        errors = {}
        for name in ("name_nl", "name_en"):
            if not (getattr(data, name) or "").strip():
                errors[name] = _l("This field is required.")
        if data.scoring_open_at < programme.submissions_close_at:
            errors["scoring_open_at"] = _l("A round cannot open before submissions close.")
        if data.scoring_close_at > programme.publish_at:
            errors["scoring_close_at"] = _l("A round must close before the results are published.")
        if not data.scoring_open_at < data.scoring_close_at:
            errors["scoring_close_at"] = _l("Scoring must close after it opens.")
        if index and data.scoring_open_at < rounds[index - 1].scoring_close_at:
            errors["scoring_open_at"] = _l("A round cannot open before the round before it closes.")
        if index + 1 < len(rounds) and data.scoring_close_at > rounds[index + 1].scoring_open_at:
            errors.setdefault(
                "scoring_close_at", _l("A round must close before the next round opens.")
            )
        if data.quorum is None or data.quorum < 1:
            errors["quorum"] = _l("The quorum must be at least 1.")
        if data.assignment not in ROUND_ASSIGNMENTS:
            errors["assignment"] = _l("Choose who scores this round.")
        if data.assignment == "auto" and not (data.jurors_per_entry or 0) >= 1:
            errors["jurors_per_entry"] = _l("Say how many jurors score each entry.")
        if errors:
            out[index] = errors
    return out


def _data(row: Round) -> RoundData:
    return RoundData(
        row.name_nl,
        row.name_en,
        row.scoring_open_at,
        row.scoring_close_at,
        row.quorum,
        row.assignment,
        row.jurors_per_entry,
    )


def _check(programme: Programme, sequence: list[RoundData], index: int) -> None:
    problems = round_problems(programme, sequence)
    if index in problems:
        raise InvalidInput(problems[index], code="invalid_round")
    if problems:  # the change breaks another round (only the windows can)
        other = min(problems)
        raise InvalidInput(
            {"scoring_open_at": _l("This window overlaps round %(n)s.", n=other + 1)},
            code="invalid_round",
        )


def _sync_programme(programme: Programme, rows: list[Round]) -> None:
    """The programme's scoring window and quorum from its rounds: opening of the first,
    closing and quorum of the final."""
    if not rows:
        return
    programme.scoring_open_at = rows[0].scoring_open_at
    programme.scoring_close_at = rows[-1].scoring_close_at
    programme.quorum = rows[-1].quorum


def _write(row: Round, data: RoundData) -> None:
    row.name_nl = data.name_nl.strip()
    row.name_en = data.name_en.strip()
    row.scoring_open_at = data.scoring_open_at
    row.scoring_close_at = data.scoring_close_at
    row.quorum = data.quorum
    row.assignment = data.assignment
    row.jurors_per_entry = data.jurors_per_entry if data.assignment == "auto" else None


def add_round(
    programme: Programme, data: RoundData, *, actor, now: datetime, audit: bool = True
) -> Round:
    """Add a round after the last one. A programme's first added round is its second: round
    1's row is written then from the programme's own window and quorum. Audits `round.added`.

    Raises NotAllowed (not an admin), InvalidInput (a rule of `round_problems`)."""
    require_admin(actor)
    rows = round_rows(programme)
    existing = [_data(r) for r in rows] or [
        RoundData(
            *IMPLICIT_NAMES, programme.scoring_open_at, programme.scoring_close_at, programme.quorum
        )
    ]
    _check(programme, [*existing, data], len(existing))
    if not rows:
        first = Round(programme_id=programme.id, position=1, created_at=now)
        _write(first, existing[0])
        db.session.add(first)
        rows.append(first)
    row = Round(programme_id=programme.id, position=len(rows) + 1, created_at=now)
    _write(row, data)
    db.session.add(row)
    rows.append(row)
    _sync_programme(programme, rows)
    db.session.flush()
    if audit:
        record(
            "round.added",
            row,
            now=now,
            actor=actor,
            scope=programme,
            position=row.position,
            name=row.name_en,
        )
    return row


def save_rounds(
    programme: Programme, sequence: list[RoundData], *, actor, now: datetime
) -> tuple[int, int, int]:
    """Make the programme's first rounds `sequence` (the loader): rows are written by position,
    created or changed where they differ; rounds after them are kept. The whole sequence is
    checked first (`round_problems`, each problem under its round's index). Returns (created,
    updated, unchanged); audits `round.added` / `round.updated` per round written.

    Raises NotAllowed, InvalidInput (keys "<index>.<field>")."""
    require_admin(actor)
    rows = round_rows(programme)
    full = [*sequence, *(_data(r) for r in rows[len(sequence) :])]
    problems = round_problems(programme, full)
    if problems:
        raise InvalidInput(
            {
                f"{index}.{name}": message
                for index, errors in problems.items()
                for name, message in errors.items()
            },
            code="invalid_round",
        )
    counts = [0, 0, 0]
    by_position = {r.position: r for r in rows}
    for index, data in enumerate(sequence):
        row = by_position.get(index + 1)
        if row is not None and _data(row) == _normalised(data):
            counts[2] += 1
            continue
        action = "round.updated" if row is not None else "round.added"
        if row is None:
            row = Round(programme_id=programme.id, position=index + 1, created_at=now)
            db.session.add(row)
            rows.append(row)
        _write(row, data)
        counts[0 if action == "round.added" else 1] += 1
        db.session.flush()
        record(
            action,
            row,
            now=now,
            actor=actor,
            scope=programme,
            position=row.position,
            name=row.name_en,
        )
    rows.sort(key=lambda r: r.position)
    _sync_programme(programme, rows)
    db.session.flush()
    return counts[0], counts[1], counts[2]


def _normalised(data: RoundData) -> RoundData:
    """`data` as `_write` stores it."""
    return RoundData(
        data.name_nl.strip(),
        data.name_en.strip(),
        data.scoring_open_at,
        data.scoring_close_at,
        data.quorum,
        data.assignment,
        data.jurors_per_entry if data.assignment == "auto" else None,
    )


def follow_programme(programme: Programme) -> None:
    """After the programme's own scoring window or quorum were changed (its edit form): the
    first round opens at `programme.scoring_open_at`, the final one closes at
    `programme.scoring_close_at` with `programme.quorum`. Nothing to do without stored rounds.

    Raises InvalidInput on the programme's fields (`scoring_open_at`, `scoring_close_at`,
    `quorum`) when the rounds would break a rule (`round_problems`); the caller rolls back."""
    rows = round_rows(programme)
    if not rows:
        return
    sequence = [_data(r) for r in rows]
    sequence[0] = replace(sequence[0], scoring_open_at=programme.scoring_open_at)
    sequence[-1] = replace(
        sequence[-1], scoring_close_at=programme.scoring_close_at, quorum=programme.quorum
    )
    problems = round_problems(programme, sequence)
    if problems:
        raise InvalidInput(
            {
                "scoring_open_at": _l(
                    "The rounds no longer fit: the first round opens when scoring opens, the "
                    "final round closes when scoring closes. Change the rounds first."
                )
            },
            code="rounds_do_not_fit",
        )
    _write(rows[0], sequence[0])
    _write(rows[-1], sequence[-1])
    db.session.flush()


def update_round(
    programme: Programme, round_no: int, data: RoundData, *, actor, now: datetime
) -> Round:
    """Change a stored round (names, window, quorum, who scores it). Audits `round.updated`.

    Raises NotAllowed, NotFound (no such stored round), InvalidInput."""
    require_admin(actor)
    rows = round_rows(programme)
    index = next((i for i, r in enumerate(rows) if r.position == round_no), None)
    if index is None:
        raise NotFound()
    sequence = [_data(r) for r in rows]
    sequence[index] = data
    _check(programme, sequence, index)
    _write(rows[index], data)
    _sync_programme(programme, rows)
    db.session.flush()
    record(
        "round.updated",
        rows[index],
        now=now,
        actor=actor,
        scope=programme,
        position=round_no,
        name=rows[index].name_en,
    )
    return rows[index]


def delete_problem(programme: Programme, round_no: int) -> DomainError | None:
    """Why round `round_no` cannot be deleted, or None: it is not the last stored round, or it
    has scorecards or advancements, or criteria asked only in it."""
    rows = round_rows(programme)
    if not rows or rows[-1].position != round_no:
        return RoundInUse(_l("Only the last round can be deleted."), code="round_not_last")
    cards = db.session.scalar(
        sa.select(sa.func.count(Scorecard.id))
        .join(Entry, Entry.id == Scorecard.entry_id)
        .where(Entry.programme_id == programme.id, Scorecard.round_no == round_no)
    )
    advanced = db.session.scalar(
        sa.select(sa.func.count(Advancement.id))
        .join(Entry, Entry.id == Advancement.entry_id)
        .where(Entry.programme_id == programme.id, Advancement.round_no == round_no)
    )
    if cards or advanced:
        return RoundInUse()
    if any(c.round_no == round_no for c in programme.criteria):
        return RoundInUse(
            _l("Some criteria are asked only in this round; change them first."),
            code="round_has_criteria",
        )
    return None


def delete_round(programme: Programme, round_no: int, *, actor, now: datetime) -> None:
    """Delete the last round, with its panels' scopes and assignments in it; round 1 stays
    a row (with its window and quorum now the programme's). Audits `round.deleted`.

    Raises NotAllowed, NotFound, RoundInUse (see `delete_problem`)."""
    require_admin(actor)
    rows = round_rows(programme)
    row = next((r for r in rows if r.position == round_no), None)
    if row is None or round_no == 1:
        raise NotFound()
    problem = delete_problem(programme, round_no)
    if problem is not None:
        raise problem
    entry_ids = sa.select(Entry.id).where(Entry.programme_id == programme.id)
    db.session.execute(
        sa.delete(Assignment).where(
            Assignment.round_no == round_no, Assignment.entry_id.in_(entry_ids)
        )
    )
    panel_scopes = db.session.scalars(
        sa.select(PanelScope).where(PanelScope.round_no == round_no)
    ).all()
    for scope in panel_scopes:
        if scope.panel.programme_id == programme.id:
            db.session.delete(scope)
    record(
        "round.deleted",
        row,
        now=now,
        actor=actor,
        scope=programme,
        position=round_no,
        name=row.name_en,
    )
    db.session.delete(row)
    rows.remove(row)
    _sync_programme(programme, rows)
    db.session.flush()


# --- advancing ------------------------------------------------------------------------------


def advance_problem(programme: Programme, to_round: int, now: datetime) -> DomainError | None:
    """Why entries cannot be advanced into round `to_round` at `now`, or None: the round must
    exist and be at least round 2, the round before it closed and `to_round` not yet open."""
    rounds = rounds_of(programme)
    if not 2 <= to_round <= len(rounds):
        return NotFound()
    before, target = rounds[to_round - 2], rounds[to_round - 1]
    if not before.closed(now):
        return AdvanceClosed(
            _l("Round %(n)s's scoring has not closed yet.", n=before.position),
            code="round_not_closed",
        )
    if now >= target.scoring_open_at:
        return AdvanceClosed(
            _l("Round %(n)s has opened; its entries can no longer change.", n=target.position),
            code="next_round_open",
        )
    return None


def advance(
    programme: Programme,
    category: Category,
    to_round: int,
    entry_ids: Iterable[int],
    *,
    actor,
    now: datetime,
) -> tuple[list[Entry], list[Entry]]:
    """Make `entry_ids` the entries of `category` that go from round `to_round - 1` into
    round `to_round`: those newly chosen are advanced, those no longer chosen are taken back.
    Entries the actor is barred from are neither shown nor touched. Returns (advanced, taken
    back); audits `round.advanced` when anything changed.

    Raises NotAllowed (not the chair or an admin; an entry the actor has a conflict with:
    `access.require_unconflicted`), NotFound (no such round or category), AdvanceClosed,
    InvalidInput (an entry that is not in round `to_round - 1` of this category)."""
    require_chair_or_admin(programme, actor)
    if category.programme_id != programme.id:
        raise NotFound()
    problem = advance_problem(programme, to_round, now)
    if problem is not None:
        raise problem
    conflicted = conflicted_entry_ids(programme, actor)
    wanted = set(entry_ids)
    for entry_id in wanted:
        require_unconflicted(programme, actor, entry_id, conflicted=conflicted)
    candidates = {
        e.id: e
        for e in db.session.scalars(
            round_entries_query(programme, to_round - 1).where(Entry.category_id == category.id)
        )
        if e.id not in conflicted
    }
    if wanted - set(candidates):
        raise InvalidInput(
            {"entries": _l("Only entries of this category in the round before can advance.")},
            code="not_in_round",
        )
    current = {
        a.entry_id: a
        for a in db.session.scalars(
            sa.select(Advancement).where(
                Advancement.round_no == to_round, Advancement.entry_id.in_(list(candidates))
            )
        )
    }
    added = [candidates[i] for i in sorted(wanted - set(current))]
    removed = [candidates[i] for i in sorted(set(current) - wanted)]
    for entry in added:
        db.session.add(
            Advancement(
                entry_id=entry.id, round_no=to_round, advanced_by_id=actor.id, created_at=now
            )
        )
    for entry in removed:
        db.session.delete(current[entry.id])
    db.session.flush()
    if added or removed:
        record(
            "round.advanced",
            category,
            now=now,
            actor=actor,
            scope=programme,
            round=to_round,
            advanced=[e.ref for e in added],
            taken_back=[e.ref for e in removed],
        )
    return added, removed
