"""The local test checkout: a stand-in for Stripe when no Stripe key is configured, in
development only (`enabled`): in production or with Stripe keys its pages answer 404.

Nothing leaves the machine and no money moves. A session lives in its Payment row: the
session id and amount are the row's, "paid" means the test checkout page set a
`payment_intent_id`, "failed"/"expired" follow the row's status or its `expires_at`.
The page's buttons produce Stripe-shaped events (`checkout.session.completed`,
`checkout.session.async_payment_failed`), signed exactly as Stripe signs them
(`t=<unix time>,v1=HMAC-SHA256(secret, "<t>.<body>")`), which the caller feeds to the same
webhook code as real Stripe events; verification is Stripe's own (`verify_event`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

from core.config import is_production
from core.extensions import db
from events.gateway import GatewayError, GatewayRefund, GatewaySession
from events.models import Payment
from events.stripe_gateway import verify_event

SESSION_PREFIX = "cs_test_local_"


def enabled(config: Mapping[str, Any]) -> bool:
    """Whether the local test checkout may take "payments": only in development and without
    a Stripe key. Production refuses to start without one (`core.config.unsafe_settings`)
    unless PODIUM_WITHOUT_PAYMENTS=1, and then takes no payments at all."""
    return not is_production(config) and not config.get("STRIPE_SECRET_KEY")


class SessionNotOpen(GatewayError):
    """The test checkout session was paid, failed or expired already."""

    code = "session_not_open"
    status = 409
    message = _l("This test checkout is no longer open.")


def sign_payload(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The Stripe-Signature header value for `payload`: `t=...,v1=<hex HMAC-SHA256>`.

    `timestamp` defaults to the real Unix time (Stripe's tolerance check uses real time).
    """
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    signature = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={signature}"


def session_object(session: GatewaySession, *, customer_email: str = "") -> dict[str, Any]:
    """A Stripe-shaped `checkout.session` object for an event body."""
    return {
        "id": session.id,
        "object": "checkout.session",
        "mode": "payment",
        "status": session.status,
        "payment_status": session.payment_status,
        "amount_total": session.amount_total,
        "currency": session.currency,
        "client_reference_id": session.client_reference_id,
        "customer_email": customer_email,
        "metadata": dict(session.metadata),
        "payment_intent": session.payment_intent,
        "expires_at": int(session.expires_at.timestamp()),
        "url": session.url,
        "livemode": False,
    }


