"""Scorecards (services + DB): scales, drafts, submitting, locking, reopening, the juror's own
entry order, the scorecards that count, and progress counts."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from awards.models import Conflict, Score, Scorecard
from awards.services import progress
from awards.services.scales import grid, parse_score, show_value
from awards.services.scorecards import (
    ScorecardLocked,
    ScoresInvalid,
    ScoringClosed,
    counted_scorecards_query,
    juror_entries,
    reopen_scorecard,
    save_scorecard,
)
from core.audit.models import AuditEntry
from core.errors import DomainError, NotAllowed, NotFound
from core.extensions import db
from core.outbox.models import MailMessage

OPEN = datetime(2025, 4, 10, 9, 0, tzinfo=UTC)
BEFORE = datetime(2025, 4, 2, 7, 59, tzinfo=UTC)
AFTER = datetime(2025, 5, 1, 22, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _request(app):
    """Domain errors carry translated messages: services run inside a request, as in the app."""
    with app.test_request_context("/?lang=en"):
        yield


@pytest.fixture
def world(make_programme, make_entry, make_juror):
    programme = make_programme()
    return programme, make_entry(programme), make_juror(programme)


def values(programme, *vals):
    return {c.id: v for c, v in zip(programme.criteria, vals, strict=False)}


def save(member, entry, vals, *, submit=False, now=OPEN, comment="", comments=None):
    return save_scorecard(
        member,
        entry.id,
        values=vals,
        comments=comments or {},
        comment=comment,
        submit=submit,
        now=now,
    )


def cards():
    return db.session.scalars(sa.select(Scorecard)).all()


def test_grid_and_show_value(make_programme):
    criterion = make_programme().criteria[0]
    assert grid(criterion) == [str(n) for n in range(1, 11)]
    criterion.min_score, criterion.max_score, criterion.step = (
        Decimal("0.00"),
        Decimal("2.00"),
        Decimal("0.50"),
    )
    assert grid(criterion) == ["0", "0.5", "1", "1.5", "2"]
    assert show_value(Decimal("10.00")) == "10"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("abc", "Enter a number."),
        ("NaN", "Enter a number."),
        ("Infinity", "Enter a number."),
        ("11", "Choose a score from 1 to 10."),
        ("0", "Choose a score from 1 to 10."),
        ("7.5", "Use steps of 1 from 1."),
    ],
)
def test_parse_score_refuses_with_a_clear_message(make_programme, raw, message):
    criterion = make_programme().criteria[0]
    with pytest.raises(ValueError) as err:
        parse_score(criterion, raw)
    assert str(err.value) == message


def test_parse_score_accepts_grid_values(make_programme):
    criterion = make_programme().criteria[0]
    assert parse_score(criterion, " 7 ") == Decimal(7)
    assert parse_score(criterion, "") is None
    criterion.step = Decimal("0.5")
    assert parse_score(criterion, "7,5") == Decimal("7.5")


def test_draft_may_be_partial_then_submit_locks(world):
    programme, entry, member = world
    card = save(member, entry, values(programme, "7", "", "8"), comment="Strong case")
    db.session.commit()
    assert card.status == "draft"
    stored = {s.criterion.key: s.value for s in card.scores}
    assert stored == {
        "impact": Decimal(7),
        "innovation": None,
        "scalability": Decimal(8),
        "customer_focus": None,
    }
    save(member, entry, values(programme, "7", "6", "8", "9"), submit=True)
    db.session.commit()
    assert (card.status, card.submitted_at) == ("submitted", OPEN)
    (row,) = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "scorecard.submitted")
    ).all()
    assert row.actor_id == member.user_id
    with pytest.raises(ScorecardLocked):
        save(member, entry, values(programme, "1", "1", "1", "1"))
    db.session.rollback()
    assert sorted(s.value for s in db.session.get(Scorecard, card.id).scores) == [6, 7, 8, 9]


def test_submit_requires_every_criterion_and_saves_nothing(world):
    programme, entry, member = world
    with pytest.raises(ScoresInvalid) as err:
        save(member, entry, values(programme, "7", "6", "8"), submit=True)
    assert list(err.value.errors) == [f"score_{programme.criteria[3].id}"]
    db.session.rollback()
    assert cards() == []


@pytest.mark.parametrize("bad", ["11", "7.5", "abc", "-1"])
def test_bad_value_saves_nothing_even_as_draft(world, bad):
    programme, entry, member = world
    save(member, entry, values(programme, "5"))
    db.session.commit()
    with pytest.raises(ScoresInvalid) as err:
        save(member, entry, values(programme, "6", bad))
    assert list(err.value.errors) == [f"score_{programme.criteria[1].id}"]
    db.session.rollback()
    (card,) = cards()
    assert [s.value for s in card.scores if s.value is not None] == [Decimal(5)]


@pytest.mark.parametrize("at", [BEFORE, AFTER])
def test_scoring_outside_the_window_is_refused(world, at):
    programme, entry, member = world
    with pytest.raises(ScoringClosed):
        save(member, entry, values(programme, "5"), now=at)
    db.session.rollback()
    assert cards() == []


def test_terms_barred_and_ineligible_entries_are_refused(world, make_entry, make_juror):
    programme, entry, member = world
    new = make_juror(programme, accepted=False)
    with pytest.raises(NotAllowed):
        save(new, entry, values(programme, "5"))
    draft = make_entry(programme, status="submitted")
    with pytest.raises(NotFound):
        save(member, draft, values(programme, "5"))
    db.session.add(
        Conflict(
            jury_member_id=member.id,
            entry_id=entry.id,
            source="declared",
            status="upheld",
            created_at=OPEN,
        )
    )
    db.session.commit()
    with pytest.raises(NotFound):
        save(member, entry, values(programme, "5"))
    db.session.rollback()
    assert cards() == []


def _submitted(member, entry):
    card = save(member, entry, values(entry.programme, "5", "6", "7", "8"), submit=True)
    db.session.commit()
    return card


def test_reopen_with_reason_back_to_draft_mails_and_audits(world, make_user):
    _programme, entry, member = world
    card = _submitted(member, entry)
    admin = make_user(admin=True)
    with pytest.raises(DomainError) as err:
        reopen_scorecard(card, "  ", actor=admin, now=OPEN)
    assert err.value.code == "reason_required"
    assert card.status == "submitted"
    reopen_scorecard(card, "Please look at the attachment again.", actor=admin, now=OPEN)
    db.session.commit()
    assert (card.status, card.submitted_at) == ("draft", None)
    (row,) = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "scorecard.reopened")
    ).all()
    assert row.data["reason"] == "Please look at the attachment again."
    (mail,) = db.session.scalars(sa.select(MailMessage)).all()
    assert (mail.to_addr, mail.kind) == (member.user.email, "jury_scorecard_reopened")
    assert "Please look at the attachment again." in mail.body_text
    with pytest.raises(DomainError) as err:
        reopen_scorecard(card, "again", actor=admin, now=OPEN)
    assert err.value.code == "not_submitted"


def test_reopen_after_scoring_closed_is_refused(world, make_user):
    _programme, entry, member = world
    card = _submitted(member, entry)
    with pytest.raises(ScoringClosed):
        reopen_scorecard(card, "Too late", actor=make_user(admin=True), now=AFTER)
    assert card.status == "submitted"


def test_juror_order_is_stable_per_juror_and_differs_between_jurors(
    make_programme, make_entry, make_juror
):
    programme = make_programme()
    for _ in range(12):
        make_entry(programme)
    a, b = make_juror(programme), make_juror(programme)
    order_a = [row.entry_id for row in juror_entries(a, secret="s")]
    order_b = [row.entry_id for row in juror_entries(b, secret="s")]
    assert order_a == [row.entry_id for row in juror_entries(a, secret="s")]
    assert sorted(order_a) == sorted(order_b)
    assert order_a != order_b
    assert order_a != [row.entry_id for row in juror_entries(a, secret="other")]


def test_juror_list_has_eligible_unbarred_entries_with_own_status(world, make_entry, make_juror):
    programme, entry, member = world
    other = make_juror(programme)
    barred = make_entry(programme)
    make_entry(programme, status="ineligible")
    make_entry(programme, status="submitted")
    db.session.add(
        Conflict(
            jury_member_id=member.id,
            entry_id=barred.id,
            source="detected",
            status="pending",
            created_at=OPEN,
        )
    )
    db.session.commit()
    save(other, entry, values(programme, "5"))
    db.session.commit()
    assert [(r.entry_id, r.status) for r in juror_entries(member, secret="s")] == [(entry.id, None)]
    save(member, entry, values(programme, "5"))
    db.session.commit()
    assert [r.status for r in juror_entries(member, secret="s")] == ["draft"]


def test_counted_scorecards(world, make_entry, make_juror, make_programme):
    programme, entry, member = world
    counted = _submitted(member, entry)
    draft_juror = make_juror(programme)
    save(draft_juror, entry, values(programme, "5"))
    barred_juror = make_juror(programme)
    barred = _submitted(barred_juror, entry)
    db.session.add(
        Conflict(
            jury_member_id=barred_juror.id,
            entry_id=entry.id,
            source="detected",
            status="pending",
            created_at=OPEN,
        )
    )
    withdrawn = make_entry(programme)
    later = _submitted(member, withdrawn)
    withdrawn.status = "withdrawn"
    other = make_programme()
    _submitted(make_juror(other), make_entry(other))
    db.session.commit()
    assert db.session.scalars(counted_scorecards_query(programme)).all() == [counted]
    conflict = db.session.scalar(sa.select(Conflict))
    conflict.status = "dismissed"
    db.session.commit()
    assert set(db.session.scalars(counted_scorecards_query(programme))) == {counted, barred}
    assert later not in set(db.session.scalars(counted_scorecards_query(programme)))


def test_progress_counts(world, make_entry, make_juror):
    programme, entry, member = world
    programme.quorum = 2
    second = make_entry(programme)
    other = make_juror(programme)
    _submitted(member, entry)
    save(member, second, values(programme, "5"))
    _submitted(other, entry)
    db.session.add(
        Conflict(
            jury_member_id=other.id,
            entry_id=second.id,
            source="declared",
            status="pending",
            created_at=OPEN,
        )
    )
    db.session.commit()
    result = progress.programme_progress(programme)
    rows = {r.member.id: r for r in result.jurors}
    assert (rows[member.id].assigned, rows[member.id].drafts, rows[member.id].submitted) == (
        2,
        1,
        1,
    )
    assert (rows[other.id].assigned, rows[other.id].submitted, rows[other.id].conflicts) == (
        1,
        1,
        1,
    )
    entries = {r.entry.id: r for r in result.entries}
    assert (entries[entry.id].submitted, entries[entry.id].below_quorum) == (2, False)
    assert (entries[second.id].submitted, entries[second.id].conflicts) == (0, 1)
    assert entries[second.id].below_quorum
    assert result.below_quorum == 1
    assert len(result.submitted) == 2
    assert not hasattr(result.submitted[0], "scores")
    assert db.session.scalars(sa.select(Score)).all()  # scores exist, progress never shows them


def test_juror_list_takes_one_query_however_many_entries(world, make_entry, make_juror):
    programme, _entry, member = world

    def queries():
        seen = []
        listener = lambda *_args: seen.append(1)  # noqa: E731
        sa.event.listen(db.engine, "before_cursor_execute", listener)
        try:
            rows = juror_entries(member, secret="s")
            [(row.category("en"), row.title, row.status) for row in rows]
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    db.session.expire_all()
    assert member.programme_id  # reload the juror itself outside the count
    assert queries() == 1
    for _ in range(5):
        extra = make_entry(programme)
        save(member, extra, values(programme, "4"))
        db.session.add(
            Conflict(
                jury_member_id=member.id,
                entry_id=make_entry(programme).id,
                source="declared",
                status="pending",
                created_at=OPEN,
            )
        )
    db.session.commit()
    db.session.expire_all()
    assert member.programme_id  # reload the juror itself outside the count
    assert queries() == 1
