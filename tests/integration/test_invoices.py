"""Invoices and credit notes: numbering, legal fields, reverse charge, PDFs, immutability."""

from __future__ import annotations

import io
import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from core.extensions import db
from events import invoice_pdf as pdf_module
from events.invoice_document import document
from events.invoice_pdf import invoice_pdf
from events.models import DocumentCounter, Invoice, Registration
from events.services.invoices import (
    ImmutableDocument,
    InvoiceError,
    issue_credit_note,
    issue_invoice,
    vat_breakdown,
)


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


@pytest.fixture
def paid(make_registration):
    def _paid(**kw) -> Registration:
        registration = make_registration(state="confirmed", paying=True, **kw)
        db.session.commit()  # the tests roll back and use threads
        return registration

    return _paid


def test_numbers_are_consecutive_per_year_and_series(ctx, clock, paid):
    numbers = [issue_invoice(paid(), now=clock()).number for _ in range(3)]
    db.session.commit()
    assert numbers == ["2025-0001", "2025-0002", "2025-0003"]
    first = db.session.scalar(sa.select(Invoice).where(Invoice.number == "2025-0001"))
    assert issue_credit_note(first, now=clock()).number == "CN2025-0001"
    # 31 December 23:30 UTC is already New Year in Amsterdam
    clock.set(datetime(2025, 12, 31, 23, 30, tzinfo=UTC))
    assert issue_invoice(paid(), now=clock()).number == "2026-0001"
    db.session.commit()
    counters = {
        (c.series, c.year): c.last_number for c in db.session.scalars(sa.select(DocumentCounter))
    }
    assert counters == {("invoice", 2025): 3, ("credit_note", 2025): 1, ("invoice", 2026): 1}


def test_a_rolled_back_invoice_leaves_no_gap(ctx, clock, paid):
    one, two = paid(), paid()
    issue_invoice(one, now=clock())
    db.session.rollback()
    assert issue_invoice(two, now=clock()).number == "2025-0001"


def test_the_prefix_comes_from_the_settings(app, ctx, clock, paid):
    app.config["INVOICE_PREFIX"] = "DDMA-"
    assert issue_invoice(paid(), now=clock()).number == "DDMA-2025-0001"
    app.config["INVOICE_PREFIX"] = "bad/prefix"
    with pytest.raises(RuntimeError):
        issue_invoice(paid(), now=clock())


def test_one_invoice_per_registration_and_none_for_free_seats(ctx, clock, paid):
    registration = paid()
    first = issue_invoice(registration, now=clock())
    assert issue_invoice(registration, now=clock()).id == first.id
    with pytest.raises(InvoiceError):
        issue_invoice(paid(net_cents=0), now=clock())


def test_the_invoice_holds_the_dutch_legal_fields(app, ctx, clock, paid):
    app.config.update(SUPPLIER_NAME="DDMA", SUPPLIER_KVK="12345678")
    invoice = issue_invoice(paid(name="Jan Jansen"), now=clock())
    assert invoice.supplier == {
        "name": "DDMA",
        "address": "Weesperstraat 5, 1018 DN Amsterdam",
        "vat_id": "NL000000000B01",
        "kvk": "12345678",
        "country": "NL",
    }
    assert invoice.customer["name"] == "Jan Jansen"
    assert invoice.customer["address"] == "Keizersgracht 1"
    [line] = invoice.lines
    assert line["quantity"] == 1 and line["unit_cents"] == 5000
    assert (line["vat_rate"], line["vat_cents"], line["gross_cents"]) == ("0.2100", 1050, 6050)
    assert (invoice.net_cents, invoice.vat_cents, invoice.gross_cents) == (5000, 1050, 6050)
    [row] = vat_breakdown(invoice)
    assert (row.net_cents, row.vat_cents) == (5000, 1050)
    doc = document(invoice)
    assert doc.supplier[2:] == ["VAT id: NL000000000B01", "Chamber of Commerce (KvK): 12345678"]
    assert doc.rows == [[line["description"], "1", "€50", "21%", "€50"]]
    assert doc.totals == [
        ("Total excl. VAT", "€50"),
        ("VAT 21% over €50", "€10.50"),
        ("Total incl. VAT", "€60.50"),
    ]
    assert doc.date == "1 March 2025"


def test_a_dutch_invoice_uses_dutch_amounts_and_dates(ctx, clock, paid):
    invoice = issue_invoice(paid(locale="nl"), now=clock())
    doc = document(invoice)
    assert doc.totals[-1][1] == "€60,50" and doc.date == "1 maart 2025"
    assert "AP en cookiehandhaving" in doc.rows[0][0]


