"""The admin's jury pages: the member list, invitations (one chair), re-sending, removing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from awards.models import Conflict, JuryMember, Score, Scorecard
from core.accounts.models import User
from core.audit.models import AuditEntry
from core.extensions import db
from core.outbox.models import MailMessage
from tests.factories import make_scorecard

NOW = datetime(2025, 4, 10, 9, 0, tzinfo=UTC)


def english(c):
    with c.session_transaction() as session:
        session["lang"] = "en"
    return c


def counts():
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (User, JuryMember, MailMessage, AuditEntry, Conflict)
    )


@pytest.fixture
def admin(client, login, make_user):
    user = make_user(admin=True)
    english(login(user))
    return user


def members_url(programme, suffix=""):
    return f"/admin/awards/{programme.slug}/jury{suffix}"


def invite_data(**over):
    data = {
        "email": "arnold@kpn.com",
        "name": "Arnold van het Nederend",
        "affiliation": "KPN",
        "role": "chair",
    }
    data.update(over)
    return data


def test_members_page_lists_the_jury(client, admin, make_programme, make_juror, make_user):
    programme = make_programme()
    make_juror(programme, make_user(name="Mattanja de Vries"), affiliation="Rituals")
    page = client.get(members_url(programme))
    assert page.status_code == 200
    assert "Mattanja de Vries" in page.text and "Rituals" in page.text
    assert "Invite a juror" in page.text


def test_non_admins_cannot_manage_the_jury(app, login, make_user, make_programme, make_juror):
    programme = make_programme()
    chair = make_juror(programme, role="chair")
    c = login(chair.user, app.test_client())
    before = counts()
    assert c.get(members_url(programme)).status_code == 403
    assert (
        c.post(members_url(programme, "/invite"), data=invite_data(role="member")).status_code
        == 403
    )
    assert c.post(members_url(programme, f"/{chair.id}/remove")).status_code == 403
    assert c.post(members_url(programme, f"/{chair.id}/resend")).status_code == 403
    assert counts() == before


def test_invite_runs_detection_audits_and_mails(client, admin, outbox, make_programme, make_entry):
    programme = make_programme()
    kpn = make_entry(programme, organisation="KPN B.V.")
    assert client.post(members_url(programme, "/invite"), data=invite_data()).status_code == 302
    member = db.session.scalar(sa.select(JuryMember))
    assert (member.role, member.affiliation) == ("chair", "KPN")
    (conflict,) = db.session.scalars(sa.select(Conflict)).all()
    assert (conflict.entry_id, conflict.source, conflict.status) == (kpn.id, "detected", "pending")
    rows = db.session.execute(sa.select(AuditEntry.action, AuditEntry.actor_id)).all()
    assert sorted(rows) == [("conflict.detected", admin.id), ("jury.invited", admin.id)]
    (mail,) = outbox(kind="jury_invite")
    assert mail.to_addr == "arnold@kpn.com"
    assert "/jury/invite/" in mail.body_text


def test_second_chair_duplicate_member_and_bad_input_are_refused(
    client, admin, make_programme, make_juror, make_user
):
    programme = make_programme()
    make_juror(programme, make_user("lisette@anwb.nl"), role="chair")
    before = counts()
    response = client.post(members_url(programme, "/invite"), data=invite_data())
    assert response.status_code == 400
    assert "This jury already has a chair." in response.text
    response = client.post(
        members_url(programme, "/invite"),
        data=invite_data(email="LISETTE@anwb.nl", role="member"),
    )
    assert response.status_code == 400
    assert "already on the jury" in response.text
    response = client.post(members_url(programme, "/invite"), data=invite_data(email="nope"))
    assert response.status_code == 400
    assert "Enter a valid e-mail address." in response.text
    response = client.post(
        members_url(programme, "/invite"), data=invite_data(role="boss", email="a@b.nl")
    )
    assert response.status_code == 400
    assert counts() == before


def test_resend_invite(client, admin, outbox, clock, make_programme, make_juror):
    programme = make_programme()
    waiting = make_juror(programme, accepted=False)
    accepted = make_juror(programme)
    clock.advance(days=20)
    assert client.post(members_url(programme, f"/{waiting.id}/resend")).status_code == 302
    assert db.session.get(JuryMember, waiting.id).invited_at == clock()
    assert len(outbox(kind="jury_invite")) == 1
    response = client.post(members_url(programme, f"/{accepted.id}/resend"))
    assert response.status_code == 400
    assert len(outbox(kind="jury_invite")) == 1


def _card(member, entry, status):
    card = make_scorecard(member, entry, 5, status=status, at=NOW)
    db.session.commit()
    return card


def test_remove_member_refused_once_submitted(
    client, admin, make_programme, make_juror, make_entry
):
    programme = make_programme()
    member = make_juror(programme)
    _card(member, make_entry(programme), "submitted")
    before = counts()
    response = client.post(members_url(programme, f"/{member.id}/remove"), data={"confirmed": "1"})
    assert response.status_code == 400
    assert "cannot be removed" in response.text
    assert counts() == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Scorecard)) == 1


def test_remove_member_with_drafts_and_conflicts(
    client, admin, make_programme, make_juror, make_entry, make_user
):
    programme = make_programme()
    member = make_juror(programme)
    entry = make_entry(programme)
    _card(member, entry, "draft")
    db.session.add(
        Conflict(
            jury_member_id=member.id,
            entry_id=make_entry(programme).id,
            source="declared",
            status="pending",
            created_at=NOW,
        )
    )
    db.session.commit()
    assert (
        client.post(
            members_url(programme, f"/{member.id}/remove"), data={"confirmed": "1"}
        ).status_code
        == 302
    )
    for model in (JuryMember, Scorecard, Score, Conflict):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0
    assert db.session.scalar(sa.select(AuditEntry.action)) == "jury.removed"
    other = make_programme()
    stranger = make_juror(other)
    assert (
        client.post(
            members_url(programme, f"/{stranger.id}/remove"), data={"confirmed": "1"}
        ).status_code
        == 404
    )
    assert db.session.get(JuryMember, stranger.id) is not None
