"""Panels and assignments as services: panel set-up (audited, refusals change nothing),
assigning a round from its panels, automatic assignment (k per entry, balanced, conflicts
declared and detected respected, deterministic, re-runs keep started scorecards), and the
progress per panel and per assigned juror. On PostgreSQL two admins assigning at once queue
on the round's lock."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from awards.models import (
    Advancement,
    Assignment,
    Conflict,
    Panel,
    PanelMember,
    PanelScope,
    Programme,
    Round,
)
from awards.services import assignment, panels, progress
from core.accounts.models import User
from core.audit.models import AuditEntry
from core.errors import InvalidInput, NotAllowed
from core.extensions import db
from tests.factories import NOW, make_scorecard
from tests.threads import run_together


def _round(programme, position=1, mode="auto", k=None):
    row = Round(
        programme_id=programme.id,
        position=position,
        name_nl=f"Ronde {position}",
        name_en=f"Round {position}",
        scoring_open_at=programme.scoring_open_at,
        scoring_close_at=programme.scoring_close_at,
        quorum=1,
        assignment=mode,
        jurors_per_entry=k,
        created_at=NOW,
    )
    db.session.add(row)
    db.session.flush()
    return row


def _pairs(programme, round_no=1):
    return set(
        db.session.execute(
            sa.select(Assignment.jury_member_id, Assignment.entry_id).where(
                Assignment.round_no == round_no
            )
        ).all()
    )


def _loads(pairs, members):
    return {m.id: sum(1 for j, _e in pairs if j == m.id) for m in members}


def _conflict(member, entry, status="pending", source="declared"):
    conflict = Conflict(
        jury_member_id=member.id,
        entry_id=entry.id,
        source=source,
        reason="r",
        status=status,
        created_at=NOW,
    )
    db.session.add(conflict)
    db.session.flush()
    return conflict


@pytest.fixture
def admin(make_user):
    return make_user(admin=True)


@pytest.fixture
def season(make_programme, make_entry, make_juror):
    programme = make_programme()
    entries = [
        make_entry(programme, category=programme.categories[i % 2], organisation=f"Org {i}")
        for i in range(7)
    ]
    members = [make_juror(programme) for _ in range(4)]
    return programme, entries, members


# --- panels ---------------------------------------------------------------------------------


def test_panel_set_up_is_audited(season, admin, clock):
    programme, entries, members = season
    panel = panels.create_panel(programme, "  Panel   A ", actor=admin, now=clock())
    assert panel.name == "Panel A"
    panels.rename_panel(panel, "Panel B", actor=admin, now=clock())
    panels.add_member(panel, members[0].id, actor=admin, now=clock())
    panels.add_scopes(panel, 1, category_id=programme.categories[0].id, actor=admin, now=clock())
    panels.add_scopes(panel, 1, entry_ids=[entries[1].id], actor=admin, now=clock())
    actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == [
        "panel.created",
        "panel.renamed",
        "panel.member_added",
        "panel.scope_added",
        "panel.scope_added",
    ]
    view = panels.programme_panels(programme)[0]
    assert [m.jury_member_id for m in view.members] == [members[0].id]
    assert [(s.category, s.entry) for s in view.scopes] == [
        (programme.categories[0], None),
        (None, entries[1]),
    ]


def test_panel_refusals(season, admin, clock, make_programme, make_juror, make_user):
    programme, entries, _members = season
    other = make_programme()
    stranger = make_juror(other)
    other_entry_category = other.categories[0]
    panel = panels.create_panel(programme, "A", actor=admin, now=clock())
    before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    with pytest.raises(InvalidInput) as refused:
        panels.create_panel(programme, "A", actor=admin, now=clock())
    assert "name" in refused.value.errors
    with pytest.raises(InvalidInput):
        panels.create_panel(programme, "   ", actor=admin, now=clock())
    with pytest.raises(InvalidInput) as refused:
        panels.add_member(panel, stranger.id, actor=admin, now=clock())
    assert "member_id" in refused.value.errors
    with pytest.raises(InvalidInput):
        panels.add_member(panel, 999999, actor=admin, now=clock())
    with pytest.raises(InvalidInput):
        panels.add_scopes(
            panel, 2, category_id=programme.categories[0].id, actor=admin, now=clock()
        )
    with pytest.raises(InvalidInput):
        panels.add_scopes(panel, 1, category_id=other_entry_category.id, actor=admin, now=clock())
    with pytest.raises(InvalidInput):
        panels.add_scopes(
            panel, 1, category_id=programme.categories[0].id, entry_ids=[entries[0].id],
            actor=admin, now=clock(),
        )  # fmt: skip
    with pytest.raises(NotAllowed):
        panels.create_panel(programme, "B", actor=make_user(), now=clock())
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PanelMember)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PanelScope)) == 0


def test_a_panel_whose_jurors_started_scoring_is_not_deleted(season, admin, clock):
    programme, entries, members = season
    panel = panels.create_panel(programme, "A", actor=admin, now=clock())
    panels.add_member(panel, members[0].id, actor=admin, now=clock())
    panels.add_scopes(panel, 1, entry_ids=[entries[0].id], actor=admin, now=clock())
    make_scorecard(members[0], entries[0], status="draft")
    with pytest.raises(panels.PanelInUse):
        panels.delete_panel(panel, actor=admin, now=clock())
    assert db.session.get(Panel, panel.id) is not None
    empty = panels.create_panel(programme, "B", actor=admin, now=clock())
    panels.add_member(empty, members[1].id, actor=admin, now=clock())
    panels.delete_panel(empty, actor=admin, now=clock())
    assert db.session.get(Panel, empty.id) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PanelMember)) == 1


# --- from panels ----------------------------------------------------------------------------


def test_assign_from_panels_gives_members_their_scope_minus_conflicts(season, admin, clock):
    programme, entries, members = season
    _round(programme, mode="panels")
    a = panels.create_panel(programme, "A", actor=admin, now=clock())
    b = panels.create_panel(programme, "B", actor=admin, now=clock())
    for m in members[:2]:
        panels.add_member(a, m.id, actor=admin, now=clock())
    panels.add_member(b, members[2].id, actor=admin, now=clock())
    category = programme.categories[0]
    panels.add_scopes(a, 1, category_id=category.id, actor=admin, now=clock())
    panels.add_scopes(b, 1, entry_ids=[entries[1].id], actor=admin, now=clock())
    _conflict(members[0], entries[0])
    in_category = [e for e in entries if e.category_id == category.id]
    report = assignment.assign_from_panels(programme, 1, actor=admin, now=clock())
    expected = {(m.id, e.id) for m in members[:2] for e in in_category} - {
        (members[0].id, entries[0].id)
    } | {(members[2].id, entries[1].id)}
    assert _pairs(programme) == expected
    assert (report.added, report.removed, report.barred) == (len(expected), 0, 1)
    assert {e.id for e in report.uncovered} == {
        e.id for e in entries if e.category_id != category.id and e.id != entries[1].id
    }
    again = assignment.assign_from_panels(programme, 1, actor=admin, now=clock())
    assert (again.added, again.removed) == (0, 0)
    # a member leaves; their started assignment stays, the others go
    make_scorecard(members[1], in_category[1], status="draft")
    panels.remove_member(a, a.members[1], actor=admin, now=clock())
    third = assignment.assign_from_panels(programme, 1, actor=admin, now=clock())
    assert third.kept_started == 1
    assert third.removed == len(in_category) - 1
    assert (members[1].id, in_category[1].id) in _pairs(programme)


def test_assigning_needs_a_round_assigned_that_way(season, admin, clock):
    programme, _entries, _members = season
    with pytest.raises(assignment.AssignmentError) as refused:
        assignment.assign_from_panels(programme, 1, actor=admin, now=clock())
    assert refused.value.code == "round_not_assigned"
    _round(programme, mode="panels")
    with pytest.raises(assignment.AssignmentError) as refused:
        assignment.assign_automatically(programme, 1, 2, actor=admin, now=clock())
    assert refused.value.code == "wrong_mode"
    assert _pairs(programme) == set()


# --- automatic ------------------------------------------------------------------------------


def test_automatic_assignment_gives_k_balanced_and_respects_conflicts(
    season, admin, clock, make_user
):
    programme, entries, members = season
    row = _round(programme, mode="auto")
    _conflict(members[0], entries[0], status="pending", source="declared")
    _conflict(members[1], entries[0], status="upheld", source="detected")
    _conflict(members[2], entries[1], status="dismissed")  # no longer bars
    # a link nobody detected yet: juror 3's affiliation is entry 2's organisation
    members[3].affiliation = entries[2].organisation
    db.session.flush()
    report = assignment.assign_automatically(programme, 1, 2, actor=admin, now=clock())
    pairs = _pairs(programme)
    assert report.detected == 1
    barred = {(members[0].id, entries[0].id), (members[1].id, entries[0].id),
              (members[3].id, entries[2].id)}  # fmt: skip
    assert not pairs & barred
    for e in entries:
        assert sum(1 for _j, x in pairs if x == e.id) == 2
    loads = _loads(pairs, members)
    assert max(loads.values()) - min(loads.values()) <= 1
    assert row.jurors_per_entry == 2
    assert report.short == []
    assert (
        db.session.scalar(
            sa.select(AuditEntry.data).where(AuditEntry.action == "assignment.automatic")
        )["added"]
        == 14
    )
    again = assignment.assign_automatically(programme, 1, 2, actor=admin, now=clock())
    assert (again.added, again.removed) == (0, 0)
    assert _pairs(programme) == pairs


def test_automatic_assignment_says_who_is_short_and_assigns_what_it_can(season, admin, clock):
    programme, entries, members = season
    _round(programme, mode="auto")
    for m in members[:3]:
        _conflict(m, entries[0])
    report = assignment.assign_automatically(programme, 1, 2, actor=admin, now=clock())
    assert [(e.id, n) for e, n in report.short] == [(entries[0].id, 1)]
    assert {j for j, e in _pairs(programme) if e == entries[0].id} == {members[3].id}


def test_bad_k_is_refused_and_changes_nothing(season, admin, clock):
    programme, _entries, _members = season
    row = _round(programme, mode="auto", k=2)
    for k in (None, 0, -1, 5):
        with pytest.raises(InvalidInput) as refused:
            assignment.assign_automatically(programme, 1, k, actor=admin, now=clock())
        assert "k" in refused.value.errors
    assert _pairs(programme) == set()
    assert row.jurors_per_entry == 2


def test_a_rerun_keeps_started_cards_and_moves_the_rest(season, admin, clock):
    programme, entries, members = season
    _round(programme, mode="auto")
    assignment.assign_automatically(programme, 1, 2, actor=admin, now=clock())
    first = _pairs(programme)
    started = sorted(first)[0]
    member = next(m for m in members if m.id == started[0])
    entry = next(e for e in entries if e.id == started[1])
    make_scorecard(member, entry, status="submitted")
    # the juror declares a conflict on another of their entries: that one must move
    other = next(e for j, e in sorted(first) if j == member.id and e != entry.id)
    _conflict(member, next(x for x in entries if x.id == other))
    report = assignment.assign_automatically(programme, 1, 2, actor=admin, now=clock())
    pairs = _pairs(programme)
    assert started in pairs
    assert (member.id, other) not in pairs
    assert report.removed >= 1 and report.added >= 1
    for e in entries:
        assert sum(1 for _j, x in pairs if x == e.id) == 2
    assert len(first ^ pairs) == report.added + report.removed


def test_later_rounds_assign_only_the_advanced_entries(season, admin, clock):
    programme, entries, _members = season
    _round(programme, 1, mode="all")
    _round(programme, 2, mode="auto")
    for e in entries[:3]:
        db.session.add(Advancement(entry_id=e.id, round_no=2, advanced_by_id=admin.id,
                                   created_at=NOW))  # fmt: skip
    db.session.flush()
    assignment.assign_automatically(programme, 2, 1, actor=admin, now=clock())
    assert {e for _j, e in _pairs(programme, 2)} == {e.id for e in entries[:3]}
    assert _pairs(programme, 1) == set()


# --- progress -------------------------------------------------------------------------------


def test_progress_per_panel_and_per_assigned_juror(season, admin, clock, make_juror):
    programme, entries, members = season
    _round(programme, mode="panels")
    a = panels.create_panel(programme, "A", actor=admin, now=clock())
    for m in members[:2]:
        panels.add_member(a, m.id, actor=admin, now=clock())
    panels.add_scopes(a, 1, entry_ids=[e.id for e in entries[:3]], actor=admin, now=clock())
    _conflict(members[0], entries[2], status="upheld")
    assignment.assign_from_panels(programme, 1, actor=admin, now=clock())
    make_scorecard(members[0], entries[0], status="submitted")
    make_scorecard(members[1], entries[0], status="draft")
    make_scorecard(members[1], entries[1], status="submitted")
    seen = progress.assignment_progress(programme, admin, 1)
    assert seen is not None
    (row,) = seen.panels
    assert (row.members, row.assigned, row.submitted, row.outstanding) == (2, 5, 2, 3)
    by_member = {r.member.id: r for r in seen.jurors}
    first, second = by_member[members[0].id], by_member[members[1].id]
    assert (first.assigned, first.submitted, first.drafts, first.conflicts) == (2, 1, 0, 1)
    assert (second.assigned, second.submitted, second.drafts, second.conflicts) == (3, 1, 1, 0)
    # a chair barred from entry 0 sees nothing of it
    chair = make_juror(programme, role="chair")
    _conflict(chair, entries[0], status="upheld")
    hidden = progress.assignment_progress(programme, chair.user, 1)
    assert hidden is not None
    assert (hidden.panels[0].assigned, hidden.panels[0].submitted) == (3, 1)
    assert progress.assignment_progress(programme, admin, 2) is None


def test_progress_takes_a_fixed_number_of_queries(season, admin, clock, app):
    programme, _entries, _members = season
    _round(programme, mode="auto")
    assignment.assign_automatically(programme, 1, 3, actor=admin, now=clock())
    statements = []

    def count(*_args, **_kw):
        statements.append(1)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        progress.assignment_progress(programme, None, 1)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) <= 7


# --- concurrency ----------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="needs TEST_DATABASE_URL pointing at PostgreSQL",
)
def test_two_admins_assigning_at_once_queue_on_the_round(app, season, admin, clock):
    programme, _entries, _members = season
    _round(programme, mode="auto")
    db.session.commit()
    programme_id, admin_id = programme.id, admin.id

    def run():
        return assignment.assign_automatically(
            db.session.get(Programme, programme_id), 1, 2,
            actor=db.session.get(User, admin_id), now=datetime(2025, 3, 1, tzinfo=UTC),
        ).added  # fmt: skip

    results, errors = run_together(app, [run, run])
    assert errors == []
    assert sorted(results) == [0, 14]
    assert len(_pairs(programme)) == 14


def test_assign_from_panels_respects_a_conflict_detected_on_the_way(season, admin, clock):
    programme, entries, members = season
    _round(programme, mode="panels")
    panel = panels.create_panel(programme, "A", actor=admin, now=clock())
    for m in members[:2]:
        panels.add_member(panel, m.id, actor=admin, now=clock())
    panels.add_scopes(panel, 1, entry_ids=[entries[0].id], actor=admin, now=clock())
    members[1].affiliation = entries[0].organisation
    db.session.flush()
    report = assignment.assign_from_panels(programme, 1, actor=admin, now=clock())
    assert report.detected == 1 and report.barred == 1
    assert _pairs(programme) == {(members[0].id, entries[0].id)}
    conflict = db.session.scalar(
        sa.select(Conflict).where(Conflict.jury_member_id == members[1].id)
    )
    assert (conflict.source, conflict.status) == ("detected", "pending")


def test_an_automatic_round_has_no_panel_rows(season, admin, clock):
    programme, _entries, members = season
    _round(programme, mode="auto")
    panel = panels.create_panel(programme, "A", actor=admin, now=clock())
    panels.add_member(panel, members[0].id, actor=admin, now=clock())
    panels.add_scopes(panel, 1, category_id=programme.categories[0].id, actor=admin, now=clock())
    assignment.assign_automatically(programme, 1, 2, actor=admin, now=clock())
    seen = progress.assignment_progress(programme, admin, 1)
    assert seen is not None and seen.panels == []
    assert sum(r.assigned for r in seen.jurors) == 14
