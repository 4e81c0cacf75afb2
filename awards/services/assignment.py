"""Who scores what in a round that is not scored by the whole jury: the round's `Assignment`
rows, made from its panels (`assign_from_panels`) or automatically (`assign_automatically`,
planned by the pure `awards.assignment_plan`), and the table the admin reads them in.

Both runs, in one transaction:
1. lock the round's row (`core.locking.lock_row`: FOR UPDATE on PostgreSQL, the write lock
   on SQLite), so two admins assigning the same round at once queue and the second sees the
   first's rows;
2. detect conflicts of interest again (`conflicts.detect_conflicts_for_programme`), so a
   link by affiliation or e-mail domain nobody detected yet bars its juror before planning;
3. never give a juror an entry they are barred from (a conflict, declared or detected, of
   any status but dismissed);
4. keep every assignment on which its juror has a scorecard (draft or submitted) in that
   round, whatever the panels or the plan say, and delete the other assignments no longer
   wanted;
5. write one audit row saying what changed, and return it as an `AssignmentReport`.

An entry of an automatic round that cannot get `k` jurors free of conflicts gets all it
can, and the report names it with how many it is short (nothing is refused for that: the
admin sees it and adds a juror or rules on a conflict, then runs it again). A `k` below 1 or
above the jury's size is refused. The round must be stored with the matching assignment
mode ("panels" or "auto"); a programme without stored rounds is scored by the whole jury.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import contains_eager

from awards.assignment_plan import Pair, plan_assignment
from awards.models import (
    Assignment,
    Category,
    Conflict,
    Entry,
    JuryMember,
    Panel,
    PanelMember,
    PanelScope,
    Programme,
    Round,
    Scorecard,
)
from awards.services.conflicts import detect_conflicts_for_programme
from awards.services.programmes import require_admin
from awards.services.rounds import round_entries_query
from core.audit.services import record
from core.errors import DomainError, InvalidInput
from core.extensions import db
from core.locking import lock_row

MODES = ("panels", "auto")


class AssignmentError(DomainError):
    code = "assignment_error"
    status = 409


@dataclass(frozen=True)
class AssignmentReport:
    """What one run changed in round `round_no`: assignments added and removed, those kept
    only because their juror has started a scorecard, the pairs left out for a conflict, the
    conflicts newly detected, and the entries short of jurors ((entry, how many short); for
    panels: entries of the round no panel judges, short by 0)."""

    round_no: int
    mode: str
    added: int
    removed: int
    kept_started: int
    total: int
    barred: int
    detected: int
    short: list[tuple[Entry, int]] = field(default_factory=list)
    uncovered: list[Entry] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


@dataclass(frozen=True)
class JurorLoad:
    member: JuryMember
    assigned: int
    started: int  # of them, with a scorecard in the round
    conflicts: int  # barring conflicts on the round's entries


@dataclass(frozen=True)
class AssignmentTable:
    """A round's assignments: per entry its jurors (by name), per juror the load."""

    round_no: int
    mode: str
    jurors_per_entry: int | None
    rows: list[tuple[Entry, list[JuryMember]]]
    loads: list[JurorLoad]

    @property
    def spread(self) -> int:
        counts = [load.assigned for load in self.loads]
        return max(counts) - min(counts) if counts else 0


# --- reading --------------------------------------------------------------------------------


def round_row(programme: Programme, round_no: int) -> Round | None:
    """The stored round `round_no` of the programme, or None (round 1 of a programme
    without stored rounds, or no such round)."""
    return db.session.scalar(
        sa.select(Round).where(Round.programme_id == programme.id, Round.position == round_no)
    )


def round_mode(programme: Programme, round_no: int) -> str:
    """Who scores round `round_no`: "all" (no stored round), "panels" or "auto"."""
    row = round_row(programme, round_no)
    return row.assignment if row is not None else "all"


def _round_entries(programme: Programme, round_no: int) -> list[Entry]:
    return list(
        db.session.scalars(
            round_entries_query(programme, round_no)
            .join(Entry.category)
            .options(contains_eager(Entry.category))
            .order_by(Category.position, Category.id, Entry.ref, Entry.id)
        )
    )


def _members(programme: Programme) -> list[JuryMember]:
    return list(
        db.session.scalars(
            sa.select(JuryMember)
            .join(JuryMember.user)
            .options(contains_eager(JuryMember.user))
            .where(JuryMember.programme_id == programme.id)
            .order_by(JuryMember.id)
        )
    )


def _barred_pairs(programme: Programme) -> set[Pair]:
    """(member id, entry id) of every conflict that bars (any status but dismissed)."""
    return set(
        db.session.execute(
            sa.select(Conflict.jury_member_id, Conflict.entry_id)
            .join(Entry, Entry.id == Conflict.entry_id)
            .where(Entry.programme_id == programme.id, Conflict.status != "dismissed")
        ).all()
    )


