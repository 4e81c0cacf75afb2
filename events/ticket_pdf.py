"""The ticket PDF of a confirmed registration, with fpdf2 and a QR code from segno.

One A4 page in the registrant's language: the event's title, its date and time (Amsterdam),
where it is (the place, or "Online"), the attendee's name, the ticket type when the
registration has one, the QR code and the ticket code written out (for typing at the door).
Texts that fit Latin-1 use the PDF's built-in Helvetica; others (a name in another script)
embed DejaVu Sans as the invoices do.
The QR code is drawn as filled squares (vector: sharp at any zoom, no images library). It
holds `qr_text`: the staff check-in page's address with the code, so the code alone opens
nothing for anyone who is not staff. Fonts as for invoices (`events.invoice_pdf`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import segno
from flask import current_app
from flask_babel import force_locale, format_datetime
from flask_babel import gettext as _
from fpdf import FPDF

from events import pdf_fonts
from events.invoice_pdf import find_font_dir
from events.models import Registration

QR_ERROR = "m"  # ~15% of the symbol may be smudged or folded and it still reads
QR_BORDER = 4  # the quiet zone the QR standard asks for, in modules
QR_SIZE_MM = 70.0


def ticket_qr(text: str) -> segno.QRCode:
    """The QR code (never a Micro QR) holding `text`."""
    return segno.make(text, error=QR_ERROR, micro=False)


@dataclass(frozen=True)
class TicketText:
    """Every text on the ticket, in the ticket's language."""

    heading: str
    title: str
    when: str
    where: str
    name: str
    ticket_type: str
    code_label: str
    code: str
    note: str
    organisation: str


def ticket_text(registration: Registration, *, organisation: str) -> TicketText:
    """The ticket's texts for `registration` in its registrant's language."""
    event = registration.event
    locale = registration.locale if registration.locale in ("nl", "en") else "nl"
    with force_locale(locale):
        when = (
            f"{format_datetime(event.starts_at, 'EEEE d MMMM y, HH:mm')}"
            f"–{format_datetime(event.ends_at, 'HH:mm')}"
        )
        kind = registration.ticket_type
        return TicketText(
            heading=_("Ticket"),
            title=event.title(locale),
            when=when,
            where=_("Online") if event.online else (event.location or ""),
            name=registration.name,
            ticket_type=kind.name(locale) if kind is not None else "",
            code_label=_("Ticket code"),
            code=registration.ticket_code or "",
            note=_("Show this ticket (on paper or on your phone) at the entrance."),
            organisation=organisation,
        )


def _plain(text: TicketText) -> bool:
    """Whether every text fits the PDF's built-in fonts (Latin-1; a dash is written "-")."""
    try:
        "".join(str(value) for value in vars(text).values()).replace("–", "-").encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


class _TicketPdf(FPDF):
    def __init__(self, *, unicode: bool = True, text: str | None = None) -> None:
        super().__init__(format="A4")
        font_dir = find_font_dir(current_app.config.get("INVOICE_FONT_DIR")) if unicode else None
        self.unicode = font_dir is not None
        if font_dir is not None:
            pdf_fonts.add_font(self, "DejaVu", "", font_dir / "DejaVuSans.ttf", text=text)
            pdf_fonts.add_font(self, "DejaVu", "B", font_dir / "DejaVuSans-Bold.ttf", text=text)
            self.family = "DejaVu"
        else:
            self.family = "helvetica"
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(False)

    def text_of(self, value: str) -> str:
        if self.unicode:
            return value
        return value.replace("–", "-").encode("latin-1", "replace").decode("latin-1")

    def line_of(self, value: str, *, size: float, bold: bool = False, h: float = 7) -> None:
        self.set_font(self.family, "B" if bold else "", size)
        self.multi_cell(0, h, self.text_of(value), new_x="LMARGIN", new_y="NEXT")

    def qr(self, code: segno.QRCode, *, x: float, y: float, size: float) -> None:
        """`code` as black squares on white, `size` mm wide with its quiet zone; each row's
        runs of dark modules are one rectangle."""
        matrix = code.matrix
        modules = len(matrix) + 2 * QR_BORDER
        unit = size / modules
        self.set_fill_color(0, 0, 0)
        for row, cells in enumerate(matrix):
            top = y + (row + QR_BORDER) * unit
            start = None
            for col, dark in enumerate([*cells, 0]):
                if dark and start is None:
                    start = col
                elif not dark and start is not None:
                    left = x + (start + QR_BORDER) * unit
                    self.rect(left, top, (col - start) * unit, unit, style="F")
                    start = None


def ticket_pdf(registration: Registration, *, qr_text: str, created_at: datetime) -> bytes:
    """The ticket's PDF bytes (needs an app context); `qr_text` is what the QR code holds."""
    text = ticket_text(registration, organisation=current_app.config["ORGANISATION_NAME"])
    everything = "".join(str(value) for value in vars(text).values())
    pdf = _TicketPdf(unicode=not _plain(text), text=everything)  # DejaVu only when needed
    pdf.set_title(pdf.text_of(f"{text.heading}: {text.title}"))
    pdf.set_author(pdf.text_of(text.organisation))
    pdf.set_creation_date(created_at)
    pdf.add_page()
    pdf.line_of(f"{text.heading} · {text.organisation}", size=11, h=6)
    pdf.ln(2)
    pdf.line_of(text.title, size=20, bold=True, h=9)
    pdf.ln(2)
    pdf.line_of(text.when, size=12)
    if text.where:
        pdf.line_of(text.where, size=12)
    pdf.ln(4)
    pdf.line_of(text.name, size=16, bold=True, h=8)
    if text.ticket_type:
        pdf.line_of(text.ticket_type, size=12)
    pdf.ln(4)
    top = pdf.get_y()
    pdf.qr(ticket_qr(qr_text), x=(pdf.w - QR_SIZE_MM) / 2, y=top, size=QR_SIZE_MM)
    pdf.set_y(top + QR_SIZE_MM + 2)
    pdf.set_font(pdf.family, "", 10)
    pdf.cell(0, 6, pdf.text_of(text.code_label), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("courier", "B", 22)
    pdf.cell(0, 10, text.code, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(pdf.family, "", 10)
    pdf.multi_cell(0, 5, pdf.text_of(text.note), align="C", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
