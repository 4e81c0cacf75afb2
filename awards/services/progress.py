"""Scoring progress in counts (never scores): per juror and per entry for the chair, and per
programme for a juror's own dashboard; in a round scored by assignments, per panel and per
assigned juror too (`assignment_progress`). Every page is a fixed number of GROUP BY queries.

The chair's counts are of one round (`awards.services.rounds`): its entries, its scorecards,
its quorum, and — when the round is not scored by the whole jury — each juror's assignments.
The juror's dashboard counts round 1 of a programme (its only round, usually).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload

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
    Scorecard,
)
from awards.services.access import conflicted_entry_ids
from awards.services.assignment import round_mode
from awards.services.rounds import (
    RoundInfo,
    final_round,
    get_round,
    in_round_clause,
    jury_round,
    round_entries_query,
    rounds_of,
    rows_by_programme,
)
from awards.services.scorecards import barring_conflict_exists, counted_scorecards_query
from core.accounts.models import User
from core.extensions import db


@dataclass(frozen=True)
class JurorProgress:
    member: JuryMember
    assigned: int  # eligible entries not barred for this juror
    drafts: int
    submitted: int
    conflicts: int  # every conflict of the juror, whatever its ruling
    pending: int  # conflicts awaiting a ruling

    @property
    def to_do(self) -> int:
        return max(self.assigned - self.submitted, 0)


@dataclass(frozen=True)
class EntryProgress:
    entry: Entry
    submitted: int  # scorecards that count (submitted, juror not barred)
    conflicts: int  # conflicts that bar a juror (not dismissed)
    quorum: int

    @property
    def below_quorum(self) -> bool:
        return self.submitted < self.quorum


@dataclass(frozen=True)
class SubmittedCard:
    scorecard_id: int
    juror_name: str
    entry_ref: str
    entry_title: str
    submitted_at: datetime | None


@dataclass(frozen=True)
class Progress:
    jurors: list[JurorProgress]
    entries: list[EntryProgress]
    submitted: list[SubmittedCard]
    hidden: int = 0  # eligible entries left out: the viewer has a conflict with them

    @property
    def below_quorum(self) -> int:
        return sum(1 for row in self.entries if row.below_quorum)


def _member_counts(
    member_ids: Sequence[int],
    hidden: set[int] | frozenset[int] = frozenset(),
    round_no: int = 1,
) -> tuple[dict, dict]:
    """({member_id: (conflicts, barring on eligible entries of the round, pending)},
    {(member_id, status): n} for round `round_no`'s scorecards on its entries the juror is
    not barred from), leaving the `hidden` entries out of every count — two GROUP BY
    queries."""
    if not member_ids:
        return {}, {}
    shown = Entry.id.not_in(hidden) if hidden else sa.true()
    barring_eligible = sa.and_(
        Conflict.status != "dismissed", Entry.status == "eligible", in_round_clause(round_no)
    )
    conflicts = {
        member_id: (total, int(barring or 0), int(pending or 0))
        for member_id, total, barring, pending in db.session.execute(
            sa.select(
                Conflict.jury_member_id,
                sa.func.count(Conflict.id),
                sa.func.sum(sa.case((barring_eligible, 1), else_=0)),
                sa.func.sum(sa.case((Conflict.status == "pending", 1), else_=0)),
            )
            .join(Entry, Entry.id == Conflict.entry_id)
            .where(Conflict.jury_member_id.in_(member_ids), shown)
            .group_by(Conflict.jury_member_id)
        )
    }
    cards = {
        (member_id, status): n
        for member_id, status, n in db.session.execute(
            sa.select(Scorecard.jury_member_id, Scorecard.status, sa.func.count(Scorecard.id))
            .join(Entry, Entry.id == Scorecard.entry_id)
            .where(
                Scorecard.jury_member_id.in_(member_ids),
                Scorecard.round_no == round_no,
                Entry.status == "eligible",
                in_round_clause(round_no),
                ~barring_conflict_exists(),
                shown,
            )
            .group_by(Scorecard.jury_member_id, Scorecard.status)
        )
    }
    return conflicts, cards


def _juror_row(
    member: JuryMember, eligible: int, conflicts: dict, cards: dict, shown: dict | None = None
) -> JurorProgress:
    """The juror's counts: `eligible` less the entries barred for them (`conflicts`); with
    `shown`, `eligible` is already their own (assignments not barred) and `shown` gives the
    conflict counts to show."""
    total, barring, pending = conflicts.get(member.id, (0, 0, 0))
    if shown is not None:
        total, _, pending = shown.get(member.id, (0, 0, 0))
    return JurorProgress(
        member=member,
        assigned=eligible - barring,
        drafts=cards.get((member.id, "draft"), 0),
        submitted=cards.get((member.id, "submitted"), 0),
        conflicts=total,
        pending=pending,
    )


def programme_progress(programme: Programme, viewer=None, round_no: int | None = None) -> Progress:
    """Counts for the chair in round `round_no` (None: the final round): per juror
    (assigned, drafts, submitted, conflicts), per entry of the round (counted scorecards vs
    the round's quorum, barring conflicts) and the round's submitted scorecards that can be
    reopened. In a round with assignments a juror's "assigned" is their assignments not
    barred. For a `viewer` with a conflict (`access.conflicted_entry_ids`: the chair, an
    admin on the jury) those entries are left out everywhere — no row, no scorecard, not in
    any juror's counts — and counted in `Progress.hidden`. Eleven queries at most, however
    many jurors and entries."""
    info = final_round(programme) if round_no is None else get_round(programme, round_no)
    hidden = conflicted_entry_ids(programme, viewer) if viewer is not None else set()
    shown = Entry.id.not_in(hidden) if hidden else sa.true()
    members = db.session.scalars(
        sa.select(JuryMember)
        .join(JuryMember.user)
        .options(contains_eager(JuryMember.user))
        .where(JuryMember.programme_id == programme.id)
        .order_by(JuryMember.role != "chair", User.name, JuryMember.id)
    ).all()
    everything = db.session.scalars(
        round_entries_query(programme, info.position)
        .join(Entry.category)
        .options(contains_eager(Entry.category))
        .order_by(Category.position, Category.id, Entry.ref)
    ).all()
    entries = [e for e in everything if e.id not in hidden]
    conflicts, cards = _member_counts([m.id for m in members], hidden, info.position)
    assigned = _assigned_counts(programme, info, hidden)
    counted = counted_scorecards_query(programme, info.position).subquery()
    per_entry: dict[int, int] = dict(
        db.session.execute(
            sa.select(counted.c.entry_id, sa.func.count()).group_by(counted.c.entry_id)
        ).all()
    )
    barring_per_entry = dict(
        db.session.execute(
            sa.select(Conflict.entry_id, sa.func.count(Conflict.id))
            .join(Entry, Entry.id == Conflict.entry_id)
            .where(Entry.programme_id == programme.id, Conflict.status != "dismissed")
            .group_by(Conflict.entry_id)
        ).all()
    )
    submitted = [
        SubmittedCard(*row)
        for row in db.session.execute(
            sa.select(Scorecard.id, User.name, Entry.ref, Entry.title, Scorecard.submitted_at)
            .join(JuryMember, JuryMember.id == Scorecard.jury_member_id)
            .join(User, User.id == JuryMember.user_id)
            .join(Entry, Entry.id == Scorecard.entry_id)
            .where(
                JuryMember.programme_id == programme.id,
                Scorecard.status == "submitted",
                Scorecard.round_no == info.position,
                shown,
            )
            .order_by(User.name, Entry.ref)
        )
    ]
    return Progress(
        jurors=[
            _juror_row(m, len(entries), conflicts, cards)
            if assigned is None
            else _juror_row(m, assigned.get(m.id, 0), {}, cards, conflicts)
            for m in members
        ],
        entries=[
            EntryProgress(
                entry=e,
                submitted=per_entry.get(e.id, 0),
                conflicts=barring_per_entry.get(e.id, 0),
                quorum=info.quorum,
            )
            for e in entries
        ],
        submitted=submitted,
        hidden=len(everything) - len(entries),
    )


def _assigned_counts(
    programme: Programme, info: RoundInfo, hidden: set[int]
) -> dict[int, int] | None:
    """Member id -> their assignments in the round on its entries, not barred and not
    `hidden`; None when the whole jury scores the round. One GROUP BY query."""
    if not info.assigned:
        return None
    shown = Entry.id.not_in(hidden) if hidden else sa.true()
    return _assignments_per_member(info.position, Entry.programme_id == programme.id, shown)


def _assignments_per_member(round_no: int, *where) -> dict[int, int]:
    """Member id -> their assignments in round `round_no` on eligible entries of the round
    they are not barred from, among the rows `where` selects; one GROUP BY query."""
    barred = barring_conflict_exists(Assignment.jury_member_id, Assignment.entry_id)
    return dict(
        db.session.execute(
            sa.select(Assignment.jury_member_id, sa.func.count(Assignment.id))
            .join(Entry, Entry.id == Assignment.entry_id)
            .where(
                Assignment.round_no == round_no,
                Entry.status == "eligible",
                in_round_clause(round_no),
                ~barred,
                *where,
            )
            .group_by(Assignment.jury_member_id)
        ).all()
    )


def juror_dashboard(user: User, now: datetime | None = None) -> list[JurorProgress]:
    """The user's jury memberships (with programme) and their own counts, newest programme
    first: counts of the round each programme's jury is in at `now` (`rounds.jury_round`;
    round 1 without `now`) — its entries, or the juror's assignments in a round that has
    them. Two queries, then four per distinct round number among the programmes (one, for
    programmes of one round), however many programmes."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    members = db.session.scalars(
        sa.select(JuryMember)
        .join(JuryMember.programme)
        .options(contains_eager(JuryMember.programme), joinedload(JuryMember.user))
        .where(JuryMember.user_id == user.id)
        .order_by(Programme.scoring_open_at.desc(), Programme.id)
    ).all()
    if not members:
        return []
    stored = rows_by_programme([m.programme_id for m in members])
    infos = {}
    for m in members:
        all_rounds = rounds_of(m.programme, stored.get(m.programme_id, []))
        infos[m.id] = all_rounds[0] if now is None else jury_round(m.programme, now, all_rounds)
    out: dict[int, JurorProgress] = {}
    for round_no in sorted({info.position for info in infos.values()}):
        group = [m for m in members if infos[m.id].position == round_no]
        in_round = dict(
            db.session.execute(
                sa.select(Entry.programme_id, sa.func.count(Entry.id))
                .where(
                    Entry.programme_id.in_([m.programme_id for m in group]),
                    Entry.status == "eligible",
                    in_round_clause(round_no),
                )
                .group_by(Entry.programme_id)
            ).all()
        )
        conflicts, cards = _member_counts([m.id for m in group], round_no=round_no)
        assigned = _own_assignments([m for m in group if infos[m.id].assigned], round_no)
        for m in group:
            if infos[m.id].assigned:
                out[m.id] = _juror_row(m, assigned.get(m.id, 0), {}, cards, conflicts)
            else:
                out[m.id] = _juror_row(m, in_round.get(m.programme_id, 0), conflicts, cards)
    return [out[m.id] for m in members]