def test_reverse_charge_invoice_names_it_and_the_customer_vat_id(ctx, clock, paid):
    registration = paid(reverse_charge=True, billing_country="BE", vat_id="BE0123456789")
    invoice = issue_invoice(registration, now=clock())
    assert invoice.reverse_charge and invoice.vat_cents == 0 and invoice.gross_cents == 5000
    doc = document(invoice)
    assert "Btw verlegd / VAT reverse-charged: BE0123456789" in doc.notes
    assert "VAT id: BE0123456789" in doc.customer
    assert doc.totals[1] == ("VAT 0% over €50", "€0")
    text = PdfReader(io.BytesIO(invoice_pdf(invoice))).pages[0].extract_text()
    assert "Btw verlegd" in text and "BE0123456789" in text
    normal = document(issue_invoice(paid(), now=clock()))
    assert not any("verlegd" in note for note in normal.notes)


def test_credit_note_negates_and_references_the_invoice(ctx, clock, paid):
    invoice = issue_invoice(paid(), now=clock())
    note = issue_credit_note(invoice, now=clock(), reason="cancelled")
    assert note.credits_invoice_id == invoice.id and note.series == "credit_note"
    assert (note.net_cents, note.vat_cents, note.gross_cents) == (-5000, -1050, -6050)
    assert note.lines[0]["unit_cents"] == -5000 and note.lines[0]["quantity"] == 1
    assert note.customer == invoice.customer
    assert issue_credit_note(invoice, now=clock()).id == note.id
    with pytest.raises(InvoiceError):
        issue_credit_note(note, now=clock())
    doc = document(note)
    assert doc.title == "Credit note" and doc.credits_number == invoice.number
    assert doc.totals[-1] == ("Total incl. VAT", "-€60.50")
    assert f"This credit note cancels invoice {invoice.number}." in doc.notes


def test_pdf_starts_with_pdf_and_contains_the_number(ctx, clock, paid):
    invoice = issue_invoice(paid(name="Zoë Ångström"), now=clock())
    data = invoice_pdf(invoice)
    assert data.startswith(b"%PDF")
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "Invoice 2025-0001" in text and "€60.50" in text and "Zoë Ångström" in text
    assert "Chamber of Commerce (KvK): 00000000" in text


def test_pdf_without_dejavu_falls_back_to_a_core_font(app, ctx, clock, paid, monkeypatch):
    monkeypatch.setattr(pdf_module, "FONT_DIRS", ())
    app.config["INVOICE_FONT_DIR"] = "/nonexistent"
    invoice = issue_invoice(paid(name="Zoë"), now=clock())
    text = PdfReader(io.BytesIO(invoice_pdf(invoice))).pages[0].extract_text()
    assert "2025-0001" in text and "EUR 60.50" in text and "Zoë" in text


def test_issued_invoices_cannot_be_updated_or_deleted(ctx, clock, paid):
    invoice = issue_invoice(paid(), now=clock())
    db.session.commit()
    invoice.gross_cents = 1
    with pytest.raises(ImmutableDocument):
        db.session.commit()
    db.session.rollback()
    db.session.delete(invoice)
    with pytest.raises(ImmutableDocument):
        db.session.commit()
    db.session.rollback()
    for statement in (
        sa.update(Invoice).values(gross_cents=1),
        sa.delete(Invoice).where(Invoice.id == invoice.id),
    ):
        with pytest.raises(ImmutableDocument):
            db.session.execute(statement)
        db.session.rollback()
    assert db.session.scalar(sa.select(Invoice.gross_cents)) == 6050


def test_concurrent_invoices_are_numbered_without_gaps(app, clock, paid):
    ids = [paid().id for _ in range(6)]
    numbers, errors = [], []

    def issue(registration_id):
        try:
            with app.app_context(), app.test_request_context():
                invoice = issue_invoice(db.session.get(Registration, registration_id), now=clock())
                numbers.append(invoice.sequence)
                db.session.commit()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=issue, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(numbers) == [1, 2, 3, 4, 5, 6]


def test_the_database_refuses_a_second_invoice_for_one_registration(ctx, clock, paid):
    first = issue_invoice(paid(), now=clock())
    db.session.commit()
    twin = Invoice(
        series=first.series,
        year=first.year,
        sequence=first.sequence + 1,
        number="2025-9999",
        registration_id=first.registration_id,
        issued_at=clock(),
        supplier=first.supplier,
        customer=first.customer,
        lines=first.lines,
        net_cents=first.net_cents,
        vat_cents=first.vat_cents,
        gross_cents=first.gross_cents,
    )
    db.session.add(twin)
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()
