"""DejaVu Sans for every PDF (invoices, credit notes, tickets), parsed once per process.

fpdf2's `FPDF.add_font` parses the TrueType file for every document (the cmap and the widths
of its ~6,000 characters: more than half of an invoice's time), and `output()` then reads
and subsets the whole font again. Here:

- each font file is parsed once per process; every later document gets a copy of the parsed
  font whose per-document parts are new (its number in the document, the subset of
  characters it used, and a fresh lazily-read `fontTools` font from bytes held in memory,
  because `output()` subsets that one in place). The widths, glyph ids and descriptor are
  read only and shared;
- a document is set in the smallest copy of the font that holds all of its text, because
  `output()` decompiles and subsets the copy it is given for every document, at a cost that
  grows with the copy's size: `LATIN` (Windows-1252's characters: every Dutch invoice),
  else `COMMON` (Latin, Greek, Cyrillic, punctuation, the euro sign: every European name and
  address), else the whole font, so no character is lost. The PDF embeds only the glyphs it
  uses either way;
- no copy keeps the OpenType layout tables: these PDFs turn no text shaping on, so
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
#: the smallest copy: Windows-1252 (Basic Latin, Latin-1, and its euro sign, quotes, dashes,
#: Œ, Š, Ž, ™ ...), about 220 characters against COMMON's 1,200 and the whole font's 6,000
LATIN = (
    (0x0000, 0x00FF),
    (0x0152, 0x0153),
    (0x0160, 0x0161),
    (0x0178, 0x0178),
    (0x017D, 0x017E),
    (0x0192, 0x0192),
    (0x02C6, 0x02C6),
    (0x02DC, 0x02DC),
    (0x2013, 0x2014),
    (0x2018, 0x201E),
    (0x2020, 0x2022),
    (0x2026, 0x2026),
    (0x2030, 0x2030),
    (0x2039, 0x203A),
    (0x20AC, 0x20AC),
    (0x2122, 0x2122),
    (0xFFFD, 0xFFFD),
)
#: the copies of a font by name, smallest first (None: the whole font)
CUTS: tuple[tuple[str, tuple[tuple[int, int], ...] | None], ...] = (
    ("latin", LATIN),
    ("common", COMMON),
    ("whole", None),
)
#: OpenType layout tables, used only by text shaping (which these documents do not turn on)
LAYOUT_TABLES = ("GSUB", "GPOS", "GDEF", "JSTF", "BASE")

_parsed: dict[tuple[str, str, str], TTFFont] = {}
_files: dict[tuple[str, str], Path] = {}
_bytes: dict[Path, bytes] = {}
_lock = threading.Lock()
_folder: Path | None = None


def fits_common(text: str) -> bool:
    """Whether every character of `text` is in `COMMON`."""
    return _fits(text, COMMON)


def cut_for(text: str | None) -> str:
    """The name of the smallest copy (`CUTS`) holding every character of `text`; the whole
    font when the text is not known."""
    if text is None:
        return "whole"
    characters = set(text)
    return next(name for name, ranges in CUTS if ranges is None or _fits(characters, ranges))


def _fits(text: str | set[str], ranges: tuple[tuple[int, int], ...]) -> bool:
    return all(any(low <= ord(ch) <= high for low, high in ranges) for ch in set(text))


def add_font(pdf: FPDF, family: str, style: str, path: Path, *, text: str | None = None) -> None:
    """`pdf.add_font(family, style, path)`, parsing each font file once per process; with
    `text` (everything the document will write), the smallest copy that holds it (`cut_for`)."""
    cut = cut_for(text)
    fontkey = f"{family.lower()}{style}"
    key = (str(path), style, cut)
    with _lock:
        source = _prepared(path, cut)
        parsed = _parsed.get(key)
        if parsed is None:
            # parsed on a scratch document, so that the first document of a process gets a
            # copy made as every later one's is, and the same bytes for the same invoice
            scratch = FPDF()
            scratch.add_font(family, style, str(source))
            added = scratch.fonts[fontkey]
            assert isinstance(added, TTFFont)
            added.ttfont.close()  # each copy reads its own from the bytes held in memory
            parsed = _parsed[key] = added
        data = _bytes[source]
    font = copy.copy(parsed)
    font.i = len(pdf.fonts) + 1
    font.fontkey = fontkey
    font.ttfont = ttLib.TTFont(BytesIO(data), recalcTimestamp=False, recalcBBoxes=False, lazy=True)
    font.biggest_size_pt = 0
    font.missing_glyphs = []
    font._hbfont = None
    font.subset = SubsetMap(font)
    pdf.fonts[fontkey] = font


def _prepared(path: Path, cut: str) -> Path:
    """The file (in a folder of this process) of `path`'s font without its layout tables,
    cut to the characters of `cut` (`CUTS`); written the first time it is asked for."""
    global _folder
    found = _files.get((str(path), cut))
    if found is not None:
        return found
    if _folder is None:
        _folder = Path(tempfile.mkdtemp(prefix="podium-fonts-"))
        atexit.register(shutil.rmtree, _folder, ignore_errors=True)
    font = ttLib.TTFont(str(path), recalcTimestamp=False)
    ranges = dict(CUTS)[cut]
    if ranges is not None:
        options = subset.Options()
        options.layout_features = []
        options.glyph_names = True
        options.name_IDs = ["*"]
        options.notdef_outline = True
        options.drop_tables = [*options.drop_tables, "FFTM"]  # FontForge's time stamps
        cutter = subset.Subsetter(options)
        cutter.populate(unicodes=[c for low, high in ranges for c in range(low, high + 1)])
        cutter.subset(font)
    for table in LAYOUT_TABLES:
        if table in font:
            del font[table]
    out = BytesIO()
    font.save(out)
    target = _folder / f"{cut}-{path.name}"
    target.write_bytes(out.getvalue())
    _files[(str(path), cut)] = target
    _bytes[target] = out.getvalue()
    return target


def parsed_count() -> int:
    """How many font files and styles this process has parsed (for the tests)."""
    return len(_parsed)
