"""Time the invoice PDF as fulfilment renders it: N invoices in one process, in-process.

    .venv/bin/python bench/profile_invoice_pdf.py [N]

Prints the mean milliseconds per invoice for the first one (fonts parsed) and the rest."""

from __future__ import annotations

import sys
import time

from events.invoice_document import Document
from events.invoice_pdf import find_font_dir, render

DOC = Document(
    title="Factuur",
    number="2026-000123",
    date="1 december 2026",
    is_credit_note=False,
    credits_number=None,
    supplier=["DDMA", "Weesperstraat 104", "1112 AP Diemen", "btw NL8100.35.264.B01"],
    customer=["Ann de Vries", "Voorbeeld B.V.", "Keizersgracht 1", "1015 AA Amsterdam"],
    headers=["Omschrijving", "Aantal", "Prijs excl. btw", "Btw", "Totaal excl. btw"],
    rows=[["Digital Talk: Cookies na 2026 — niet-lid", "1", "€ 50,00", "21%", "€ 50,00"]],
    totals=[("Subtotaal", "€ 50,00"), ("Btw 21%", "€ 10,50"), ("Totaal", "€ 60,50")],
    notes=["Betaald met iDEAL op 1 december 2026."],
    labels={
        "supplier": "Van",
        "customer": "Aan",
        "number": "Factuurnummer",
        "date": "Datum",
        "credits": "Crediteert",
    },
)


def main(argv: list[str]) -> None:
    count = int(argv[0]) if argv else 20
    fonts = find_font_dir()
    started = time.perf_counter()
    render(DOC, font_dir=fonts)
    first = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(count):
        render(DOC, font_dir=fonts)
    rest = (time.perf_counter() - started) / count
    print(f"first invoice {first * 1000:.1f} ms, then {rest * 1000:.1f} ms each ({count})")


if __name__ == "__main__":
    main(sys.argv[1:])
