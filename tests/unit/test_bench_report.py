"""bench/report.py judges each row's target and writes every row into the table."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bench.report import markdown, met

DOCS = {
    "pages": {
        "rows": [
            {"what": "event page", "podium": 300.0, "baseline": 600.0, "ratio": 0.5,
             "unit": "req/s", "target": ">= 0.5"},
            {"what": "p99", "podium": 90.0, "baseline": 30.0, "ratio": 3.0,
             "unit": "ms", "target": "<= 2"},
            {"what": "errors", "podium": 0, "baseline": None, "ratio": None,
             "unit": "count", "target": "== 0"},
            {"what": "journeys", "podium": 4.1, "baseline": None, "ratio": None,
             "unit": "journeys/s", "target": ""},
        ],
        "notes": ["2 rounds"],
    }
}  # fmt: skip


def test_targets_are_judged_on_the_ratio_or_the_figure():
    rows = DOCS["pages"]["rows"]
    assert [met(row) for row in rows] == [True, False, True, None]
    assert met({**rows[2], "podium": 3}) is False
    with pytest.raises(ValueError):
        met({**rows[0], "target": "~ 1"})


def test_the_table_holds_every_row_and_its_verdict():
    text = markdown(DOCS, at=datetime(2026, 12, 3, 8, 0, tzinfo=UTC), machine="2 cores")
    lines = [line for line in text.splitlines() if line.startswith("| pages |")]
    assert len(lines) == 4
    assert lines[0].endswith("| >= 0.5 | yes |") and lines[1].endswith("| <= 2 | **no** |")
    assert "| 0.5 |" in lines[0] and "- pages: 2 rounds" in text


RESULTS_ROWS = [  # the shape bench/bench_results.py writes
    {"what": "results command, mean, Cannes full, sqlite: wall time", "podium": 9.0,
     "baseline": 2.5, "ratio": 3.6, "unit": "s", "target": "<= 3"},
    {"what": "results command, mean, Cannes full, sqlite: peak memory", "podium": 190.5,
     "baseline": None, "ratio": None, "unit": "MiB", "target": "<= 200"},
]  # fmt: skip


def test_the_results_rows_are_judged_and_listed():
    assert [met(row) for row in RESULTS_ROWS] == [False, True]
    assert met({**RESULTS_ROWS[1], "podium": 250.0}) is False
    text = markdown(
        {"results": {"rows": RESULTS_ROWS}},
        at=datetime(2026, 12, 3, 8, 0, tzinfo=UTC),
        machine="2 cores",
    )
    lines = [line for line in text.splitlines() if line.startswith("| results |")]
    assert len(lines) == 2
    assert lines[0].endswith("| <= 3 | **no** |") and lines[1].endswith("| <= 200 | yes |")
