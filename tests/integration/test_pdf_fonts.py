"""DejaVu is parsed once per process for every invoice and ticket (events/pdf_fonts.py), and
the documents keep every character of their text: a Dutch one in the copy cut to
Windows-1252, a European name in the copy cut to Latin, Greek and Cyrillic, any other script
in the whole font."""

from __future__ import annotations

import io

import pytest
from fpdf import FPDF
from pypdf import PdfReader

from core.extensions import db
from events import pdf_fonts
from events.invoice_pdf import find_font_dir, invoice_pdf
from events.services.invoices import issue_invoice
from events.ticket_pdf import ticket_pdf

DUTCH = "Zoë Œuvre “Café ’t Hoekje” – € 5 ™"  # all in Windows-1252
EUROPEAN = "Zoë Ægidius-Đorđević Łódź Øster Ñandú € 5"
ARMENIAN = "Հայաստան"  # outside the common cut


@pytest.fixture
def ctx(app):
    if find_font_dir(app.config.get("INVOICE_FONT_DIR")) is None:
        pytest.skip("DejaVu Sans is not installed")
    with app.test_request_context():
        yield


@pytest.fixture
def invoice_for(make_registration, clock):
    def _invoice_for(name: str):
        registration = make_registration(state="confirmed", paying=True, billing_company=name)
        invoice = issue_invoice(registration, now=clock())
        db.session.flush()
        return invoice

    return _invoice_for


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _is_dejavu(pdf: bytes) -> bool:
    """Whether the document embeds DejaVu Sans in its two styles, and no other font."""
    names = _fonts(pdf)
    return len(names) == 2 and all(name.startswith("DejaVuSans") for name in names)


def _fonts(pdf: bytes) -> set[str]:
    """The base font names the document embeds (subset prefixes dropped)."""
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    return names


def test_fonts_are_parsed_once_for_many_documents(ctx, invoice_for):
    invoice_pdf(invoice_for(EUROPEAN))
    parsed = pdf_fonts.parsed_count()
    assert parsed >= 2  # regular and bold
    pdfs = [invoice_pdf(invoice_for(f"{EUROPEAN} {n}")) for n in range(5)]
    assert pdf_fonts.parsed_count() == parsed
    for n, pdf in enumerate(pdfs):  # each document is whole on its own, not sharing a subset
        assert f"{EUROPEAN} {n}" in _text(pdf)
        assert _is_dejavu(pdf)


def test_each_text_gets_the_smallest_copy_that_holds_it():
    assert pdf_fonts.cut_for(DUTCH) == "latin"
    assert pdf_fonts.cut_for(EUROPEAN) == "common"  # Đ, Ł are not in Windows-1252
    assert pdf_fonts.cut_for(f"Bureau {ARMENIAN}") == "whole"
    assert pdf_fonts.cut_for(None) == "whole"


def test_a_dutch_text_keeps_every_character(ctx, invoice_for):
    pdf = invoice_pdf(invoice_for(DUTCH))
    assert DUTCH in _text(pdf)
    assert _is_dejavu(pdf)


def test_a_european_name_keeps_every_letter(ctx, invoice_for):
    assert pdf_fonts.fits_common(EUROPEAN)
    assert EUROPEAN in _text(invoice_pdf(invoice_for(EUROPEAN)))


def test_another_script_is_set_in_the_whole_font(ctx, invoice_for):
    assert not pdf_fonts.fits_common(ARMENIAN)
    pdf = invoice_pdf(invoice_for(f"Bureau {ARMENIAN}"))
    assert f"Bureau {ARMENIAN}" in _text(pdf)
    assert _is_dejavu(pdf)


def test_the_cut_copy_lacks_what_it_leaves_out(ctx):
    """Why the choice matters: written in the copy cut to COMMON, Armenian letters go missing."""
    font_dir = find_font_dir(None)
    pdf = FPDF()
    pdf_fonts.add_font(pdf, "DejaVu", "", font_dir / "DejaVuSans.ttf", text=EUROPEAN)
    pdf.add_page()
    pdf.set_font("DejaVu", size=12)
    pdf.cell(text=ARMENIAN)
    assert pdf.fonts["dejavu"].missing_glyphs
    whole = FPDF()
    pdf_fonts.add_font(whole, "DejaVu", "", font_dir / "DejaVuSans.ttf", text=ARMENIAN)
    whole.add_page()
    whole.set_font("DejaVu", size=12)
    whole.cell(text=ARMENIAN)
    assert not whole.fonts["dejavu"].missing_glyphs


def test_documents_in_every_copy_interleave(ctx, invoice_for):
    """Documents in the whole font and the two cut copies, in turn, change none of the others."""
    first = _text(invoice_pdf(invoice_for("Café Noord")))
    european = _text(invoice_pdf(invoice_for(EUROPEAN)))
    other = _text(invoice_pdf(invoice_for(f"Bureau {ARMENIAN}")))
    again = _text(invoice_pdf(invoice_for("Café Noord")))
    assert "Café Noord" in first and "Café Noord" in again
    assert EUROPEAN in european and ARMENIAN in other


def test_a_ticket_with_a_non_latin_name_keeps_it(ctx, make_registration, clock):
    registration = make_registration(state="confirmed", name=f"Anahit {ARMENIAN}")
    pdf = ticket_pdf(registration, qr_text="T-1", created_at=clock())
    assert ARMENIAN in _text(pdf)
    plain = make_registration(state="confirmed", name="Zoë Øster")
    assert "Zoë Øster" in _text(ticket_pdf(plain, qr_text="T-2", created_at=clock()))


def test_the_first_document_of_a_process_is_the_same_as_every_later_one(
    ctx, invoice_for, monkeypatch
):
    """An invoice's PDF has the same bytes whether the process parses the fonts for it or
    parsed them before (the erasure test compares a PDF before and after)."""
    monkeypatch.setattr(pdf_fonts, "_parsed", {})
    invoice = invoice_for("Café Noord")
    first = invoice_pdf(invoice)
    assert pdf_fonts.parsed_count() == 2
    assert invoice_pdf(invoice) == first
