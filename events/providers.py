"""Which payment adapter serves a request: the composition of the gateway port and its adapters.

`events.gateway` is the port and imports no adapter; `events.stripe_gateway` (Stripe) and
`events.local_checkout` (the local test checkout) implement it. This module, above all three,
chooses between them from the configuration, and finds the adapter a stored Payment was made
with (a refund must go back through the provider that took the money).
"""

from __future__ import annotations

from flask import Flask

from events.gateway import PaymentGateway, dev_webhook_secret
from events.local_checkout import LocalTestGateway
from events.stripe_gateway import StripeGateway


def gateway_for(app: Flask) -> PaymentGateway:
    """The gateway the configuration asks for.

    With STRIPE_SECRET_KEY set: Stripe (STRIPE_WEBHOOK_SECRET verifies webhooks,
    STRIPE_API_BASE points the library at another API host such as a local mock,
    STRIPE_MAX_NETWORK_RETRIES defaults to 2). Without a key: the local test checkout,
    signing its events with `dev_webhook_secret(app)`. Adapters are cached per app and
    configuration.
    """
    key = app.config.get("STRIPE_SECRET_KEY") or ""
    secret = app.config.get("STRIPE_WEBHOOK_SECRET") or ""
    base = app.config.get("STRIPE_API_BASE") or ""
    retries = int(app.config.get("STRIPE_MAX_NETWORK_RETRIES", 2))
    cache = app.extensions.setdefault("podium_gateways", {})
    cache_key = (key, secret, base, retries, app.config["SECRET_KEY"])
    gateway: PaymentGateway | None = cache.get(cache_key)
    if gateway is None:
        if key:
            gateway = StripeGateway(
                api_key=key, webhook_secret=secret, api_base=base, max_network_retries=retries
            )
        else:
            gateway = LocalTestGateway(webhook_secret=dev_webhook_secret(app))
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
