"""Every CSV and XLSX export of the site is written here, from one `Table` of typed values.

A `Table` is a header and rows of values: text, whole numbers, `Decimal`s, booleans, aware
`datetime`s, `Euros` (integer cents) and None (an empty cell).

CSV for people (`csv_bytes`, the downloads) follows the reader's spreadsheet, chosen by the
request's language (`core.i18n.current_locale`, passed in as `locale`):

- UTF-8 with a byte-order mark, so Excel reads "Univé" as UTF-8 and not as Windows-1252;
- the language's list separator (`DELIMITERS`): ";" in Dutch, whose decimal sign is the
  comma (Dutch Excel splits columns on ";"), "," in English;
- numbers with the language's decimal sign and no grouping ("7,63" / "7.63"), amounts as
  `core.money.format_eur`, times in Europe/Amsterdam as ISO 8601 with the offset
  ("2025-03-01T10:00+01:00"), booleans "yes"/"no";
- "\\r\\n" after every record (RFC 4180), fields quoted only where needed;
- text a spreadsheet would run as a formula (starting with = + - @, tab or carriage return)
  gets a leading ' (numbers are never text, so a negative number stays a number).

`csv_text` is the same writer without the byte-order mark and with a separator of the
caller's choice: the command line (`flask awards results --format csv`,
`flask events attendees --format csv`) writes plain comma-separated text for scripts.

XLSX (`xlsx_bytes`, openpyxl) holds typed cells: numbers are numbers, amounts are numbers in
euros with a euro format, times are Excel date-times in Europe/Amsterdam (Excel has no time
zones), booleans are booleans, and text is always a text cell (never a formula, so it needs
no quote). Characters XML cannot hold (C0 controls) are dropped from XLSX text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import TextIO

from babel.numbers import get_decimal_symbol
from flask import Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from core.clock import local
from core.money import format_eur, language

BOM = "\ufeff"
#: the list separator of each language's spreadsheets
DELIMITERS = {"nl": ";", "en": ","}
FORMATS = ("csv", "xlsx")
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_EURO_FORMAT = '"€"#,##0.00'
_DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


@dataclass(frozen=True)
class Euros:
    """An amount in integer cents: text via `format_eur` in CSV, a euro number in XLSX."""

    cents: int


Value = str | int | Decimal | bool | datetime | Euros | None


@dataclass(frozen=True)
class Table:
    """What one export holds: `header` names the columns, each row has a value per column;
    `title` names the XLSX sheet (at most 31 characters, Excel's limit)."""

    header: Sequence[str]
    rows: Sequence[Sequence[Value]]
    title: str = "export"


def guard(text: str) -> str:
    """`text` with a leading ' when a spreadsheet would run it as a formula."""
    return "'" + text if text.startswith(_FORMULA_START) else text


@cache
def _decimal_sign(locale: str) -> str:
    """The decimal sign of `locale`'s language (looked up once: a CSV holds many numbers)."""
    return get_decimal_symbol(language(locale))


def cell_text(value: Value, locale: str) -> str:
    """One value as CSV text in `locale` (see the module's rules); text is guarded."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Euros):
        return format_eur(value.cents, locale)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f").replace(".", _decimal_sign(locale))
    if isinstance(value, datetime):
        return local(value).isoformat(timespec="minutes")
    return guard(str(value))


def csv_text(table: Table, *, locale: str, delimiter: str = ",") -> str:
    """The table as CSV text with a header record, "\\r\\n" line ends, no byte-order mark."""
    out = io.StringIO()
    write_csv_rows(out, table.header, table.rows, locale=locale, delimiter=delimiter)
    return out.getvalue()


def write_csv_rows(
    out: TextIO,
    header: Sequence[str],
    rows: Iterable[Sequence[Value]],
    *,
    locale: str,
    delimiter: str = ",",
) -> None:
    """`csv_text` written to `out` record by record as `rows` yields them (a long export
    need not be held whole)."""
    texts = ([cell_text(value, locale) for value in row] for row in rows)
    write_csv_texts(out, header, texts, delimiter=delimiter)


def write_csv_texts(
    out: TextIO, header: Sequence[str], records: Iterable[Sequence[str]], *, delimiter: str = ","
) -> None:
    """`write_csv_rows` of records whose cells are already text as `cell_text` makes it (a
    caller that knows its columns' types can make them faster)."""
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([guard(name) for name in header])
    writer.writerows(records)


def csv_bytes(table: Table, *, locale: str) -> bytes:
    """The download: UTF-8 with a byte-order mark, separated by `DELIMITERS[locale]`."""
    lang = language(locale)
    return (BOM + csv_text(table, locale=lang, delimiter=DELIMITERS[lang])).encode("utf-8")


def _xlsx_cell(sheet, value: Value) -> WriteOnlyCell:
    if isinstance(value, Euros):
        cell = WriteOnlyCell(sheet, value=Decimal(value.cents) / 100)
        cell.number_format = _EURO_FORMAT
    elif isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=local(value).replace(tzinfo=None))
        cell.number_format = _DATETIME_FORMAT
    elif isinstance(value, Decimal):
        cell = WriteOnlyCell(sheet, value=value)
        places = max(0, -int(value.as_tuple().exponent))
        cell.number_format = "0." + "0" * places if places else "0"
    elif isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        cell.data_type = "s"  # text, even when it starts with "=": never a formula
    else:
        cell = WriteOnlyCell(sheet, value=value)
    return cell


def xlsx_bytes(table: Table) -> bytes:
    """The table as an XLSX workbook of one sheet: a bold, frozen header row, typed cells."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=table.title[:31])
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for name in table.header:
        cell = _xlsx_cell(sheet, name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in table.rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def download(table: Table, fmt: str, *, filename: str, locale: str) -> Response:
    """The table as an attachment `<filename>.<fmt>` (`fmt` one of FORMATS; ValueError for
    another): CSV by `csv_bytes` in `locale`, XLSX by `xlsx_bytes`."""
    if fmt == "csv":
        body = csv_bytes(table, locale=locale)
    elif fmt == "xlsx":
        body = xlsx_bytes(table)
    else:
        raise ValueError(f"unknown format {fmt!r}")
    return Response(
        body,
        headers={
            "Content-Type": MIMETYPES[fmt],
            "Content-Disposition": f'attachment; filename="{filename}.{fmt}"',
        },
    )
