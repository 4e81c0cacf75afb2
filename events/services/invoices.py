"""Invoices and credit notes: gap-free numbers per series and year, issued once, never changed.

Numbers come from the `DocumentCounter` row of (series, year), locked for the rest of the
transaction (PostgreSQL: SELECT ... FOR UPDATE; SQLite: the insert that creates the row takes
the database write lock first). A number is only used when the transaction that took it
commits, so the series has no gaps and no duplicates, also under concurrent payments.
The year is the Amsterdam calendar year of the issue date.

Issued documents are immutable: an ORM update or delete of an `Invoice` row (one object or a
bulk statement) raises `ImmutableDocument`. A mistake is corrected with a credit note.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from babel.dates import format_date
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core import locking
from core.accounts.models import has_staff_rights
from core.audit.services import record
from core.clock import local
from core.errors import DomainError, NotFound
from core.extensions import db
from events.models import DocumentCounter, Event, Invoice, Registration
from events.pricing import TaxedPrice
from events.services import vouchers

INVOICE = "invoice"
CREDIT_NOTE = "credit_note"
_PREFIX = re.compile(r"[A-Za-z0-9-]{0,12}")


class ImmutableDocument(RuntimeError):
    """An issued invoice or credit note was about to be changed or deleted."""


class InvoiceError(DomainError):
    """Nothing to invoice (a free registration) or a credit note for a credit note."""

    code = "nothing_to_invoice"
    message = _l("There is nothing to invoice for this registration.")


@sa.event.listens_for(Invoice, "before_update")
@sa.event.listens_for(Invoice, "before_delete")
def _refuse_change(_mapper, _connection, target: Invoice) -> None:
    raise ImmutableDocument(f"invoice {target.number} is issued and cannot be changed")


@sa.event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_change(state) -> None:
    if (state.is_update or state.is_delete) and any(
        mapper.class_ is Invoice for mapper in state.all_mappers
    ):
        raise ImmutableDocument("issued invoices cannot be updated or deleted")


def _prefix() -> str:
    prefix = current_app.config.get("INVOICE_PREFIX") or ""
    if not _PREFIX.fullmatch(prefix):
        raise RuntimeError("INVOICE_PREFIX may hold up to 12 letters, digits and dashes")
    return prefix


def format_number(series: str, year: int, sequence: int, prefix: str = "") -> str:
    """ "2025-0001" for invoices, "CN2025-0001" for credit notes, after the configured prefix."""
    kind = "CN" if series == CREDIT_NOTE else ""
    return f"{prefix}{kind}{year}-{sequence:04d}"


def next_sequence(series: str, year: int) -> int:
    """Take the next number of (series, year); the counter row stays locked until commit.

    SQLite: first makes sure the transaction holds the write lock
    (`core.locking.write_transaction`; call it before changing other objects). Flushes.
    The number is lost only together with the transaction, so there are no gaps.
    """
    dialect = db.session.get_bind().dialect.name
    locking.write_transaction()
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(
        insert(DocumentCounter)
        .values(series=series, year=year, last_number=0)
        .on_conflict_do_nothing(index_elements=["series", "year"])
    )
    counter = db.session.scalars(
        sa.select(DocumentCounter)
        .where(DocumentCounter.series == series, DocumentCounter.year == year)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    counter.last_number += 1
    db.session.flush()
    return counter.last_number


def supplier_details() -> dict[str, str]:
    """The supplier block from the configuration (SUPPLIER_* keys), with demo defaults."""
    config = current_app.config
    return {
        "name": config.get("SUPPLIER_NAME") or "DDMA",
        "address": config.get("SUPPLIER_ADDRESS") or "Weesperstraat 5, 1018 DN Amsterdam",
        "vat_id": config.get("SUPPLIER_VAT_ID") or "NL000000000B01",
        "kvk": config.get("SUPPLIER_KVK") or "00000000",
        "country": "NL",
    }


def customer_details(registration: Registration) -> dict[str, str]:
    """The customer block: name, company, billing address, country, VAT id, e-mail."""
    return {
        "name": registration.name,
        "company": registration.billing_company or registration.organisation,
        "address": registration.billing_address,
        "postcode": registration.billing_postcode,
        "city": registration.billing_city,
        "country": registration.billing_country,
        "vat_id": registration.vat_id,
        "email": registration.email,
    }


def invoice_date(day: date, locale: str) -> str:
    """`day` as every date on an invoice is written: "1 december 2026", "1 December 2026"."""
    return format_date(day, "d MMMM y", locale=locale)


def event_label(event: Event, locale: str) -> str:
    """ "Digital Talk: <title>", or just the title when it already names the kind."""
    title = event.title(locale)
    return title if event.kind.lower() in title.lower() else f"{event.kind}: {title}"


def _ticket_label(registration: Registration) -> str:
    """What was bought: the event's label, and its ticket type's name when it has one
    ("Digital Talk: … — Studententicket")."""
    label = event_label(registration.event, registration.locale)
    ticket_type = registration.ticket_type
    return f"{label} — {ticket_type.name(registration.locale)}" if ticket_type else label


def _line(registration: Registration, price: TaxedPrice) -> dict:
    event = registration.event
    day = invoice_date(local(event.starts_at).date(), registration.locale)
    description = f"{_ticket_label(registration)} ({day}), {registration.name}"
    return {
        "description": with_voucher(description, registration),
        "quantity": 1,
        "unit_cents": price.net_cents,
        "net_cents": price.net_cents,
        "vat_rate": str(price.rate),
        "vat_cents": price.vat_cents,
        "gross_cents": price.gross_cents,
    }


def with_voucher(description: str, registration: Registration, locale: str | None = None) -> str:
    """The line's description naming the voucher and its discount, in `locale` (default: the
    registration's): the line's unit price is the discounted net (a Dutch invoice names a
    discount that is in the unit price), so the VAT of the one line, rounded once, is what
    the registrant was charged. A booking's invoice has such a line per attendee."""
    locale = locale or registration.locale
    locale = locale if locale in ("nl", "en") else "nl"
    text = vouchers.discount_text(registration, locale)
    return f"{description}; {text}" if text else description