def _assignments(programme: Programme, round_no: int) -> dict[Pair, Assignment]:
    return {
        (a.jury_member_id, a.entry_id): a
        for a in db.session.scalars(
            sa.select(Assignment)
            .join(Entry, Entry.id == Assignment.entry_id)
            .where(Entry.programme_id == programme.id, Assignment.round_no == round_no)
        )
    }


def _started(programme: Programme, round_no: int) -> set[Pair]:
    """(member id, entry id) of every scorecard, draft or submitted, in the round."""
    return set(
        db.session.execute(
            sa.select(Scorecard.jury_member_id, Scorecard.entry_id)
            .join(Entry, Entry.id == Scorecard.entry_id)
            .where(Entry.programme_id == programme.id, Scorecard.round_no == round_no)
        ).all()
    )


def assignment_table(programme: Programme, round_no: int) -> AssignmentTable:
    """The round's entries with their assigned jurors, and every juror's load (assigned,
    started, barring conflicts on the round's entries): five queries."""
    entries = _round_entries(programme, round_no)
    members = _members(programme)
    by_id = {m.id: m for m in members}
    in_round = {e.id for e in entries}
    pairs = [p for p in _assignments(programme, round_no) if p[1] in in_round]
    started = _started(programme, round_no)
    barred = _barred_pairs(programme)
    per_entry: dict[int, list[JuryMember]] = defaultdict(list)
    loads: dict[int, int] = defaultdict(int)
    begun: dict[int, int] = defaultdict(int)
    for member_id, entry_id in pairs:
        per_entry[entry_id].append(by_id[member_id])
        loads[member_id] += 1
        begun[member_id] += (member_id, entry_id) in started
    conflicts: dict[int, int] = defaultdict(int)
    for member_id, entry_id in barred:
        if entry_id in in_round:
            conflicts[member_id] += 1
    row = round_row(programme, round_no)
    return AssignmentTable(
        round_no=round_no,
        mode=row.assignment if row is not None else "all",
        jurors_per_entry=row.jurors_per_entry if row is not None else None,
        rows=[
            (e, sorted(per_entry[e.id], key=lambda m: (m.user.name.casefold(), m.id)))
            for e in entries
        ],
        loads=[
            JurorLoad(m, loads[m.id], begun[m.id], conflicts[m.id])
            for m in sorted(members, key=lambda m: (m.user.name.casefold(), m.id))
        ],
    )


# --- assigning ------------------------------------------------------------------------------


def _lock_round(programme: Programme, round_no: int, mode: str) -> Round:
    """The stored round, locked; AssignmentError unless it is assigned by `mode`."""
    row = round_row(programme, round_no)
    if row is None or row.assignment == "all":
        raise AssignmentError(
            _l("This round is scored by the whole jury: nothing to assign."),
            code="round_not_assigned",
        )
    row = lock_row(Round, row.id)
    if row.assignment != mode:
        if row.assignment == "panels":
            message = _l("This round is scored by panels: assign it from its panels.")
        else:
            message = _l("This round is assigned automatically: give the jurors per entry.")
        raise AssignmentError(message, code="wrong_mode")
    return row


def _write(
    programme: Programme,
    round_no: int,
    wanted: set[Pair],
    existing: dict[Pair, Assignment],
    started: set[Pair],
    *,
    now: datetime,
) -> tuple[int, int, int, int]:
    """Make the round's assignments `wanted`, keeping any existing one with a scorecard.
    Returns (added, removed, kept only for a scorecard, total)."""
    keep = {p for p in existing if p in started}
    final = wanted | keep
    removed = [a for p, a in existing.items() if p not in final]
    for assignment in removed:
        db.session.delete(assignment)
    added = sorted(final - set(existing))
    db.session.add_all(
        Assignment(jury_member_id=m, entry_id=e, round_no=round_no, created_at=now)
        for m, e in added
    )
    db.session.flush()
    return len(added), len(removed), len(keep - wanted), len(final)


