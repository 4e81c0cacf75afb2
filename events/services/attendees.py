"""The attendee list of an event, shared by the admin page, its CSV export and the CLI.

Two queries whatever the size: registrations with their paid amount (one aggregate subquery
over payments), and the invoice numbers of the event's registrations.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from core.clock import local
from core.errors import NotFound
from core.extensions import db
from core.money import format_eur
from events.models import Event, Invoice, Payment, Registration
from events.payments import cancellable_state

CSV_FIELDS = (
    "name", "email", "organisation", "state", "audience", "comp", "amount_paid",
    "invoice_numbers", "checked_in_at", "registered_at",
)  # fmt: skip
TABLE_FIELDS = ("name", "email", "organisation", "state", "audience", "amount_paid", "invoices")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class AttendeeRow:
    """One registration as listed; `paid_cents` is gross money received minus refunds."""

    registration: Registration
    paid_cents: int
    invoice_numbers: tuple[str, ...]

    @property
    def checked_in(self) -> bool:
        return self.registration.checked_in_at is not None

    @property
    def cancellable(self) -> bool:
        """Whether an admin may cancel it (`events.payments.cancellable_state`)."""
        return cancellable_state(self.registration.state)


def find_event(ref: str) -> Event:
    """The event whose slug is `ref` (or whose id it is, for digits); raises NotFound."""
    event = db.session.scalar(sa.select(Event).where(Event.slug == ref))
    if event is None and ref.isdigit():
        event = db.session.get(Event, int(ref))
    if event is None:
        raise NotFound()
    return event


def attendee_rows(event: Event, *, states: Iterable[str] | None = None) -> list[AttendeeRow]:
    """The event's registrations by name (case-insensitive), optionally only in `states`,
    each with the amount paid (paid payments' amounts less refunds) and invoice numbers."""
    paid = (
        sa.select(
            Payment.registration_id.label("registration_id"),
            sa.func.sum(Payment.amount_cents - Payment.refunded_cents).label("cents"),
        )
        .where(Payment.paid_at.is_not(None))
        .group_by(Payment.registration_id)
        .subquery()
    )
    query = (
        sa.select(Registration, sa.func.coalesce(paid.c.cents, 0))
        .outerjoin(paid, paid.c.registration_id == Registration.id)
        .where(Registration.event_id == event.id)
        .order_by(sa.func.lower(Registration.name), Registration.id)
    )
    states = list(states or [])
    if states:
        query = query.where(Registration.state.in_(states))
    rows = db.session.execute(query).all()
    numbers: dict[int, list[str]] = {}
    for registration_id, number in db.session.execute(
        sa.select(Invoice.registration_id, Invoice.number)
        .join(Registration, Registration.id == Invoice.registration_id)
        .where(Registration.event_id == event.id)
        .order_by(Invoice.id)
    ):
        numbers.setdefault(registration_id, []).append(number)
    return [
        AttendeeRow(registration, int(cents), tuple(numbers.get(registration.id, ())))
        for registration, cents in rows
    ]


def _when(value: datetime | None) -> str:
    return local(value).isoformat(timespec="minutes") if value else ""


def _values(row: AttendeeRow, locale: str) -> dict[str, str]:
    r = row.registration
    return {
        "name": r.name,
        "email": r.email,
        "organisation": r.organisation,
        "state": r.state,
        "audience": r.audience or "",
        "comp": "yes" if r.comp else "no",
        "amount_paid": format_eur(row.paid_cents, locale),
        "invoice_numbers": " ".join(row.invoice_numbers),
        "invoices": ", ".join(row.invoice_numbers),
        "checked_in_at": _when(r.checked_in_at),
        "registered_at": _when(r.created_at),
    }


def guard_cell(text: str) -> str:
    """`text` with a leading ' when a spreadsheet would run it as a formula (= + - @ tab CR)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(rows: list[AttendeeRow], *, locale: str = "nl") -> str:
    """CSV with a header line (`CSV_FIELDS`); times in Europe/Amsterdam ISO 8601; every cell
    guarded against formula injection."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_FIELDS)
    for row in rows:
        values = _values(row, locale)
        writer.writerow([guard_cell(values[f]) for f in CSV_FIELDS])
    return out.getvalue()


def to_table(rows: list[AttendeeRow], *, locale: str = "nl") -> str:
    """A plain-text table with aligned columns (`TABLE_FIELDS`) for the terminal."""
    lines = [list(TABLE_FIELDS)] + [[_values(row, locale)[f] for f in TABLE_FIELDS] for row in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(TABLE_FIELDS))]
    text = ["  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
            for line in lines]  # fmt: skip
    text.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(text) + "\n"
