"""`flask awards results`: every category in table, CSV and JSON, and clear errors."""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import UTC, datetime

import pytest

from awards.models import Score, Scorecard
from awards.scoring import METHODS
from awards.services import fast_results
from core.extensions import db

SCORING = datetime(2025, 4, 10, 9, 0, tzinfo=UTC)
HEADER = (
    "category,rank,entry,organisation,title,total,scorecards,sufficient,disagreement,ratified_rank,"
    "ratified_total,win_share,agreement_icc,agreement_kendall_w,agreement_jurors,"
    "agreement_entries,same_winner_all_methods,impact,innovation,scalability,customer_focus"
)


@pytest.fixture
def scored(app, clock, make_programme, make_entry, make_juror):
    """Quorum 2. A: 9, 8, 1 (mean 6, median 8); B: 7, 7, 7; N (innovation): 5 once."""
    clock.set(SCORING)
    programme = make_programme(quorum=2)
    innovation = programme.categories[1]
    jurors = [make_juror(programme) for _ in range(3)]
    a = make_entry(programme, ref="A", organisation="=Org A", title="Case A")
    b = make_entry(programme, ref="B", organisation="Org B", title="Case B")
    n = make_entry(programme, category=innovation, ref="N", organisation="Org N", title="Case N")
    for entry, values in ((a, (9, 8, 1)), (b, (7, 7, 7)), (n, (5,))):
        for juror, value in zip(jurors, values, strict=False):
            card = Scorecard(jury_member=juror, entry=entry, status="submitted", updated_at=SCORING)
            card.scores = [Score(criterion=c, value=value) for c in programme.criteria]
            db.session.add(card)
    db.session.commit()
    return programme


def run(app, *args):
    return app.test_cli_runner().invoke(args=["awards", "results", *args])


def test_csv(app, scored):
    result = run(app, scored.slug, "--format", "csv")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.splitlines()[0] == HEADER
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["category"], r["rank"], r["entry"], r["total"]) for r in rows] == [
        ("data-transformation", "1", "B", "7.00"),
        ("data-transformation", "2", "A", "6.00"),
        ("data-innovation", "", "N", "5.00"),
    ]
    a = rows[1]
    assert (a["scorecards"], a["sufficient"], a["disagreement"], a["impact"]) == (
        "3",
        "yes",
        "3.56",
        "6.00",
    )
    assert a["organisation"] == "'=Org A"  # never a spreadsheet formula
    assert rows[2]["sufficient"] == "no"


def test_method_and_trim(app, scored):
    median = list(
        csv.DictReader(
            io.StringIO(run(app, scored.slug, "--method", "median", "--format", "csv").stdout)
        )
    )
    assert [(r["entry"], r["total"]) for r in median[:2]] == [("A", "8.00"), ("B", "7.00")]
    untrimmed = run(app, scored.slug, "--method", "trimmed", "--trim", "0", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(untrimmed.stdout)))
    assert [(r["entry"], r["total"]) for r in rows[:2]] == [("B", "7.00"), ("A", "6.00")]


def test_json(app, scored):
    result = run(app, scored.slug, "--format", "json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert list(rows[0]) == HEADER.split(",")
    assert rows[0] | {} == {
        "category": "data-transformation",
        "rank": 1,
        "entry": "B",
        "organisation": "Org B",
        "title": "Case B",
        "total": "7.00",
        "scorecards": 3,
        "sufficient": True,
        "disagreement": "0.00",
        "ratified_rank": None,
        "ratified_total": None,
        # B wins the redraws that do not lean on A's two high marks (seeded: reproducible)
        "win_share": "0.691",
        # A 9, 8, 1 and B 7, 7, 7: MSR 1.5, MSC 9.5, MSE 9.5 -> (1.5 - 9.5) / 1.5
        "agreement_icc": "-5.33",
        "agreement_kendall_w": None,  # W needs three entries
        "agreement_jurors": 3,
        "agreement_entries": 2,
        "same_winner_all_methods": False,
        "impact": "7.00",
        "innovation": "7.00",
        "scalability": "7.00",
        "customer_focus": "7.00",
    }
    assert rows[2]["rank"] is None and rows[2]["sufficient"] is False


def test_table_is_aligned(app, scored):
    result = run(app, scored.slug)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == HEADER.split(",")
    # every column starts at the same offset on every line
    start = lines[0].index("organisation")
    assert all(line[start:].startswith(("organisation", "=Org", "Org")) for line in lines)
    assert lines[1].split()[:3] == ["data-transformation", "1", "B"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["nope"], 1, "unknown programme 'nope'"),
        (["{slug}", "--method", "mode"], 2, "Invalid value for '--method'"),
        (["{slug}", "--format", "xml"], 2, "Invalid value for '--format'"),
        (["{slug}", "--trim", "-1"], 2, "Invalid value for '--trim'"),
    ],
)
def test_errors(app, scored, args, code, message):
    result = run(app, *[a.format(slug=scored.slug) for a in args])
    assert result.exit_code == code
    assert message in result.stderr


def test_the_csv_is_written_one_category_at_a_time(app, scored, monkeypatch):
    """The fast path loads a category's scores only once the rows before it are written:
    the command holds one category's rows, not the programme's."""
    written_before: list[int] = []
    load = fast_results.load_columns

    def spy(*args, **kwargs):
        sys.stdout.flush()
        written_before.append(len(sys.stdout.buffer.getvalue().splitlines()))
        return load(*args, **kwargs)

    monkeypatch.setattr(fast_results, "load_columns", spy)
    result = run(app, scored.slug, "--format", "csv")
    assert result.exit_code == 0, result.output
    assert written_before == [1, 3]  # the header; then the header and A and B


@pytest.mark.parametrize("method", METHODS)
def test_the_streamed_csv_is_the_reference_paths(app, scored, method):
    fast = run(app, scored.slug, "--method", method, "--format", "csv")
    slow = run(app, scored.slug, "--method", method, "--format", "csv", "--reference")
    assert fast.exit_code == slow.exit_code == 0, (fast.output, slow.output)
    assert fast.stdout_bytes == slow.stdout_bytes


@pytest.mark.parametrize("path", [[], ["--reference"]])
def test_a_round_without_criteria_is_a_clear_error_on_both_paths(app, scored, path):
    """Every criterion deleted (allowed before scoring starts): nothing to rank, so the
    command says so and writes no rows, instead of failing in its SQL or a traceback."""
    for criterion in list(scored.criteria):
        db.session.delete(criterion)
    db.session.commit()
    result = run(app, scored.slug, "--format", "csv", *path)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"{scored.slug}: " in result.stderr and "(no_criteria)" in result.stderr
    assert "Deze editie heeft geen criteria" in result.stderr  # the default locale, Dutch
