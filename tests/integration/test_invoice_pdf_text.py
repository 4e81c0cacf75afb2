"""The invoice and credit-note PDFs read as text (pypdf): column headers whole, the customer's
country by its name, and every date written one way per language."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from core.extensions import db
from events.invoice_document import document
from events.invoice_pdf import invoice_pdf
from events.services.invoices import issue_credit_note, issue_invoice

NUMERIC_DATE = re.compile(r"\d{1,2}-\d{1,2}-\d{4}")
MONTH_FIRST = re.compile(r"(January|February|March|April|May|June|July|August|September"
                         r"|October|November|December) \d{1,2}, \d{4}")  # fmt: skip


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


@pytest.fixture
def issued(make_registration, clock):
    """An invoice (or, with credit=True, its credit note) for a paid registration in `locale`."""

    def _issued(locale: str, *, credit: bool = False):
        registration = make_registration(state="confirmed", paying=True, locale=locale)
        invoice = issue_invoice(registration, now=clock())
        if credit:
            invoice = issue_credit_note(invoice, now=clock(), reason="cancelled")
        db.session.flush()
        return invoice

    return _issued


def pdf_text(invoice) -> str:
    return PdfReader(io.BytesIO(invoice_pdf(invoice))).pages[0].extract_text()


@pytest.mark.parametrize("credit", [False, True])
@pytest.mark.parametrize(("locale", "rate_header"), [("nl", "Btw-tarief"), ("en", "VAT rate")])
def test_column_headers_break_only_between_words(ctx, issued, locale, rate_header, credit):
    invoice = issued(locale, credit=credit)
    headers = document(invoice).headers
    assert rate_header in headers
    words = pdf_text(invoice).split()
    for header in headers:
        for word in header.split():
            assert word in words, (header, word)


@pytest.mark.parametrize(("locale", "country"), [("nl", "Nederland"), ("en", "Netherlands")])
def test_the_country_is_named_in_the_invoice_language(ctx, issued, locale, country):
    invoice = issued(locale)
    assert invoice.customer["country"] == "NL"
    lines = pdf_text(invoice).splitlines()
    assert country in lines and "NL" not in lines


@pytest.mark.parametrize(("locale", "issued_on"), [("nl", "1 maart 2025"), ("en", "1 March 2025")])
def test_every_date_is_written_one_way_per_language(ctx, issued, locale, issued_on):
    invoice = issued(locale)
    text = pdf_text(invoice)
    assert issued_on in text
    assert not NUMERIC_DATE.search(text) and not MONTH_FIRST.search(text)
    # the event's date in the line description, in the same form as the issue date
    [line] = invoice.lines
    day = re.search(r"\((.+?)\)", line["description"]).group(1)
    month = issued_on.split()[1]
    assert re.fullmatch(r"\d{1,2} [a-zA-Z]+ \d{4}", day) and day.islower() == month.islower()
