"""A conflict recorded after ratification (issue 7, hole 9) is flagged — an audit entry on the
ratification and an e-mail to the admins — and the ratified result says the live ranking now
differs (which entry, from what to what) instead of the leaderboard silently re-ranking; the
ratified winner stands."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from awards.models import Conflict
from awards.services import conflicts, ratification
from awards.services.results import leaderboard
from awards.services.results_export import export_rows
from core.audit.models import AuditEntry
from core.extensions import db
from tests.factories import make_scorecard

SCORING = datetime(2025, 4, 10, 9, 0, tzinfo=UTC)
DELIBERATION = datetime(2025, 5, 10, 9, 0, tzinfo=UTC)
PUBLISH = datetime(2025, 6, 12, 16, 0, tzinfo=UTC)


@pytest.fixture
def ratified(app, clock, make_programme, make_entry, make_juror, make_user):
    """Mean, quorum 2, no trim. A: 8, 5, 10 -> 7.67; B: 7, 7, 7 -> 7.00. An admin ratifies A.
    Without juror 3's scorecard A would be 6.50, below B."""
    clock.set(SCORING)
    programme = make_programme(quorum=2, trim=0, method="mean")
    category = programme.categories[0]
    jurors = [make_juror(programme, make_user(name=f"Juror {n}")) for n in (1, 2, 3)]
    a = make_entry(programme, category=category, ref="A", organisation="Org A")
    b = make_entry(programme, category=category, ref="B", organisation="Org B")
    for member, value in zip(jurors, (8, 5, 10), strict=True):
        make_scorecard(member, a, value)
    for member in jurors:
        make_scorecard(member, b, 7)
    admin = make_user("admin@example.org", admin=True)
    clock.set(DELIBERATION)
    ratification.shortlist(programme, category, [a.id, b.id], actor=admin, now=DELIBERATION)
    frozen = ratification.ratify(programme, category, a.id, actor=admin, now=DELIBERATION)
    return programme, category, jurors, a, b, admin, frozen


def flags():
    return db.session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.action == "conflict.after_ratification")
        .order_by(AuditEntry.id)
    ).all()


def test_a_conflict_declared_after_ratification_is_flagged_and_the_difference_shown(
    ratified, outbox, make_user
):
    programme, category, jurors, a, _b, admin, frozen = ratified
    bystander = make_user("someone@example.org")
    later = DELIBERATION + timedelta(days=1)
    conflicts.declare_conflict(jurors[2], a, "I advised Org A last year.", now=later)

    (flag,) = flags()
    assert (flag.object_type, flag.object_id) == ("Ratification", frozen.id)
    assert flag.data["ref"] == "A" and flag.data["change"] == "declared"
    assert flag.data["juror"] == "Juror 3" and flag.actor_id == jurors[2].user_id
    (mail,) = outbox(kind="awards_conflict_after_ratification")
    assert mail.to_addr == admin.email and "A" in mail.subject
    assert outbox(to=bystander.email) == []

    live = leaderboard(programme, category)
    assert [(r.entry.ref, r.rank) for r in live] == [("B", 1), ("A", 2)]
    result = ratification.ratified_result(programme, frozen)
    assert result.differs and [f.id for f in result.late_conflicts] == [flag.id]
    changes = {
        c.ref: (c.ratified_rank, c.ratified_total, c.live_rank, c.live_total)
        for c in result.changes
    }
    assert changes == {"A": (1, "7.67", 2, "6.50"), "B": (2, "7.00", 1, "7.00")}
    assert [row["ref"] for row in result.snapshot] == ["A", "B"]  # the result stands
    published = ratification.published_results(programme, PUBLISH)
    assert published is not None and published[0].winner.id == a.id


