"""Transferring a ticket to a colleague: the holder (or staff) names them, nothing changes
until the colleague opens the mailed link and accepts; then the registration is theirs, with
a new link token and membership decided from their address. Refusals change nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from core.audit.models import AuditEntry
from core.extensions import db
from core.outbox.models import MailMessage
from events.models import Registration, RegistrationAnswer, RegistrationTransfer
from tests.factories import START, make_event, make_member_org, make_registration

COLLEAGUE = {
    "name": "Sam Collega",
    "email": "Sam@Example.com",
    "organisation": "Example B.V.",
    "locale": "nl",
}


def _state(registration_id: int) -> tuple:
    db.session.commit()  # what the test built; then read what the requests committed
    r = db.session.get(Registration, registration_id)
    return (r.token, r.email, r.name, r.audience, r.state, r.user_id)


def _link(outbox) -> str:
    [mail] = outbox(kind="event_transfer_verify")
    return re.search(r"http://[^/]+(/events/transfer/\S+)", mail.body_text).group(1)


def _transfers() -> list[RegistrationTransfer]:
    db.session.commit()
    return db.session.scalars(
        sa.select(RegistrationTransfer).order_by(RegistrationTransfer.id)
    ).all()


@pytest.fixture
def paid(app):
    """A confirmed non-member who paid €50 + VAT for the event."""
    return make_registration(state="confirmed", paying=True, email="holder@example.com")


def test_a_paid_ticket_moves_to_a_colleague_once_they_accept(client, paid, outbox):
    before = _state(paid.id)
    page = client.get(f"/events/r/{paid.token}/transfer")
    assert page.status_code == 200 and b"Transfer to a colleague" in page.data
    sent = client.post(f"/events/r/{paid.token}/transfer", data=COLLEAGUE)
    assert sent.status_code == 302
    # nothing changes for the holder yet
    assert _state(paid.id) == before
    [mail] = outbox(kind="event_transfer_verify")
    assert mail.to_addr == "sam@example.com"
    # in the colleague's language (Dutch), from the holder
    assert mail.subject == f"{paid.name} geeft het ticket voor {paid.event.title_nl} aan jou door"
    assert "Open deze link om je e-mailadres te bevestigen" in mail.body_text
    link = _link(outbox)
    assert b"Waiting for Sam Collega" in client.get(f"/events/r/{paid.token}").data

    offer = client.get(link)
    assert offer.status_code == 200 and paid.name.encode() in offer.data
    assert _state(paid.id) == before  # opening the link changes nothing (link scanners)
    # consent is required
    refused = client.post(link, data={})
    assert refused.status_code == 400 and _state(paid.id) == before

    accepted = client.post(link, data={"privacy_consent": "y"})
    assert accepted.status_code == 302
    registration = db.session.get(Registration, paid.id)
    assert registration.email == "sam@example.com" and registration.name == "Sam Collega"
    assert registration.organisation == "Example B.V." and registration.locale == "nl"
    assert registration.audience == "non_member" and registration.state == "confirmed"
    assert registration.gross_cents == 6050  # the price paid stays
    assert registration.token != before[0] and registration.verified_at is not None
    assert accepted.headers["Location"].endswith(f"/events/r/{registration.token}")
    # the old holder's link is gone; the new one works
    assert client.get(f"/events/r/{before[0]}").status_code == 404
    assert client.get(f"/events/r/{registration.token}").status_code == 200
    # both were told; the link cannot be used again
    [received] = outbox(kind="event_transfer_received")
    assert received.to_addr == "sam@example.com" and registration.token in received.body_text
    [told] = outbox(kind="event_transferred")
    assert told.to_addr == "holder@example.com" and "Sam Collega" in told.body_text
    assert [t.state for t in _transfers()] == ["done"]
    again = client.post(link, data={"privacy_consent": "y"})
    assert again.status_code == 409 and b"used already" in again.data
    actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["registration.transfer_requested", "registration.transferred"]


def test_a_member_colleague_takes_a_paid_ticket_and_the_price_paid_stays(client, paid, outbox):
    make_member_org("DDMA", "ddma.nl")
    client.post(f"/events/r/{paid.token}/transfer", data={**COLLEAGUE, "email": "sam@ddma.nl"})
    link = _link(outbox)
    assert b"keeps the price that was paid" in client.get(link).data
    assert client.post(link, data={"privacy_consent": "y"}).status_code == 302
    registration = db.session.get(Registration, paid.id)
    assert registration.audience == "member" and registration.member_organisation_id is not None
    assert registration.gross_cents == 6050
    assert "keeps the price that was paid" in outbox(kind="event_transferred")[0].body_text
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "registration.transferred")
    ).one()
    assert entry.data["price_kept"] is True


def test_a_free_member_ticket_cannot_go_to_a_non_member(client, outbox):
    make_member_org("DDMA", "ddma.nl")
    member = make_registration(state="confirmed", email="jan@ddma.nl", audience="member")
    before = _state(member.id)
    response = client.post(f"/events/r/{member.token}/transfer", data=COLLEAGUE)
    assert response.status_code == 409
    assert b"cannot take over a member ticket; they can register themselves" in response.data
    assert _state(member.id) == before and _transfers() == [] and outbox() == []
    # a colleague at a member organisation can
    ok = client.post(
        f"/events/r/{member.token}/transfer", data={**COLLEAGUE, "email": "piet@ddma.nl"}
    )
    assert ok.status_code == 302


def test_membership_is_decided_again_at_acceptance(client, outbox):
    """A member domain removed between the request and the acceptance: refused then."""
    organisation = make_member_org("DDMA", "ddma.nl")
    member = make_registration(state="confirmed", email="jan@ddma.nl", audience="member")
    client.post(f"/events/r/{member.token}/transfer", data={**COLLEAGUE, "email": "piet@ddma.nl"})
    link = _link(outbox)
    db.session.delete(organisation)
    db.session.commit()
    before = _state(member.id)
    response = client.post(link, data={"privacy_consent": "y"})
    assert response.status_code == 409 and b"cannot take over a member ticket" in response.data
    assert _state(member.id) == before and [t.state for t in _transfers()] == ["pending"]


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"state": "waitlisted"}, b"Only a confirmed ticket can be transferred"),
        ({"state": "cancelled"}, b"Only a confirmed ticket can be transferred"),
        ({"checked_in_at": START}, b"used to check in"),
    ],
)
def test_tickets_that_cannot_be_transferred(client, outbox, columns, message):
    registration = make_registration(**{"state": "confirmed", **columns})
    before = _state(registration.id)
    assert message in client.get(f"/events/r/{registration.token}/transfer").data
    response = client.post(f"/events/r/{registration.token}/transfer", data=COLLEAGUE)
    assert response.status_code == 409 and message in response.data
    assert _state(registration.id) == before and _transfers() == [] and outbox() == []


def test_refused_after_the_start_and_for_the_same_address(client, clock, outbox):
    soon = make_event("soon", starts_at=clock() + timedelta(hours=24))
    registration = make_registration(soon, "confirmed", email="holder@example.com")
    same = client.post(
        f"/events/r/{registration.token}/transfer",
        data={**COLLEAGUE, "email": "Holder@example.com"},
    )
    assert same.status_code == 409 and b"already registered to that address" in same.data
    client.post(f"/events/r/{registration.token}/transfer", data=COLLEAGUE)
    link = _link(outbox)
    clock.set(soon.starts_at)
    before = _state(registration.id)
    late = client.post(link, data={"privacy_consent": "y"})
    assert late.status_code == 409 and b"The event has started" in late.data
    assert _state(registration.id) == before


def test_a_colleague_already_registered_is_told_when_they_open_the_link(client, outbox, paid):
    make_registration(paid.event, "confirmed", email="sam@example.com")
    # the holder is not told (no testing of addresses through a link)
    assert client.post(f"/events/r/{paid.token}/transfer", data=COLLEAGUE).status_code == 302
    before = _state(paid.id)
    response = client.post(_link(outbox), data={"privacy_consent": "y"})
    assert response.status_code == 409 and b"already registered for this event" in response.data
    assert _state(paid.id) == before


def test_an_expired_or_replaced_link_changes_nothing(client, clock, outbox, paid):
    client.post(f"/events/r/{paid.token}/transfer", data=COLLEAGUE)
    first = _link(outbox)
    clock.advance(minutes=2)
    client.post(f"/events/r/{paid.token}/transfer", data={**COLLEAGUE, "email": "kim@example.com"})
    assert [t.state for t in _transfers()] == ["replaced", "pending"]
    before = _state(paid.id)
    replaced = client.post(first, data={"privacy_consent": "y"})
    assert replaced.status_code == 409 and b"replaced by a newer one" in replaced.data
    clock.advance(hours=49)
    [second] = [m for m in outbox(kind="event_transfer_verify") if m.to_addr == "kim@example.com"]
    link = re.search(r"http://[^/]+(/events/transfer/\S+)", second.body_text).group(1)
    assert b"has expired" in client.get(link).data
    expired = client.post(link, data={"privacy_consent": "y"})
    assert expired.status_code == 409 and b"has expired" in expired.data
    assert _state(paid.id) == before
    assert client.get("/events/transfer/not-a-token").status_code == 404


def test_one_link_mail_a_minute_to_an_address(client, paid, outbox):
    client.post(f"/events/r/{paid.token}/transfer", data=COLLEAGUE)
    again = client.post(f"/events/r/{paid.token}/transfer", data=COLLEAGUE)
    assert again.status_code == 429 and b"wait a minute" in again.data
    assert len(outbox(kind="event_transfer_verify")) == 1
    assert [t.state for t in _transfers()] == ["pending"]


def test_the_old_holders_answers_and_account_do_not_move(client, paid, outbox, make_user):
    user = make_user("holder-account@example.com")
    colleague = make_user("sam@example.com")
    paid.user_id = user.id
    paid.job_title = "Director"
    db.session.commit()
    client.post(f"/events/r/{paid.token}/transfer", data=COLLEAGUE)
    client.post(_link(outbox), data={"privacy_consent": "y"})
    registration = db.session.get(Registration, paid.id)
    assert registration.user_id == colleague.id and registration.job_title == ""
    assert db.session.scalars(sa.select(RegistrationAnswer)).all() == []


def test_staff_transfer_an_attendees_ticket(client, login, make_user, paid, outbox):
    staff = login(make_user("staff@example.org", is_staff=True))
    url = f"/admin/events/{paid.event_id}/registrations/{paid.id}/transfer"
    assert url.encode() in staff.get(f"/admin/events/{paid.event_id}/attendees").data
    assert staff.get(url).status_code == 200
    # staff are told at once when the colleague is registered already
    make_registration(paid.event, "confirmed", email="kim@example.com")
    taken = staff.post(url, data={**COLLEAGUE, "email": "kim@example.com"})
    assert taken.status_code == 409 and b"already registered for this event" in taken.data
    assert _transfers() == []
    assert staff.post(url, data=COLLEAGUE).status_code == 302
    [transfer] = _transfers()
    assert transfer.requested_by_id is not None and transfer.state == "pending"
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "registration.transfer_requested")
    ).one()
    assert entry.actor_id == transfer.requested_by_id
    other = make_registration(make_event("other-talk"))
    assert (
        staff.get(f"/admin/events/{paid.event_id}/registrations/{other.id}/transfer").status_code
        == 404
    )


def test_the_transfer_form_refuses_bad_input_by_field(client, paid):
    response = client.post(
        f"/events/r/{paid.token}/transfer", data={**COLLEAGUE, "email": "not-an-address"}
    )
    assert response.status_code == 400 and b"not a valid e-mail address" in response.data
    assert _transfers() == []


def test_a_registration_link_just_sent_to_the_colleague_is_not_told(client, clock, paid):
    """Only transfer links count for the one-a-minute limit: the holder cannot learn that
    the address just registered (or asked for its link)."""
    db.session.add(
        MailMessage(
            to_addr="sam@example.com", subject="s", body_text="b", kind="event_verify",
            status="queued", next_attempt_at=clock(), created_at=clock(),
        )
    )  # fmt: skip
    assert client.post(f"/events/r/{paid.token}/transfer", data=COLLEAGUE).status_code == 302
