"""Receiving provider webhooks: verify, record once, act.

The webhook view and the local test checkout both call `receive_webhook` with the raw body
and the Stripe-Signature header, so test payments travel the same code as real ones.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core.errors import DomainError
from core.extensions import db
from events.gateway import PaymentGateway
from events.models import WebhookEvent
from events.services.checkout import handle_event


class DuplicateEvent(DomainError):
    """This event id was received before; the caller rolls back and answers 200."""

    code = "duplicate_event"
    status = 200
    message = _l("This event was already received.")


def receive_webhook(
    payload: bytes, sig_header: str | None, *, now: datetime, gateway: PaymentGateway
) -> str:
    """Verify `payload`, record its event id once, and act on it; returns the outcome.

    The WebhookEvent row is written first under its unique event id, so of two deliveries of
    one event exactly one gets past this point (the other waits for it, then fails the
    unique constraint). Flushes. Raises WebhookRejected (bad/missing/stale signature, bad
    JSON) before writing anything, DuplicateEvent for an id seen before (the session then
    needs a rollback), and whatever `handle_event` raises (EventNotPlaceable for an event
    that cannot be placed yet, GatewayError, OperationalError on a lock timeout); the caller
    rolls back and answers non-2xx, so the provider delivers the event again.
    """
    event = gateway.construct_event(payload, sig_header)
    row = WebhookEvent(
        provider=gateway.provider,
        event_id=event["id"],
        type=event["type"][:80],
        payload=event,
        received_at=now,
    )
    db.session.add(row)
    try:
        db.session.flush()
    except sa.exc.IntegrityError as exc:
        raise DuplicateEvent() from exc
    outcome = handle_event(event, now=now, gateway=gateway)
    row.processed_at = now
    db.session.flush()
    return outcome