def test_the_export_gives_the_ratified_result_beside_the_live_one(ratified):
    programme, _category, jurors, a, _b, _admin, _frozen = ratified
    conflicts.declare_conflict(jurors[2], a, "I advised Org A.", now=DELIBERATION + timedelta(1))
    _fields, rows = export_rows(programme)
    assert [
        (r["entry"], r["rank"], r["total"], r["ratified_rank"], r["ratified_total"]) for r in rows
    ] == [("B", 1, "7.00", 2, "7.00"), ("A", 2, "6.50", 1, "7.67")]


def test_a_ratified_result_without_later_conflicts_does_not_differ(ratified, outbox):
    programme, _category, _jurors, _a, _b, _admin, frozen = ratified
    result = ratification.ratified_result(programme, frozen)
    assert not result.differs and result.changes == [] and result.late_conflicts == []
    assert flags() == [] and outbox(kind="awards_conflict_after_ratification") == []


def test_a_late_conflict_that_changes_no_scorecard_is_flagged_without_rank_changes(
    ratified, make_juror
):
    programme, _category, _jurors, a, _b, _admin, frozen = ratified
    newcomer = make_juror(programme)  # scored nothing
    conflicts.declare_conflict(newcomer, a, "Former client.", now=DELIBERATION)
    result = ratification.ratified_result(programme, frozen)
    assert result.differs and result.changes == [] and len(result.late_conflicts) == 1


def test_a_conflict_before_ratification_is_not_flagged(
    app, clock, make_programme, make_entry, make_juror
):
    programme = make_programme()
    member = make_juror(programme)
    entry = make_entry(programme)
    conflicts.declare_conflict(member, entry, "Former client.", now=SCORING)
    assert flags() == []


def test_rulings_after_ratification_are_flagged_when_they_change_the_bar(ratified, outbox):
    _programme, _category, jurors, a, _b, admin, _frozen = ratified
    later = DELIBERATION + timedelta(days=1)
    declared = conflicts.declare_conflict(jurors[2], a, "Advised them.", now=later)
    conflicts.rule_conflict(declared, "uphold", "Stays.", actor=admin, now=later)  # still barred
    assert [f.data["change"] for f in flags()] == ["declared"]
    conflicts.rule_conflict(declared, "dismiss", "Not relevant.", actor=admin, now=later)
    assert [f.data["change"] for f in flags()] == ["declared", "dismissed"]
    assert len(outbox(kind="awards_conflict_after_ratification")) == 2


def test_a_conflict_detected_after_ratification_is_flagged(ratified, make_juror, make_user):
    programme, _category, _jurors, a, _b, _admin, _frozen = ratified
    later = DELIBERATION + timedelta(days=1)
    newcomer = make_juror(programme, make_user("x@example.org"), affiliation="Org A")
    found = conflicts.detect_conflicts_for_member(newcomer, now=later)
    assert [c.entry_id for c in found] == [a.id]
    (flag,) = flags()
    assert flag.data["change"] == "detected" and flag.data["conflict_id"] == found[0].id


def test_an_admin_barred_from_the_entry_is_not_mailed_about_it(
    ratified, outbox, make_juror, make_user
):
    programme, _category, jurors, a, _b, admin, _frozen = ratified
    conflicted_admin = make_user("conflicted-admin@example.org", admin=True)
    db.session.add(
        Conflict(
            jury_member=make_juror(programme, conflicted_admin),
            entry=a,
            source="declared",
            status="upheld",
            created_at=SCORING,
        )
    )
    db.session.flush()
    conflicts.declare_conflict(jurors[2], a, "Advised them.", now=DELIBERATION)
    mails = outbox(kind="awards_conflict_after_ratification")
    assert [m.to_addr for m in mails] == [admin.email]


def test_a_deactivated_admin_is_not_mailed(ratified, outbox, make_user):
    _programme, _category, jurors, a, _b, admin, _frozen = ratified
    make_user("gone-admin@example.org", admin=True, deactivated_at=SCORING)
    conflicts.declare_conflict(jurors[2], a, "Advised them.", now=DELIBERATION)
    mails = outbox(kind="awards_conflict_after_ratification")
    assert [m.to_addr for m in mails] == [admin.email]
