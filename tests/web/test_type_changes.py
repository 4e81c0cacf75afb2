"""Changing the ticket type after booking: the same price changes the type only; a cheaper
type refunds the difference through Stripe (a partial refund) and replaces the invoice by a
credit note and a new invoice at the new price, gap-free; a free type refunds the rest and
leaves the credit note; a dearer type is paid for online by the registrant (a checkout
session for the difference; the type changes once it is paid, or the payment is refunded
when the change no longer holds) and given by staff as a complimentary upgrade. Every
refusal changes nothing (the database is read again)."""

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
    assert "Premium: €108.90 (€48.40 to pay)" in " ".join(page.split())  # dearer: paid
    assert "complimentary" not in page
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
    # the registration page lists the credited invoice and its credit note as earlier ones
    manage = " ".join(client.get(f"/events/r/{paid.token}").get_data(as_text=True).split())
    assert "Earlier invoices and credit notes:" in manage and "address corrected" not in manage
    earlier = manage.split("Earlier invoices and credit notes:")[1].split("</p>")[0]
    assert "2025-0001" in earlier and "CN2025-0001" in earlier and "2025-0002" not in earlier
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


def test_the_registrant_changes_nothing_by_posting_a_dearer_type_to_change_it(
    app, event, paid, stripe_api
):
    from events.services import type_changes

    before = _state(paid.id)
    with app.test_request_context():
        registration = db.session.get(Registration, paid.id)
        with pytest.raises(type_changes.TypeChangeRefused) as refused:
            type_changes.change_type(registration, _kind(event, "premium").id, now=NOW)
        db.session.rollback()
    assert refused.value.code == "higher_price"
    assert _state(paid.id) == before and len(_documents()) == 1 and _audits() == []


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


# -- a dearer type, paid online by the registrant -------------------------------------------


def _payments(registration_id: int) -> list[Payment]:
    db.session.rollback()
    return db.session.scalars(
        sa.select(Payment).where(Payment.registration_id == registration_id).order_by(Payment.id)
    ).all()


def _kept(registration_id: int) -> int:
    """What Stripe keeps of the registration's payments (paid less refunded), in cents."""
    return sum(p.amount_cents - p.refunded_cents for p in _payments(registration_id)
               if p.status in ("paid", "refunded"))  # fmt: skip


def _open_difference(client, registration, ticket_type_id: int) -> Payment:
    """Choose a dearer type and confirm: 303 to the checkout of the difference."""
    url = f"/events/r/{registration.token}/ticket-type"
    before = _state(registration.id)
    asked = client.post(url, data={"ticket_type": ticket_type_id})
    assert asked.status_code == 200 and b"Pay the difference" in asked.data
    assert _state(registration.id) == before
    opened = client.post(url, data={"ticket_type": ticket_type_id, "confirmed": "1"})
    assert opened.status_code == 303
    [payment] = [p for p in _payments(registration.id) if p.ticket_type_id is not None][-1:]
    assert opened.headers["Location"] == payment.checkout_url
    assert _state(registration.id) == before  # nothing changes until it is paid
    return payment


def test_a_dearer_type_is_paid_online_and_then_the_invoice_is_replaced(
    client, event, paid, stripe_api, outbox
):
    premium = _kind(event, "premium").id
    url = f"/events/r/{paid.token}/ticket-type"
    asked = client.post(url, data={"ticket_type": premium}).get_data(as_text=True)
    assert "You pay the difference of €48.40 online now" in asked
    assert "Invoice 2025-0001 is then cancelled with a credit note" in asked
    payment = _open_difference(client, paid, premium)
    assert (payment.amount_cents, payment.status, payment.ticket_type_id) == (4840, "open", premium)
    assert payment.idempotency_key == f"typechange-pay-{paid.id}-2"
    session = stripe_api.sessions[payment.session_id]
    assert session["amount_total"] == 4840 and session["client_reference_id"] == str(paid.id)
    [created] = stripe_api.calls("POST", "/v1/checkout/sessions")[-1:]
    assert "Regular to Premium: the difference" in str(created.params)
    # opening it again (a second click) reuses the open session
    again = client.post(url, data={"ticket_type": premium, "confirmed": "1"})
    assert again.headers["Location"] == payment.checkout_url
    assert len(_payments(paid.id)) == 2 and len(stripe_api.sessions) == 2
    # the payer comes back before the webhook: the return page fulfils it
    stripe_api.mark_paid(payment.session_id)
    back = client.get(f"/events/r/{paid.token}/ticket-type/paid?session_id={payment.session_id}")
    text = back.get_data(as_text=True)
    assert back.status_code == 200 and "we received the difference of €48.40" in text
    assert _state(paid.id) == (premium, 9000, 1890, 10890, "confirmed")
    original, note, new = _documents()
    assert (note.number, note.credits_invoice_id, note.gross_cents) == ("CN2025-0001", original.id,
                                                                        -6050)  # fmt: skip
    assert (new.number, new.replaces_invoice_id, new.gross_cents) == ("2025-0002", original.id,
                                                                      10890)  # fmt: skip
    assert "Premium" in new.lines[0]["description"] and "2025-0002" in text
    # Stripe holds €60.50 + €48.40: what the live invoice says
    assert _kept(paid.id) == new.gross_cents == 10890
    [entry] = _audits()
    assert entry.data["paid_cents"] == 4840 and entry.data["complimentary"] is False
    [mail] = outbox(kind="event_ticket_type_changed")
    assert {a["filename"] for a in mail.attachments} == {"CN2025-0001.pdf", "2025-0002.pdf"}
    assert "We received €48.40" in mail.body_text
    # the webhook comes after: nothing more
    body = event_body("checkout.session.completed", stripe_api.sessions[payment.session_id])
    assert post_webhook(client, body).status_code == 200
    assert len(_documents()) == 3 and len(_audits()) == 1 and stripe_api.refunds == {}
    # and the return page again says the same
    again = client.get(f"/events/r/{paid.token}/ticket-type/paid?session_id={payment.session_id}")
    assert b"we received the difference" in again.data


