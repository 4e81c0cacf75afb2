"""The attendee list of an event, shared by the admin page, its CSV/XLSX export and the CLI.

Three queries whatever the size: registrations with what they paid and what was refunded (one
aggregate subquery over payments), their vouchers, and the invoice numbers of the event's
registrations.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from core.errors import NotFound
from core.extensions import db
from core.money import format_eur
from core.spreadsheets import Euros, Table, Value, csv_text
from events.models import Event, EventQuestion, Invoice, Payment, Registration
from events.payments import cancellable_state
from events.services import event_questions

CSV_FIELDS = (
    "name", "email", "organisation", "state", "audience", "comp", "amount_paid",
    "amount_refunded", "invoice_numbers", "checked_in_at", "registered_at",
    "voucher_code",
)  # fmt: skip
TABLE_FIELDS = (
    "name", "email", "organisation", "state", "audience", "amount_paid", "amount_refunded",
    "invoices",
)  # fmt: skip


@dataclass(frozen=True)
class AttendeeRow:
    """One registration as listed: `paid_cents` is the money received (gross, of every paid
    payment), `refunded_cents` what of it was paid back; a refunded attendee paid €60.50 and
    was refunded €60.50."""

    registration: Registration
    paid_cents: int
    refunded_cents: int
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
    each with the amounts paid and refunded (over its paid payments) and invoice numbers."""
    paid = (
        sa.select(
            Payment.registration_id.label("registration_id"),
            sa.func.sum(Payment.amount_cents).label("cents"),
            sa.func.sum(Payment.refunded_cents).label("refunded"),
        )
        .where(Payment.paid_at.is_not(None))
        .group_by(Payment.registration_id)
        .subquery()
    )
    query = (
        sa.select(
            Registration,
            sa.func.coalesce(paid.c.cents, 0),
            sa.func.coalesce(paid.c.refunded, 0),
        )
        .outerjoin(paid, paid.c.registration_id == Registration.id)
        .where(Registration.event_id == event.id)
        .order_by(sa.func.lower(Registration.name), Registration.id)
        .options(selectinload(Registration.voucher))  # the voucher code, in one more query
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
        AttendeeRow(
            registration, int(cents), int(refunded), tuple(numbers.get(registration.id, ()))
        )
        for registration, cents, refunded in rows
    ]


def _values(row: AttendeeRow) -> dict[str, Value]:
    r = row.registration
    return {
        "name": r.name,
        "email": r.email,
        "organisation": r.organisation,
        "state": r.state,
        "audience": r.audience or "",
        "comp": r.comp,
        "amount_paid": Euros(row.paid_cents),
        "amount_refunded": Euros(row.refunded_cents),
        "invoice_numbers": " ".join(row.invoice_numbers),
        "invoices": ", ".join(row.invoice_numbers),
        "checked_in_at": r.checked_in_at,
        "registered_at": r.created_at,
        # the type's Dutch name (as the audit log names things); loaded once per type (only
        # a registration with a type loads it: an event without types costs no query)
        "ticket_type": r.ticket_type.name_nl if r.ticket_type is not None else "",
        "voucher_code": r.voucher.code if r.voucher is not None else "",
    }


def fields_for(rows: list[AttendeeRow]) -> tuple[str, ...]:
    """`CSV_FIELDS`, with a "ticket_type" column after "audience" when any row has a type."""
    if not any(row.registration.ticket_type_id is not None for row in rows):
        return CSV_FIELDS
    at = CSV_FIELDS.index("audience") + 1
    return (*CSV_FIELDS[:at], "ticket_type", *CSV_FIELDS[at:])


def spreadsheet(rows: list[AttendeeRow], questions: Sequence[EventQuestion] = ()) -> Table:
    """The rows as a `core.spreadsheets.Table` of `fields_for(rows)` (`CSV_FIELDS`, and the
    ticket type for an event selling types; typed: amounts, times), then a `q_<key>` column
    per question of `questions` (the event's registration questions) with each attendee's
    answer (`question_columns`)."""
    values = [_values(row) for row in rows]
    fields = fields_for(rows)
    header, answers = question_columns(rows, questions)
    return Table(
        (*fields, *header),
        [[v[f] for f in fields] + extra for v, extra in zip(values, answers, strict=True)],
        title="attendees",
    )


def question_columns(
    rows: list[AttendeeRow], questions: Sequence[EventQuestion]
) -> tuple[list[str], list[list[Value]]]:
    """A column name per question (`q_<key>`) and, per row, its answers as cells (yes/no a
    boolean, an open question empty), loaded in one query."""
    found = event_questions.answers_by_registration(row.registration.id for row in rows)
    header = [event_questions.field_name(q) for q in questions]
    cells: list[list[Value]] = [
        [
            event_questions.export_value(q, found.get(row.registration.id, {}).get(q.id))
            for q in questions
        ]
        for row in rows
    ]
    return header, cells


def to_csv(
    rows: list[AttendeeRow], *, locale: str = "nl", questions: Sequence[EventQuestion] = ()
) -> str:
    """Plain comma-separated CSV for the command line (`core.spreadsheets.csv_text`): a header
    line (`CSV_FIELDS`), amounts in `locale`, times in Europe/Amsterdam ISO 8601, every text
    cell guarded against formula injection. The download is `spreadsheet` in the
    reader's spreadsheet format."""
    return csv_text(spreadsheet(rows, questions), locale=locale)


def to_table(rows: list[AttendeeRow], *, locale: str = "nl") -> str:
    """A plain-text table with aligned columns (`TABLE_FIELDS`) for the terminal."""

    def text(value: Value) -> str:
        return format_eur(value.cents, locale) if isinstance(value, Euros) else str(value or "")

    lines = [list(TABLE_FIELDS)] + [[text(_values(row)[f]) for f in TABLE_FIELDS] for row in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(TABLE_FIELDS))]
    out = ["  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
           for line in lines]  # fmt: skip
    out.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(out) + "\n"
