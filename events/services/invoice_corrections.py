"""Correcting the invoice address of a paid registration: a credit note and a new invoice.

An issued invoice is never changed. When the registrant (through their link) or staff
correct the company, address, postcode, city, country or VAT id on it, the invoice is
credited in full (a credit note, numbered next in its series) and replaced by a new invoice
with the corrected customer details and the same lines and amounts (numbered next in the
invoice series, `invoices.reissue_invoice`), both mailed as PDFs in one e-mail.

The VAT treatment is decided again by the same rules as at booking (`events.pricing
.vat_treatment`: reverse charge for a business with a VAT id in another EU country, for an
online event). A correction that would change the amount (or the VAT) is refused: what the
invoices say must reconcile with what Stripe charged, and this does not refund or charge
a difference.

Concurrency: under the event lock (`seats.lock_event`), the live invoice is read after the
lock, so two corrections at once run one after the other (the second corrects the first's
new invoice, or is refused when it asks for the same details); the database itself keeps
the invoices of a registration one chain with one live invoice (`events.models.Invoice`).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l

from core.audit.services import record
from core.errors import DomainError, InvalidInput
from core.extensions import db
from core.money import format_eur
from core.outbox.services import queue_mail
from events import pricing
from events.documents import invoice_attachment
from events.models import Invoice, Registration
from events.payments import RegState
from events.services.input import Billing, clean_billing
from events.services.invoices import (
    CREDIT_NOTE,
    credit_note_for,
    invoice_for,
    issue_credit_note,
    reissue_invoice,
)
from events.services.seats import lock_event

REASON = "address_corrected"
#: the customer details a correction may change (keys of `Invoice.customer`)
BILLING_KEYS = ("company", "address", "postcode", "city", "country", "vat_id")


class CorrectionRefused(DomainError):
    """No correction: "no_invoice", "nothing_changed", "amount_would_change"."""

    code = "no_invoice"
    status = 409
    message = _l("This registration has no invoice whose address can be corrected.")


def correctable_invoice(registration: Registration) -> Invoice | None:
    """The invoice whose address may be corrected: the live (not credited) invoice of a
    confirmed registration; None otherwise (free, unpaid, cancelled or refunded)."""
    if registration.state != RegState.CONFIRMED.value:
        return None
    invoice = invoice_for(registration)
    if invoice is None or credit_note_for(invoice) is not None:
        return None
    return invoice


def earlier_documents(registration: Registration) -> list[Invoice]:
    """The registration's invoices and credit notes before its latest invoice, oldest first:
    those an address correction or a ticket type change cancelled and replaced (the latest
    invoice, and the credit note that cancels it, if any, the page shows by themselves);
    empty when there is only one invoice. One query."""
    documents = db.session.scalars(
        sa.select(Invoice).where(Invoice.registration_id == registration.id).order_by(Invoice.id)
    ).all()
    invoices = [d for d in documents if d.series != CREDIT_NOTE]
    if not invoices:
        return []
    latest = invoices[-1].id
    return [d for d in documents if latest not in (d.id, d.credits_invoice_id)]


def billing_on(invoice: Invoice) -> Billing:
    """The billing details an invoice was issued with (to fill in the correction form)."""
    customer = invoice.customer
    return Billing(**{key: customer.get(key) or "" for key in BILLING_KEYS})


def _same_amounts(invoice: Invoice, billing: Billing, registration: Registration) -> bool:
    event = registration.event
    buyer = pricing.Buyer(
        billing.country, vat_id=billing.vat_id or None, is_business=bool(billing.company)
    )
    try:
        rate, reverse = pricing.vat_treatment(
            online=event.online, buyer=buyer, standard_rate=event.vat_rate
        )
    except pricing.PricingError as exc:
        raise InvalidInput(
            message=_l("This VAT id does not belong to the chosen country."), code=exc.code
        ) from exc
    price = pricing.taxed(invoice.net_cents, rate, reverse_charge=reverse)
    return (price.vat_cents, price.gross_cents, price.reverse_charge) == (
        invoice.vat_cents,
        invoice.gross_cents,
        bool(invoice.reverse_charge),
    )


def _url(registration: Registration, doc: Invoice) -> str:
    return url_for("payments.invoice", token=registration.token, number=doc.number, _external=True)


def correct_invoice_address(
    registration: Registration, billing: Billing, *, now: datetime, actor=None
) -> tuple[Invoice, Invoice]:
    """Credit the registration's invoice and reissue it to `billing`: (credit note, new
    invoice). Stores the details on the registration, mails both PDFs
    ("event_invoice_corrected") and records "invoice.address_corrected" (with `actor`, staff,
    or None for the registrant). Takes the event lock. Flushes.

    Raises InvalidInput as `clean_billing(..., required=True)` does, and CorrectionRefused:
    "no_invoice" (nothing to correct: see `correctable_invoice`), "nothing_changed" (the
    invoice has these details already) and "amount_would_change" (the VAT treatment would
    change the amount).
    """
    billing = clean_billing(billing, required=True)
    event = lock_event(registration.event_id)
    db.session.refresh(registration)
    invoice = correctable_invoice(registration)
    if invoice is None:
        raise CorrectionRefused()
    if billing == billing_on(invoice):
        raise CorrectionRefused(
            _l("Invoice %(number)s has these details already.", number=invoice.number),
            code="nothing_changed",
        )
    if not _same_amounts(invoice, billing, registration):
        raise CorrectionRefused(
            _l(
                "With these details the VAT would be different (for example reverse charge "
                "for a business in another EU country), and so would the amount paid. An "
                "invoice address can only be corrected when the amount stays the same; "
                "please contact us."
            ),
            code="amount_would_change",
        )
    registration.billing_company = billing.company
    registration.billing_address = billing.address
    registration.billing_postcode = billing.postcode
    registration.billing_city = billing.city
    registration.billing_country = billing.country
    registration.vat_id = billing.vat_id
    registration.updated_at = now
    note = issue_credit_note(invoice, now=now, reason=REASON)
    new = reissue_invoice(invoice, registration, now=now)
    queue_mail(
        registration.email,
        "event_invoice_corrected",
        now=now,
        locale=registration.locale,
        attachments=[invoice_attachment(note), invoice_attachment(new)],
        registration=registration,
        event=event,
        title=event.title(registration.locale),
        credited=invoice,
        credit_note=note,
        invoice=new,
        invoice_url=_url(registration, new),
        amount=format_eur(new.gross_cents, new.locale),
    )
    record(
        "invoice.address_corrected",
        registration,
        now=now,
        actor=actor,
        scope=event,
        credits=invoice.number,
        credit_note=note.number,
        number=new.number,
    )
    return note, new
