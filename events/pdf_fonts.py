"""DejaVu Sans for every PDF (invoices, credit notes, tickets), parsed once per process.

fpdf2's `FPDF.add_font` parses the TrueType file for every document (the cmap and the widths
of its ~6,000 characters: more than half of an invoice's time), and `output()` then reads
and subsets the whole font again. Here:

- each font file is parsed once per process; every later document gets a copy of the parsed
  font whose per-document parts are new (its number in the document, the subset of
  characters it used, and a fresh lazily-read `fontTools` font from bytes held in memory,
  because `output()` subsets that one in place). The widths, glyph ids and descriptor are
  read only and shared;
- a document whose text stays within `COMMON` (Latin, Greek, Cyrillic, punctuation, the
  euro sign: every Dutch or European name and address) is set in a copy of the font cut to
  those characters, which `output()` subsets in well under half the time; any other text
  gets the whole font, so no character is lost;
- neither copy keeps the OpenType layout tables: these PDFs turn no text shaping on, so
  fpdf2 never reads them, yet `output()` decompiled them for every document.

Relies on fpdf2's `TTFFont` attributes of the version pinned in constraints.txt;
tests/unit/test_pdf_fonts.py proves the documents keep their text and their fonts.
"""

from __future__ import annotations

import atexit
import copy
import shutil
import tempfile
import threading
from io import BytesIO
from pathlib import Path

from fontTools import subset, ttLib
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

#: what the smaller copy of a font holds (code points, inclusive ranges)
COMMON = (
    (0x0000, 0x052F),  # Latin, Latin-1, Latin Extended A/B, IPA, Greek, Cyrillic
    (0x1E00, 0x1EFF),  # Latin Extended Additional (Vietnamese, Welsh)
    (0x2000, 0x20CF),  # general punctuation (dashes, quotes), currency signs (€)
    (0x2100, 0x214F),  # letter-like symbols (™, №)
    (0xFFFD, 0xFFFD),
)
#: OpenType layout tables, used only by text shaping (which these documents do not turn on)
LAYOUT_TABLES = ("GSUB", "GPOS", "GDEF", "JSTF", "BASE")

_parsed: dict[tuple[str, str, bool], TTFFont] = {}
_files: dict[tuple[str, bool], Path] = {}
_bytes: dict[Path, bytes] = {}
_lock = threading.Lock()
_folder: Path | None = None


def fits_common(text: str) -> bool:
    """Whether every character of `text` is in `COMMON`."""
    return all(any(low <= ord(ch) <= high for low, high in COMMON) for ch in set(text))


def add_font(pdf: FPDF, family: str, style: str, path: Path, *, text: str | None = None) -> None:
    """`pdf.add_font(family, style, path)`, parsing each font file once per process; with
    `text` (everything the document will write) that fits `COMMON`, the smaller copy."""
    small = text is not None and fits_common(text)
    fontkey = f"{family.lower()}{style}"
    key = (str(path), style, small)
    with _lock:
        source = _prepared(path, small)
        parsed = _parsed.get(key)
        if parsed is None:
            pdf.add_font(family, style, str(source))
            added = pdf.fonts[fontkey]
            assert isinstance(added, TTFFont)
            _parsed[key] = copy.copy(added)
            return
        data = _bytes[source]
    font = copy.copy(parsed)
    font.i = len(pdf.fonts) + 1
    font.fontkey = fontkey
    font.ttfont = ttLib.TTFont(BytesIO(data), recalcTimestamp=False, lazy=True)
    font.biggest_size_pt = 0
    font.missing_glyphs = []
    font._hbfont = None
    font.subset = SubsetMap(font)
    pdf.fonts[fontkey] = font


def _prepared(path: Path, small: bool) -> Path:
    """The file (in a folder of this process) of `path`'s font without its layout tables,
    cut to `COMMON` when `small`; written the first time it is asked for."""
    global _folder
    found = _files.get((str(path), small))
    if found is not None:
        return found
    if _folder is None:
        _folder = Path(tempfile.mkdtemp(prefix="podium-fonts-"))
        atexit.register(shutil.rmtree, _folder, ignore_errors=True)
    font = ttLib.TTFont(str(path), recalcTimestamp=False)
    if small:
        options = subset.Options()
        options.layout_features = []
        options.glyph_names = True
        options.name_IDs = ["*"]
        options.notdef_outline = True
        options.drop_tables = [*options.drop_tables, "FFTM"]  # FontForge's time stamps
        cutter = subset.Subsetter(options)
        cutter.populate(unicodes=[c for low, high in COMMON for c in range(low, high + 1)])
        cutter.subset(font)
    for table in LAYOUT_TABLES:
        if table in font:
            del font[table]
    out = BytesIO()
    font.save(out)
    target = _folder / f"{'common-' if small else ''}{path.name}"
    target.write_bytes(out.getvalue())
    _files[(str(path), small)] = target
    _bytes[target] = out.getvalue()
    return target


def parsed_count() -> int:
    """How many font files and styles this process has parsed (for the tests)."""
    return len(_parsed)
