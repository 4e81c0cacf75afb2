"""Fixtures for the payment, webhook and invoice tests.

Import the `*_fixture` functions into a test module; pytest knows them by their short names
(`payment_locking`, `make_event`, `make_registration`, `stripe_api`).

`payment_locking` makes sure the SQLite transaction listeners of `core.locking` are on the
test engine (a no-op now that the app factory installs them); `make_event` and
`make_registration` build priced events and registrations; `stripe_api` starts
`tests.stripe_server.StripeMock` and points the app at it; `sign` and `post_webhook` make
webhook requests signed the way Stripe signs them.
"""

from __future__ import annotations

import json
import secrets
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import count

import pytest

from core.extensions import db
from events.models import Event, Registration
from events.pricing import taxed
from tests.stripe_server import StripeMock

WEBHOOK_SECRET = "whsec_test_podium"
STARTS = datetime(2025, 3, 20, 15, 0, tzinfo=UTC)
_seq = count(1)


@pytest.fixture(name="payment_locking")
def payment_locking_fixture(app):
    from core import locking

    engine = db.engine
    if engine.dialect.name == "sqlite" and not locking.sqlite_locking_installed(engine):
        locking.install_sqlite_locking(engine)
        db.session.remove()
        engine.dispose()
    return engine


@pytest.fixture(name="make_event")
def make_event_fixture(app, clock, payment_locking):
    def _make_event(**kw) -> Event:
        n = next(_seq)
        event = Event(
            slug=kw.pop("slug", f"digital-talk-{n}"),
            title_nl=kw.pop("title_nl", "DDMA Digital Talk: AP en cookiehandhaving"),
            title_en=kw.pop("title_en", "DDMA Digital Talk: DPA and cookie enforcement"),
            kind="Digital Talk",
            starts_at=kw.pop("starts_at", STARTS),
            ends_at=kw.pop("ends_at", STARTS + timedelta(hours=1)),
            online=kw.pop("online", True),
            capacity=kw.pop("capacity", 10),
            registration_opens_at=clock() - timedelta(days=10),
            registration_closes_at=STARTS,
            price_member_cents=0,
            price_non_member_cents=kw.pop("price_non_member_cents", 5000),
            vat_rate=Decimal("0.21"),
            created_at=clock(),
            **kw,
        )
        db.session.add(event)
        db.session.commit()
        return event

    return _make_event


@pytest.fixture(name="make_registration")
def make_registration_fixture(app, clock, make_event):
    """A non-member registration, by default pending_payment with a 30-minute hold."""

    def _make_registration(event=None, *, state="pending_payment", **kw) -> Registration:
        event = event or make_event()
        n = next(_seq)
        reverse = kw.pop("reverse_charge", False)
        price = taxed(kw.pop("net_cents", 5000), Decimal("0.21"), reverse_charge=reverse)
        registration = Registration(
            event_id=event.id,
            token=secrets.token_urlsafe(24),
            state=state,
            email=kw.pop("email", f"person{n}@example.com"),
            name=kw.pop("name", f"Person {n}"),
            locale=kw.pop("locale", "en"),
            audience="non_member",
            net_cents=price.net_cents,
            vat_cents=price.vat_cents,
            gross_cents=price.gross_cents,
            vat_rate=price.rate,
            reverse_charge=price.reverse_charge,
            billing_company=kw.pop("billing_company", "Example B.V."),
            billing_address=kw.pop("billing_address", "Keizersgracht 1"),
            billing_postcode=kw.pop("billing_postcode", "1015 AA"),
            billing_city=kw.pop("billing_city", "Amsterdam"),
            billing_country=kw.pop("billing_country", "NL"),
            vat_id=kw.pop("vat_id", ""),
            privacy_consent_at=clock(),
            verified_at=clock(),
            hold_expires_at=kw.pop(
                "hold_expires_at",
                clock() + timedelta(minutes=30) if state == "pending_payment" else None,
            ),
            confirmed_at=clock() if state == "confirmed" else None,
            created_at=clock(),
            updated_at=clock(),
            **kw,
        )
        db.session.add(registration)
        db.session.commit()
        return registration

    return _make_registration


@pytest.fixture(name="stripe_api")
def stripe_api_fixture(app, clock):
    """The fake Stripe, with the app configured for it (no network retries)."""
    mock = StripeMock(clock=clock)
    base = mock.start()
    app.config.update(
        STRIPE_SECRET_KEY="sk_test_podium",
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=base,
        STRIPE_MAX_NETWORK_RETRIES=0,
    )
    yield mock
    mock.stop()


def sign(payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """A Stripe-Signature header: t=<unix time>,v1=HMAC-SHA256(secret, "t.payload")."""
    import hashlib
    import hmac

    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def event_body(kind: str, obj: dict, event_id: str | None = None) -> bytes:
    """A Stripe event body about `obj`."""
    event = {
        "id": event_id or "evt_" + secrets.token_hex(8),
        "object": "event",
        "type": kind,
        "created": int(time.time()),
        "data": {"object": obj},
    }
    return json.dumps(event).encode()


def post_webhook(client, body: bytes, header: str | None = "sign", secret: str = WEBHOOK_SECRET):
    """POST `body` to the webhook, signed with `secret` unless a `header` (or None) is given."""
    headers = {"Content-Type": "application/json"}
    if header == "sign":
        header = sign(body, secret)
    if header is not None:
        headers["Stripe-Signature"] = header
    return client.post("/events/stripe/webhook", data=body, headers=headers)
