"""The documents mail refers to (`core.outbox.documents`), rendered after commit at delivery.

- "invoice" (invoice_id): an invoice's or credit note's PDF, rendered once and stored in
  `invoice_files`; later mails and the download routes serve the stored bytes.
- "ticket" (registration_id, qr_text, created_at ISO): a registration's ticket PDF.

`register_renderers()` runs at app start (podium.create_app).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from core.clock import system_clock
from core.extensions import db
from core.outbox.documents import DocumentGone, reference, register
from events.invoice_pdf import invoice_pdf
from events.models import Invoice, InvoiceFile, Registration
from events.ticket_pdf import ticket_pdf


def render_invoice_pdf(invoice: Invoice) -> bytes:
    """Render the PDF (the slow part); a seam the tests count."""
    return invoice_pdf(invoice)


def stored_invoice_pdf(invoice: Invoice, *, now: datetime | None = None) -> bytes:
    """The invoice's stored PDF; rendered and stored first when there is none.

    Two workers rendering the same invoice at once both succeed: the insert ignores a
    conflict on the invoice id and both return the stored row's bytes. Commits nothing (the
    insert runs in the caller's transaction).
    """
    stored = db.session.scalar(
        sa.select(InvoiceFile.pdf).where(InvoiceFile.invoice_id == invoice.id)
    )
    if stored is not None:
        return stored
    pdf = render_invoice_pdf(invoice)
    values = {"invoice_id": invoice.id, "pdf": pdf, "created_at": now or system_clock()}
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(
        insert(InvoiceFile).values(**values).on_conflict_do_nothing(index_elements=["invoice_id"])
    )
    stored = db.session.scalar(
        sa.select(InvoiceFile.pdf).where(InvoiceFile.invoice_id == invoice.id)
    )
    return stored if stored is not None else pdf


def invoice_attachment(invoice: Invoice) -> dict:
    """The outbox attachment for `invoice`: a reference, rendered at delivery."""
    return reference(f"{invoice.number}.pdf", "application/pdf", "invoice", invoice_id=invoice.id)


def ticket_attachment(registration: Registration, *, qr_text: str, now: datetime) -> dict:
    """The outbox attachment for a registration's ticket PDF (its code already assigned)."""
    return reference(
        "ticket.pdf",
        "application/pdf",
        "ticket",
        registration_id=registration.id,
        qr_text=qr_text,
        created_at=now.isoformat(),
    )


def _invoice(*, invoice_id: int) -> bytes:
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None:
        raise DocumentGone(f"invoice {invoice_id} no longer exists")
    pdf = stored_invoice_pdf(invoice)
    db.session.commit()
    return pdf


def _ticket(*, registration_id: int, qr_text: str, created_at: str) -> bytes:
    registration = db.session.get(Registration, registration_id)
    if registration is None:
        raise DocumentGone(f"registration {registration_id} no longer exists")
    return ticket_pdf(registration, qr_text=qr_text, created_at=datetime.fromisoformat(created_at))


def register_renderers() -> None:
    register("invoice", _invoice)
    register("ticket", _ticket)
