"""Which payment adapter serves a request: the composition of the gateway port and its adapters.

`events.gateway` is the port and imports no adapter; `events.stripe_gateway` (Stripe) and
`events.local_checkout` (the local test checkout) implement it. This module, above all three,
chooses between them from the configuration, and finds the adapter a stored Payment was made
with (a refund must go back through the provider that took the money). Production without
Stripe (PODIUM_WITHOUT_PAYMENTS=1) gets `NoPayments`, which refuses every payment.
"""

from __future__ import annotations

from typing import Any, NoReturn

from flask import Flask
from flask_babel import lazy_gettext as _l

from events import local_checkout
from events.gateway import (
    GatewayError,
    GatewayRefund,
    GatewaySession,
    PaymentGateway,
    WebhookRejected,
    dev_webhook_secret,
)
from events.local_checkout import LocalTestGateway
from events.stripe_gateway import StripeGateway


class PaymentsOff(GatewayError):
    """No payment provider is configured (production with PODIUM_WITHOUT_PAYMENTS=1)."""

    code = "payments_off"
    message = _l("Payments are not available on this site. Please contact the organiser.")


class NoPayments:
    """`PaymentGateway` of a production site without Stripe: every call raises PaymentsOff
    (nothing is written), a webhook is refused as unsigned."""

    provider = "none"

    def _refuse(self) -> NoReturn:
        raise PaymentsOff()

    def create_checkout_session(self, **kwargs: Any) -> GatewaySession:
        self._refuse()

    def retrieve_session(self, session_id: str) -> GatewaySession:
        self._refuse()

    def expire_session(self, session_id: str) -> GatewaySession:
        self._refuse()

    def session_for_payment_intent(self, payment_intent: str) -> GatewaySession | None:
        self._refuse()

    def refund(self, **kwargs: Any) -> GatewayRefund:
        self._refuse()

    def construct_event(self, payload: bytes, sig_header: str | None) -> dict[str, Any]:
        raise WebhookRejected()


def gateway_for(app: Flask) -> PaymentGateway:
    """The gateway the configuration asks for.

    With STRIPE_SECRET_KEY set: Stripe (STRIPE_WEBHOOK_SECRET verifies webhooks,
    STRIPE_API_BASE points the library at another API host such as a local mock,
    STRIPE_MAX_NETWORK_RETRIES defaults to 2). Without a key: in development the local test
    checkout, signing its events with `dev_webhook_secret(app)`; in production `NoPayments`.
    Adapters are cached per app and configuration.
    """
    key = app.config.get("STRIPE_SECRET_KEY") or ""
    secret = app.config.get("STRIPE_WEBHOOK_SECRET") or ""
    base = app.config.get("STRIPE_API_BASE") or ""
    retries = int(app.config.get("STRIPE_MAX_NETWORK_RETRIES", 2))
    cache = app.extensions.setdefault("podium_gateways", {})
    local = local_checkout.enabled(app.config)
    cache_key = (key, secret, base, retries, app.config["SECRET_KEY"], local)
    gateway: PaymentGateway | None = cache.get(cache_key)
    if gateway is None:
        if key:
            gateway = StripeGateway(
                api_key=key, webhook_secret=secret, api_base=base, max_network_retries=retries
            )
        elif local:
            gateway = LocalTestGateway(webhook_secret=dev_webhook_secret(app))
        else:
            gateway = NoPayments()
        cache.clear()
        cache[cache_key] = gateway
    return gateway


def gateway_for_payment(
    provider: str, gateway: PaymentGateway, app: Flask
) -> PaymentGateway | None:
    """The adapter that can refund a payment made with `provider`: `gateway` when it is that
    provider, the local test checkout for a "test" payment (no money moved), else None (the
    provider that took the money is not configured now)."""
    if provider == gateway.provider:
        return gateway
    if provider == LocalTestGateway.provider:
        return LocalTestGateway(webhook_secret=dev_webhook_secret(app))
    return None
