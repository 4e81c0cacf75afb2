"""The printable content of an invoice or credit note, shared by its HTML view and its PDF.

`document(invoice)` returns every text of the document in the document's own language
(`invoice.locale`), with the Dutch legal fields: supplier name, address, VAT id and KvK
number; customer name and address (and VAT id); number and date; per line the description,
quantity, unit price excl. VAT, VAT rate and amount; the VAT per rate; the totals; and the
reverse-charge statement with the customer's VAT id where it applies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from babel import Locale
from flask_babel import force_locale
from flask_babel import gettext as _

from core.clock import local
from core.extensions import db
from core.money import format_eur
from events.models import Invoice
from events.services.invoices import CREDIT_NOTE, invoice_date, vat_breakdown

#: the legal reverse-charge statement, in both languages whatever the document language
REVERSE_CHARGE = "Btw verlegd / VAT reverse-charged"


def percent(rate: Decimal | str) -> str:
    """ "21%" for 0.21, "9%" for 0.09, "0%" for 0."""
    value = (Decimal(rate) * 100).normalize()
    return f"{value:f}%"


@dataclass
class Document:
    """Texts of one document; amounts are already formatted in the document's language."""

    title: str
    number: str
    date: str
    is_credit_note: bool
    credits_number: str | None
    supplier: list[str]
    customer: list[str]
    headers: list[str]
    rows: list[list[str]]
    totals: list[tuple[str, str]]
    notes: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)


def country_name(code: str, locale: str) -> str:
    """The country `code` ("NL") by its name in `locale` ("Nederland", "Netherlands"); a code
    Babel does not know is printed as it is."""
    return Locale.parse(locale).territories.get(code.upper(), code)


def _customer(customer: dict, locale: str) -> list[str]:
    lines = [
        customer.get("company") or "",
        customer.get("name") or "",
        customer.get("address") or "",
    ]
    place = " ".join(p for p in (customer.get("postcode"), customer.get("city")) if p)
    lines += [place, country_name(customer.get("country") or "", locale)]
    if customer.get("vat_id"):
        lines.append(_("VAT id: %(vat_id)s", vat_id=customer["vat_id"]))
    return [line for line in lines if line]


def document(invoice: Invoice) -> Document:
    """The texts of `invoice` in `invoice.locale` (needs an app context)."""
    locale = invoice.locale

    def money(cents: int) -> str:
        return format_eur(int(cents), locale)

    with force_locale(locale):
        is_credit = invoice.series == CREDIT_NOTE
        supplier = invoice.supplier
        rows = [
            [
                line["description"],
                str(line["quantity"]),
                money(line["unit_cents"]),
                percent(line["vat_rate"]),
                money(line["net_cents"]),
            ]
            for line in invoice.lines
        ]
        totals = [(_("Total excl. VAT"), money(invoice.net_cents))]
        for row in vat_breakdown(invoice):
            totals.append(
                (
                    _(
                        "VAT %(rate)s over %(net)s",
                        rate=percent(row.rate),
                        net=money(row.net_cents),
                    ),
                    money(row.vat_cents),
                )
            )
        totals.append((_("Total incl. VAT"), money(invoice.gross_cents)))
        notes = []
        if invoice.reverse_charge:
            vat_id = invoice.customer.get("vat_id") or ""
            notes.append(f"{REVERSE_CHARGE}: {vat_id}".strip())
        if is_credit:
            notes.append(
                _("This credit note cancels invoice %(number)s.", number=_credited(invoice))
            )
            notes.append(_settlement(invoice))
        else:
            notes.extend(_replaces(invoice))
            notes.append(_("Paid online; no payment due."))
        return Document(
            title=_("Credit note") if is_credit else _("Invoice"),
            number=invoice.number,
            date=invoice_date(local(invoice.issued_at).date(), locale),
            is_credit_note=is_credit,
            credits_number=_credited(invoice) if is_credit else None,
            supplier=[
                supplier["name"],
                supplier["address"],
                _("VAT id: %(vat_id)s", vat_id=supplier["vat_id"]),
                _("Chamber of Commerce (KvK): %(kvk)s", kvk=supplier["kvk"]),
            ],
            customer=_customer(invoice.customer, locale),
            headers=[
                _("Description"),
                _("Quantity"),
                _("Unit price excl. VAT"),
                _("VAT rate"),
                _("Amount excl. VAT"),
            ],
            rows=rows,
            totals=totals,
            notes=notes,
            labels={
                "number": _("Credit note number") if is_credit else _("Invoice number"),
                "date": _("Date"),
                "credits": _("Credits invoice"),
                "supplier": _("From"),
                "customer": _("Bill to"),
            },
        )


def _credited(invoice: Invoice) -> str:
    original = db.session.get(Invoice, invoice.credits_invoice_id)
    return original.number if original is not None else ""


def _settlement(note: Invoice) -> str:
    """What a credit note settles: a refund, or (an invoice address corrected) the invoice
    that replaces the credited one."""
    replacement = db.session.scalar(
        sa.select(Invoice.number).where(Invoice.replaces_invoice_id == note.credits_invoice_id)
    )
    if replacement is None:
        return _("The amount is refunded to the original means of payment.")
    return _(
        "Invoice %(number)s replaces it with corrected invoice details; nothing is refunded "
        "and nothing is due.",
        number=replacement,
    )


def _replaces(invoice: Invoice) -> list[str]:
    """For an invoice that replaces a credited one: which, and by which credit note."""
    if invoice.replaces_invoice_id is None:
        return []
    replaced = db.session.get(Invoice, invoice.replaces_invoice_id)
    note = db.session.scalar(
        sa.select(Invoice.number).where(Invoice.credits_invoice_id == invoice.replaces_invoice_id)
    )
    if replaced is None:
        return []
    return [
        _(
            "This invoice replaces invoice %(number)s (cancelled by credit note %(note)s) "
            "with corrected invoice details.",
            number=replaced.number,
            note=note or "",
        )
    ]
