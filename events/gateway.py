"""The payment gateway port: what the events services need from a payment provider.

Two adapters implement `PaymentGateway`: `events.stripe_gateway.StripeGateway` (the only
module that imports `stripe`) and `events.local_checkout.LocalTestGateway` (a clearly marked
local test checkout for development, used when no Stripe key is configured). This port
imports neither: services receive a gateway as an argument, and
`events.providers.gateway_for(app)` picks the one the configuration asks for.

Amounts are integer cents, currencies lower-case ISO codes ("eur"), datetimes aware UTC.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from flask import Flask
from flask_babel import lazy_gettext as _l

from core.errors import DomainError


@dataclass(frozen=True)
class GatewaySession:
    """A checkout session as the provider reports it.

    `status` is "open", "complete" or "expired"; `payment_status` is "paid", "unpaid" or
    "no_payment_required" (Stripe's values).
    """

    id: str
    url: str
    status: str
    payment_status: str
    amount_total: int
    currency: str
    client_reference_id: str | None
    payment_intent: str | None
    expires_at: datetime
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class GatewayRefund:
    """A refund the provider accepted."""

    id: str
    amount: int
    status: str


class GatewayError(DomainError):
    """The provider could not be reached or refused a request; nothing was changed here.

    Views roll back and answer 503 (webhooks, so the provider retries) or show the message.
    """

    code = "gateway_error"
    status = 503
    message = _l("The payment provider could not be reached. Please try again in a moment.")


class IdempotencyConflict(GatewayError):
    """The idempotency key was used before with other parameters; retry with a new key."""

    code = "idempotency_conflict"


class AlreadyRefunded(GatewayError):
    """The payment was refunded in full at the provider already (e.g. in its dashboard,
    and the event saying so has not been booked yet): the money is back, nothing to send."""

    code = "already_refunded"


class WebhookRejected(DomainError):
    """A webhook body was refused: missing, bad or stale signature, or not a valid event.

    `code` is "bad_signature" or "bad_payload".
    """

    code = "bad_signature"
    status = 400
    message = _l("The webhook was refused.")


class PaymentGateway(Protocol):
    """What a payment provider offers the services. Every method raises GatewayError on failure."""

    #: stored in Payment.provider and WebhookEvent.provider ("stripe" / "test")
    provider: str

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
        """Create a one-line checkout session in payment mode; same key + same input -> same session."""
        ...

    def retrieve_session(self, session_id: str) -> GatewaySession:
        """The session as the provider sees it now."""
        ...

    def expire_session(self, session_id: str) -> GatewaySession:
        """Close an open session so it can no longer be paid; GatewayError if it is not open."""
        ...

    def session_for_payment_intent(self, payment_intent: str) -> GatewaySession | None:
        """The checkout session that created `payment_intent`, or None when no session did
        (a payment made elsewhere with the same account)."""
        ...

    def refund(
        self,
        *,
        payment_intent: str,
        amount_cents: int,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> GatewayRefund:
        """Refund `amount_cents` of a payment; same key -> one refund."""
        ...

    def construct_event(self, payload: bytes, sig_header: str | None) -> dict[str, Any]:
        """Verify a webhook body against its Stripe-Signature header and return the event.

        Raises WebhookRejected("bad_signature") for a missing, wrong or stale signature and
        WebhookRejected("bad_payload") for a body that is not a JSON event object.
        """
        ...


def is_live_key(key: str | None) -> bool:
    """Whether `key` is a live Stripe secret (or restricted) key: real money moves."""
    return key is not None and key.startswith(("sk_live_", "rk_live_"))


def dev_webhook_secret(app: Flask) -> str:
    """The webhook secret the local test checkout signs with.

    The configured STRIPE_WEBHOOK_SECRET when set; otherwise one derived from SECRET_KEY, so
    every process of the app computes the same secret without storing it.
    """
    configured = app.config.get("STRIPE_WEBHOOK_SECRET") or ""
    if configured:
        return configured
    digest = hmac.new(
        str(app.config["SECRET_KEY"]).encode(), b"podium.test-webhook-secret", hashlib.sha256
    ).hexdigest()
    return f"whsec_dev_{digest[:32]}"
