"""A voucher code on the booking form of several attendees, through the test client: applied
per attendee (their e-mail domain, their ticket type), one use each claimed when the booking
is placed, the discount on each attendee's invoice line, the one payment equal to the
invoice, a free result confirmed at once, every bad code refused with nothing changed, the
uses given back when the booking ends, and what staff see."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from core.audit.models import AuditEntry
from core.extensions import db
from events.models import Booking, Invoice, Payment, Registration, Voucher
from tests.factories import NOW, fresh, make_event, make_member_org, verify_link
from tests.stripe_server import event_body, post_webhook
from tests.ticket_types import make_ticket_type
from tests.web.test_bookings import BILLING, counts, form, verify_path
from tests.web.test_vouchers import make_voucher

EN = {"Accept-Language": "en"}


def _book(client, booker, *others, code: str, billing: bool = True):
    db.session.commit()
    data = form(booker, *others, billing=billing)
    data["voucher_code"] = code
    return client.post("/events/digital-talk/book", data=data, headers=EN)


def _people() -> list[Registration]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(Registration).order_by(Registration.id)))


def _uses(voucher_id: int) -> int:
    db.session.rollback()
    return db.session.get(Voucher, voucher_id).used_count


def _pay(client, stripe_api) -> tuple[Booking, dict]:
    booking = db.session.scalars(sa.select(Booking)).one()
    started = client.post(f"/events/b/{booking.token}/pay", headers=EN)
    assert started.status_code == 303, started.get_data(as_text=True)
    [session_id] = list(stripe_api.sessions)
    stripe_api.mark_paid(session_id)
    done = client.get(f"/events/b/{booking.token}/paid?session_id={session_id}", headers=EN)
    assert "your payment has been received" in done.get_data(as_text=True)
    return booking, stripe_api.sessions[session_id]


def test_the_booking_form_asks_for_a_voucher_code(client):
    make_event()
    db.session.commit()
    page = client.get("/events/digital-talk/book", headers=EN).get_data(as_text=True)
    assert 'name="voucher_code"' in page
    assert "Voucher code (optional)" in page and "one use per attendee" in page
    dutch = client.get("/events/digital-talk/book?lang=nl").get_data(as_text=True)
    assert "Vouchercode" in dutch and "één keer per deelnemer" in dutch


def test_a_percentage_voucher_halves_each_attendees_price_and_the_one_payment(
    client, outbox, stripe_api
):
    event = make_event()
    voucher = make_voucher(
        "HALF-1", kind="percent", percent=Decimal("50"), event_id=event.id, max_uses=5
    )
    answer = _book(
        client,
        ("Jan Booker", "jan@acme.nl"),
        ("Piet Collega", "piet@acme.nl"),
        ("Kees Extern", "kees@other.nl"),
        code=" half-1 ",  # trimmed, any case
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    assert _uses(voucher.id) == 0  # claimed when the booking is placed, not before
    client.get(verify_path(outbox, "jan@acme.nl"), headers=EN)
    people = _people()
    assert [(r.voucher_id, r.net_cents, r.discount_cents, r.gross_cents) for r in people] == [
        (voucher.id, 2500, 2500, 3025)
    ] * 3
    assert _uses(voucher.id) == 3
    booking = db.session.scalars(sa.select(Booking)).one()
    page = client.get(f"/events/b/{booking.token}", headers=EN).get_data(as_text=True)
    assert page.count("voucher HALF-1: discount €25 on €50 excl. VAT") == 3
    booking, session = _pay(client, stripe_api)
    [payment] = db.session.scalars(sa.select(Payment)).all()
    [invoice] = db.session.scalars(sa.select(Invoice)).all()
    assert session["amount_total"] == payment.amount_cents == invoice.gross_cents == 3 * 3025
    assert (invoice.net_cents, invoice.vat_cents) == (7500, 1575)
    assert sum(line["gross_cents"] for line in invoice.lines) == invoice.gross_cents
    for line, name in zip(
        invoice.lines, ("Jan Booker", "Piet Collega", "Kees Extern"), strict=True
    ):
        assert line["description"].startswith("DDMA Digital Talk") and name in line["description"]
        assert line["description"].endswith("; voucher HALF-1: discount €25 on €50 excl. VAT")
        assert (line["unit_cents"], line["vat_cents"]) == (2500, 525)
    assert _uses(voucher.id) == 3


def test_a_fixed_voucher_for_a_domain_applies_only_to_the_attendees_at_it(
    client, outbox, stripe_api
):
    make_event()
    voucher = make_voucher("ACME-20", kind="fixed", amount_cents=2000, email_domain="acme.nl")
    _book(
        client,
        ("Jan Booker", "jan@acme.nl"),
        ("Kees Extern", "kees@other.nl"),
        ("Piet Collega", "piet@sales.acme.nl"),  # a sub-domain counts
        code="ACME-20",
    )
    client.get(verify_path(outbox, "jan@acme.nl"), headers=EN)
    people = _people()
    assert [(r.email, r.voucher_id, r.gross_cents) for r in people] == [
        ("jan@acme.nl", voucher.id, 3630),
        ("kees@other.nl", None, 6050),
        ("piet@sales.acme.nl", voucher.id, 3630),
    ]
    assert _uses(voucher.id) == 2
    _booking, session = _pay(client, stripe_api)
    [invoice] = db.session.scalars(sa.select(Invoice)).all()
    assert session["amount_total"] == invoice.gross_cents == 2 * 3630 + 6050
    texts = ["voucher ACME-20" in line["description"] for line in invoice.lines]
    assert texts == [True, False, True]
    assert "discount €20 on €50 excl. VAT" in invoice.lines[0]["description"]


def test_a_free_voucher_for_everyone_confirms_the_booking_without_payment_or_billing(
    client, outbox
):
    make_event()
    voucher = make_voucher("GUESTS", kind="free", max_uses=2)
    answer = _book(
        client, ("Jan", "jan@acme.nl"), ("Piet", "piet@acme.nl"), code="GUESTS", billing=False
    )
    assert answer.status_code == 302
    done = client.get(verify_path(outbox, "jan@acme.nl"), headers=EN)
    booking = db.session.scalars(sa.select(Booking)).one()
    assert done.headers["Location"].endswith(f"/events/b/{booking.token}")  # no billing step
    assert [(r.state, r.gross_cents, r.discount_cents) for r in _people()] == [
        ("confirmed", 0, 5000)
    ] * 2
    assert _uses(voucher.id) == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invoice)) == 0
    assert len(outbox(kind="event_confirmed")) == 2


def test_without_a_free_result_the_booker_still_gives_billing_details(client, outbox):
    make_event()
    make_voucher("GUEST-ACME", kind="free", email_domain="acme.nl")
    _book(client, ("Jan", "jan@acme.nl"), ("Kees", "kees@other.nl"), code="GUEST-ACME",
          billing=False)  # fmt: skip
    booking = db.session.scalars(sa.select(Booking)).one()
    verified = client.get(verify_path(outbox, "jan@acme.nl"), headers=EN)
    assert verified.headers["Location"].endswith(f"/events/b/{booking.token}/billing")
    done = client.post(f"/events/b/{booking.token}/billing", data=BILLING, headers=EN)
    assert done.status_code == 302
    assert [(r.email, r.state, r.gross_cents, r.voucher_id) for r in _people()] == [
        ("jan@acme.nl", "pending_payment", 0, booking.voucher_id),
        ("kees@other.nl", "pending_payment", 6050, None),
    ]
    assert booking.voucher_id is not None and _uses(booking.voucher_id) == 1


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("unknown", "This voucher code is not known"),
        ("expired", "This voucher code is no longer valid"),
        ("not_yet", "This voucher code is not valid yet"),
        ("other_event", "This voucher code is not for this event"),
        ("ticket_type", "This voucher code is not for the ticket you chose"),
        ("email_domain", "This voucher code is only for e-mail addresses at ddma.nl"),
        ("used_up", "This voucher code has been used as often as it may be"),
        ("too_few", "Uses of this voucher code left: 1; this booking needs 2"),
    ],
)
def test_a_bad_voucher_code_is_a_field_error_and_books_nothing(client, outbox, case, message):
    make_event()
    other = make_event("another-talk")
    settings = {
        "unknown": None,
        "expired": {"valid_until": NOW - timedelta(minutes=1)},
        "not_yet": {"valid_from": NOW + timedelta(days=1)},
        "other_event": {"event_id": other.id},
        "ticket_type": {"ticket_type_id": make_ticket_type(other, "vip").id},
        "email_domain": {"email_domain": "ddma.nl"},
        "used_up": {"max_uses": 2, "used_count": 2},
        "too_few": {"max_uses": 3, "used_count": 2},
    }[case]
    voucher = make_voucher("CODE-1", **settings) if settings is not None else None
    before = voucher.used_count if voucher is not None else 0
    answer = _book(client, ("Jan", "jan@acme.nl"), ("Piet", "piet@acme.nl"), code="code-1")
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    assert message in html and 'id="voucher_code"' in html
    assert counts() == (0, 0, 0, 0) and outbox() == []
    if voucher is not None:
        assert _uses(voucher.id) == before


def test_the_refusal_of_too_few_uses_is_in_dutch_too(client):
    make_event()
    make_voucher("CODE-2", max_uses=3, used_count=2)
    db.session.commit()
    data = {**form(("Jan", "jan@acme.nl"), ("Piet", "piet@acme.nl")), "voucher_code": "CODE-2"}
    answer = client.post("/events/digital-talk/book?lang=nl", data=data)
    assert answer.status_code == 400
    assert (
        "Deze vouchercode kan nog 1 keer worden gebruikt; deze boeking heeft er 2 nodig"
        in answer.get_data(as_text=True)
    )
    assert counts() == (0, 0, 0, 0)


def test_too_few_uses_left_when_the_booking_is_placed_refuses_it_whole(client, outbox):
    event = make_event()
    voucher = make_voucher("TWO-LEFT", kind="percent", max_uses=2, percent=Decimal("10"))
    assert _book(client, ("Jan", "jan@acme.nl"), ("Piet", "piet@acme.nl"),
                 code="TWO-LEFT").status_code == 302  # fmt: skip
    # meanwhile a single registration takes one of the two uses
    single = {"name": "Isa", "email": "isa@else.nl", "privacy_consent": "y",
              "voucher_code": "TWO-LEFT", **BILLING}  # fmt: skip
    assert client.post(f"/events/{event.slug}/register", data=single).status_code == 302
    [mail] = outbox(to="isa@else.nl", kind="event_verify")
    client.get(verify_link(mail))
    assert _uses(voucher.id) == 1
    before = [(r.email, r.state, r.verified_at) for r in _people()]
    answer = client.get(verify_path(outbox, "jan@acme.nl"), headers=EN)
    assert answer.status_code == 302
    page = client.get(answer.headers["Location"], headers=EN).get_data(as_text=True)
    assert "Uses of this voucher code left: 1; this booking needs 2" in page
    assert [(r.email, r.state, r.verified_at) for r in _people()] == before  # nothing placed
    assert _uses(voucher.id) == 1


def test_a_voucher_for_one_ticket_type_applies_to_the_attendees_with_that_type(
    client, outbox, stripe_api
):
    event = make_event()
    make_ticket_type(event, "standard", price_cents=5000)
    student = make_ticket_type(event, "student", price_cents=2000,
                               email_domains=["student.uva.nl"])  # fmt: skip
    voucher = make_voucher("STUDY", kind="free", ticket_type_id=student.id)
    _book(client, ("Jan", "jan@acme.nl"), ("Sam", "sam@student.uva.nl"), code="STUDY")
    client.get(verify_path(outbox, "jan@acme.nl"), headers=EN)
    assert [(r.ticket_type.key, r.voucher_id, r.gross_cents) for r in _people()] == [
        ("standard", None, 6050),
        ("student", voucher.id, 0),
    ]
    assert _uses(voucher.id) == 1
    _booking, session = _pay(client, stripe_api)
    assert session["amount_total"] == 6050


def test_a_voucher_for_a_ticket_type_nobody_gets_refuses_the_booking(client, outbox):
    event = make_event()
    make_ticket_type(event, "standard", price_cents=5000)
    vip = make_ticket_type(event, "vip", price_cents=9000)
    voucher = make_voucher("VIP-ONLY", kind="free", ticket_type_id=vip.id)
    assert _book(client, ("Jan", "jan@acme.nl"), ("Piet", "piet@acme.nl"),
                 code="VIP-ONLY").status_code == 302  # fmt: skip
    answer = client.get(verify_path(outbox, "jan@acme.nl"), headers=EN)
    page = client.get(answer.headers["Location"], headers=EN).get_data(as_text=True)
    assert "This voucher code is not for the ticket you chose" in page
    [lead] = _people()
    assert lead.verified_at is None and _uses(voucher.id) == 0


def test_cancelling_the_booking_gives_every_use_back(client, outbox, stripe_api):
    make_event()
    voucher = make_voucher("HALF-2", kind="percent", percent=Decimal("50"), max_uses=3)
    _book(client, ("Jan", "jan@acme.nl"), ("Piet", "piet@acme.nl"), ("Kees", "kees@acme.nl"),
          code="HALF-2")  # fmt: skip
    client.get(verify_path(outbox, "jan@acme.nl"), headers=EN)
    booking, _session = _pay(client, stripe_api)
    assert _uses(voucher.id) == 3
    done = client.post(f"/events/b/{booking.token}/cancel", data={"confirmed": "1"}, headers=EN)
    assert done.status_code == 302
    assert [r.state for r in _people()] == ["refunded"] * 3
    assert _uses(voucher.id) == 0
    [note] = db.session.scalars(sa.select(Invoice).where(Invoice.series == "credit_note")).all()
    assert note.gross_cents == -3 * 3025  # what Stripe charged comes back
    assert stripe_api.refunds and sum(r["amount"] for r in stripe_api.refunds.values()) == 9075


def test_an_expired_checkout_gives_the_uses_back(client, outbox, stripe_api):
    make_event()
    voucher = make_voucher("HALF-3", kind="percent", percent=Decimal("50"), max_uses=2)
    _book(client, ("Jan", "jan@acme.nl"), ("Piet", "piet@acme.nl"), code="HALF-3")
    client.get(verify_path(outbox, "jan@acme.nl"), headers=EN)
    booking = db.session.scalars(sa.select(Booking)).one()
    client.post(f"/events/b/{booking.token}/pay")
    [session_id] = list(stripe_api.sessions)
    assert _uses(voucher.id) == 2
    expired = stripe_api.expire(session_id)
    assert post_webhook(client, event_body("checkout.session.expired", expired)).status_code == 200
    assert [r.state for r in _people()] == ["expired"] * 2
    assert _uses(voucher.id) == 0


def test_an_attendee_whose_seat_the_voucher_made_free_cancels_alone_and_gives_one_use_back(
    client, outbox, stripe_api
):
    make_event()
    voucher = make_voucher("GUEST-ACME", kind="free", email_domain="acme.nl")
    _book(client, ("Kees", "kees@other.nl"), ("Piet", "piet@acme.nl"), code="GUEST-ACME")
    client.get(verify_path(outbox, "kees@other.nl"), headers=EN)
    _pay(client, stripe_api)
    kees, piet = _people()
    assert (kees.gross_cents, piet.gross_cents, _uses(voucher.id)) == (6050, 0, 1)
    done = client.post(f"/events/r/{piet.token}/cancel", data={"confirmed": "1"}, headers=EN)
    assert done.status_code == 302, done.get_data(as_text=True)
    assert fresh(Registration, piet.id).state == "cancelled"
    assert fresh(Registration, kees.id).state == "confirmed"
    assert _uses(voucher.id) == 0


def test_staff_see_the_voucher_of_each_booked_attendee_and_in_the_audit(
    client, app, outbox, login, make_user
):
    make_member_org("DDMA", "ddma.nl")
    event = make_event()
    make_voucher("PRESS-9", kind="free", email_domain="press.nl", max_uses=9)
    _book(client, ("Jan", "jan@press.nl"), ("Kees", "kees@other.nl"), code="PRESS-9")
    client.get(verify_path(outbox, "jan@press.nl"), headers=EN)
    staff = login(make_user(admin=True), app.test_client())
    page = staff.get(f"/admin/events/{event.id}/attendees?lang=en").get_data(as_text=True)
    assert page.count("<code>PRESS-9</code>") == 1  # Jan's row; Kees pays in full
    placed = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "booking.placed")
    ).one()
    assert (placed.data["code"], placed.data["voucher_uses"]) == ("PRESS-9", 1)
    audit = staff.get("/admin/audit/?action=booking.&lang=en").get_data(as_text=True)
    assert "<dt>Voucher uses</dt><dd>1</dd>" in audit and "PRESS-9" in audit
    vouchers_page = staff.get("/admin/events/vouchers/?lang=en").get_data(as_text=True)
    assert "PRESS-9" in vouchers_page


def test_a_voucher_named_by_a_booking_waiting_for_its_booker_is_not_deleted(
    client, app, login, make_user
):
    make_event()
    voucher = make_voucher("WAIT-1", kind="free")
    _book(client, ("Jan", "jan@acme.nl"), ("Piet", "piet@acme.nl"), code="WAIT-1")
    staff = login(make_user(admin=True), app.test_client())
    answer = staff.post(f"/admin/events/vouchers/{voucher.id}/delete", data={"confirmed": "1"})
    assert answer.status_code in (302, 409)
    assert fresh(Voucher, voucher.id) is not None
    assert db.session.scalars(sa.select(Booking)).one().voucher_id == voucher.id