def test_the_webhook_alone_changes_the_type(client, event, paid, stripe_api):
    premium = _kind(event, "premium").id
    payment = _open_difference(client, paid, premium)
    session = stripe_api.mark_paid(payment.session_id)
    assert (
        post_webhook(client, event_body("checkout.session.completed", session)).status_code == 200
    )
    assert _state(paid.id)[0] == premium and len(_documents()) == 3
    assert fresh(Payment, payment.id).status == "paid"


@pytest.mark.parametrize("meanwhile", ["sold_out", "sale_ended", "price_changed", "cancelled"])
def test_a_change_that_no_longer_holds_when_paid_is_refunded_in_full(
    client, app, event, paid, stripe_api, outbox, meanwhile
):
    premium = _kind(event, "premium")
    payment = _open_difference(client, paid, premium.id)
    with app.test_request_context():
        kind = db.session.get(TicketType, premium.id)
        if meanwhile == "sold_out":
            kind.capacity = 1
            make_registration(event, "confirmed", ticket_type_id=kind.id)
        elif meanwhile == "sale_ended":
            kind.sale_ends_at = NOW - timedelta(minutes=1)
        elif meanwhile == "price_changed":
            kind.price_cents = 9500
        else:
            db.session.get(Registration, paid.id).state = "cancelled"
        db.session.commit()
    before = _state(paid.id)
    session = stripe_api.mark_paid(payment.session_id)
    assert (
        post_webhook(client, event_body("checkout.session.completed", session)).status_code == 200
    )
    assert _state(paid.id) == before and len(_documents()) == 1 and _audits() == []
    [refund] = stripe_api.refunds.values()
    assert refund["amount"] == 4840 and refund["payment_intent"] == session["payment_intent"]
    done = fresh(Payment, payment.id)
    assert (done.status, done.refunded_cents) == ("refunded", 4840)
    [mail] = outbox(kind="event_refund")
    assert "€48.40" in mail.body_text
    page = client.get(f"/events/r/{paid.token}/ticket-type/paid?session_id={payment.session_id}")
    assert b"could not be changed after all" in page.data
    # Stripe's event for that refund changes nothing more
    charge = stripe_api.charge(payment.session_id)
    assert post_webhook(client, event_body("charge.refunded", charge)).status_code == 200
    assert _state(paid.id) == before and len(_documents()) == 1


def test_a_second_paid_difference_for_the_same_type_is_refunded(client, app, event, paid,
                                                                 stripe_api):  # fmt: skip
    premium = _kind(event, "premium").id
    first = _open_difference(client, paid, premium)
    with app.test_request_context():  # the first session ran out; the registrant opens another
        db.session.get(Payment, first.id).status = "expired"
        db.session.commit()
    second = _open_difference(client, paid, premium)
    assert second.id != first.id and second.idempotency_key.endswith("-3")
    for payment in (first, second):  # both paid after all (the first one late)
        session = stripe_api.mark_paid(payment.session_id)
        assert (
            post_webhook(client, event_body("checkout.session.completed", session)).status_code
            == 200
        )
    assert _state(paid.id)[0] == premium and len(_documents()) == 3
    assert [r["amount"] for r in stripe_api.refunds.values()] == [4840]
    assert _kept(paid.id) == 10890


def test_from_a_free_ticket_the_price_is_paid_and_a_first_invoice_issued(client, app, event,
                                                                        stripe_api):  # fmt: skip
    with app.test_request_context():
        registration = make_registration(event, "confirmed", paying=True, net_cents=0,
                                         ticket_type_id=_kind(event, "free").id)  # fmt: skip
        db.session.commit()
    assert _state(registration.id)[3] == 0
    regular = _kind(event, "regular").id
    payment = _open_difference(client, registration, regular)
    assert payment.amount_cents == 6050
    session = stripe_api.mark_paid(payment.session_id)
    assert (
        post_webhook(client, event_body("checkout.session.completed", session)).status_code == 200
    )
    assert _state(registration.id) == (regular, 5000, 1050, 6050, "confirmed")
    [invoice] = _documents()
    assert (invoice.number, invoice.gross_cents) == ("2025-0001", 6050)


