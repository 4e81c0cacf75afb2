"""Invoice and credit-note PDFs with fpdf2 (pure Python, no system libraries).

Font: fpdf2's built-in fonts only cover latin-1, which has no "€". We therefore embed
DejaVu Sans when it is installed (INVOICE_FONT_DIR, else the usual system font folders;
Debian/Ubuntu: package fonts-dejavu-core). Without it the PDF falls back to Helvetica and
writes amounts as "EUR 60,50"; any other character outside latin-1 becomes "?".
The text comes from `events.invoice_document.document`, so the PDF says what the HTML says.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

from flask import current_app
from fpdf import FPDF

from events import pdf_fonts
from events.invoice_document import Document, document
from events.models import Invoice

FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/usr/local/share/fonts",
    "/Library/Fonts",
)
_REGULAR, _BOLD = "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"
WIDTHS = (80, 18, 34, 20, 34)  # mm, the least per column; A4 minus 12 mm margins = 186 mm


def find_font_dir(configured: str | None = None) -> Path | None:
    """The first folder holding DejaVu Sans (regular and bold), `configured` first; or None."""
    for folder in (configured, *FONT_DIRS) if configured is not None else FONT_DIRS:
        if folder and (Path(folder) / _REGULAR).is_file() and (Path(folder) / _BOLD).is_file():
            return Path(folder)
    return None


class _Pdf(FPDF):
    def __init__(self, font_dir: Path | None, text: str | None = None) -> None:
        super().__init__(format="A4")
        self.unicode = font_dir is not None
        if font_dir is not None:
            pdf_fonts.add_font(self, "DejaVu", "", font_dir / _REGULAR, text=text)
            pdf_fonts.add_font(self, "DejaVu", "B", font_dir / _BOLD, text=text)
            self.family = "DejaVu"
        else:
            self.family = "helvetica"
        self.set_margins(12, 12, 12)
        self.set_auto_page_break(True, margin=15)
        self.widths: tuple[float, ...] = WIDTHS

    def size_columns(self, headers: list[str], rows: list[list[str]]) -> None:
        """Widen each number column to its longest header word and its longest cell (bold,
        so neither a header word nor an amount is ever broken inside); the description
        column takes what is left. Headers then wrap only between words."""
        self.set_font(self.family, "B", 9)
        padding = 2 * self.c_margin + 1

        def need(text: str, *, whole: bool) -> float:
            parts = [text] if whole else text.split()
            return max((self.get_string_width(self.text_of(p)) for p in parts), default=0)

        widths = []
        for index, least in enumerate(WIDTHS[1:], start=1):
            longest = max(
                [need(headers[index], whole=False)]
                + [need(cells[index], whole=True) for cells in rows]
            )
            widths.append(max(least, longest + padding))
        rest = self.epw - sum(widths)
        self.widths = (rest, *widths)

    def text_of(self, value: str) -> str:
        if self.unicode:
            return value
        return value.replace("€", "EUR ").encode("latin-1", "replace").decode("latin-1")

    def write_line(self, value: str, *, size: float = 10, bold: bool = False, h: float = 5) -> None:
        self.set_font(self.family, "B" if bold else "", size)
        self.multi_cell(0, h, self.text_of(value), new_x="LMARGIN", new_y="NEXT")

    def row(self, cells: list[str], *, bold: bool = False) -> None:
        """One table row of the sized columns (first left-aligned, the rest right), then a rule."""
        self.set_font(self.family, "B" if bold else "", 9)
        texts = [self.text_of(value) for value in cells]
        lines = max(
            len(cast("list[str]", self.multi_cell(width, 5, text, dry_run=True, output="LINES")))
            for width, text in zip(self.widths, texts, strict=True)
        )
        if self.will_page_break(5 * lines + 2):
            self.add_page()
        y, x = self.get_y(), self.l_margin
        for index, (width, text) in enumerate(zip(self.widths, texts, strict=True)):
            self.set_xy(x, y)
            align = "L" if index == 0 else "R"
            self.multi_cell(width, 5, text, align=align, new_x="RIGHT", new_y="TOP")
            x += width
        self.set_xy(self.l_margin, y + 5 * lines + 1)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(1)


def _all_text(doc: Document) -> str:
    """Every character `render` may write for `doc` (to choose the font's copy)."""
    parts = [doc.title, doc.number, doc.date, doc.credits_number or ""]
    parts += [*doc.supplier, *doc.customer, *doc.headers, *doc.notes, *doc.labels.values()]
    parts += [cell for cells in doc.rows for cell in cells]
    parts += [text for pair in doc.totals for text in pair]
    return "".join(parts)


def render(doc: Document, *, font_dir: Path | None, issued_at=None) -> bytes:
    """The PDF bytes of `doc`."""
    pdf = _Pdf(font_dir, _all_text(doc))
    pdf.set_title(pdf.text_of(f"{doc.title} {doc.number}"))
    pdf.set_author(pdf.text_of(doc.supplier[0]))
    if issued_at is not None:
        pdf.set_creation_date(issued_at)
    pdf.add_page()
    pdf.write_line(f"{doc.title} {doc.number}", size=18, bold=True, h=9)
    pdf.ln(2)
    pdf.write_line(doc.labels["supplier"], bold=True)
    for line in doc.supplier:
        pdf.write_line(line)
    pdf.ln(3)
    pdf.write_line(doc.labels["customer"], bold=True)
    for line in doc.customer:
        pdf.write_line(line)
    pdf.ln(3)
    pdf.write_line(f"{doc.labels['number']}: {doc.number}")
    pdf.write_line(f"{doc.labels['date']}: {doc.date}")
    if doc.credits_number:
        pdf.write_line(f"{doc.labels['credits']}: {doc.credits_number}")
    pdf.ln(4)
    pdf.size_columns(
        doc.headers, [*doc.rows, *([label, "", "", "", amount] for label, amount in doc.totals)]
    )
    pdf.row(doc.headers, bold=True)
    for cells in doc.rows:
        pdf.row(cells)
    pdf.ln(2)
    for index, (label, amount) in enumerate(doc.totals):
        last = index == len(doc.totals) - 1
        pdf.row([label, "", "", "", amount], bold=last)
    pdf.ln(4)
    for note in doc.notes:
        pdf.write_line(note)
    return bytes(pdf.output())


def invoice_pdf(invoice: Invoice) -> bytes:
    """The PDF of an issued invoice or credit note, in its own language (needs an app context)."""
    font_dir = find_font_dir(current_app.config.get("INVOICE_FONT_DIR"))
    return render(document(invoice), font_dir=font_dir, issued_at=invoice.issued_at)