class LocalTestGateway:
    """`PaymentGateway` for development; needs an app context (it reads Payment rows)."""

    provider = "test"

    def __init__(self, *, webhook_secret: str) -> None:
        self.webhook_secret = webhook_secret

    def _derived(self, prefix: str, value: str) -> str:
        digest = hmac.new(self.webhook_secret.encode(), value.encode(), hashlib.sha256)
        return prefix + digest.hexdigest()[:24]

    def _payment(self, session_id: str) -> Payment:
        payment = db.session.scalar(sa.select(Payment).where(Payment.session_id == session_id))
        if payment is None or payment.provider != self.provider:
            raise GatewayError(_l("No such test checkout session."), code="resource_missing")
        return payment

    def _session(self, payment: Payment) -> GatewaySession:
        now = current_app.config["CLOCK"]()
        if payment.payment_intent_id:
            status, payment_status = "complete", "paid"
        elif payment.status == "failed":
            status, payment_status = "complete", "unpaid"
        elif payment.status == "expired" or now >= payment.expires_at:
            status, payment_status = "expired", "unpaid"
        else:
            status, payment_status = "open", "unpaid"
        return GatewaySession(
            id=payment.session_id or "",
            url=payment.checkout_url,
            status=status,
            payment_status=payment_status,
            amount_total=payment.amount_cents,
            currency=payment.currency,
            client_reference_id=str(payment.registration_id),
            payment_intent=payment.payment_intent_id,
            expires_at=payment.expires_at,
            metadata={"registration_id": str(payment.registration_id)},
        )

    def create_checkout_session(
        self,
        *,
        amount_cents: int,
        currency: str,
        name: str,
        description: str,
        customer_email: str,
        client_reference_id: str,
        metadata: dict[str, str],
        expires_at: datetime,
        success_url: str,
        cancel_url: str,
        locale: str,
        idempotency_key: str,
    ) -> GatewaySession:
        """A session whose id is derived from the idempotency key (same key, same session)."""
        session_id = self._derived(SESSION_PREFIX, idempotency_key)
        return GatewaySession(
            id=session_id,
            url=url_for("payments.test_checkout", session_id=session_id),
            status="open",
            payment_status="unpaid",
            amount_total=amount_cents,
            currency=currency,
            client_reference_id=client_reference_id,
            payment_intent=None,
            expires_at=expires_at,
            metadata=dict(metadata),
        )

    def retrieve_session(self, session_id: str) -> GatewaySession:
        """The session of the Payment row; GatewayError("resource_missing") if there is none."""
        return self._session(self._payment(session_id))

    def expire_session(self, session_id: str) -> GatewaySession:
        """Expire an open session (the caller marks the Payment expired).

        Raises SessionNotOpen when it was paid, failed or has expired.
        """
        session = self.retrieve_session(session_id)
        if session.status != "open":
            raise SessionNotOpen()
        return replace(session, status="expired")

    def session_for_payment_intent(self, payment_intent: str) -> GatewaySession | None:
        """The session of the test Payment paid with `payment_intent`, or None."""
        payment = db.session.scalar(
            sa.select(Payment).where(
                Payment.payment_intent_id == payment_intent, Payment.provider == self.provider
            )
        )
        return self._session(payment) if payment is not None else None

    def refund(
        self,
        *,
        payment_intent: str,
        amount_cents: int,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> GatewayRefund:
        """Always succeeds; the refund id is derived from the key (same key, same refund)."""
        return GatewayRefund(
            id=self._derived("re_test_local_", idempotency_key),
            amount=amount_cents,
            status="succeeded",
        )

    def construct_event(self, payload: bytes, sig_header: str | None) -> dict[str, Any]:
        """Verify exactly as for Stripe (`verify_event`) with this gateway's webhook secret."""
        return verify_event(payload, sig_header, self.webhook_secret)

    # -- the test checkout page's buttons ---------------------------------------------------

    def pay(self, session_id: str) -> tuple[bytes, str]:
        """Pay an open session: mark it paid and return a signed `checkout.session.completed`.

        Flushes. Raises SessionNotOpen unless the session is open.
        """
        payment = self._payment(session_id)
        if self._session(payment).status != "open":
            raise SessionNotOpen()
        payment.payment_intent_id = self._derived("pi_test_local_", session_id)
        db.session.flush()
        return self.signed_event("checkout.session.completed", payment)

    def fail(self, session_id: str) -> tuple[bytes, str]:
        """Let an open session's payment fail: a signed `checkout.session.async_payment_failed`.

        Raises SessionNotOpen unless the session is open.
        """
        payment = self._payment(session_id)
        if self._session(payment).status != "open":
            raise SessionNotOpen()
        return self.signed_event("checkout.session.async_payment_failed", payment, failed=True)

    def signed_event(
        self, event_type: str, payment: Payment, *, failed: bool = False
    ) -> tuple[bytes, str]:
        """(body, Stripe-Signature header) of a `event_type` event about `payment`'s session."""
        session = self._session(payment)
        obj = session_object(session, customer_email=payment.registration.email)
        if failed:
            obj.update(status="complete", payment_status="unpaid")
        event = {
            "id": "evt_test_local_" + secrets.token_hex(12),
            "object": "event",
            "type": event_type,
            "created": int(time.time()),
            "livemode": False,
            "data": {"object": obj},
        }
        payload = json.dumps(event, separators=(",", ":")).encode()
        return payload, sign_payload(payload, self.webhook_secret)
