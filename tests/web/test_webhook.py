"""The Stripe webhook: signatures, duplicates, any order, late payments, refunds, lock timeouts.

Payments are opened through the real `stripe` library against tests/stripe_server.py.
These tests use the registration engineer's `payment_succeeded`, `payment_failed` and
`checkout_expired` (events/services/registrations.py).
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from core.extensions import db
from events.models import Invoice, Payment, Registration, WebhookEvent
from events.providers import gateway_for
from tests.factories import make_registration
from tests.stripe_server import event_body, post_webhook, sign


def completed(stripe_api, payment, kind="checkout.session.completed", event_id=None) -> bytes:
    return event_body(kind, dict(stripe_api.sessions[payment.session_id]), event_id)


def counts():
    db.session.rollback()  # end the test's own transaction: see what the requests committed
    return {
        "events": db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEvent)),
        "invoices": db.session.scalar(sa.select(sa.func.count()).select_from(Invoice)),
        "paid": db.session.scalar(
            sa.select(sa.func.count()).select_from(Payment).where(Payment.status == "paid")
        ),
    }


def state(registration) -> str:
    db.session.rollback()
    return db.session.get(Registration, registration.id).state


def test_signed_completed_event_confirms_and_invoices(client, checkout, stripe_api, outbox):
    registration, payment = checkout()
    stripe_api.mark_paid(payment.session_id)
    response = post_webhook(client, completed(stripe_api, payment))
    assert response.status_code == 200
    assert response.json == {"status": "confirmed"}
    assert state(registration) == "confirmed"
    payment = db.session.get(Payment, payment.id)
    assert payment.status == "paid" and payment.payment_intent_id.startswith("pi_test_")
    [invoice] = db.session.scalars(sa.select(Invoice)).all()
    assert invoice.number == "2025-0001" and invoice.gross_cents == 6050
    kinds = [m.kind for m in outbox(to=registration.email)]
    assert "event_confirmed" in kinds and "event_invoice" in kinds
    assert counts()["events"] == 1


@pytest.mark.parametrize("bad", ["unsigned", "tampered", "stale", "wrong_secret", "bad_json"])
def test_bad_webhooks_get_400_and_change_nothing(client, checkout, stripe_api, bad):
    registration, payment = checkout()
    stripe_api.mark_paid(payment.session_id)
    body = completed(stripe_api, payment)
    header = sign(body)
    if bad == "unsigned":
        header = None
    elif bad == "tampered":
        body = body.replace(b'"amount_total": 6050', b'"amount_total": 1')
    elif bad == "stale":
        header = sign(body, timestamp=int(time.time()) - 301)
    elif bad == "wrong_secret":
        header = sign(body, "whsec_someone_else")
    elif bad == "bad_json":
        body = b'{"id": "evt_1", "type": "checkout.session.completed", "data": '
        header = sign(body)
    response = post_webhook(client, body, header)
    assert response.status_code == 400
    assert response.json["error"] in ("bad_signature", "bad_payload")
    assert counts() == {"events": 0, "invoices": 0, "paid": 0}
    assert state(registration) == "pending_payment"


def test_unknown_event_types_are_recorded_and_ignored(client, stripe_api):
    body = event_body("customer.created", {"id": "cus_1"})
    response = post_webhook(client, body)
    assert response.status_code == 200 and response.json == {"status": "ignored"}
    row = db.session.scalar(sa.select(WebhookEvent))
    assert row.type == "customer.created" and row.processed_at is not None


def test_a_duplicate_event_is_processed_once(client, checkout, stripe_api, outbox):
    _registration, payment = checkout()
    stripe_api.mark_paid(payment.session_id)
    body = completed(stripe_api, payment, event_id="evt_same")
    assert post_webhook(client, body).json == {"status": "confirmed"}
    again = post_webhook(client, body)
    assert again.status_code == 200 and again.json == {"status": "duplicate"}
    assert counts() == {"events": 1, "invoices": 1, "paid": 1}
    assert len(outbox(kind="event_invoice")) == 1


def test_another_event_for_a_fulfilled_session_changes_nothing(client, checkout, stripe_api):
    _registration, payment = checkout()
    stripe_api.mark_paid(payment.session_id)
    post_webhook(client, completed(stripe_api, payment))
    kind = "checkout.session.async_payment_succeeded"
    response = post_webhook(client, completed(stripe_api, payment, kind))
    assert response.json == {"status": "already_fulfilled"}
    assert counts()["invoices"] == 1


def test_expired_after_completed_is_a_no_op(client, checkout, stripe_api):
    registration, payment = checkout()
    stripe_api.mark_paid(payment.session_id)
    post_webhook(client, completed(stripe_api, payment))
    expired = event_body(
        "checkout.session.expired", {"id": payment.session_id, "status": "expired"}
    )
    response = post_webhook(client, expired)
    assert response.json == {"status": "already_handled"}
    assert state(registration) == "confirmed"
    assert db.session.get(Payment, payment.id).status == "paid"


def test_completed_after_expired_confirms_when_a_seat_is_free(client, checkout, stripe_api):
    registration, payment = checkout()
    expired = event_body(
        "checkout.session.expired", {"id": payment.session_id, "status": "expired"}
    )
    assert post_webhook(client, expired).json == {"status": "expired"}
    assert state(registration) == "expired"
    stripe_api.mark_paid(payment.session_id)  # the payment was already under way
    response = post_webhook(client, completed(stripe_api, payment))
    assert response.json == {"status": "confirmed"}
    assert state(registration) == "confirmed"
    assert counts()["invoices"] == 1


def test_late_payment_for_a_full_event_is_refunded(
    client, checkout, stripe_api, make_event, make_registration, outbox
):
    event = make_event(capacity=1)
    registration, payment = checkout(make_registration(event, paying=True))
    expired = event_body(
        "checkout.session.expired", {"id": payment.session_id, "status": "expired"}
    )
    post_webhook(client, expired)
    make_registration(event, state="confirmed", paying=True)  # the freed seat was taken
    stripe_api.mark_paid(payment.session_id)
    response = post_webhook(client, completed(stripe_api, payment))
    assert response.json == {"status": "refunded"}
    assert state(registration) == "refunded"
    payment = db.session.get(Payment, payment.id)
    assert payment.status == "refunded" and payment.refunded_cents == 6050
    [refund] = stripe_api.refunds.values()
    assert refund["amount"] == 6050 and refund["payment_intent"] == payment.payment_intent_id
    assert stripe_api.calls("POST", "/v1/refunds")[0].headers["idempotency-key"] == (
        f"refund-{payment.id}"
    )
    assert counts()["invoices"] == 0
    assert outbox(kind="event_late_payment_refunded")
    # the seat count never went over capacity
    holding = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Registration)
        .where(Registration.event_id == event.id, Registration.state == "confirmed")
    )
    assert holding == 1


def test_failed_async_payment_keeps_the_seat_held(client, checkout, stripe_api):
    registration, payment = checkout()
    body = event_body(
        "checkout.session.async_payment_failed",
        {"id": payment.session_id, "status": "complete", "payment_status": "unpaid"},
    )
    assert post_webhook(client, body).json == {"status": "failed"}
    assert state(registration) == "pending_payment"
    assert db.session.get(Payment, payment.id).status == "failed"


def test_an_expired_old_session_does_not_touch_a_newer_hold(client, checkout, stripe_api, clock):
    registration, payment = checkout()
    registration = db.session.get(Registration, registration.id)
    registration.hold_expires_at = clock() + timedelta(hours=3)  # e.g. a later offer's hold
    db.session.commit()
    expired = event_body(
        "checkout.session.expired", {"id": payment.session_id, "status": "expired"}
    )
    assert post_webhook(client, expired).json == {"status": "expired"}
    assert state(registration) == "pending_payment"


def test_a_session_we_do_not_know_is_ignored(client, stripe_api):
    body = event_body("checkout.session.completed", {"id": "cs_test_other_app"})
    assert post_webhook(client, body).json == {"status": "unknown"}


def test_a_session_that_does_not_match_the_payment_is_not_fulfilled(client, checkout, stripe_api):
    registration, payment = checkout()
    stripe_api.mark_paid(payment.session_id)
    stripe_api.sessions[payment.session_id]["amount_total"] = 100
    response = post_webhook(client, completed(stripe_api, payment))
    assert response.json == {"status": "mismatch"}
    assert state(registration) == "pending_payment"
    assert counts()["paid"] == 0


def test_refund_made_in_the_stripe_dashboard_is_booked_with_a_credit_note(
    client, checkout, stripe_api, outbox
):
    registration, payment = checkout()
    session = stripe_api.mark_paid(payment.session_id)
    post_webhook(client, completed(stripe_api, payment))
    waiting = make_registration(registration.event, "waitlisted", email="next@example.org")
    charge = {
        "id": "ch_1",
        "object": "charge",
        "payment_intent": session["payment_intent"],
        "amount": 6050,
        "amount_refunded": 6050,
        "refunded": True,
    }
    response = post_webhook(client, event_body("charge.refunded", charge))
    assert response.json == {"status": "refunded"}
    assert state(registration) == "refunded"
    note = db.session.scalar(sa.select(Invoice).where(Invoice.series == "credit_note"))
    assert note.gross_cents == -6050 and note.number == "CN2025-0001"
    assert outbox(kind="event_refund")
    # the freed seat goes to the waiting list
    assert state(waiting) == "offered"
    assert outbox(to="next@example.org", kind="event_offer")
    # the same refund reported again changes nothing
    again = post_webhook(client, event_body("charge.refunded", charge))
    assert again.json == {"status": "already_handled"}


def test_webhook_is_exempt_from_csrf(app, client, stripe_api):
    app.config["WTF_CSRF_ENABLED"] = True
    body = event_body("customer.created", {"id": "cus_1"})
    assert post_webhook(client, body).status_code == 200
    assert post_webhook(client, body, header=None).status_code == 400


def test_provider_outage_answers_503_so_stripe_retries(client, checkout, stripe_api):
    _registration, payment = checkout()
    stripe_api.mark_paid(payment.session_id)
    body = completed(stripe_api, payment)
    stripe_api.fail_next.append(500)  # re-fetching the session fails
    response = post_webhook(client, body)
    assert response.status_code == 503
    assert counts() == {"events": 0, "invoices": 0, "paid": 0}
    assert post_webhook(client, body).json == {"status": "confirmed"}  # Stripe's retry


def _hold_the_lock(app, event_id, ready: threading.Event, release: threading.Event):
    """Another transaction holding the event lock (SQLite: the write lock) until `release`."""
    with app.app_context():
        _hold(db.engine, event_id, ready, release)


def _hold(engine, event_id, ready, release):
    with engine.connect() as conn:
        conn.execute(
            sa.text("SELECT id FROM events WHERE id = :id FOR UPDATE")
            if engine.dialect.name == "postgresql"
            else sa.text("UPDATE events SET capacity = capacity WHERE id = :id"),
            {"id": event_id},
        )
        ready.set()
        release.wait(10)
        conn.rollback()


def test_a_lock_timeout_answers_503_and_the_retry_succeeds(
    app, client, checkout, stripe_api, monkeypatch
):
    from events.services import seats

    registration, payment = checkout()
    stripe_api.mark_paid(payment.session_id)
    body = completed(stripe_api, payment)
    event_id = registration.event_id
    engine = db.engine
    if engine.dialect.name == "sqlite":

        @sa.event.listens_for(engine, "connect")
        def _short_busy_timeout(dbapi_connection, _record):
            dbapi_connection.execute("PRAGMA busy_timeout=200")

        db.session.remove()
        engine.dispose()
    else:
        monkeypatch.setattr(seats, "LOCK_TIMEOUT_MS", 200)
    try:
        ready, release = threading.Event(), threading.Event()
        holder = threading.Thread(target=_hold_the_lock, args=(app, event_id, ready, release))
        holder.start()
        assert ready.wait(5)
        try:
            response = post_webhook(client, body)
        finally:
            release.set()
            holder.join()
        assert response.status_code == 503
        assert counts() == {"events": 0, "invoices": 0, "paid": 0}
        assert post_webhook(client, body).json == {"status": "confirmed"}
    finally:
        # the engine is the whole run's: later tests get the normal busy timeout back
        if engine.dialect.name == "sqlite":
            sa.event.remove(engine, "connect", _short_busy_timeout)
            db.session.remove()
            engine.dispose()


def test_success_page_and_webhook_racing_fulfil_once(app, checkout, stripe_api, outbox):
    registration, payment = checkout()
    stripe_api.mark_paid(payment.session_id)
    body = completed(stripe_api, payment)
    url = f"/events/r/{registration.token}/paid?session_id={payment.session_id}&lang=en"
    results = {}

    def webhook():
        results["webhook"] = post_webhook(app.test_client(), body).status_code

    def success():
        response = app.test_client().get(url)
        results["success"] = response.status_code
        results["page"] = response.get_data(as_text=True)

    threads = [threading.Thread(target=webhook), threading.Thread(target=success)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (results["webhook"], results["success"]) == (200, 200)
    assert "your payment has been received" in results["page"]
    assert counts()["paid"] == 1 and counts()["invoices"] == 1
    assert state(registration) == "confirmed"
    assert len(outbox(kind="event_invoice")) == 1
    assert len(outbox(kind="event_confirmed")) == 1


def test_the_event_object_is_never_trusted_for_the_amount(client, checkout, stripe_api):
    """The session is re-fetched: an event claiming "paid" for an unpaid session does nothing."""
    registration, payment = checkout()
    obj = dict(stripe_api.sessions[payment.session_id], status="complete", payment_status="paid")
    response = post_webhook(client, event_body("checkout.session.completed", obj))
    assert response.json == {"status": "unpaid"}
    assert state(registration) == "pending_payment"


def test_a_second_payment_for_a_confirmed_registration_is_refunded(
    app, client, checkout, stripe_api, clock, outbox
):
    registration, first = checkout()
    stripe_api.mark_paid(first.session_id)
    post_webhook(client, completed(stripe_api, first))
    # another tab had opened a second session, which the person also paid
    with app.test_request_context():
        gateway = gateway_for(app)
        session = gateway.create_checkout_session(
            amount_cents=6050,
            currency="eur",
            name="x",
            description="x",
            customer_email=registration.email,
            client_reference_id=str(registration.id),
            metadata={},
            expires_at=clock() + timedelta(hours=1),
            success_url="https://podium.test/ok",
            cancel_url="https://podium.test/pay",
            locale="en",
            idempotency_key=f"reg-{registration.id}-attempt-2",
        )
    second = Payment(
        registration_id=registration.id,
        provider="stripe",
        idempotency_key=f"reg-{registration.id}-attempt-2",
        session_id=session.id,
        amount_cents=6050,
        expires_at=clock() + timedelta(hours=1),
        created_at=clock(),
    )
    db.session.add(second)
    db.session.commit()
    stripe_api.mark_paid(session.id)
    response = post_webhook(client, completed(stripe_api, second))
    assert response.json == {"status": "refunded"}
    assert state(registration) == "confirmed"
    assert db.session.get(Payment, second.id).status == "refunded"
    assert db.session.get(Payment, first.id).status == "paid"
    [refund] = stripe_api.refunds.values()
    assert refund["payment_intent"] == stripe_api.sessions[session.id]["payment_intent"]
    assert counts()["invoices"] == 1
    [mail] = outbox(kind="event_refund")
    assert "second payment" in mail.body_text


def test_cancelling_a_stripe_payment_refunds_through_stripe(
    app, client, checkout, stripe_api, clock
):
    from events.services.refunds import RefundError, refund_registration
    from events.services.registrations import cancel_registration

    registration, payment = checkout()
    stripe_api.mark_paid(payment.session_id)
    post_webhook(client, completed(stripe_api, payment))
    db.session.rollback()
    registration = db.session.get(Registration, registration.id)
    with app.test_request_context():
        cancel_registration(registration, now=clock())
        db.session.commit()
        assert state(registration) == "refunded"
        [call] = stripe_api.calls("POST", "/v1/refunds")
        assert call.headers["idempotency-key"] == f"refund-{payment.id}"
        assert call.params["amount"] == "6050"
        # asking again changes nothing and refunds nothing
        registration = db.session.get(Registration, registration.id)
        note = refund_registration(registration, now=clock(), reason="again")
        assert note.number == "CN2025-0001"
        assert len(stripe_api.refunds) == 1
        unpaid, _ = checkout()
        unpaid = db.session.get(Registration, unpaid.id)
        with pytest.raises(RefundError):
            refund_registration(unpaid, now=clock(), reason="x")


def test_a_payment_in_a_state_that_cannot_take_one_goes_back(client, checkout, stripe_api):
    registration, payment = checkout()
    db.session.get(Registration, registration.id).state = "waitlisted"  # needs a human
    db.session.commit()
    stripe_api.mark_paid(payment.session_id)
    response = post_webhook(client, completed(stripe_api, payment))
    assert response.json == {"status": "refunded"}
    assert state(registration) == "waitlisted"
    assert db.session.get(Payment, payment.id).status == "refunded"
    assert len(stripe_api.refunds) == 1


def test_a_partial_refund_in_the_dashboard_is_only_recorded(client, checkout, stripe_api):
    registration, payment = checkout()
    session = stripe_api.mark_paid(payment.session_id)
    post_webhook(client, completed(stripe_api, payment))
    charge = {"id": "ch_1", "payment_intent": session["payment_intent"], "amount_refunded": 1000}
    response = post_webhook(client, event_body("charge.refunded", charge))
    assert response.json == {"status": "partial_refund"}
    assert state(registration) == "confirmed"
    payment = db.session.get(Payment, payment.id)
    assert payment.status == "paid" and payment.refunded_cents == 1000
    assert counts()["invoices"] == 1  # no credit note: a human decides


def test_oversized_webhook_bodies_are_refused(client, stripe_api):
    body = event_body("customer.created", {"id": "cus_1", "pad": "x" * 300_000})
    assert post_webhook(client, body).status_code == 413
    assert counts()["events"] == 0
