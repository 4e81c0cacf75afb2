"""Hostile files at every importer: the members CSV import, `flask awards import-scores`,
`flask events load` and `flask awards load-programme`. Each starts from a valid file, puts a
hostile value in one place (a CSV cell, a JSON leaf) or hands in a pathological file (a
200 KB field, JSON nested 100,000 deep, NUL and lone surrogates), and asserts: no traceback
(the services raise their refusal, the commands exit 0 or 1 with a message), and nothing
changed when refused."""

from __future__ import annotations

import copy
import csv
import io
import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.extensions import db
from events.services.members import ImportRefused, import_csv
from tests.integration.test_events_loader import DOC as EVENTS_DOC
from tests.integration.test_loader import DOC as PROGRAMME_DOC
from tests.integration.test_loader import NOW as LOAD_NOW
from tests.property.hostile import HUGE_TEXT, SETTINGS, changed, hostile_text, snapshot

SCORING = datetime(2025, 5, 2, 9, 0, tzinfo=UTC)
# JSON can carry what a form post cannot: lone surrogates, and any type
json_value = st.one_of(
    hostile_text,
    st.sampled_from(["\ud800", "a\udfffb", "\u0000", 10**400, -(2**63), 1e308, None, True, [], {}]),
    st.integers(),
    st.floats(),
)
PATHOLOGICAL = [
    "[" * 100_000 + "]" * 100_000,
    '{"a":' * 100_000 + "1" + "}" * 100_000,
    '"' + HUGE_TEXT + '"',
    "1" * 5000,
    "\x00",
    "",
]


def _leaves(doc, path=()):
    """Every path to a value in `doc` (containers included)."""
    yield path
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            yield from _leaves(value, (*path, i))


def _replace(doc, path, value):
    if not path:
        return value
    doc = copy.deepcopy(doc)
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


def _run(app, tmp_path, args: list[str], text: str):
    path = tmp_path / "input.txt"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    before = snapshot()
    result = app.test_cli_runner().invoke(args=[*args, str(path)])
    where = f"{args} {text[:60]!r}"
    assert isinstance(result.exception, SystemExit | None), f"{where}: {result.exception!r}"
    assert result.exit_code in (0, 1), where
    if result.exit_code == 1:
        message = result.stderr.strip()
        assert message and "Traceback" not in message, where
        assert len(message.splitlines()[-1]) < 500, where  # a line, not a dump
        assert changed(before, snapshot()) == [], f"{where}: a refused file changed data"
    return result


def _json(doc) -> str:
    return json.dumps(doc, ensure_ascii=False, default=str)


@pytest.mark.parametrize("text", PATHOLOGICAL, ids=range(len(PATHOLOGICAL)))
@pytest.mark.parametrize("command", [["events", "load"], ["awards", "load-programme"]])
def test_pathological_json_files_are_refused_with_a_message(app, tmp_path, command, text):
    assert _run(app, tmp_path, command, text).exit_code == 1


EVENT_PATHS = list(_leaves(EVENTS_DOC))
PROGRAMME_PATHS = list(_leaves(PROGRAMME_DOC))


def test_hostile_values_anywhere_in_an_events_file(app, tmp_path):
    @SETTINGS
    @given(path=st.sampled_from(EVENT_PATHS), value=json_value)
    def load(path, value):
        _run(app, tmp_path, ["events", "load"], _json(_replace(EVENTS_DOC, path, value)))

    load()


def test_hostile_values_anywhere_in_a_programme_file(app, tmp_path, clock):
    clock.set(LOAD_NOW)

    @SETTINGS
    @given(path=st.sampled_from(PROGRAMME_PATHS), value=json_value)
    def load(path, value):
        _run(
            app, tmp_path, ["awards", "load-programme"], _json(_replace(PROGRAMME_DOC, path, value))
        )

    load()


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


SCORES = [
    ["entry", "juror", "criterion", "score", "comment"],
    *[["E1", "one@jury.example", key, "8", "Good."] for key in
      ("impact", "innovation", "scalability", "customer_focus")],
]  # fmt: skip


@pytest.fixture
def scoring(app, clock, make_programme, make_entry, make_juror, make_user):
    clock.set(SCORING)
    programme = make_programme("cda-2025")
    make_juror(programme, make_user("one@jury.example"))
    make_entry(programme, ref="E1", status="eligible")
    return programme


def test_hostile_cells_in_a_score_file(app, tmp_path, scoring):
    for text in ("entry," + HUGE_TEXT + "\n", "a\x00b\n", _csv(SCORES) + '"' + "x\n" * 70_000):
        _run(app, tmp_path, ["awards", "import-scores", "cda-2025"], text)

    @SETTINGS
    @given(row=st.integers(0, len(SCORES) - 1), column=st.integers(0, 4), value=hostile_text)
    def load(row, column, value):
        rows = copy.deepcopy(SCORES)
        rows[row][column] = value
        _run(app, tmp_path, ["awards", "import-scores", "cda-2025"], _csv(rows))

    load()


MEMBERS = [["name", "domains"], ["Acme", "acme.example"], ["DDMA", "ddma.nl dma.nl"]]


def _import(data: bytes) -> None:
    before = snapshot()
    try:
        import_csv(data, now=SCORING, actor=None)
    except ImportRefused as refused:
        db.session.rollback()  # as the unit of work does
        assert refused.errors and all(str(e).strip() for e in refused.errors)
        assert changed(before, snapshot()) == []
    else:
        db.session.rollback()


def test_hostile_cells_in_a_members_file(app):
    for text in ("name,domains\nAcme," + HUGE_TEXT + "\n", "name,domains\nA\x00,a.nl\n"):
        _import(text.encode())
    _import(b"\xff\xfe")

    @SETTINGS
    @given(row=st.integers(0, len(MEMBERS) - 1), column=st.integers(0, 1), value=hostile_text)
    def load(row, column, value):
        rows = copy.deepcopy(MEMBERS)
        rows[row][column] = value
        _import(_csv(rows).encode())

    load()
