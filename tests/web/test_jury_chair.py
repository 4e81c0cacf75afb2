"""The chair's (and admin's) jury pages: conflicts and rulings, declaring a conflict, progress
in a constant number of queries, reopening a scorecard."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from awards.models import Conflict, Scorecard
from core.audit.models import AuditEntry
from core.extensions import db
from core.outbox.models import MailMessage
from tests.factories import make_scorecard

SCORING = datetime(2025, 4, 10, 9, 0, tzinfo=UTC)


def english(c):
    with c.session_transaction() as session:
        session["lang"] = "en"
    return c


def admin_url(programme, suffix):
    return f"/admin/awards/{programme.slug}/jury{suffix}"


def state():
    conflicts = db.session.execute(
        sa.select(Conflict.id, Conflict.status, Conflict.ruling_note).order_by(Conflict.id)
    ).all()
    cards = db.session.execute(sa.select(Scorecard.id, Scorecard.status)).all()
    return conflicts, cards, db.session.scalar(sa.select(sa.func.count(AuditEntry.id)))


@pytest.fixture
def jury(app, clock, login, make_programme, make_juror, make_user, make_entry):
    clock.set(SCORING)
    programme = make_programme()
    chair = make_juror(programme, make_user("arnold@kpn.com"), role="chair")
    member = make_juror(programme, make_user("coen@rabobank.nl"), affiliation="Rabobank")
    kpn = make_entry(programme, organisation="KPN", title="KPN case")
    rabo = make_entry(programme, organisation="Rabobank Nederland", title="Rabo case")

    def client_for(m):
        return english(login(m.user if hasattr(m, "user") else m, app.test_client()))

    return programme, chair, member, kpn, rabo, client_for


def test_detect_then_conflicts_page_for_chair_and_admin_not_member(jury, make_user):
    programme, chair, member, kpn, rabo, client_for = jury
    chair_c = client_for(chair)
    assert chair_c.post(admin_url(programme, "/conflicts/detect")).status_code == 302
    found = {(c.jury_member_id, c.entry_id) for c in db.session.scalars(sa.select(Conflict))}
    assert found == {(chair.id, kpn.id), (member.id, rabo.id)}
    page = chair_c.get(admin_url(programme, "/conflicts"))
    assert page.status_code == 200
    assert "Rabobank" in page.text
    assert page.text.count("Record ruling") == 1  # not on the chair's own conflict
    assert "KPN case" not in page.text  # nor shown: the chair has a conflict with that entry
    assert "an admin rules on it." in page.text
    admin_page = client_for(make_user(admin=True)).get(admin_url(programme, "/conflicts"))
    assert admin_page.text.count("Record ruling") == 2
    before = state()
    member_c = client_for(member)
    assert member_c.get(admin_url(programme, "/conflicts")).status_code == 403
    assert member_c.post(admin_url(programme, "/conflicts/detect")).status_code == 403
    conflict_id = before[0][0][0]
    rule = {"decision": "dismiss", "note": "mine"}
    assert (
        member_c.post(admin_url(programme, f"/conflicts/{conflict_id}/rule"), data=rule).status_code
        == 403
    )
    assert state() == before


def test_dismissal_by_the_chair_lifts_the_bar(jury):
    programme, chair, member, _kpn, rabo, client_for = jury
    db.session.add(
        Conflict(
            jury_member_id=member.id,
            entry_id=rabo.id,
            source="detected",
            status="pending",
            reason="Rabobank",
            created_at=SCORING,
        )
    )
    db.session.commit()
    conflict = db.session.scalar(sa.select(Conflict))
    member_c = client_for(member)
    entry_url = f"/jury/{programme.slug}/entries/{rabo.id}"
    assert member_c.get(entry_url).status_code == 404
    chair_c = client_for(chair)
    rule_url = admin_url(programme, f"/conflicts/{conflict.id}/rule")
    before = state()
    response = chair_c.post(rule_url, data={"decision": "dismiss", "note": ""})
    assert response.status_code == 400
    assert "Add a note explaining the ruling." in response.text
    assert state() == before
    response = chair_c.post(rule_url, data={"decision": "dismiss", "note": "Other department."})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Conflict, conflict.id).status == "dismissed"
    assert member_c.get(entry_url).status_code == 200
    assert "Rabo case" in member_c.get(f"/jury/{programme.slug}/entries").text
    row = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "conflict.ruled"))
    assert (row.actor_id, row.data["decision"], row.data["note"]) == (
        chair.user_id,
        "dismissed",
        "Other department.",
    )


def test_chair_cannot_rule_own_conflict_admin_can(jury, make_user):
    programme, chair, _member, kpn, _rabo, client_for = jury
    db.session.add(
        Conflict(
            jury_member_id=chair.id,
            entry_id=kpn.id,
            source="detected",
            status="pending",
            created_at=SCORING,
        )
    )
    db.session.commit()
    conflict = db.session.scalar(sa.select(Conflict))
    rule_url = admin_url(programme, f"/conflicts/{conflict.id}/rule")
    data = {"decision": "dismiss", "note": "I decide for myself."}
    before = state()
    response = client_for(chair).post(rule_url, data=data)
    assert response.status_code == 403
    assert "own conflict" in response.text
    assert state() == before
    assert client_for(make_user(admin=True)).post(rule_url, data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Conflict, conflict.id).status == "dismissed"


def test_declaring_a_conflict_bars_deletes_draft_and_is_audited(jury):
    programme, _chair, member, kpn, _rabo, client_for = jury
    c = client_for(member)
    entry_url = f"/jury/{programme.slug}/entries/{kpn.id}"
    draft = {f"score_{programme.criteria[0].id}": "6", "save": "x"}
    assert c.post(entry_url, data=draft).status_code == 302
    before = state()
    response = c.post(entry_url + "/conflict", data={"reason": "  "})
    assert response.status_code == 400
    assert state() == before
    response = c.post(entry_url + "/conflict", data={"reason": "I advised KPN last year."})
    assert response.status_code == 302
    conflict = db.session.scalar(sa.select(Conflict))
    assert (conflict.source, conflict.status, conflict.reason) == (
        "declared",
        "pending",
        "I advised KPN last year.",
    )
    assert db.session.scalars(sa.select(Scorecard)).all() == []
    assert "KPN case" not in c.get(f"/jury/{programme.slug}/entries").text
    assert c.get(entry_url).status_code == 404
    assert db.session.scalar(
        sa.select(AuditEntry.action).where(AuditEntry.action == "conflict.declared")
    )


def _submit(member, entry, comment=""):
    card = make_scorecard(member, entry, 8, at=SCORING, comment=comment)
    db.session.commit()
    return card


def test_progress_is_for_chair_and_admin_and_shows_counts(jury, make_user):
    programme, chair, member, kpn, rabo, client_for = jury
    programme.quorum = 2
    _submit(member, kpn, comment="SECRET-COMMENT-77")
    _submit(chair, kpn)
    _submit(member, rabo)
    assert client_for(member).get(admin_url(programme, "/progress")).status_code == 403
    page = client_for(chair).get(admin_url(programme, "/progress"))
    assert page.status_code == 200
    assert "2 / 2" in page.text and "1 / 2" in page.text
    assert "below quorum" in page.text
    assert "SECRET-COMMENT-77" not in page.text
    assert (
        client_for(make_user(admin=True)).get(admin_url(programme, "/progress")).status_code == 200
    )


def test_progress_query_count_is_constant(jury, make_juror, make_entry, app):
    programme, chair, member, kpn, _rabo, client_for = jury
    c = client_for(chair)

    def queries():
        seen = []

        def count(*_args):
            seen.append(1)

        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert c.get(admin_url(programme, "/progress")).status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        return len(seen)

    _submit(member, kpn)
    small = queries()
    for _ in range(4):
        juror = make_juror(programme)
        entry = make_entry(programme)
        _submit(juror, entry)
        _submit(juror, kpn)
        db.session.add(
            Conflict(
                jury_member_id=juror.id,
                entry_id=_rabo.id,
                source="declared",
                status="pending",
                created_at=SCORING,
            )
        )
    db.session.commit()
    assert queries() == small


def test_reopen_by_member_refused_by_chair_with_reason(jury, outbox):
    programme, chair, member, kpn, _rabo, client_for = jury
    card = _submit(member, kpn)
    reopen_url = admin_url(programme, f"/scorecards/{card.id}/reopen")
    before = state()
    assert client_for(member).post(reopen_url, data={"reason": "Let me fix it"}).status_code == 403
    chair_c = client_for(chair)
    response = chair_c.post(reopen_url, data={"reason": ""})
    assert response.status_code == 400
    assert "Give a reason for reopening." in response.text
    assert state() == before
    assert outbox(kind="jury_scorecard_reopened") == []
    response = chair_c.post(reopen_url, data={"reason": "Innovation score seems swapped."})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Scorecard, card.id).status == "draft"
    (mail,) = outbox(kind="jury_scorecard_reopened")
    assert mail.to_addr == "coen@rabobank.nl"
    assert "Innovation score seems swapped." in mail.body_text
    row = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "scorecard.reopened"))
    assert (row.actor_id, row.data["reason"]) == (chair.user_id, "Innovation score seems swapped.")
    entry_url = f"/jury/{programme.slug}/entries/{kpn.id}"
    resubmit = {f"score_{c.id}": "9" for c in programme.criteria}
    assert client_for(member).post(entry_url, data={**resubmit, "submit": "x"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Scorecard, card.id).status == "submitted"


def test_reopen_of_another_programmes_scorecard_is_404(
    jury, make_programme, make_juror, make_entry
):
    programme, chair, _member, _kpn, _rabo, client_for = jury
    other = make_programme()
    card = _submit(make_juror(other), make_entry(other))
    url = admin_url(programme, f"/scorecards/{card.id}/reopen")
    assert client_for(chair).post(url, data={"reason": "x"}).status_code == 404
    assert db.session.get(Scorecard, card.id).status == "submitted"
    assert db.session.scalar(sa.select(sa.func.count(MailMessage.id))) == 0
