"""What the hostile-input property tests share: generated hostile values, a fingerprint of the
whole database, reading the forms a page shows, and judging a response.

A request is *rejected* when it answers 4xx, or 200 with a field error or an error flash, or
redirects with an error flash; a rejected request must change nothing (`snapshot` before and
after) and must say why (`has_message`). No request may answer 5xx or raise.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from html.parser import HTMLParser

import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from core.extensions import db, limiter

#: few examples per form or importer, no deadline (a request on a shared machine varies)
SETTINGS = settings(
    max_examples=2,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
CONTROLS = [chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"] + ["\x7f"]
HUGE_TEXT = "x" * 200_000
HUGE_NUMBER = "9" * 400
#: what every field gets once, whatever hypothesis draws
FIXED = ("a\x00b", HUGE_NUMBER, " ")

# werkzeug's test client encodes form values as UTF-8, so no lone surrogates here (a
# browser cannot send them either: invalid UTF-8 is decoded as U+FFFD)
_CHARS = st.characters(blacklist_categories=("Cs",))
hostile_text = st.one_of(
    st.tuples(
        st.text(_CHARS, max_size=12), st.sampled_from(CONTROLS), st.text(_CHARS, max_size=12)
    ).map("".join),
    st.sampled_from(
        [
            "",
            " ",
            "\t \u00a0",
            "\x00",
            HUGE_TEXT,
            HUGE_NUMBER,
            "-" + HUGE_NUMBER,
            "2147483648",
            "-2147483649",
            "9223372036854775808",
            "1e999999",
            "NaN",
            "-Infinity",
            "0,000001",
            "a\r\nb",
            "\u202e\ufeff\u200b",
        ]
    ),
    st.text(_CHARS, max_size=40),
    st.integers().map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)


def snapshot() -> dict[str, tuple[int, str]]:
    """{table: (row count, hash of every row in primary-key order)} for every table."""
    db.session.commit()  # what the test built exists (as before a request); end its transaction
    result = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
        digest = hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest()
        result[table.name] = (len(rows), digest)
    db.session.rollback()
    return result


def changed(before: dict, after: dict) -> list[str]:
    return sorted(name for name in before if before[name] != after[name])


@dataclass
class PageForm:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)  # the values a browser would send
    names: list[str] = field(default_factory=list)  # every named control, files included
    files: set[str] = field(default_factory=set)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[PageForm] = []
        self._select: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None
        self._button_taken = False

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(PageForm(a.get("action", ""), a.get("method", "get").lower()))
            self._button_taken = False
            return
        if not self.forms or (not a.get("name") and tag != "option"):
            return
        form, name = self.forms[-1], a.get("name", "")
        if name and name not in form.names:
            form.names.append(name)
        kind = a.get("type", "text").lower()
        if tag == "input":
            if kind == "file":
                form.files.add(name)
            elif kind in ("checkbox", "radio"):
                if "checked" in a or (kind == "radio" and name not in form.fields):
                    form.fields[name] = a.get("value", "y")
            elif kind == "submit":
                if not self._button_taken:
                    form.fields[name], self._button_taken = a.get("value", ""), True
            else:
                form.fields[name] = a.get("value", "")
        elif tag == "button" and not self._button_taken:
            form.fields[name], self._button_taken = a.get("value", ""), True
        elif tag == "textarea":
            self._textarea = name
            form.fields[name] = ""
        elif tag == "select":
            self._select, self._first_option = name, None
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
                form.fields.setdefault(self._select, value)
            if "selected" in a:
                form.fields[self._select] = value

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1].fields[self._textarea] += data


def page_forms(html: str) -> list[PageForm]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def flashed_errors(client) -> list[str]:
    """The error flashes waiting in the client's session (and forget every flash)."""
    with client.session_transaction() as session:
        flashes = session.pop("_flashes", [])
    return [message for category, message in flashes if category == "error"]


ERROR_MARKERS = ('role="alert"', 'class="flash error"', 'class="error"')


def judge(client, response) -> tuple[bool, bool]:
    """(rejected, says why) for a response that is not 5xx; see the module docstring."""
    body = response.get_data(as_text=True)
    if 300 <= response.status_code < 400:
        errors = flashed_errors(client)
        return bool(errors), bool(errors)
    flashed_errors(client)
    marked = any(marker in body for marker in ERROR_MARKERS)
    if response.status_code >= 400:
        text = body.strip()
        return True, bool(text) and (marked or "<h1>" in body or '"error"' in body)
    return marked, marked


def no_rate_limits() -> None:
    limiter.reset()
