"""The Stripe adapter through the real `stripe` library against the local Stripe server."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from core.extensions import db
from events.gateway import (
    GatewayError,
    IdempotencyConflict,
    WebhookRejected,
    dev_webhook_secret,
    is_live_key,
)
from events.local_checkout import LocalTestGateway, sign_payload
from events.models import Payment
from events.providers import gateway_for
from events.services.checkout import CheckoutRefused, start_checkout
from events.stripe_gateway import StripeGateway
from tests.payment_fixtures import (  # noqa: F401  (fixtures)
    WEBHOOK_SECRET,
    event_body,
    make_event_fixture,
    make_registration_fixture,
    payment_locking_fixture,
    sign,
    stripe_api_fixture,
)


@pytest.fixture
def gateway(app, stripe_api):
    with app.test_request_context():  # domain errors translate their message
        yield gateway_for(app)


def _create(gateway, clock, key="key-1", amount=6050, **kw):
    return gateway.create_checkout_session(
        amount_cents=amount,
        currency="eur",
        name="Digital Talk: AP en cookiehandhaving",
        description="€50 excl. VAT (€60.50 incl. VAT)",
        customer_email="jan@example.com",
        client_reference_id="42",
        metadata={"registration_id": "42"},
        expires_at=kw.pop("expires_at", clock() + timedelta(minutes=45)),
        success_url="https://podium.test/paid?session_id={CHECKOUT_SESSION_ID}",
        cancel_url="https://podium.test/pay",
        locale="en",
        idempotency_key=key,
    )


def test_gateway_for_picks_stripe_with_a_key_and_the_local_checkout_without(app, stripe_api):
    assert isinstance(gateway_for(app), StripeGateway)
    app.config.update(STRIPE_SECRET_KEY="", STRIPE_WEBHOOK_SECRET="")
    local = gateway_for(app)
    assert isinstance(local, LocalTestGateway)
    assert local.webhook_secret == dev_webhook_secret(app)
    assert local.webhook_secret.startswith("whsec_dev_")
    assert is_live_key("sk_live_abc") and not is_live_key("sk_test_abc") and not is_live_key("")


def test_checkout_session_request_has_stripe_shape_and_idempotency_key(gateway, stripe_api, clock):
    session = _create(gateway, clock)
    [call] = stripe_api.calls("POST", "/v1/checkout/sessions")
    assert call.headers["idempotency-key"] == "key-1"
    assert call.headers["authorization"] == "Bearer sk_test_podium"
    params = call.params
    assert params["mode"] == "payment"
    item = params["line_items"][0]
    assert item["quantity"] == "1"
    assert item["price_data"]["currency"] == "eur"
    assert item["price_data"]["unit_amount"] == "6050"
    assert item["price_data"]["product_data"]["name"].startswith("Digital Talk")
    assert params["customer_email"] == "jan@example.com"
    assert params["client_reference_id"] == "42"
    assert params["metadata"] == {"registration_id": "42"}
    assert int(params["expires_at"]) == int((clock() + timedelta(minutes=45)).timestamp())
    assert session.id.startswith("cs_test_") and session.url.startswith("https://")
    assert (session.status, session.payment_status, session.amount_total) == (
        "open",
        "unpaid",
        6050,
    )


def test_same_key_gives_same_session_and_other_parameters_are_refused(gateway, stripe_api, clock):
    first = _create(gateway, clock)
    again = _create(gateway, clock)
    assert again.id == first.id
    assert len(stripe_api.sessions) == 1
    with pytest.raises(IdempotencyConflict):
        _create(gateway, clock, amount=5000)


def test_stripe_limits_on_expiry_are_enforced_by_the_server(gateway, clock):
    with pytest.raises(GatewayError):
        _create(gateway, clock, expires_at=clock() + timedelta(minutes=10))


def test_retrieve_expire_and_refund(gateway, stripe_api, clock):
    session = _create(gateway, clock)
    stripe_api.mark_paid(session.id)
    paid = gateway.retrieve_session(session.id)
    assert (paid.status, paid.payment_status) == ("complete", "paid")
    assert paid.payment_intent.startswith("pi_test_")
    with pytest.raises(GatewayError):
        gateway.expire_session(session.id)  # a paid session cannot be expired
    refund = gateway.refund(
        payment_intent=paid.payment_intent,
        amount_cents=6050,
        idempotency_key="refund-1",
        metadata={},
    )
    again = gateway.refund(
        payment_intent=paid.payment_intent,
        amount_cents=6050,
        idempotency_key="refund-1",
        metadata={},
    )
    assert refund.id == again.id and refund.amount == 6050 and refund.status == "succeeded"
    assert len(stripe_api.refunds) == 1
    assert stripe_api.calls("POST", "/v1/refunds")[0].headers["idempotency-key"] == "refund-1"
    other = _create(gateway, clock, key="key-2")
    assert gateway.expire_session(other.id).status == "expired"


def test_provider_failures_become_gateway_errors(gateway, stripe_api, clock):
    stripe_api.fail_next.append(500)
    with pytest.raises(GatewayError):
        _create(gateway, clock)
    with pytest.raises(GatewayError):
        gateway.retrieve_session("cs_test_unknown")
    unreachable = StripeGateway(
        api_key="sk_test_x", webhook_secret="", api_base="http://127.0.0.1:9", max_network_retries=0
    )
    with pytest.raises(GatewayError):
        unreachable.retrieve_session("cs_test_x")


def test_construct_event_verifies_with_stripes_scheme(gateway):
    body = event_body("checkout.session.completed", {"id": "cs_1"}, "evt_1")
    event = gateway.construct_event(body, sign(body))
    assert event["id"] == "evt_1" and event["data"]["object"]["id"] == "cs_1"
    # the local test checkout signs exactly like Stripe: Stripe's own code accepts it
    assert gateway.construct_event(body, sign_payload(body, WEBHOOK_SECRET))["id"] == "evt_1"
    rejected = {
        "missing": (body, None),
        "wrong secret": (body, sign(body, "whsec_other")),
        "tampered": (body.replace(b"cs_1", b"cs_2"), sign(body)),
        "stale": (body, sign(body, timestamp=int(time.time()) - 600)),
        "garbage header": (body, "nonsense"),
    }
    for name, (payload, header) in rejected.items():
        with pytest.raises(WebhookRejected) as info:
            gateway.construct_event(payload, header)
        assert info.value.code == "bad_signature", name
    for payload in (b"{not json", b"[1, 2]", json.dumps({"id": "evt", "type": "x"}).encode()):
        with pytest.raises(WebhookRejected) as info:
            gateway.construct_event(payload, sign(payload))
        assert info.value.code == "bad_payload"


def test_start_checkout_opens_one_session_per_attempt(
    app, gateway, stripe_api, clock, make_registration
):
    registration = make_registration()
    payment = start_checkout(registration, now=clock(), gateway=gateway)
    db.session.commit()
    again = start_checkout(registration, now=clock(), gateway=gateway)
    assert again.id == payment.id  # the open session is reused
    assert len(stripe_api.sessions) == 1
    assert payment.idempotency_key == f"reg-{registration.id}-attempt-1"
    assert payment.provider == "stripe" and payment.status == "open"
    assert payment.amount_cents == 6050 and payment.currency == "eur"
    # the hold is 30 minutes; Stripe needs 30 minutes at least: 31 with a minute to spare
    assert payment.expires_at == clock() + timedelta(minutes=31)
    [call] = stripe_api.calls("POST", "/v1/checkout/sessions")
    assert call.headers["idempotency-key"] == payment.idempotency_key
    assert call.params["line_items"][0]["price_data"]["product_data"]["description"] == (
        "€50 excl. VAT (€60.50 incl. VAT)"
    )
    assert call.params["line_items"][0]["price_data"]["product_data"]["name"] == (
        "DDMA Digital Talk: DPA and cookie enforcement"
    )
    assert call.params["metadata"]["registration_id"] == str(registration.id)
    assert call.params["success_url"].endswith("/paid?session_id={CHECKOUT_SESSION_ID}")
    assert payment.checkout_url == stripe_api.sessions[payment.session_id]["url"]


def test_a_long_hold_is_the_session_expiry(app, gateway, clock, make_registration):
    registration = make_registration(hold_expires_at=clock() + timedelta(hours=2))
    payment = start_checkout(registration, now=clock(), gateway=gateway)
    assert payment.expires_at == clock() + timedelta(hours=2)


def test_a_key_used_by_a_lost_request_moves_to_the_next_attempt(
    app, gateway, stripe_api, clock, make_registration
):
    registration = make_registration()
    # an earlier request created a session under attempt 1 and then failed before we stored it
    _create(gateway, clock, key=f"reg-{registration.id}-attempt-1", amount=100)
    payment = start_checkout(registration, now=clock(), gateway=gateway)
    assert payment.idempotency_key == f"reg-{registration.id}-attempt-2"
    assert stripe_api.sessions[payment.session_id]["amount_total"] == 6050


@pytest.mark.parametrize(
    ("state", "hold", "code"),
    [("confirmed", None, "not_payable"), ("pending_payment", -1, "hold_expired")],
)
def test_start_checkout_refuses_what_cannot_be_paid(
    app, gateway, stripe_api, clock, make_registration, state, hold, code
):
    kw = {"hold_expires_at": clock() + timedelta(minutes=hold)} if hold else {}
    registration = make_registration(state=state, **kw)
    with pytest.raises(CheckoutRefused) as info:
        start_checkout(registration, now=clock(), gateway=gateway)
    assert info.value.code == code
    assert stripe_api.requests == []
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 0
