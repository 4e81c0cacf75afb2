"""Builders for the events admin tests: an event, a registration in a given state, an invoice.

Plain functions (not fixtures) so that the web and integration tests of the events admin share
them without touching tests/factories.py. Each commits what it builds.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from core.extensions import db
from events.models import Event, Invoice, Registration

START = datetime(2025, 3, 20, 11, 0, tzinfo=UTC)  # 12:00 in Amsterdam
NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)  # the clock fixture's start


def make_event(slug: str = "digital-talk", **kw) -> Event:
    starts = kw.pop("starts_at", START)
    event = Event(
        slug=slug,
        title_nl=kw.pop("title_nl", "DDMA Digital Talk: AP en cookiehandhaving"),
        title_en=kw.pop("title_en", "DDMA Digital Talk: the DPA and cookie enforcement"),
        kind=kw.pop("kind", "Digital Talk"),
        starts_at=starts,
        ends_at=kw.pop("ends_at", starts + timedelta(minutes=45)),
        online=kw.pop("online", True),
        capacity=kw.pop("capacity", 100),
        registration_opens_at=kw.pop("registration_opens_at", starts - timedelta(days=30)),
        registration_closes_at=kw.pop("registration_closes_at", starts),
        price_member_cents=kw.pop("price_member_cents", 0),
        price_non_member_cents=kw.pop("price_non_member_cents", 5000),
        vat_rate=kw.pop("vat_rate", Decimal("0.21")),
        created_at=NOW,
        **kw,
    )
    db.session.add(event)
    db.session.commit()
    return event


def make_registration(event: Event, state: str = "confirmed", **kw) -> Registration:
    n = secrets.token_hex(3)
    registration = Registration(
        event_id=event.id,
        token=secrets.token_urlsafe(32),
        state=state,
        email=kw.pop("email", f"person-{n}@example.org"),
        name=kw.pop("name", f"Person {n}"),
        privacy_consent_at=NOW,
        created_at=NOW,
        updated_at=NOW,
        **kw,
    )
    db.session.add(registration)
    db.session.commit()
    return registration


def make_invoice(registration: Registration, number: str, *, series: str = "invoice") -> Invoice:
    sequence = int(number.rsplit("-", 1)[-1])
    invoice = Invoice(
        series=series,
        year=2025,
        sequence=sequence,
        number=number,
        registration_id=registration.id,
        issued_at=NOW,
        supplier={"name": "DDMA"},
        customer={"name": registration.name},
        lines=[],
        net_cents=5000,
        vat_cents=1050,
        gross_cents=6050,
    )
    db.session.add(invoice)
    db.session.commit()
    return invoice