def _own_assignments(members: Sequence[JuryMember], round_no: int) -> dict[int, int]:
    """`_assignments_per_member` of `members` (no query without members)."""
    if not members:
        return {}
    return _assignments_per_member(round_no, Assignment.jury_member_id.in_([m.id for m in members]))


# --- panels and assigned jurors ---------------------------------------------------------------


@dataclass(frozen=True)
class PanelProgress:
    """A panel's work in a round: its members' assignments on the entries of its scopes."""

    panel: Panel
    members: int
    assigned: int
    submitted: int

    @property
    def outstanding(self) -> int:
        return self.assigned - self.submitted


@dataclass(frozen=True)
class AssignedJurorProgress:
    """A juror's assignments in a round (not barred), their scorecards on them, and their
    conflicts that bar them from an entry of the round."""

    member: JuryMember
    assigned: int
    submitted: int
    drafts: int
    conflicts: int

    @property
    def outstanding(self) -> int:
        return self.assigned - self.submitted


@dataclass(frozen=True)
class AssignmentProgress:
    round_no: int
    mode: str
    panels: list[PanelProgress]
    jurors: list[AssignedJurorProgress]


def assignment_progress(
    programme: Programme, viewer=None, round_no: int = 1
) -> AssignmentProgress | None:
    """Progress of round `round_no` by its assignments, None when the whole jury scores it
    (no stored round, or its assignment "all"): in a round scored by panels per panel
    (assigned, submitted, outstanding: its members' assignments on the entries of its scopes
    in the round, panels without scopes in it left out), and in every such round per
    juror (assigned, submitted, drafts, barring conflicts on the round's entries). An
    assignment its juror is barred from counts nowhere; the entries the `viewer` is barred
    from (`access.conflicted_entry_ids`) are left out everywhere. Seven queries (and the
    viewer's conflicts), one pass over the assignments."""
    mode = round_mode(programme, round_no)
    if mode == "all":
        return None
    hidden = conflicted_entry_ids(programme, viewer) if viewer is not None else set()
    in_round = round_entries_query(programme, round_no).with_only_columns(Entry.id)
    if hidden:
        in_round = in_round.where(Entry.id.not_in(hidden))
    rows = db.session.execute(
        sa.select(
            Assignment.jury_member_id, Assignment.entry_id, Entry.category_id, Scorecard.status
        )
        .join(Entry, Entry.id == Assignment.entry_id)
        .outerjoin(
            Scorecard,
            sa.and_(
                Scorecard.jury_member_id == Assignment.jury_member_id,
                Scorecard.entry_id == Assignment.entry_id,
                Scorecard.round_no == Assignment.round_no,
            ),
        )
        .where(
            Assignment.round_no == round_no,
            Assignment.entry_id.in_(in_round),
            ~barring_conflict_exists(Assignment.jury_member_id, Assignment.entry_id),
        )
    ).all()
    barring = dict(
        db.session.execute(
            sa.select(Conflict.jury_member_id, sa.func.count(Conflict.id))
            .where(Conflict.status != "dismissed", Conflict.entry_id.in_(in_round))
            .group_by(Conflict.jury_member_id)
        ).all()
    )
    members = db.session.scalars(
        sa.select(JuryMember)
        .join(JuryMember.user)
        .options(contains_eager(JuryMember.user))
        .where(JuryMember.programme_id == programme.id)
        .order_by(JuryMember.role != "chair", User.name, JuryMember.id)
    ).all()
    panels = db.session.scalars(
        sa.select(Panel).where(Panel.programme_id == programme.id).order_by(Panel.name, Panel.id)
    ).all()
    on_panel: dict[int, set[int]] = {p.id: set() for p in panels}
    for panel_id, member_id in db.session.execute(
        sa.select(PanelMember.panel_id, PanelMember.jury_member_id)
        .join(Panel, Panel.id == PanelMember.panel_id)
        .where(Panel.programme_id == programme.id)
    ):
        on_panel[panel_id].add(member_id)
    categories: dict[int, set[int]] = {p.id: set() for p in panels}
    entries: dict[int, set[int]] = {p.id: set() for p in panels}
    for panel_id, category_id, entry_id in db.session.execute(
        sa.select(PanelScope.panel_id, PanelScope.category_id, PanelScope.entry_id)
        .join(Panel, Panel.id == PanelScope.panel_id)
        .where(Panel.programme_id == programme.id, PanelScope.round_no == round_no)
    ):
        if category_id is not None:
            categories[panel_id].add(category_id)
        elif entry_id is not None:
            entries[panel_id].add(entry_id)
    per_member: dict[int, list[int]] = {m.id: [0, 0, 0] for m in members}
    per_panel: dict[int, list[int]] = {p.id: [0, 0] for p in panels}
    for member_id, entry_id, category_id, status in rows:
        counts = per_member.setdefault(member_id, [0, 0, 0])
        counts[0] += 1
        counts[1] += status == "submitted"
        counts[2] += status == "draft"
        for panel in panels:
            if member_id in on_panel[panel.id] and (
                category_id in categories[panel.id] or entry_id in entries[panel.id]
            ):
                per_panel[panel.id][0] += 1
                per_panel[panel.id][1] += status == "submitted"
    return AssignmentProgress(
        round_no=round_no,
        mode=mode,
        panels=[
            PanelProgress(p, len(on_panel[p.id]), per_panel[p.id][0], per_panel[p.id][1])
            for p in panels
            if mode == "panels" and (categories[p.id] or entries[p.id])
        ],
        jurors=[
            AssignedJurorProgress(
                member=m,
                assigned=per_member[m.id][0],
                submitted=per_member[m.id][1],
                drafts=per_member[m.id][2],
                conflicts=barring.get(m.id, 0),
            )
            for m in members
        ],
    )
