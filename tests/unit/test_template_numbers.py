"""Templates write numbers through Babel (`|num`, `|dt`, `format_eur`), never with printf or
str.format patterns, which write "1.5" in Dutch too."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
#: "%g"|format(x), "%.2f"|format(x), "{:.2f}".format(x), x|round(1) shown bare
PATTERNS = re.compile(
    r"""["']%[-+ 0#]*\d*(?:\.\d+)?[dfgeF]["']\s*\|\s*format"""
    r"""|["'][^"']*\{[^}]*:[^}]*\.\d+[fgeF%][^}]*\}[^"']*["']\s*\.\s*format"""
    r"""|\|\s*round\([^)]*\)\s*(?:}}|\|\s*string)"""
)


def test_no_template_formats_numbers_by_hand():
    found = [
        f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()}"
        for path in sorted(TEMPLATES.rglob("*"))
        if path.suffix in (".html", ".txt")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if PATTERNS.search(line)
    ]
    assert found == []


def test_the_check_sees_each_pattern():
    for line in (
        '{{ "%g"|format(c.weight) }}',
        "{{ '%.2f' | format(total) }}",
        '{{ "{:.2f}".format(total) }}',
        "{{ (size / 1024)|round(1) }}",
    ):
        assert PATTERNS.search(line), line
    assert not PATTERNS.search("{{ c.weight|num(trim=true) }}")
