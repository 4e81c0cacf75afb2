"""Conflicts of interest: detection, declaring and ruling (services + DB); the matching rules
are in tests/unit/test_matching.py."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from awards.models import Conflict, Score, Scorecard
from awards.services import access
from awards.services.conflicts import (
    ConflictError,
    declare_conflict,
    detect_conflicts_for_entry,
    detect_conflicts_for_member,
    detect_conflicts_for_programme,
    rule_conflict,
)
from awards.services.scorecards import counted_scorecards_query, juror_entry
from core.audit.models import AuditEntry
from core.errors import NotAllowed, NotFound
from core.extensions import db
from tests.factories import make_scorecard

NOW = datetime(2025, 4, 10, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _request(app):
    """Domain errors carry translated messages: services run inside a request, as in the app."""
    with app.test_request_context("/?lang=en"):
        yield


def conflicts():
    return db.session.scalars(sa.select(Conflict).order_by(Conflict.id)).all()


def audit(action):
    return db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    ).all()


# --- detection --------------------------------------------------------------------------------


@pytest.fixture
def setup(make_programme, make_user, make_juror, make_entry):
    programme = make_programme()

    def entry(organisation, owner_email=None, status="eligible"):
        owner = make_user(owner_email) if owner_email else make_user()
        return make_entry(programme, organisation=organisation, owner=owner, status=status)

    def juror(email, affiliation="", **kw):
        return make_juror(programme, make_user(email), affiliation=affiliation, **kw)

    return programme, entry, juror


def test_affiliation_detected_with_reason_and_audit(setup):
    programme, entry, juror = setup
    member = juror("lisette@example.org", affiliation="ANWB")
    case = entry("ANWB B.V.")
    created = detect_conflicts_for_member(member, now=NOW)
    db.session.commit()
    assert [(c.entry_id, c.source, c.status) for c in created] == [(case.id, "detected", "pending")]
    assert "ANWB" in created[0].reason
    assert created[0].created_at == NOW
    (row,) = audit("conflict.detected")
    assert row.data["match"] == "affiliation"
    assert row.data["entry_id"] == case.id
    assert (row.scope_type, row.scope_id, row.scope_label) == (
        "Programme",
        programme.id,
        programme.name,
    )
    assert case.id in access.barred_entry_ids(member)


def test_email_domain_and_label_detected(setup):
    _programme, entry, juror = setup
    coen = juror("coen@rabobank.nl")
    arnold = juror("arnold@kpn.com")
    same_domain = entry("Rabo Innovation Lab", "jan@rabobank.nl")
    label = entry("KPN B.V.", "press@gmail.com")
    other = entry("Odido", "info@odido.nl")
    detect_conflicts_for_entry(same_domain, now=NOW)
    detect_conflicts_for_entry(label, now=NOW)
    detect_conflicts_for_entry(other, now=NOW)
    pairs = {(c.jury_member_id, c.entry_id) for c in conflicts()}
    assert pairs == {(coen.id, same_domain.id), (arnold.id, label.id)}
    assert {row.data["match"] for row in audit("conflict.detected")} == {
        "email_domain",
        "domain_label",
    }


def test_public_domain_and_near_names_are_not_conflicts(setup):
    _programme, entry, juror = setup
    juror("friend@gmail.com")
    juror("someone@ing.com", affiliation="ING")
    entry("Gmail Fans", "owner@gmail.com")
    entry("Ingram Micro", "owner@ingram.com")
    detect_conflicts_for_programme(_programme, now=NOW, actor=None)
    assert conflicts() == []


def test_legal_form_is_stripped(setup):
    _programme, entry, juror = setup
    member = juror("m@example.org", affiliation="Rituals Cosmetics B.V.")
    case = entry("Rituals Cosmetics")
    assert [c.entry_id for c in detect_conflicts_for_member(member, now=NOW)] == [case.id]


def test_detection_is_idempotent_and_respects_dismissal(setup, make_user):
    programme, entry, juror = setup
    member = juror("arnold@kpn.com")
    case = entry("KPN")
    assert len(detect_conflicts_for_entry(case, now=NOW)) == 1
    assert detect_conflicts_for_entry(case, now=NOW) == []
    assert detect_conflicts_for_member(member, now=NOW) == []
    (conflict,) = conflicts()
    rule_conflict(conflict, "dismiss", "Works elsewhere now.", actor=make_user(admin=True), now=NOW)
    db.session.commit()
    assert detect_conflicts_for_programme(programme, now=NOW, actor=None) == 0
    assert [c.status for c in conflicts()] == ["dismissed"]
    assert len(audit("conflict.detected")) == 1


@pytest.mark.parametrize("status", ["draft", "ineligible", "withdrawn"])
def test_only_submitted_or_eligible_entries_are_checked(setup, status):
    _programme, entry, juror = setup
    member = juror("arnold@kpn.com")
    case = entry("KPN", status=status)
    assert detect_conflicts_for_entry(case, now=NOW) == []
    assert detect_conflicts_for_member(member, now=NOW) == []
    assert conflicts() == []


def test_submitted_entry_is_checked(setup):
    _programme, entry, juror = setup
    juror("arnold@kpn.com")
    case = entry("KPN", status="submitted")
    assert len(detect_conflicts_for_entry(case, now=NOW)) == 1


def test_other_programmes_jurors_are_not_checked(setup, make_programme, make_juror, make_user):
    _programme, entry, _juror = setup
    make_juror(make_programme(), make_user("arnold@kpn.com"))
    assert detect_conflicts_for_entry(entry("KPN"), now=NOW) == []


# --- declaring --------------------------------------------------------------------------------


def _card(member, entry, status, value=Decimal(7)):
    card = make_scorecard(member, entry, value, status=status, at=NOW)
    db.session.commit()
    return card


def test_declare_bars_at_once_and_deletes_the_draft(setup):
    _programme, entry, juror = setup
    member = juror("m@example.org")
    case = entry("Univé")
    _card(member, case, "draft")
    conflict = declare_conflict(member, case, "  My brother works there. ", now=NOW)
    db.session.commit()
    assert (conflict.source, conflict.status, conflict.reason) == (
        "declared",
        "pending",
        "My brother works there.",
    )
    assert db.session.scalars(sa.select(Scorecard)).all() == []
    assert db.session.scalars(sa.select(Score)).all() == []
    with pytest.raises(NotFound):
        juror_entry(member, case.id)
    (row,) = audit("conflict.declared")
    assert row.actor_id == member.user_id
    assert row.data["draft_deleted"] is True


def test_declare_keeps_a_submitted_scorecard_but_it_no_longer_counts(setup, make_user):
    programme, entry, juror = setup
    member = juror("m@example.org")
    case = entry("Univé")
    card = _card(member, case, "submitted")
    assert db.session.scalars(counted_scorecards_query(programme)).all() == [card]
    conflict = declare_conflict(member, case, "Former client.", now=NOW)
    db.session.commit()
    assert db.session.get(Scorecard, card.id).status == "submitted"
    assert db.session.scalars(counted_scorecards_query(programme)).all() == []
    rule_conflict(conflict, "dismiss", "Long ago.", actor=make_user(admin=True), now=NOW)
    db.session.commit()
    assert db.session.scalars(counted_scorecards_query(programme)).all() == [card]


def test_declare_requires_a_reason_and_changes_nothing(setup):
    _programme, entry, juror = setup
    member = juror("m@example.org")
    case = entry("Univé")
    _card(member, case, "draft")
    with pytest.raises(ConflictError) as err:
        declare_conflict(member, case, "   ", now=NOW)
    assert err.value.code == "reason_required"
    db.session.rollback()
    assert conflicts() == []
    assert len(db.session.scalars(sa.select(Scorecard)).all()) == 1


def test_declare_on_a_barred_or_foreign_entry_is_not_found(setup, make_entry):
    _programme, entry, juror = setup
    member = juror("arnold@kpn.com")
    case = entry("KPN")
    detect_conflicts_for_member(member, now=NOW)
    with pytest.raises(NotFound):
        declare_conflict(member, case, "Also declared.", now=NOW)
    with pytest.raises(NotFound):
        declare_conflict(member, make_entry(), "Other programme.", now=NOW)


# --- ruling -----------------------------------------------------------------------------------


def test_chair_rules_dismiss_lifts_the_bar_and_is_audited(setup):
    _programme, entry, juror = setup
    chair = juror("chair@example.org", role="chair")
    member = juror("arnold@kpn.com")
    case = entry("KPN")
    (conflict,) = detect_conflicts_for_member(member, now=NOW)
    rule_conflict(conflict, "uphold", "Works there.", actor=chair.user, now=NOW)
    assert conflict.status == "upheld"
    with pytest.raises(NotFound):
        juror_entry(member, case.id)
    rule_conflict(conflict, "dismiss", "Left KPN in 2019.", actor=chair.user, now=NOW)
    db.session.commit()
    assert (conflict.status, conflict.ruling_note, conflict.ruled_by_id, conflict.ruled_at) == (
        "dismissed",
        "Left KPN in 2019.",
        chair.user_id,
        NOW,
    )
    assert juror_entry(member, case.id) == case
    rows = audit("conflict.ruled")
    assert [r.data["decision"] for r in rows] == ["upheld", "dismissed"]
    assert all(r.actor_id == chair.user_id for r in rows)


def test_chair_cannot_rule_own_conflict_but_an_admin_can(setup, make_user):
    _programme, entry, juror = setup
    chair = juror("arnold@kpn.com", role="chair")
    entry("KPN")
    (conflict,) = detect_conflicts_for_member(chair, now=NOW)
    with pytest.raises(NotAllowed) as err:
        rule_conflict(conflict, "dismiss", "Mine.", actor=chair.user, now=NOW)
    assert err.value.code == "own_conflict"
    assert conflict.status == "pending"
    rule_conflict(conflict, "dismiss", "Fine.", actor=make_user(admin=True), now=NOW)
    assert conflict.status == "dismissed"


@pytest.mark.parametrize(
    ("decision", "note", "code"), [("maybe", "x", "bad_decision"), ("uphold", " ", "note_required")]
)
def test_ruling_needs_a_decision_and_a_note(setup, decision, note, code):
    _programme, entry, juror = setup
    chair = juror("chair@example.org", role="chair")
    juror("arnold@kpn.com")
    entry("KPN")
    detect_conflicts_for_programme(_programme, now=NOW, actor=None)
    (conflict,) = conflicts()
    with pytest.raises(ConflictError) as err:
        rule_conflict(conflict, decision, note, actor=chair.user, now=NOW)
    assert err.value.code == code
    assert conflict.status == "pending"


def test_declaring_after_a_dismissal_bars_again(setup, make_user):
    _programme, entry, juror = setup
    member = juror("arnold@kpn.com")
    case = entry("KPN")
    (conflict,) = detect_conflicts_for_member(member, now=NOW)
    rule_conflict(conflict, "dismiss", "Not related.", actor=make_user(admin=True), now=NOW)
    assert juror_entry(member, case.id) == case
    again = declare_conflict(member, case, "On reflection I am related.", now=NOW)
    assert again.id == conflict.id
    assert (again.source, again.status, again.ruling_note, again.ruled_by_id) == (
        "declared",
        "pending",
        "",
        None,
    )
    with pytest.raises(NotFound):
        juror_entry(member, case.id)
