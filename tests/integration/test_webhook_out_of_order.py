"""Stripe events the app cannot place when they arrive: linked through their session, or
answered so that Stripe delivers them again; never acknowledged and dropped.

Payments are opened through the real `stripe` library against tests/stripe_server.py, and
the events are posted, signed, to the webhook. The ordering property over every scenario
is in test_stripe_ordering.py; these are the single cases, each named after what it proves.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.extensions import db
from events.models import Invoice, Payment, Registration, WebhookEvent
from tests.factories import fresh
from tests.stripe_server import event_body, post_webhook


def session_event(stripe_api, payment, kind="checkout.session.completed") -> bytes:
    return event_body(kind, dict(stripe_api.sessions[payment.session_id]))


def documents() -> list[tuple[str, str, int]]:
    db.session.rollback()
    rows = db.session.scalars(sa.select(Invoice).order_by(Invoice.id)).all()
    return [(row.series, row.number, row.gross_cents) for row in rows]


def test_a_refund_delivered_before_completed_is_booked_after_the_payment(
    client, checkout, stripe_api, outbox
):
    """Hole 1: the refund came first and was answered 200 "unknown"; the later `completed`
    then confirmed the seat and invoiced money that had gone back. Now the refund is placed
    through its checkout session: paid, invoiced and refunded with a credit note, as when
    the events come in their natural order."""
    registration, payment = checkout()
    stripe_api.mark_paid(payment.session_id)
    charge = stripe_api.refund_in_dashboard(payment.session_id, 6050)

    refund = post_webhook(client, event_body("charge.refunded", charge))
    assert (refund.status_code, refund.json) == (200, {"status": "refunded"})
    late = post_webhook(client, session_event(stripe_api, payment))
    assert (late.status_code, late.json) == (200, {"status": "already_fulfilled"})

    assert fresh(Registration, registration.id).state == "refunded"
    payment = fresh(Payment, payment.id)
    assert (payment.status, payment.refunded_cents) == ("refunded", 6050)
    assert payment.payment_intent_id == charge["payment_intent"]
    assert documents() == [("invoice", "2025-0001", 6050), ("credit_note", "CN2025-0001", -6050)]
    kinds = [m.kind for m in outbox(to=registration.email)]
    assert kinds.count("event_invoice") == 1 and kinds.count("event_refund") == 1
    assert len(stripe_api.refunds) == 1  # the dashboard's: Podium refunded nothing itself


def test_a_partial_refund_delivered_first_is_recorded_on_the_fulfilled_payment(
    client, checkout, stripe_api
):
    registration, payment = checkout()
    stripe_api.mark_paid(payment.session_id)
    charge = stripe_api.refund_in_dashboard(payment.session_id, 1000)
    response = post_webhook(client, event_body("charge.refunded", charge))
    assert response.json == {"status": "partial_refund"}
    assert fresh(Registration, registration.id).state == "confirmed"
    assert fresh(Payment, payment.id).refunded_cents == 1000
    assert documents() == [("invoice", "2025-0001", 6050)]


def test_a_refund_whose_session_stripe_still_reports_unpaid_is_retried(
    client, checkout, stripe_api
):
    """Stripe says the session is not paid (yet) while a refund of it arrives: 409, nothing
    kept, so Stripe delivers it again; once the session reads paid, it is booked."""
    registration, payment = checkout()
    stripe_api.complete_unpaid(payment.session_id)  # a delayed method, still processing
    charge = dict(stripe_api.charge(payment.session_id), amount_refunded=6050, refunded=True)
    body = event_body("charge.refunded", charge)

    response = post_webhook(client, body)
    assert response.status_code == 409 and response.json == {"error": "not_placeable_yet"}
    assert response.headers["Retry-After"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEvent)) == 0
    assert fresh(Registration, registration.id).state == "pending_payment"

    stripe_api.settle(payment.session_id, paid=True)
    again = post_webhook(client, body)  # Stripe's retry: the same event id
    assert (again.status_code, again.json) == (200, {"status": "refunded"})
    assert fresh(Registration, registration.id).state == "refunded"
    assert [d[0] for d in documents()] == ["invoice", "credit_note"]


def test_a_refund_of_a_payment_that_is_not_ours_is_acknowledged_and_recorded(
    client, checkout, stripe_api
):
    """A charge of another product on the same Stripe account: no checkout session of ours
    created its payment intent, so it can never be placed. It is answered 200 "unknown"
    (retrying it would only make Stripe warn for three days) and kept in webhook_events."""
    checkout()  # one session of ours exists, unrelated to the charge
    charge = {"id": "ch_other", "object": "charge", "payment_intent": "pi_other_app"}
    charge |= {"amount": 2500, "amount_refunded": 2500, "refunded": True}
    response = post_webhook(client, event_body("charge.refunded", charge, "evt_other"))
    assert (response.status_code, response.json) == (200, {"status": "unknown"})
    row = db.session.scalar(sa.select(WebhookEvent))
    assert row.event_id == "evt_other" and row.processed_at is not None
    [lookup] = stripe_api.calls("GET", "/v1/checkout/sessions")
    assert lookup.params == {"payment_intent": "pi_other_app", "limit": "1"}
    assert documents() == []


def test_a_redelivered_refund_stays_200_and_books_once(client, checkout, stripe_api, outbox):
    registration, payment = checkout()
    stripe_api.mark_paid(payment.session_id)
    body = event_body(
        "charge.refunded", stripe_api.refund_in_dashboard(payment.session_id, 6050), "evt_r"
    )
    assert post_webhook(client, body).json == {"status": "refunded"}
    again = post_webhook(client, body)
    assert (again.status_code, again.json) == (200, {"status": "duplicate"})
    assert len(documents()) == 2
    assert len(outbox(to=registration.email, kind="event_refund")) == 1


def test_the_refund_of_a_session_stripe_cannot_be_asked_about_is_retried(
    client, checkout, stripe_api
):
    registration, payment = checkout()
    stripe_api.mark_paid(payment.session_id)
    charge = stripe_api.refund_in_dashboard(payment.session_id, 6050)
    stripe_api.fail_next.append(500)  # the session lookup fails
    response = post_webhook(client, event_body("charge.refunded", charge))
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert fresh(Registration, registration.id).state == "pending_payment"
    assert documents() == []


@pytest.mark.parametrize("first", ["refund", "completed"])
def test_a_late_payment_refunded_in_the_dashboard_first_is_not_refunded_again(
    client, checkout, stripe_api, make_event, make_registration, outbox, first
):
    """The hold ran out and the seat went to someone else; the payer paid anyway and the
    association refunded it in Stripe's dashboard before Podium booked the payment. Podium
    would refund it itself (a late payment for a full event), but Stripe says the charge was
    refunded already: that is booked as the refund, in either order of the two events,
    instead of a 503 that no retry could ever turn into a 200."""
    event = make_event(capacity=1)
    registration, payment = checkout(make_registration(event, paying=True))
    expired = event_body("checkout.session.expired", {"id": payment.session_id})
    assert post_webhook(client, expired).json == {"status": "expired"}
    make_registration(event, state="confirmed", paying=True)  # the freed seat was taken
    stripe_api.mark_paid(payment.session_id)
    charge = stripe_api.refund_in_dashboard(payment.session_id, 6050)
    bodies = {
        "refund": event_body("charge.refunded", charge),
        "completed": session_event(stripe_api, payment),
    }
    second = "completed" if first == "refund" else "refund"
    answers = [post_webhook(client, bodies[name]) for name in (first, second)]
    assert [a.status_code for a in answers] == [200, 200]

    assert fresh(Registration, registration.id).state == "refunded"
    payment = fresh(Payment, payment.id)
    assert (payment.status, payment.refunded_cents, payment.refund_id) == ("refunded", 6050, None)
    assert documents() == []  # never confirmed, so never invoiced
    assert outbox(to=registration.email, kind="event_late_payment_refunded")
    assert len(stripe_api.refunds) == 1  # the dashboard's only
