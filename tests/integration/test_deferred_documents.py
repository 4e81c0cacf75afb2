"""Documents attached to mail are rendered after commit, at delivery, and stored once
(core/outbox/documents.py, events/documents.py): the fulfilment transaction, which holds the
invoice-number and event locks, renders no PDF."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from core.extensions import db
from core.outbox.documents import DocumentGone, attachment_bytes, reference
from core.outbox.models import MailMessage
from events import documents as event_documents
from events.models import Invoice, InvoiceFile
from tests.integration import test_outbox_delivery as delivery_tests
from tests.threads import run_together
from tests.web.test_checkout_flow import pay_through_test_checkout

# the real SMTP server and `flask outbox send` of the delivery tests
smtp_server = delivery_tests.smtp_server
send = delivery_tests.send


@pytest.fixture
def renders(monkeypatch):
    """The invoice ids rendered, in order; the real renderer still runs."""
    calls: list[int] = []
    real = event_documents.render_invoice_pdf

    def counting(invoice):
        calls.append(invoice.id)
        return real(invoice)

    monkeypatch.setattr(event_documents, "render_invoice_pdf", counting)
    return calls


def _paid(client, make_registration) -> Invoice:
    registration = make_registration(name="Jan Jansen", email="jan@example.com", paying=True)
    pay_through_test_checkout(client, registration)
    [invoice] = db.session.scalars(sa.select(Invoice)).all()
    return invoice


def _pdf_text(data: bytes) -> str:
    return PdfReader(io.BytesIO(data)).pages[0].extract_text()


def test_fulfilment_renders_no_pdf_and_queues_a_reference(
    client, make_registration, outbox, renders
):
    invoice = _paid(client, make_registration)
    assert renders == []
    [mail] = outbox(kind="event_invoice")
    [attachment] = mail.attachments
    assert attachment == {
        "filename": f"{invoice.number}.pdf",
        "content_type": "application/pdf",
        "document": {"kind": "invoice", "invoice_id": invoice.id},
    }
    assert "data_b64" not in attachment
    [confirmation] = outbox(kind="event_confirmed")
    ticket = next(a for a in confirmation.attachments if a["filename"] == "ticket.pdf")
    assert ticket["document"]["kind"] == "ticket" and "data_b64" not in ticket
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InvoiceFile)) == 0


def test_delivery_renders_stores_and_attaches_the_real_pdf(
    app,
    client,
    make_registration,
    renders,
    send,
    smtp_server,
):
    invoice = _paid(client, make_registration)
    inbox, port = smtp_server()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    assert "0 failed" in send()
    [received] = [m for m in inbox.messages if invoice.number in m["Subject"]]
    [part] = [p for p in received.iter_attachments() if p.get_filename() == f"{invoice.number}.pdf"]
    assert invoice.number in _pdf_text(part.get_content())
    tickets = [
        p for m in inbox.messages for p in m.iter_attachments() if p.get_filename() == "ticket.pdf"
    ]
    assert len(tickets) == 1 and tickets[0].get_content().startswith(b"%PDF")
    assert renders == [invoice.id]
    stored = db.session.get(InvoiceFile, invoice.id)
    assert stored is not None and stored.pdf == part.get_content()


def test_rendering_twice_stores_once(client, make_registration, renders):
    invoice = _paid(client, make_registration)
    ref = reference("x.pdf", "application/pdf", "invoice", invoice_id=invoice.id)
    first = attachment_bytes(ref)
    second = attachment_bytes(ref)
    assert first == second and first.startswith(b"%PDF")
    assert renders == [invoice.id]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InvoiceFile)) == 1


def test_two_concurrent_renders_of_one_invoice_both_succeed(app, client, make_registration):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrent inserts need PostgreSQL; SQLite serialises writers")
    invoice_id = _paid(client, make_registration).id
    db.session.commit()

    def render():
        return event_documents.stored_invoice_pdf(db.session.get(Invoice, invoice_id))

    results, errors = run_together(app, [render, render])
    assert errors == []
    assert len(results) == 2 and results[0].startswith(b"%PDF")
    stored = db.session.scalars(sa.select(InvoiceFile)).all()
    assert [row.invoice_id for row in stored] == [invoice_id]
    assert all(result == stored[0].pdf for result in results)


def test_a_reference_whose_object_is_gone_fails_the_mail_with_the_reason(
    app,
    clock,
    send,
    smtp_server,
):
    inbox, port = smtp_server()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    with pytest.raises(DocumentGone):
        attachment_bytes(reference("x.pdf", "application/pdf", "invoice", invoice_id=987654))
    message = MailMessage(
        to_addr="ann@example.org",
        subject="Your invoice",
        body_text="Attached.",
        attachments=[reference("x.pdf", "application/pdf", "invoice", invoice_id=987654)],
        kind="event_invoice",
        status="queued",
        attempts=0,
        next_attempt_at=clock(),
        created_at=clock(),
    )
    db.session.add(message)
    db.session.commit()
    assert send() == "Outbox: 0 sent, 1 failed, 0 logged.\n"
    message = db.session.get(MailMessage, message.id)
    assert message.status == "failed"
    assert message.last_error.startswith("DocumentGone: invoice 987654")
    assert inbox.messages == []
    assert send() == "Outbox: 0 sent, 0 failed, 0 logged.\n"


def test_the_download_serves_the_stored_bytes_without_rendering_again(
    client, make_registration, renders
):
    invoice = _paid(client, make_registration)
    token = invoice.registration.token
    first = client.get(f"/events/r/{token}/invoices/{invoice.number}?format=pdf")
    assert first.status_code == 200 and first.data.startswith(b"%PDF")
    assert renders == [invoice.id]
    assert db.session.get(InvoiceFile, invoice.id).pdf == first.data
    second = client.get(f"/events/r/{token}/invoices/{invoice.number}?format=pdf")
    assert second.data == first.data
    assert renders == [invoice.id]