def assign_from_panels(
    programme: Programme, round_no: int, *, actor, now: datetime
) -> AssignmentReport:
    """Make round `round_no`'s assignments its panels': every member of a panel gets every
    entry of the round in the panel's scopes for that round (its categories, its entries),
    unless barred from it. Started assignments are kept (module docstring). Audits
    `assignment.from_panels`.

    Raises NotAllowed, AssignmentError (the round is not scored by panels)."""
    require_admin(actor)
    row = _lock_round(programme, round_no, "panels")
    detected = detect_conflicts_for_programme(programme, now=now, actor=actor)
    entries = _round_entries(programme, round_no)
    scopes = db.session.execute(
        sa.select(PanelMember.jury_member_id, PanelScope.category_id, PanelScope.entry_id)
        .join(PanelScope, PanelScope.panel_id == PanelMember.panel_id)
        .join(Panel, Panel.id == PanelMember.panel_id)
        .where(Panel.programme_id == programme.id, PanelScope.round_no == round_no)
    ).all()
    scoped_entries = db.session.execute(
        sa.select(PanelScope.category_id, PanelScope.entry_id)
        .join(Panel, Panel.id == PanelScope.panel_id)
        .where(Panel.programme_id == programme.id, PanelScope.round_no == round_no)
    ).all()
    by_category: dict[int, list[int]] = defaultdict(list)
    for e in entries:
        by_category[e.category_id].append(e.id)
    in_round = {e.id for e in entries}
    implied = set()
    for member_id, category_id, entry_id in scopes:
        targets = by_category.get(category_id, []) if category_id is not None else [entry_id]
        implied |= {(member_id, e) for e in targets if e in in_round}
    barred = _barred_pairs(programme)
    covered = {
        e for category_id, entry_id in scoped_entries
        for e in (by_category.get(category_id, []) if category_id is not None else [entry_id])
    }  # fmt: skip
    wanted = implied - barred
    existing = _assignments(programme, round_no)
    added, removed, kept, total = _write(
        programme, round_no, wanted, existing, _started(programme, round_no), now=now
    )
    got: dict[int, int] = defaultdict(int)
    for _member_id, entry_id in wanted:
        got[entry_id] += 1
    uncovered = [e for e in entries if e.id not in covered]
    no_juror = [(e, 0) for e in entries if e.id in covered and not got[e.id]]
    report = AssignmentReport(
        round_no=round_no,
        mode="panels",
        added=added,
        removed=removed,
        kept_started=kept,
        total=total,
        barred=len(implied & barred),
        detected=detected,
        short=no_juror,
        uncovered=uncovered,
    )
    _audit(report, row, programme, actor=actor, now=now)
    return report


def assign_automatically(
    programme: Programme, round_no: int, k: int | None, *, actor, now: datetime
) -> AssignmentReport:
    """Give every entry of round `round_no` `k` jurors of the programme's jury, none barred
    from it, with the loads as even as the conflicts allow (`assignment_plan`); the same
    state gives the same assignment, and a re-run changes only what must change. Started
    assignments are kept (module docstring). `k` is stored as the round's jurors per entry.
    Audits `assignment.automatic`.

    Raises NotAllowed, AssignmentError (the round is not assigned automatically),
    InvalidInput(k) for a `k` below 1 or above the number of jurors."""
    require_admin(actor)
    row = _lock_round(programme, round_no, "auto")
    members = _members(programme)
    if k is None or k < 1 or k > len(members):
        raise InvalidInput(
            {
                "k": [
                    _l(
                        "Give each entry from 1 to %(n)s jurors (the size of the jury).",
                        n=len(members),
                    )
                ]
            },
            code="bad_jurors_per_entry",
        )
    detected = detect_conflicts_for_programme(programme, now=now, actor=actor)
    entries = _round_entries(programme, round_no)
    barred = _barred_pairs(programme)
    existing = _assignments(programme, round_no)
    started = _started(programme, round_no)
    plan = plan_assignment(
        [e.id for e in entries],
        [m.id for m in members],
        k,
        barred=barred,
        kept={p for p in existing if p in started and p not in barred},
        current=set(existing),
    )
    added, removed, kept, total = _write(
        programme, round_no, plan.pairs, existing, started, now=now
    )
    if row.jurors_per_entry != k:
        row.jurors_per_entry = k
        db.session.flush()
    by_id = {e.id: e for e in entries}
    report = AssignmentReport(
        round_no=round_no,
        mode="auto",
        added=added,
        removed=removed,
        kept_started=kept,
        total=total,
        barred=sum(1 for m, e in barred if e in by_id),
        detected=detected,
        short=[(by_id[e], n) for e, n in plan.short.items()],
    )
    _audit(report, row, programme, actor=actor, now=now, jurors_per_entry=k)
    return report


def _audit(report: AssignmentReport, row: Round, programme: Programme, *, actor, now, **extra):
    record(
        "assignment.from_panels" if report.mode == "panels" else "assignment.automatic",
        row,
        now=now,
        actor=actor,
        scope=programme,
        round_no=report.round_no,
        added=report.added,
        removed=report.removed,
        kept=report.kept_started,
        short=[f"{e.ref} ({n})" if n else e.ref for e, n in report.short],
        **extra,
    )
