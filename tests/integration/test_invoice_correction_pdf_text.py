"""The credit note and the reissued invoice of an address correction read as text (pypdf), in
the invoice's language: the credit note names the original and its replacement and refunds
nothing; the new invoice names the corrected address and what it replaces."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from core.extensions import db
from core.money import format_eur
from events.invoice_pdf import invoice_pdf
from events.services.input import Billing
from events.services.invoice_corrections import correct_invoice_address
from events.services.invoices import issue_invoice

BILLING = Billing(
    company="Example Holding B.V.",
    address="Herengracht 2",
    postcode="1016 BB",
    city="Amsterdam",
    country="NL",
)


def _text(doc) -> str:
    return " ".join(PdfReader(io.BytesIO(invoice_pdf(doc))).pages[0].extract_text().split())


@pytest.mark.parametrize(
    ("locale", "note_says", "invoice_says", "not_said"),
    [
        (
            "nl",
            "Factuur 2025-0002 vervangt deze met gecorrigeerde factuurgegevens",
            "Deze factuur vervangt factuur 2025-0001 (geannuleerd met creditnota CN2025-0001)",
            "terugbetaald op",
        ),
        (
            "en",
            "Invoice 2025-0002 replaces it with corrected invoice details",
            "This invoice replaces invoice 2025-0001 (cancelled by credit note CN2025-0001)",
            "refunded to the original",
        ),
    ],
)
def test_the_documents_of_a_correction_say_what_they_are(
    app, clock, make_registration, locale, note_says, invoice_says, not_said
):
    with app.test_request_context():
        registration = make_registration(state="confirmed", paying=True, locale=locale)
        issue_invoice(registration, now=clock())
        note, new = correct_invoice_address(registration, BILLING, now=clock())
        db.session.flush()
        note_text, new_text = _text(note), _text(new)
    assert "CN2025-0001" in note_text and "Keizersgracht 1" in note_text
    assert note_says in note_text and not_said not in note_text
    assert format_eur(-6050, locale) in note_text
    assert format_eur(6050, locale) in new_text
    assert "2025-0002" in new_text and "Herengracht 2" in new_text
    assert "Example Holding B.V." in new_text and "Keizersgracht" not in new_text
    assert invoice_says in new_text