def invoice_for(registration: Registration) -> Invoice | None:
    """The registration's invoice, or None: the latest, when its invoice address was
    corrected (each earlier one is credited and replaced by the next: `reissue_invoice`)."""
    return db.session.scalar(
        sa.select(Invoice)
        .where(Invoice.registration_id == registration.id, Invoice.series == INVOICE)
        .order_by(Invoice.id.desc())
        .limit(1)
    )


def credit_note_for(invoice: Invoice) -> Invoice | None:
    """The credit note of `invoice`, or None."""
    return db.session.scalar(
        sa.select(Invoice).where(
            Invoice.credits_invoice_id == invoice.id, Invoice.series == CREDIT_NOTE
        )
    )


def issue_invoice(registration: Registration, *, now: datetime) -> Invoice:
    """The invoice for a paid registration, issued now with the next number; once only.

    A second call returns the existing invoice. The amounts are the price quoted when the seat
    was taken (checked by `TaxedPrice`). Flushes and records "invoice.issued".
    Raises InvoiceError for a registration without a price (free, complimentary).
    """
    existing = invoice_for(registration)
    if existing is not None:
        return existing
    if registration.gross_cents <= 0:
        raise InvoiceError()
    price = TaxedPrice(
        registration.net_cents,
        registration.vat_cents,
        registration.gross_cents,
        Decimal(registration.vat_rate),
        bool(registration.reverse_charge),
    )
    year = local(now).year
    sequence = next_sequence(INVOICE, year)
    invoice = Invoice(
        series=INVOICE,
        year=year,
        sequence=sequence,
        number=format_number(INVOICE, year, sequence, _prefix()),
        registration_id=registration.id,
        issued_at=now,
        supplier=supplier_details(),
        customer=customer_details(registration),
        lines=[_line(registration, price)],
        net_cents=price.net_cents,
        vat_cents=price.vat_cents,
        gross_cents=price.gross_cents,
        reverse_charge=price.reverse_charge,
        locale=registration.locale if registration.locale in ("nl", "en") else "nl",
    )
    db.session.add(invoice)
    db.session.flush()
    record("invoice.issued", invoice, now=now, number=invoice.number, gross_cents=price.gross_cents)
    return invoice


def issue_credit_note(invoice: Invoice, *, now: datetime, reason: str = "") -> Invoice:
    """A credit note for the whole of `invoice` (negative amounts, referencing it); once only.

    A second call returns the existing credit note. Flushes and records "credit_note.issued".
    Raises InvoiceError(code="not_an_invoice") when `invoice` is itself a credit note.
    """
    if invoice.series != INVOICE:
        raise InvoiceError(code="not_an_invoice")
    existing = credit_note_for(invoice)
    if existing is not None:
        return existing
    year = local(now).year
    sequence = next_sequence(CREDIT_NOTE, year)
    lines = [
        {
            **line,
            "unit_cents": -line["unit_cents"],
            "net_cents": -line["net_cents"],
            "vat_cents": -line["vat_cents"],
            "gross_cents": -line["gross_cents"],
        }
        for line in invoice.lines
    ]
    note = Invoice(
        series=CREDIT_NOTE,
        year=year,
        sequence=sequence,
        number=format_number(CREDIT_NOTE, year, sequence, _prefix()),
        registration_id=invoice.registration_id,
        credits_invoice_id=invoice.id,
        issued_at=now,
        supplier=supplier_details(),
        customer=dict(invoice.customer),
        lines=lines,
        net_cents=-invoice.net_cents,
        vat_cents=-invoice.vat_cents,
        gross_cents=-invoice.gross_cents,
        reverse_charge=invoice.reverse_charge,
        locale=invoice.locale,
    )
    db.session.add(note)
    db.session.flush()
    record(
        "credit_note.issued",
        note,
        now=now,
        number=note.number,
        credits=invoice.number,
        reason=reason,
    )
    return note