def test_a_full_refund_after_an_upgrade_gives_back_both_payments(client, app, event, paid,
                                                                 stripe_api, outbox):  # fmt: skip
    from events.providers import gateway_for
    from events.services.refunds import refund_registration

    payment = _open_difference(client, paid, _kind(event, "premium").id)
    session = stripe_api.mark_paid(payment.session_id)
    assert (
        post_webhook(client, event_body("checkout.session.completed", session)).status_code == 200
    )
    with app.test_request_context():
        registration = db.session.get(Registration, paid.id)
        refund_registration(registration, now=NOW, reason="cancelled", gateway=gateway_for(app))
        db.session.commit()
    assert sorted(r["amount"] for r in stripe_api.refunds.values()) == [4840, 6050]
    assert [p.status for p in _payments(paid.id)] == ["refunded", "refunded"]
    assert _kept(paid.id) == 0 and fresh(Registration, paid.id).state == "refunded"
    *_, new, last = _documents()
    assert (last.credits_invoice_id, last.gross_cents) == (new.id, -10890)
    [mail] = outbox(kind="event_refund")
    assert "€108.90" in mail.body_text


def test_a_cheaper_type_after_an_upgrade_refunds_the_difference_payment_first(
    client, event, paid, stripe_api
):
    payment = _open_difference(client, paid, _kind(event, "premium").id)
    session = stripe_api.mark_paid(payment.session_id)
    assert (
        post_webhook(client, event_body("checkout.session.completed", session)).status_code == 200
    )
    student = _kind(event, "student").id
    url = f"/events/r/{paid.token}/ticket-type"
    assert client.post(url, data={"ticket_type": student, "confirmed": "1"}).status_code == 302
    # €108.90 -> €24.20: €84.70 back, €48.40 of it from the difference, €36.30 from the first
    assert sorted(r["amount"] for r in stripe_api.refunds.values()) == [3630, 4840]
    first, difference = _payments(paid.id)
    assert (difference.status, difference.refunded_cents) == ("refunded", 4840)
    assert (first.status, first.refunded_cents) == ("paid", 3630)
    assert _kept(paid.id) == _documents()[-1].gross_cents == 2420


def test_a_provider_refund_of_the_difference_alone_keeps_the_ticket(client, event, paid,
                                                                    stripe_api):  # fmt: skip
    payment = _open_difference(client, paid, _kind(event, "premium").id)
    session = stripe_api.mark_paid(payment.session_id)
    assert (
        post_webhook(client, event_body("checkout.session.completed", session)).status_code == 200
    )
    charge = stripe_api.refund_in_dashboard(payment.session_id, 4840)
    assert post_webhook(client, event_body("charge.refunded", charge)).status_code == 200
    registration = fresh(Registration, paid.id)
    assert registration.state == "confirmed"  # the first payment still pays for a seat
    assert [p.status for p in _payments(paid.id)] == ["paid", "refunded"]
    assert len(_audits("payment.partially_refunded")) == 1


def test_the_return_page_is_only_for_this_registrations_difference(client, app, event, paid,
                                                                    stripe_api):  # fmt: skip
    payment = _open_difference(client, paid, _kind(event, "premium").id)
    with app.test_request_context():
        other = make_registration(event, "confirmed")
        db.session.commit()
    first = _payments(paid.id)[0]
    for token, session_id in [(other.token, payment.session_id), (paid.token, first.session_id),
                              (paid.token, "cs_unknown"), (paid.token, "x" * 300)]:  # fmt: skip
        page = client.get(f"/events/r/{token}/ticket-type/paid?session_id={session_id}")
        assert page.status_code == 404
    unpaid = client.get(f"/events/r/{paid.token}/ticket-type/paid?session_id={payment.session_id}")
    assert unpaid.status_code == 200 and b"still waiting" in unpaid.data
    assert _state(paid.id)[0] == _kind(event, "regular").id


def test_a_type_that_a_difference_payment_names_cannot_be_deleted(
    client, app, event, paid, stripe_api, make_user
):
    from events.services.tickets import TicketTypeInUse, delete_ticket_type

    premium = _kind(event, "premium")
    _open_difference(client, paid, premium.id)
    staff = make_user("staff-delete@example.org", is_staff=True)
    with app.test_request_context():
        kind = db.session.get(TicketType, premium.id)
        with pytest.raises(TicketTypeInUse):
            delete_ticket_type(kind, now=NOW, actor=staff)
        db.session.rollback()
    assert _kind(event, "premium").id == premium.id
