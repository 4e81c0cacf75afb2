"""The Stripe adapter: the only module that imports `stripe`.

It speaks to the Stripe API through `stripe.StripeClient` (API base overridable for a local
mock server) and verifies webhooks with `stripe.Webhook.construct_event`. Every Stripe error
becomes a `GatewayError` (with the Stripe error code in the log), every bad webhook a
`WebhookRejected`.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

import stripe
from stripe._base_address import BaseAddresses

from core.text import json_text_problems
from events.gateway import (
    AlreadyRefunded,
    GatewayError,
    GatewayRefund,
    GatewaySession,
    IdempotencyConflict,
    WebhookRejected,
)

log = logging.getLogger(__name__)

#: seconds a webhook signature stays valid (Stripe's default tolerance)
WEBHOOK_TOLERANCE = 300


def verify_event(payload: bytes, sig_header: str | None, secret: str) -> dict[str, Any]:
    """Check `payload` against a Stripe-Signature header with Stripe's own code; return the event.

    Raises WebhookRejected("bad_signature") for a missing, wrong or older-than-5-minutes
    signature or a missing secret, and WebhookRejected("bad_payload") for a body that is not
    UTF-8 JSON describing an event with an id, a type and a data object, nests too deep, or
    holds text with control characters (NUL, lone surrogates: no database column takes them).
    """
    try:
        stripe.Webhook.construct_event(payload, sig_header, secret, tolerance=WEBHOOK_TOLERANCE)
    except stripe.SignatureVerificationError as exc:
        raise WebhookRejected(code="bad_signature") from exc
    except (ValueError, AttributeError, TypeError, RecursionError) as exc:
        # not UTF-8, not JSON, or JSON that is not an object (the library fails on `[1, 2]`)
        raise WebhookRejected(code="bad_payload") from exc
    event = json.loads(payload)
    if not (
        isinstance(event, dict)
        and isinstance(event.get("id"), str)
        and 0 < len(event["id"]) <= 255
        and isinstance(event.get("type"), str)
        and isinstance(event.get("data"), dict)
        and isinstance(event["data"].get("object"), dict)
        and not json_text_problems(event)
    ):
        raise WebhookRejected(code="bad_payload")
    return event


def _session(obj: dict[str, Any]) -> GatewaySession:
    return GatewaySession(
        id=obj["id"],
        url=obj.get("url") or "",
        status=obj.get("status") or "",
        payment_status=obj.get("payment_status") or "",
        amount_total=int(obj.get("amount_total") or 0),
        currency=(obj.get("currency") or "").lower(),
        client_reference_id=obj.get("client_reference_id"),
        payment_intent=_id_of(obj.get("payment_intent")),
        expires_at=datetime.fromtimestamp(int(obj.get("expires_at") or 0), UTC),
        metadata={str(k): str(v) for k, v in (obj.get("metadata") or {}).items()},
    )


def _id_of(value: Any) -> str | None:
    """An id from a field that is either an id string or an expanded object."""
    if value is None or isinstance(value, str):
        return value
    return value.get("id")


class StripeGateway:
    """`PaymentGateway` on Stripe Checkout. Raises GatewayError for every Stripe failure."""

    provider = "stripe"

    def __init__(
        self, *, api_key: str, webhook_secret: str, api_base: str = "", max_network_retries: int = 2
    ) -> None:
        bases: BaseAddresses | None = {"api": api_base.rstrip("/")} if api_base else None
        self._client = stripe.StripeClient(
            api_key, base_addresses=bases, max_network_retries=max_network_retries
        )
        self._webhook_secret = webhook_secret

    def _call(self, what: str, fn, *args, **kwargs) -> dict[str, Any]:
        """`fn(...)` as a plain dict; Stripe errors become GatewayError (IdempotencyConflict,
        AlreadyRefunded for a refund of a charge refunded in full before)."""
        try:
            return fn(*args, **kwargs).to_dict()
        except stripe.IdempotencyError as exc:
            log.warning("stripe %s: idempotency key reused with other parameters", what)
            raise IdempotencyConflict() from exc
        except stripe.InvalidRequestError as exc:
            if exc.code == "charge_already_refunded":
                raise AlreadyRefunded() from exc
            log.warning("stripe %s failed: %s (%s)", what, exc.user_message or exc, exc.code)
            raise GatewayError(code=f"stripe_{exc.code or type(exc).__name__}") from exc
        except stripe.StripeError as exc:
            log.warning("stripe %s failed: %s (%s)", what, exc.user_message or exc, exc.code)
            raise GatewayError(code=f"stripe_{exc.code or type(exc).__name__}") from exc

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
        """POST /v1/checkout/sessions: one EUR `price_data` line, the gross amount, quantity 1."""
        params = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": currency,
                        "unit_amount": amount_cents,
                        "product_data": {"name": name, "description": description},
                    },
                }
            ],
            "customer_email": customer_email,
            "client_reference_id": client_reference_id,
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
            "expires_at": int(expires_at.timestamp()),
            "success_url": success_url,
            "cancel_url": cancel_url,
            "locale": locale,
        }
        session = self._call(
            "create session",
            self._client.v1.checkout.sessions.create,
            params,
            {"idempotency_key": idempotency_key},
        )
        return _session(session)

    def retrieve_session(self, session_id: str) -> GatewaySession:
        """GET /v1/checkout/sessions/<id>."""
        return _session(
            self._call("retrieve session", self._client.v1.checkout.sessions.retrieve, session_id)
        )

    def expire_session(self, session_id: str) -> GatewaySession:
        """POST /v1/checkout/sessions/<id>/expire (only open sessions can be expired)."""
        return _session(
            self._call("expire session", self._client.v1.checkout.sessions.expire, session_id)
        )

    def session_for_payment_intent(self, payment_intent: str) -> GatewaySession | None:
        """GET /v1/checkout/sessions?payment_intent=<id>: the session that created it, if any."""
        found = self._call(
            "find session",
            self._client.v1.checkout.sessions.list,
            {"payment_intent": payment_intent, "limit": 1},
        )
        sessions = found.get("data") or []
        return _session(sessions[0]) if sessions else None

    def refund(
        self,
        *,
        payment_intent: str,
        amount_cents: int,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> GatewayRefund:
        """POST /v1/refunds for `amount_cents` of `payment_intent` (requested by the customer)."""
        refund = self._call(
            "refund",
            self._client.v1.refunds.create,
            {
                "payment_intent": payment_intent,
                "amount": amount_cents,
                "reason": "requested_by_customer",
                "metadata": metadata,
            },
            {"idempotency_key": idempotency_key},
        )
        return GatewayRefund(id=refund["id"], amount=int(refund["amount"]), status=refund["status"])

    def construct_event(self, payload: bytes, sig_header: str | None) -> dict[str, Any]:
        """Verify with STRIPE_WEBHOOK_SECRET; see `verify_event`."""
        return verify_event(payload, sig_header, self._webhook_secret)