def replacement_of(invoice: Invoice) -> Invoice | None:
    """The invoice that replaced `invoice` (its customer details corrected), or None."""
    return db.session.scalar(sa.select(Invoice).where(Invoice.replaces_invoice_id == invoice.id))


def reissue_invoice(credited: Invoice, registration: Registration, *, now: datetime) -> Invoice:
    """A new invoice replacing `credited` (which a credit note must credit already: the
    database refuses anything else), with the registration's customer details as they are
    now and the same lines and amounts, numbered next in the invoice series. Flushes and
    records "invoice.reissued". Raises InvoiceError(code="not_an_invoice") for a credit note.
    """
    if credited.series != INVOICE:
        raise InvoiceError(code="not_an_invoice")
    year = local(now).year
    sequence = next_sequence(INVOICE, year)
    invoice = Invoice(
        series=INVOICE,
        year=year,
        sequence=sequence,
        number=format_number(INVOICE, year, sequence, _prefix()),
        registration_id=credited.registration_id,
        replaces_invoice_id=credited.id,
        issued_at=now,
        supplier=supplier_details(),
        customer=customer_details(registration),
        lines=[dict(line) for line in credited.lines],
        net_cents=credited.net_cents,
        vat_cents=credited.vat_cents,
        gross_cents=credited.gross_cents,
        reverse_charge=credited.reverse_charge,
        locale=credited.locale,
    )
    db.session.add(invoice)
    db.session.flush()
    record(
        "invoice.reissued",
        invoice,
        now=now,
        number=invoice.number,
        replaces=credited.number,
        gross_cents=invoice.gross_cents,
    )
    return invoice


# ticket type changes (events.services.type_changes): the new invoice at the new price
def reprice_invoice(credited: Invoice, registration: Registration, *, now: datetime) -> Invoice:
    """A new invoice replacing `credited` (credited by a credit note already) at the price now
    quoted on the registration (its ticket type changed): one line, the customer details as
    they are now, numbered next in the invoice series. Flushes and records
    "invoice.reissued". Raises InvoiceError for a credit note or a registration now free."""
    if credited.series != INVOICE or registration.gross_cents <= 0:
        raise InvoiceError(code="not_an_invoice")
    price = TaxedPrice(
        registration.net_cents,
        registration.vat_cents,
        registration.gross_cents,
        Decimal(registration.vat_rate),
        bool(registration.reverse_charge),
    )
    year = local(now).year
    sequence = next_sequence(INVOICE, year)
    invoice = Invoice(
        series=INVOICE,
        year=year,
        sequence=sequence,
        number=format_number(INVOICE, year, sequence, _prefix()),
        registration_id=credited.registration_id,
        replaces_invoice_id=credited.id,
        issued_at=now,
        supplier=supplier_details(),
        customer=customer_details(registration),
        lines=[_line(registration, price)],
        net_cents=price.net_cents,
        vat_cents=price.vat_cents,
        gross_cents=price.gross_cents,
        reverse_charge=price.reverse_charge,
        locale=credited.locale,
    )
    db.session.add(invoice)
    db.session.flush()
    record(
        "invoice.reissued",
        invoice,
        now=now,
        number=invoice.number,
        replaces=credited.number,
        gross_cents=invoice.gross_cents,
    )
    return invoice


@dataclass(frozen=True)
class VatRow:
    """One VAT rate on a document: the net amount taxed at `rate` and its VAT (cents)."""

    rate: Decimal
    net_cents: int
    vat_cents: int


def vat_breakdown(invoice: Invoice) -> list[VatRow]:
    """The VAT per rate of a document, highest rate first (Dutch invoices list every rate)."""
    rows: dict[Decimal, list[int]] = {}
    for line in invoice.lines:
        totals = rows.setdefault(Decimal(line["vat_rate"]), [0, 0])
        totals[0] += line["net_cents"]
        totals[1] += line["vat_cents"]
    return [VatRow(rate, net, vat) for rate, (net, vat) in sorted(rows.items(), reverse=True)]


def get_document(number: str) -> Invoice | None:
    """The invoice or credit note numbered `number`, or None."""
    return db.session.scalar(sa.select(Invoice).where(Invoice.number == number))


def document_for(number: str, *, token: str, viewer) -> Invoice:
    """The invoice or credit note `number` as `viewer` may see it: staff and admins see any; anyone
    else only one of the registration whose link `token` they hold. Raises NotFound otherwise
    (never telling whether the number exists)."""
    doc = get_document(number) if 0 < len(number) <= 32 else None
    if doc is None:
        raise NotFound()
    if has_staff_rights(viewer):
        return doc
    registration = doc.registration
    if not token or registration is None or not hmac.compare_digest(registration.token, token):
        raise NotFound()
    return doc
