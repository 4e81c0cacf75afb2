"""Voucher codes on the registration form and at verification, through the test client:
free, percentage and fixed vouchers, scope (event, series, every event), validity window,
e-mail domain, ticket type, uses left, the voucher step, releasing a use, the invoice and
what Stripe charged. Every refusal is checked to change nothing in the database."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from core.extensions import db
from events.invoice_pdf import invoice_pdf
from events.models import (
    EventSeries,
    Invoice,
    Payment,
    Registration,
    TicketType,
    Voucher,
)
from events.payments import RegEvent
from events.services import admin_registrations, registrations, seats, waitlist
from events.services.invoices import issue_invoice
from tests.factories import NOW, fresh, make_event, make_registration, verify_link
from tests.stripe_server import event_body, post_webhook

EN = {"Accept-Language": "en"}
BILLING = {
    "billing_company": "Acme BV",
    "billing_address": "Dam 1",
    "billing_postcode": "1012 JS",
    "billing_city": "Amsterdam",
    "billing_country": "NL",
}


def make_voucher(code="SPEAKER-1", kind="free", **kw) -> Voucher:
    voucher = Voucher(code=code, kind=kind, created_at=NOW, **{"used_count": 0, **kw})
    db.session.add(voucher)
    db.session.flush()
    return voucher


def _form(email="isa@example.org", **overrides):
    data = {
        "name": "Isa Nieuwstad",
        "email": email,
        "privacy_consent": "y",
        "billing_country": "NL",
        **overrides,
    }
    return {k: v for k, v in data.items() if v is not None}


def _post(client, event, **form):
    db.session.commit()
    return client.post(f"/events/{event.slug}/register", data=_form(**form), headers=EN)


def _verify(client, outbox, email="isa@example.org"):
    (mail,) = outbox(to=email, kind="event_verify")
    return client.get(verify_link(mail), headers=EN)


def _registrations() -> list[Registration]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(Registration).order_by(Registration.id)))


def _uses(voucher_id: int) -> int:
    db.session.rollback()
    return db.session.get(Voucher, voucher_id).used_count


# --- the form ---------------------------------------------------------------------------------


def test_a_free_voucher_confirms_a_paid_event_without_billing_or_invoice(client, outbox):
    event = make_event()
    voucher = make_voucher("SPEAKER-1", event_id=event.id, max_uses=3)
    response = _post(client, event, voucher_code="  speaker-1 ")  # trimmed, any case
    assert response.status_code == 302
    [registration] = _registrations()
    assert registration.voucher_id == voucher.id and _uses(voucher.id) == 0  # not yet claimed
    response = _verify(client, outbox)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/events/r/{registration.token}")
    page = client.get(response.headers["Location"], headers=EN)
    assert "You are registered" in page.get_data(as_text=True)
    registration = fresh(Registration, registration.id)
    assert registration.state == "confirmed"
    assert (registration.net_cents, registration.vat_cents, registration.gross_cents) == (0, 0, 0)
    assert registration.discount_cents == 5000
    assert _uses(voucher.id) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invoice)) == 0
    manage = client.get(f"/events/r/{registration.token}", headers=EN).get_data(as_text=True)
    assert "voucher SPEAKER-1: discount €50 on €50 excl. VAT" in manage


@pytest.mark.parametrize(
    ("voucher_kw", "code", "message"),
    [
        ({}, "NOPE-1", "This voucher code is not known"),
        ({"valid_until": NOW - timedelta(minutes=1)}, "OLD-1", "no longer valid"),
        ({"valid_from": NOW + timedelta(days=1)}, "SOON-1", "not valid yet"),
        ({"other_event": True}, "ELSEWHERE-1", "not for this event"),
        ({"other_series": True}, "SERIES-1", "not for this event"),
    ],
)
def test_a_code_that_does_not_apply_is_a_field_error_and_stores_nothing(
    client, outbox, voucher_kw, code, message
):
    event = make_event()
    if voucher_kw.pop("other_event", False):
        voucher_kw["event_id"] = make_event("another-talk").id
    if voucher_kw.pop("other_series", False):
        series = EventSeries(slug="s", title_nl="Reeks", title_en="Series", created_at=NOW)
        db.session.add(series)
        db.session.flush()
        voucher_kw["series_id"] = series.id
    if code != "NOPE-1":
        make_voucher(code, **voucher_kw)
    response = _post(client, event, voucher_code=code.lower())
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert 'id="voucher_code"' in page
    assert _registrations() == []
    assert outbox() == []


def test_a_series_voucher_and_an_all_events_voucher_apply(client, outbox):
    series = EventSeries(slug="talks", title_nl="Talks", title_en="Talks", created_at=NOW)
    db.session.add(series)
    db.session.flush()
    event = make_event(series_id=series.id)
    make_voucher("SERIES-OK", kind="percent", percent=Decimal("10"), series_id=series.id)
    make_voucher("ANY-OK", kind="fixed", amount_cents=1000)
    assert _post(client, event, voucher_code="series-ok", **BILLING).status_code == 302
    assert _post(client, event, voucher_code="any-ok", email="b@example.org").status_code == 302
    assert [r.voucher.code for r in _registrations()] == ["SERIES-OK", "ANY-OK"]


# --- at verification: the voucher step ---------------------------------------------------------


def _register_and_verify(client, outbox, event, code, email="isa@example.org", **form):
    assert _post(client, event, voucher_code=code, email=email, **form).status_code == 302
    return _verify(client, outbox, email)


def test_an_address_outside_the_vouchers_domain_waits_on_the_voucher_step(client, outbox):
    event = make_event()
    voucher = make_voucher("PRESS-1", email_domain="pers.example.nl", max_uses=5)
    response = _register_and_verify(client, outbox, event, "PRESS-1")
    [registration] = _registrations()
    step = f"/events/r/{registration.token}/voucher"
    assert step in response.headers["Location"]
    page = client.get(step, headers=EN).get_data(as_text=True)
    assert "only for e-mail addresses at pers.example.nl" in page
    assert "Without a voucher your price is €50 excl. VAT (€60.50 incl. VAT)" in page
    # nothing booked: still waiting, no seat, no use claimed, no price
    assert (registration.state, registration.verified_at is not None) == (
        "pending_verification",
        True,
    )
    assert registration.gross_cents == 0 and _uses(voucher.id) == 0
    manage = client.get(f"/events/r/{registration.token}", headers=EN).get_data(as_text=True)
    assert "Your voucher code cannot be used" in manage
    # an unknown other code: a field error, nothing changes
    refused = client.post(step, data={"voucher_code": "NOPE"}, headers=EN)
    assert refused.status_code == 400
    assert "not known" in refused.get_data(as_text=True)
    assert fresh(Registration, registration.id).voucher_id == voucher.id
    # an empty code without choosing "without": asked again
    assert client.post(step, data={"voucher_code": ""}, headers=EN).status_code == 400
    # continue without: on to the billing step at the full price
    response = client.post(step, data={"without": "1"}, headers=EN)
    assert response.status_code == 302
    follow = client.get(response.headers["Location"], headers=EN)
    assert f"/events/r/{registration.token}/billing" in follow.headers["Location"]
    registration = fresh(Registration, registration.id)
    assert registration.voucher_id is None and registration.state == "pending_verification"
    response = client.post(f"/events/r/{registration.token}/billing", data=BILLING, headers=EN)
    registration = fresh(Registration, registration.id)
    assert registration.state == "pending_payment" and registration.gross_cents == 6050


def test_the_voucher_step_takes_another_code(client, outbox):
    event = make_event()
    make_voucher("PRESS-1", email_domain="pers.example.nl")
    other = make_voucher("HALF", kind="percent", percent=Decimal("50"))
    _register_and_verify(client, outbox, event, "PRESS-1", **BILLING)
    [registration] = _registrations()
    response = client.post(
        f"/events/r/{registration.token}/voucher", data={"voucher_code": "half"}, headers=EN
    )
    assert response.status_code == 302
    registration = fresh(Registration, registration.id)
    assert registration.voucher_id == other.id and registration.state == "pending_payment"
    assert (registration.net_cents, registration.vat_cents, registration.gross_cents) == (
        2500,
        525,
        3025,
    )
    assert registration.discount_cents == 2500 and _uses(other.id) == 1


def test_an_address_at_the_vouchers_domain_or_a_subdomain_gets_it(client, outbox):
    event = make_event()
    voucher = make_voucher("PARTNER", email_domain="partner.nl")
    _register_and_verify(client, outbox, event, "PARTNER", email="a@partner.nl")
    _register_and_verify(client, outbox, event, "PARTNER", email="b@mail.partner.nl")
    assert [r.state for r in _registrations()] == ["confirmed", "confirmed"]
    assert _uses(voucher.id) == 2


def test_a_used_up_voucher_waits_on_the_voucher_step(client, outbox):
    event = make_event()
    voucher = make_voucher("ONCE", max_uses=1)
    _register_and_verify(client, outbox, event, "ONCE", email="a@example.org")
    _register_and_verify(client, outbox, event, "ONCE", email="b@example.org")
    first, second = _registrations()
    assert first.state == "confirmed" and second.state == "pending_verification"
    assert _uses(voucher.id) == 1
    page = client.get(f"/events/r/{second.token}/voucher", headers=EN).get_data(as_text=True)
    assert "used as often as it may be" in page


def test_a_voucher_for_another_ticket_type_waits_on_the_voucher_step(client, outbox):
    event = make_event()
    ticket, other = (
        TicketType(event_id=event.id, key=key, name_nl=key, name_en=key, position=n, created_at=NOW)
        for n, key in enumerate(("student", "regular"))
    )
    db.session.add_all([ticket, other])
    db.session.flush()
    make_voucher("STUDENT", ticket_type_id=ticket.id)
    _register_and_verify(client, outbox, event, "STUDENT", ticket_type=str(other.id))
    [registration] = _registrations()
    page = client.get(f"/events/r/{registration.token}/voucher", headers=EN)
    assert "not for the ticket you chose" in page.get_data(as_text=True)
    assert registration.state == "pending_verification"


def test_a_voucher_that_expired_before_verification_waits_on_the_step(client, outbox, clock):
    event = make_event()
    make_voucher("SHORT", valid_until=NOW + timedelta(hours=1))
    assert _post(client, event, voucher_code="SHORT").status_code == 302
    clock.advance(hours=2)
    _verify(client, outbox)
    [registration] = _registrations()
    assert registration.state == "pending_verification"
    page = client.get(f"/events/r/{registration.token}/voucher", headers=EN)
    assert "no longer valid" in page.get_data(as_text=True)


def test_the_voucher_step_of_a_registration_not_waiting_sends_it_on(client):
    registration = make_registration()
    db.session.commit()
    response = client.get(f"/events/r/{registration.token}/voucher")
    assert response.status_code == 302
    assert f"/events/r/{registration.token}" in response.headers["Location"]
    before = fresh(Registration, registration.id).updated_at
    assert (
        client.post(f"/events/r/{registration.token}/voucher", data={"without": "1"}).status_code
        == 302
    )
    assert fresh(Registration, registration.id).updated_at == before
    assert client.get("/events/r/unknown-token/voucher").status_code == 404


# --- releasing a use ------------------------------------------------------------------------


def test_cancelling_gives_the_use_back(client, outbox):
    event = make_event()
    voucher = make_voucher("ONCE", max_uses=1)
    _register_and_verify(client, outbox, event, "ONCE")
    [registration] = _registrations()
    assert _uses(voucher.id) == 1
    response = client.post(f"/events/r/{registration.token}/cancel", headers=EN)
    assert response.status_code == 302
    assert fresh(Registration, registration.id).state == "cancelled"
    assert _uses(voucher.id) == 0
    # and a next registrant can use it
    _register_and_verify(client, outbox, event, "ONCE", email="next@example.org")
    assert _registrations()[-1].state == "confirmed" and _uses(voucher.id) == 1


def test_an_expired_payment_hold_gives_the_use_back(app, client, outbox, clock):
    event = make_event()
    voucher = make_voucher("TENOFF", kind="fixed", amount_cents=1000, max_uses=2)
    _register_and_verify(client, outbox, event, "TENOFF", **BILLING)
    [registration] = _registrations()
    assert registration.state == "pending_payment" and registration.gross_cents == 4840
    assert _uses(voucher.id) == 1
    clock.advance(hours=1)
    with app.test_request_context():
        waitlist.expire_holds(now=clock())
        db.session.commit()
    assert fresh(Registration, registration.id).state == "expired"
    assert _uses(voucher.id) == 0


def test_a_waitlisted_registration_keeps_its_use_and_its_price(client, outbox):
    event = make_event(capacity=0)
    voucher = make_voucher("HALF", kind="percent", percent=Decimal("50"), max_uses=1)
    _register_and_verify(client, outbox, event, "HALF", **BILLING)
    [registration] = _registrations()
    assert registration.state == "waitlisted" and registration.gross_cents == 3025
    assert _uses(voucher.id) == 1


# --- the invoice and what Stripe charged --------------------------------------------------------


def test_the_invoice_names_the_voucher_and_equals_what_stripe_charged(
    app, client, outbox, stripe_api
):
    event = make_event()
    voucher = make_voucher("PARTNER-25", kind="percent", percent=Decimal("25"))
    _register_and_verify(client, outbox, event, "partner-25", **BILLING)
    [registration] = _registrations()
    assert (registration.net_cents, registration.vat_cents, registration.gross_cents) == (
        3750,
        788,
        4538,
    )
    started = client.post(f"/events/r/{registration.token}/pay")
    assert started.status_code == 303
    [payment] = db.session.scalars(sa.select(Payment)).all()
    session = stripe_api.sessions[payment.session_id]
    assert session["amount_total"] == 4538 == payment.amount_cents
    stripe_api.mark_paid(payment.session_id)
    body = event_body("checkout.session.completed", dict(stripe_api.sessions[payment.session_id]))
    assert post_webhook(client, body).status_code == 200
    db.session.rollback()
    [invoice] = db.session.scalars(sa.select(Invoice)).all()
    assert invoice.gross_cents == session["amount_total"]
    [line] = invoice.lines
    assert line["net_cents"] + line["vat_cents"] == line["gross_cents"] == invoice.gross_cents
    assert (line["unit_cents"], line["vat_cents"]) == (3750, 788)
    assert "voucher PARTNER-25: discount €12.50 on €50 excl. VAT" in line["description"]
    html = client.get(f"/events/r/{registration.token}/invoices/{invoice.number}").get_data(
        as_text=True
    )
    assert "PARTNER-25" in html
    assert _uses(voucher.id) == 1


def test_a_dutch_invoice_says_korting(app, clock):
    event = make_event()
    voucher = make_voucher("KORT", kind="fixed", amount_cents=1000)
    registration = make_registration(
        event, paying=True, net_cents=4000, voucher_id=voucher.id, discount_cents=1000, locale="nl"
    )
    with app.test_request_context():
        invoice = issue_invoice(registration, now=clock())
        pdf = invoice_pdf(invoice)
    assert "voucher KORT: korting €10 op €50 excl. btw" in invoice.lines[0]["description"]
    assert invoice.gross_cents == registration.gross_cents == 4840
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "KORT" in text and "korting" in text
    assert "48,40" in text and "8,40" in text


def test_a_complimentary_seat_drops_the_voucher_and_gives_its_use_back(app, client, outbox, clock):
    event = make_event(capacity=0)
    voucher = make_voucher("HALF", kind="percent", percent=Decimal("50"), max_uses=1)
    _register_and_verify(client, outbox, event, "HALF", **BILLING)
    [registration] = _registrations()
    assert registration.state == "waitlisted" and _uses(voucher.id) == 1
    event = fresh(type(event), event.id)
    event.capacity = 5
    with app.test_request_context():
        admin_registrations.add_comp(
            event, name="Isa", email=registration.email, now=clock(), actor=None, notify=False
        )
        db.session.commit()
    registration = fresh(Registration, registration.id)
    assert (registration.state, registration.comp, registration.voucher_id) == (
        "confirmed",
        True,
        None,
    )
    assert _uses(voucher.id) == 0


def test_a_comp_on_the_voucher_step_drops_the_unclaimed_voucher(app, client, outbox, clock):
    event = make_event()
    voucher = make_voucher("PRESS-1", email_domain="pers.example.nl", max_uses=1)
    _register_and_verify(client, outbox, event, "PRESS-1")
    [registration] = _registrations()
    assert registration.state == "pending_verification" and registration.verified_at
    with app.test_request_context():
        admin_registrations.add_comp(
            event, name="Isa", email=registration.email, now=clock(), actor=None, notify=False
        )
        db.session.commit()
    assert fresh(Registration, registration.id).voucher_id is None
    assert _uses(voucher.id) == 0  # never claimed, so nothing given back


def test_a_late_payment_that_confirms_an_expired_hold_takes_a_use_again(app, client, outbox, clock):
    event = make_event()
    voucher = make_voucher("TENOFF", kind="fixed", amount_cents=1000, max_uses=2)
    _register_and_verify(client, outbox, event, "TENOFF", **BILLING)
    [registration] = _registrations()
    clock.advance(hours=1)
    with app.test_request_context():
        waitlist.expire_holds(now=clock())
        db.session.commit()
    assert _uses(voucher.id) == 0
    with app.test_request_context():
        registration = db.session.get(Registration, registration.id)
        assert registrations.payment_succeeded(registration, now=clock()) == "confirmed"
        db.session.commit()
    assert fresh(Registration, registration.id).state == "confirmed"
    assert _uses(voucher.id) == 1


def test_cancelled_then_refunded_gives_the_use_back_once(app, clock):
    event = make_event()
    voucher = make_voucher("TWO", kind="fixed", amount_cents=1000, max_uses=5, used_count=2)
    registration = make_registration(event, paying=True, state="confirmed", voucher_id=voucher.id)
    with app.test_request_context():
        seats.transition(registration, RegEvent.CANCEL, now=clock())
        assert _uses_now(voucher) == 1
        seats.transition(registration, RegEvent.REFUND, now=clock())
        assert _uses_now(voucher) == 1  # the other holder's use stays


def _uses_now(voucher: Voucher) -> int:
    db.session.refresh(voucher)
    return voucher.used_count
