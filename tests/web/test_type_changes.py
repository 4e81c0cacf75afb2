"""Changing the ticket type after booking: the same price changes the type only; a cheaper
type refunds the difference through Stripe (a partial refund) and replaces the invoice by a
credit note and a new invoice at the new price, gap-free; a free type refunds the rest and
leaves the credit note; a dearer type is refused to the registrant and given by staff as a
complimentary upgrade. Every refusal changes nothing (the database is read again)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from core.audit.models import AuditEntry
from core.extensions import db
from events.models import Invoice, Payment, Registration, TicketType
from events.services.invoices import issue_invoice
from tests.factories import NOW, START, fresh, make_event, make_registration
from tests.stripe_server import event_body, post_webhook


def _type(event, key: str, price: int, **kw) -> TicketType:
    kind = TicketType(event_id=event.id, key=key, name_nl=key.title(), name_en=key.title(),
                      price_cents=price, created_at=NOW, **kw)  # fmt: skip
    db.session.add(kind)
    db.session.flush()
    return kind


@pytest.fixture
def event(app):
    with app.test_request_context():
        event = make_event()
        _type(event, "regular", 5000, position=1)
        _type(event, "student", 2000, position=2)
        _type(event, "premium", 9000, position=3)
        _type(event, "free", 0, position=4)
        _type(event, "regular2", 5000, position=5)
        db.session.commit()
    return event


def _kind(event, key: str) -> TicketType:
    return db.session.scalars(
        sa.select(TicketType).where(TicketType.event_id == event.id, TicketType.key == key)
    ).one()


@pytest.fixture
def paid(app, event, checkout, stripe_api, client):
    """A regular ticket (€50 + 21% VAT = €60.50) paid through the fake Stripe, invoiced."""
    with app.test_request_context():
        registration = make_registration(
            event, paying=True, ticket_type_id=_kind(event, "regular").id
        )
        db.session.commit()
    registration, payment = checkout(registration)
    session = stripe_api.mark_paid(payment.session_id)
    body = event_body("checkout.session.completed", session)
    assert post_webhook(client, body).status_code == 200
    registration = fresh(Registration, registration.id)
    assert registration.state == "confirmed" and registration.gross_cents == 6050
    return registration


def _documents() -> list[Invoice]:
    db.session.rollback()
    return db.session.scalars(sa.select(Invoice).order_by(Invoice.id)).all()


def _audits(action: str = "registration.ticket_type_changed") -> list[AuditEntry]:
    db.session.rollback()
    return db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    ).all()


def _state(registration_id: int) -> tuple:
    r = fresh(Registration, registration_id)
    return (r.ticket_type_id, r.net_cents, r.vat_cents, r.gross_cents, r.state)


def test_a_cheaper_type_refunds_the_difference_and_replaces_the_invoice(
    client, event, paid, stripe_api, outbox
):
    url = f"/events/r/{paid.token}/ticket-type"
    manage = client.get(f"/events/r/{paid.token}").get_data(as_text=True)
    assert url in manage
    page = client.get(url).get_data(as_text=True)
    assert "Student: €24.20" in page and "€36.30 refunded" in page
    assert "Premium" not in page  # dearer: not offered to the registrant
    student = _kind(event, "student").id
    before = _state(paid.id)
    asked = client.post(url, data={"ticket_type": student})
    text = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Change the ticket type?" in text
    assert "€36.30 is refunded" in text and 'name="confirmed" value="1"' in text
    assert _state(paid.id) == before and stripe_api.refunds == {}

    done = client.post(url, data={"ticket_type": student, "confirmed": "1"})
    assert done.status_code == 302
    assert _state(paid.id) == (student, 2000, 420, 2420, "confirmed")
    [refund] = stripe_api.refunds.values()
    assert refund["amount"] == 3630
    payment = db.session.scalars(sa.select(Payment).where(Payment.registration_id == paid.id)).one()
    assert (payment.status, payment.amount_cents, payment.refunded_cents) == ("paid", 6050, 3630)
    original, note, new = _documents()
    assert (original.number, note.number, new.number) == ("2025-0001", "CN2025-0001", "2025-0002")
    assert note.credits_invoice_id == original.id and new.replaces_invoice_id == original.id
    assert note.gross_cents == -6050
    assert (new.net_cents, new.vat_cents, new.gross_cents) == (2000, 420, 2420)
    assert "Student" in new.lines[0]["description"]
    # what Stripe kept is what the live invoice says
    assert payment.amount_cents - payment.refunded_cents == new.gross_cents
    [entry] = _audits()
    assert entry.data["refund_cents"] == 3630 and entry.data["number"] == "2025-0002"
    [mail] = outbox(kind="event_ticket_type_changed")
    assert {a["filename"] for a in mail.attachments} == {"CN2025-0001.pdf", "2025-0002.pdf"}
    assert "€36.30" in mail.body_text and "Student" in mail.subject + mail.body_text
    # Stripe's charge.refunded for our own refund changes nothing more
    charge = stripe_api.charge(payment.session_id)
    assert charge["amount_refunded"] == 3630
    assert post_webhook(client, event_body("charge.refunded", charge)).status_code == 200
    assert _state(paid.id) == (student, 2000, 420, 2420, "confirmed")
    assert fresh(Payment, payment.id).refunded_cents == 3630
    # and again to the same type: refused, nothing changes
    again = client.post(url, data={"ticket_type": student, "confirmed": "1"})
    assert again.status_code == 409 and b"This is your ticket type already." in again.data
    assert len(stripe_api.refunds) == 1 and len(_documents()) == 3


def test_to_a_free_type_refunds_the_rest_and_the_credit_note_is_the_last_document(
    client, event, paid, stripe_api
):
    url = f"/events/r/{paid.token}/ticket-type"
    free = _kind(event, "free").id
    assert client.post(url, data={"ticket_type": free, "confirmed": "1"}).status_code == 302
    assert _state(paid.id) == (free, 0, 0, 0, "confirmed")
    [refund] = stripe_api.refunds.values()
    assert refund["amount"] == 6050
    payment = db.session.scalars(sa.select(Payment).where(Payment.registration_id == paid.id)).one()
    assert (payment.status, payment.refunded_cents) == ("refunded", 6050)
    original, note = _documents()
    assert note.credits_invoice_id == original.id and note.gross_cents == -6050


def test_the_same_price_changes_the_type_only(client, event, paid, stripe_api):
    url = f"/events/r/{paid.token}/ticket-type"
    other = _kind(event, "regular2").id
    assert client.post(url, data={"ticket_type": other, "confirmed": "1"}).status_code == 302
    assert _state(paid.id) == (other, 5000, 1050, 6050, "confirmed")
    assert stripe_api.refunds == {} and len(_documents()) == 1
    [entry] = _audits()
    assert (entry.data["previous"], entry.data["ticket_type"]) == ("regular", "regular2")


def test_free_to_free_changes_the_type_without_documents(client, app, event):
    with app.test_request_context():
        _type(event, "free2", 0, position=6)
        registration = make_registration(
            event, "confirmed", audience="member", verified_at=NOW,
            ticket_type_id=_kind(event, "free").id,
        )  # fmt: skip
        db.session.commit()
    url = f"/events/r/{registration.token}/ticket-type"
    target = _kind(event, "free2").id
    dutch = client.get(url, headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert "Tickettype wijzigen" in dutch and "Free2: €0" in dutch and "Nieuw ticket" in dutch
    assert client.post(url, data={"ticket_type": target, "confirmed": "1"}).status_code == 302
    assert _state(registration.id)[0] == target and _documents() == []


def test_a_dearer_type_is_refused_to_the_registrant(client, event, paid, stripe_api):
    url = f"/events/r/{paid.token}/ticket-type"
    before = _state(paid.id)
    refused = client.post(url, data={"ticket_type": _kind(event, "premium").id, "confirmed": "1"})
    assert refused.status_code == 409 and b"costs more than yours" in refused.data
    assert _state(paid.id) == before and stripe_api.refunds == {} and len(_documents()) == 1
    assert _audits() == []


def test_staff_give_a_dearer_type_as_a_complimentary_upgrade(
    client, login, make_user, event, paid, stripe_api
):
    staff = login(make_user("staff@example.org", is_staff=True))
    url = f"/admin/events/{event.id}/registrations/{paid.id}/ticket-type"
    assert url.encode() in staff.get(f"/admin/events/{event.id}/attendees").data
    page = staff.get(url).get_data(as_text=True)
    assert "Premium" in page and "complimentary upgrade" in page
    premium = _kind(event, "premium").id
    asked = staff.post(url, data={"ticket_type": premium})
    assert asked.status_code == 200 and b"Complimentary upgrade" in asked.data
    assert staff.post(url, data={"ticket_type": premium, "confirmed": "1"}).status_code == 302
    # the amounts paid and the invoice stay as they are
    assert _state(paid.id) == (premium, 5000, 1050, 6050, "confirmed")
    assert stripe_api.refunds == {} and len(_documents()) == 1
    [entry] = _audits()
    assert entry.data["complimentary"] is True and entry.actor_id is not None


def test_staff_pages_need_staff_and_the_right_event(client, login, make_user, event, paid):
    url = f"/admin/events/{event.id}/registrations/{paid.id}/ticket-type"
    assert client.get(url).status_code in (302, 401, 403)
    staff = login(make_user("staff@example.org", is_staff=True))
    other = make_event("other-talk")
    db.session.commit()
    assert (
        staff.get(f"/admin/events/{other.id}/registrations/{paid.id}/ticket-type").status_code
        == 404
    )


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("not_on_sale", b"not on sale now"),
        ("members_only", b"not available for your e-mail address"),
        ("sold_out", b"sold out"),
        ("started", b"The event has started"),
        ("checked_in", b"used to check in already"),
        ("cancelled", b"Only a confirmed registration"),
        ("unknown", b"Choose one of the tickets"),
    ],
)
def test_refusals_change_nothing(client, app, clock, event, paid, stripe_api, case, message):
    target = _kind(event, "student")
    with app.test_request_context():
        if case == "not_on_sale":
            target.sale_ends_at = NOW - timedelta(days=1)
        elif case == "members_only":
            target.audience = "member"
        elif case == "sold_out":
            target.capacity = 1
            make_registration(event, "confirmed", ticket_type_id=target.id)
        elif case == "started":
            clock.set(START + timedelta(minutes=1))
        elif case == "checked_in":
            db.session.get(Registration, paid.id).checked_in_at = NOW
        elif case == "cancelled":
            db.session.get(Registration, paid.id).state = "cancelled"
        db.session.commit()
    type_id = 999999 if case == "unknown" else target.id
    before = _state(paid.id)
    refused = client.post(
        f"/events/r/{paid.token}/ticket-type", data={"ticket_type": type_id, "confirmed": "1"}
    )
    assert refused.status_code == 409 and message in refused.data
    assert _state(paid.id) == before
    assert stripe_api.refunds == {} and len(_documents()) == 1 and _audits() == []


def test_a_booking_seat_and_an_event_without_types_are_refused(client, app):
    with app.test_request_context():
        plain = make_registration(paying=True, state="confirmed")
        issue_invoice(plain, now=NOW)
        db.session.commit()
    page = client.get(f"/events/r/{plain.token}/ticket-type")
    assert b"no ticket types" in page.data
    refused = client.post(f"/events/r/{plain.token}/ticket-type", data={"ticket_type": 1})
    assert refused.status_code == 409 and _state(plain.id)[0] is None


def test_a_voucher_is_applied_again_to_the_new_price(client, app, event, stripe_api):
    from events.models import Voucher

    with app.test_request_context():
        voucher = Voucher(code="HALF", kind="percent", percent=50, event_id=event.id,
                          created_at=NOW)  # fmt: skip
        db.session.add(voucher)
        db.session.flush()
        registration = make_registration(
            event, "confirmed", paying=True, ticket_type_id=_kind(event, "regular").id,
            voucher_id=voucher.id, net_cents=2500, discount_cents=2500,
        )  # fmt: skip
        db.session.commit()
    url = f"/events/r/{registration.token}/ticket-type"
    page = client.get(url).get_data(as_text=True)
    # student €20 less 50% = €10 + 21% = €12.10; from €30.25: €18.15 back
    assert "Student: €12.10" in page and "€18.15 refunded" in page


def test_a_later_full_refund_gives_back_what_is_left_and_credits_the_new_invoice(
    client, app, event, paid, stripe_api
):
    from events.providers import gateway_for
    from events.services.refunds import refund_registration

    url = f"/events/r/{paid.token}/ticket-type"
    student = _kind(event, "student").id
    assert client.post(url, data={"ticket_type": student, "confirmed": "1"}).status_code == 302
    with app.test_request_context():
        registration = db.session.get(Registration, paid.id)
        refund_registration(registration, now=NOW, reason="cancelled", gateway=gateway_for(app))
        db.session.commit()
    assert sorted(r["amount"] for r in stripe_api.refunds.values()) == [2420, 3630]
    _original, _note, new, last = _documents()
    assert (last.number, last.credits_invoice_id, last.gross_cents) == (
        "CN2025-0002",
        new.id,
        -2420,
    )
    payment = db.session.scalars(sa.select(Payment).where(Payment.registration_id == paid.id)).one()
    assert (payment.status, payment.refunded_cents) == ("refunded", 6050)
    assert fresh(Registration, paid.id).state == "refunded"


def test_stripes_event_for_our_full_refund_to_a_free_type_changes_nothing(
    client, event, paid, stripe_api
):
    free = _kind(event, "free").id
    url = f"/events/r/{paid.token}/ticket-type"
    assert client.post(url, data={"ticket_type": free, "confirmed": "1"}).status_code == 302
    payment = db.session.scalars(sa.select(Payment).where(Payment.registration_id == paid.id)).one()
    charge = stripe_api.charge(payment.session_id)
    assert charge["amount_refunded"] == 6050
    assert post_webhook(client, event_body("charge.refunded", charge)).status_code == 200
    assert _state(paid.id) == (free, 0, 0, 0, "confirmed")  # still coming, for free
    assert len(_documents()) == 2
