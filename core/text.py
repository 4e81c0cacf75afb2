"""Untrusted text and files before they reach the database: control characters, line length,
CSV fields and JSON nesting.

PostgreSQL refuses NUL in text and the UTF-8 encoder refuses lone surrogates (JSON can carry
both: "\\u0000", "\\ud800"); the other C0 control characters are never typed by a person and
break CSV exports and e-mails. The form layer (`core.forms.Form`) and every importer call the
checks here, so such input is refused with a message instead of failing on write.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l

# C0 controls but tab, line feed and carriage return; DEL; UTF-16 surrogates (only ever lone
# ones in a Python str)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_CONTROL_ONE_LINE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\ud800-\udfff]")

CONTROL_MESSAGE = _l("Remove the invisible control characters (such as NUL) from this text.")
LINE_BREAK_MESSAGE = _l("Use a single line here.")
#: a line of an imported CSV file; far above any real member list or score sheet
MAX_CSV_LINE = 10_000
#: nesting of an imported JSON document (the deepest real one nests 4 levels)
MAX_JSON_DEPTH = 20


def has_control(value: str, *, multiline: bool = True) -> bool:
    """True when `value` holds a character no stored text may hold: a C0 control other than
    tab (and, when `multiline`, line feed and carriage return), DEL or a lone surrogate."""
    pattern = _CONTROL if multiline else _CONTROL_ONE_LINE
    return pattern.search(value) is not None


def text_problem(value: object, *, multiline: bool = True):
    """The message refusing `value` (a lazy string), or None when it is fine or not text.

    A one-line value with a control character that is a line break is told to use one line."""
    if not isinstance(value, str) or not has_control(value, multiline=multiline):
        return None
    if multiline or has_control(value, multiline=True):
        return CONTROL_MESSAGE
    return LINE_BREAK_MESSAGE


def csv_lines_problems(
    lines: Iterable[str], *, max_line: int = MAX_CSV_LINE
) -> list[tuple[int, str]]:
    """(line number, message) for every line (as `csv` counts them: `io.StringIO(text,
    newline="")` gives them) that is too long or holds a control character other than tab
    (see `has_control`); its line ending is allowed. Lines without problems read with `csv`
    without hitting its field size limit unless a quoted field spans many of them."""
    problems: list[tuple[int, str]] = []
    for n, line in enumerate(lines, start=1):
        line = line.removesuffix("\n").removesuffix("\r")
        if len(line) > max_line:
            message = _l("the line is too long (at most %(n)s characters).", n=f"{max_line:,}")
            problems.append((n, str(message)))
        elif has_control(line, multiline=False):
            problems.append((n, str(_l("the line holds a control character (such as NUL)."))))
    return problems


def read_csv_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) for every row of CSV `text`. Raises ValueError (a message naming
    the line) for a malformed row, e.g. a field over the csv module's size limit."""
    reader = csv.reader(io.StringIO(text, newline=""))
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise ValueError(
                str(_l("Line %(n)s: %(error)s", n=reader.line_num, error=str(error)))
            ) from None
        yield reader.line_num, row


def json_depth_problem(text: str, *, max_depth: int = MAX_JSON_DEPTH):
    """A message when JSON `text` nests arrays and objects deeper than `max_depth`, else None.

    Counts brackets outside strings, so it runs in constant stack (the json module recurses
    and would raise RecursionError)."""
    depth, in_string, escaped, line = 0, False, False, 1
    for char in text:
        if char == "\n":
            line += 1
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > max_depth:
                return _l(
                    "The JSON nests deeper than %(n)s levels (line %(line)s).",
                    n=max_depth,
                    line=line,
                )
        elif char in "]}":
            depth -= 1
    return None


def load_json(text: str, *, max_depth: int = MAX_JSON_DEPTH, parse_float: Any = Decimal) -> Any:
    """The decoded JSON document. Raises ValueError with a message for malformed JSON (with
    its line and column), nesting deeper than `max_depth` or a number too long to convert."""
    problem = json_depth_problem(text, max_depth=max_depth)
    if problem is not None:
        raise ValueError(str(problem))
    try:
        return json.loads(text, parse_float=parse_float)
    except json.JSONDecodeError as e:
        raise ValueError(
            str(
                _l(
                    "Not valid JSON: %(msg)s (line %(line)s, column %(col)s).",
                    msg=e.msg,
                    line=e.lineno,
                    col=e.colno,
                )
            )
        ) from None
    except (ValueError, RecursionError) as e:  # e.g. an integer of more than 4,300 digits
        raise ValueError(str(_l("Not valid JSON: %(msg)s.", msg=str(e)))) from None


def json_text_problems(doc: Any) -> list[tuple[str, str]]:
    """(JSON path, message) for every string in `doc` (keys included) holding a control
    character (see `has_control`); paths as `events[0].title.nl`, "$" for the document."""
    problems: list[tuple[str, str]] = []
    stack: list[tuple[str, Any]] = [("", doc)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            if has_control(value):
                problems.append((where or "$", str(CONTROL_MESSAGE)))
        elif isinstance(value, dict):
            for key, item in value.items():
                if has_control(str(key)):
                    problems.append((where or "$", str(CONTROL_MESSAGE)))
                    continue
                stack.append((f"{where}.{key}" if where else str(key), item))
        elif isinstance(value, list):
            stack.extend((f"{where}[{i}]", item) for i, item in enumerate(value))
    return sorted(problems)
