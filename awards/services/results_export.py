"""Every category's leaderboard as flat rows, written as CSV, JSON or an aligned text table.

One row per eligible entry: `CSV_FIELDS` plus one column per criterion key (the per-criterion
aggregates of the chosen method). Decimals are strings with two places; `rank` is empty (None
in JSON) for entries below quorum. In a ratified category `ratified_rank` and `ratified_total`
are the frozen result, beside the live figures (a conflict recorded after ratification can
move the live ones; the ratified result stands). What the scores say about the jury
(`awards.services.jury_insight`, computed without the entries hidden from the viewer):
`win_share` is the fraction of 1,000 redraws of the jury (the chosen method) in which the
entry ranks first (three decimals); the category's agreement, ICC(2,k) and Kendall's W (two
decimals; empty without enough data), with the jurors and entries it rests on, and
`same_winner_all_methods` whether every method ranks the same entry first, repeat on each
of its rows. Used by `flask awards results` and the leaderboard's CSV
and XLSX downloads (`spreadsheet`), so all give the same data. The downloads (`comments=True`)
end with a `comments` column once scoring has closed (`deliberation.deliberation_open`): every
counted juror's comments on the entry, one per line with the juror's name
(`deliberation.comments_by_entry`; the chair and admins download it, and an entry hidden from
the viewer is not in the export at all).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import TextIO

from awards import fast_insight, insight
from awards.models import Category, Criterion, Programme
from awards.services import fast_results
from awards.services.access import results_hidden_from
from awards.services.deliberation import comments_by_entry, deliberation_open
from awards.services.jury_insight import category_insight, rounded
from awards.services.ratification import ratifications_by_category
from awards.services.results import (
    BadResultsOption,
    decimal_text,
    leaderboard,
    load_board_data,
    population_stats,
    resolve_options,
    round_criteria_in_order,
)
from awards.services.rounds import RoundInfo, final_round
from core.spreadsheets import Table, Value, cell_text, csv_text, guard, write_csv_texts

CSV_FIELDS = (
    "category",
    "rank",
    "entry",
    "organisation",
    "title",
    "total",
    "scorecards",
    "sufficient",
    "disagreement",
    "ratified_rank",
    "ratified_total",
    "win_share",
    "agreement_icc",
    "agreement_kendall_w",
    "agreement_jurors",
    "agreement_entries",
    "same_winner_all_methods",
)
#: the last column of a download once scoring has closed (`export_rows(comments=True)`)
COMMENTS = "comments"
FORMATS = ("table", "csv", "json")
#: the columns holding decimals (as text in `export_rows`), beside the criterion keys
_DECIMALS = ("total", "disagreement", "ratified_total", "win_share", "agreement_icc",
             "agreement_kendall_w")  # fmt: skip


def export_rows(
    programme: Programme,
    *,
    method: str | None = None,
    trim: int | str | None = None,
    viewer=None,
    now: datetime | None = None,
    comments: bool = False,
    fast: bool = False,
) -> tuple[list[str], list[dict]]:
    """`export_stream`'s field names and rows, the rows as one list."""
    fields, rows = export_stream(
        programme, method=method, trim=trim, viewer=viewer, now=now, comments=comments,
        fast=fast,
    )  # fmt: skip
    return fields, list(rows)


def export_stream(
    programme: Programme,
    *,
    method: str | None = None,
    trim: int | str | None = None,
    viewer=None,
    now: datetime | None = None,
    comments: bool = False,
    fast: bool = False,
) -> tuple[list[str], Iterable[dict]]:
    """(field names, rows) for every category, in category order then leaderboard order.
    For a `viewer` (the results pages; the command line has none) the entries hidden from
    them are left out (a conflicted chair's) and NotAllowed is raised when they may not see
    results at all (`access.results_hidden_from` at `now`). With `comments` (and `now`) the
    jurors' comments follow in a last column `COMMENTS` once scoring has closed.

    With `fast` (and nothing hidden) the rows come from `fast_rows`, one category at a time
    (its scores fetched as columns; the rows are made as they are read, so a caller that
    writes them out holds one category's), which tests/integration/test_fast_results.py proves equal to the default
    reference path (every board through `leaderboard`); its jury figures come from
    `awards.fast_insight` (columnar win shares and agreement, proven equal to
    `awards.insight` by tests/property/test_fast_insight.py). The command line
    (`flask awards results`) uses it by default (`--reference` for this default path); the
    web downloads still take the reference path until it is measured within target at
    Cannes size (bench/bench_results.py).

    Raises BadResultsOption for an unknown method or a bad trim, or a final round without
    criteria (code "no_criteria": nothing to rank)."""
    hidden: set[int] = set()
    if viewer is not None:
        hidden = results_hidden_from(programme, viewer, now=now)
    method, trim, quorum = resolve_options(programme, method, trim)
    with_comments = comments and now is not None and deliberation_open(programme, 1, now)
    remarks = comments_by_entry(programme, round_no=1, hidden=hidden) if with_comments else {}
    if fast and not hidden:
        info = final_round(programme)
        criteria = round_criteria_in_order(programme, info.position)
        if not criteria:  # as the reference path's scoring refuses it, before a row is made
            raise BadResultsOption(code="no_criteria")
        keys = [c.key for c in criteria]
        stream = fast_rows(
            programme, info, criteria, method, trim, quorum,
            remarks if with_comments else None,
        )  # fmt: skip
        return [*CSV_FIELDS, *keys, *([COMMENTS] if with_comments else [])], stream
    data = load_board_data(programme)
    keys = [c.key for c in data.criteria]
    frozen = {
        category_id: {row["entry_id"]: row for row in ratification.snapshot}
        for category_id, ratification in ratifications_by_category(programme).items()
    }
    rows = []
    for category in sorted(programme.categories, key=lambda c: (c.position, c.id)):
        results = leaderboard(
            programme, category, method=method, trim=trim, quorum=quorum, data=data
        )
        figures = category_insight(
            data, category, method=method, trim=trim, quorum=quorum, hidden=hidden
        )
        shares = {s.entry.id: s.share for s in figures.shares}
        for result in results:
            entry = result.entry
            if entry.id in hidden:
                continue
            ratified = frozen.get(category.id, {}).get(entry.id, {})
            row = _row(
                category, result, entry, ratified, shares.get(entry.id),
                (figures.icc.value, figures.kendall.value, figures.icc.jurors,
                 figures.icc.entries, figures.same_winner),
            )  # fmt: skip
            row.update({k: decimal_text(result.criteria.get(k)) for k in keys})
            if with_comments:
                row[COMMENTS] = remarks.get(entry.id, "")
            rows.append(row)
    return [*CSV_FIELDS, *keys, *([COMMENTS] if with_comments else [])], rows


def _row(category, result, entry, ratified: dict, share, agreement: tuple) -> dict:
    """One entry's row (before its criteria and comments): `agreement` is (ICC, Kendall's
    W, jurors and entries they rest on, whether every method names the same winner)."""
    icc, kendall, jurors, entries, same = agreement
    return {
        "category": category.slug,
        "rank": result.rank,
        "entry": entry.ref,
        "organisation": entry.organisation,
        "title": entry.title,
        "total": decimal_text(result.total),
        "scorecards": result.scorecards,
        "sufficient": result.sufficient,
        "disagreement": decimal_text(result.disagreement),
        "ratified_rank": ratified.get("rank"),
        "ratified_total": ratified.get("total"),
        "win_share": decimal_text(rounded(share, 3)),
        "agreement_icc": decimal_text(icc),
        "agreement_kendall_w": decimal_text(kendall),
        "agreement_jurors": jurors,
        "agreement_entries": entries,
        "same_winner_all_methods": same,
    }


def fast_rows(
    programme: Programme,
    info: RoundInfo,
    criteria: list[Criterion],
    method: str,
    trim: int,
    quorum: int,
    remarks: dict[int, str] | None,
) -> Iterator[dict]:
    """`export_rows`' rows when no entry is hidden, made one category at a time from
    `fast_results` (the category's counted scores fetched as columns). The z-scores of a
    category's jurors rest on everything each scored in the round: for a jury member who
    scored in this category only (a panel, as at Cannes) that is the category's own columns
    (`fast_results.juror_sums`); the others' sums come from the database once."""
    spanning = fast_results.spanning_jurors(programme, info)
    shared = population_stats(programme, info, criteria, jurors=spanning) if spanning else {}
    frozen = {
        category_id: {row["entry_id"]: row for row in ratification.snapshot}
        for category_id, ratification in ratifications_by_category(programme).items()
    }
    for category in sorted(programme.categories, key=lambda c: (c.position, c.id)):
        cols = fast_results.load_columns(programme, info.position, category_id=category.id)
        own = fast_results.juror_sums(cols, leaving_out=spanning)
        cols = dataclasses.replace(cols, zscore_stats={**own, **shared})
        yield from _category_rows(
            cols, category, method, trim, quorum, frozen.get(category.id, {}), remarks
        )


def _category_rows(
    cols: fast_results.Columns,
    category: Category,
    method: str,
    trim: int,
    quorum: int,
    frozen: dict[int, dict],
    remarks: dict[int, str] | None,
) -> list[dict]:
    """One category's rows from its columns (`fast_rows`)."""
    keys = [c.key for c in cols.criteria]
    totals = fast_results.card_totals(cols)
    board = fast_results.leaderboard_columns(cols, method, trim, quorum, totals)
    refs = [cols.entries[e].ref for e in board.entries]
    cards = fast_results.category_columns(
        cols, totals, fast_results.card_values(cols, method), category.id
    )
    icc, kendall = fast_insight.agreement_columns(cards)
    shares = fast_insight.winner_shares_columns(
        cols.scoring_criteria, cards, sorted(refs), method=method, trim=trim,  # type: ignore[arg-type]
        quorum=quorum, zscore_stats=cols.zscore_stats if method == "zscore" else None,
    ).shares  # fmt: skip
    same = insight.same_winner(board.firsts)
    icc_value, kendall_value = (
        decimal_text(rounded(icc.value)),
        decimal_text(rounded(kendall.value)),
    )
    rows = []
    for i, index in enumerate(board.entries):
        entry = cols.entries[index]
        ratified = frozen.get(entry.id, {})
        row = {
            "category": category.slug,
            "rank": board.ranks[i],
            "entry": entry.ref,
            "organisation": entry.organisation,
            "title": entry.title,
            "total": _cents_text(board.totals[i]),
            "scorecards": board.scorecards[i],
            "sufficient": board.sufficient[i],
            "disagreement": _cents_text(board.disagreement[i]),
            "ratified_rank": ratified.get("rank"),
            "ratified_total": ratified.get("total"),
            "win_share": decimal_text(rounded(shares.get(entry.ref), 3)),
            "agreement_icc": icc_value,
            "agreement_kendall_w": kendall_value,
            "agreement_jurors": icc.jurors,
            "agreement_entries": icc.entries,
            "same_winner_all_methods": same,
        }
        row.update(zip(keys, map(_cents_text, board.criteria[i]), strict=True))
        if remarks is not None:
            row[COMMENTS] = remarks.get(entry.id, "")
        rows.append(row)
    return rows


@cache
def _cents_text(cents: int | None) -> str | None:
    """Whole cents as `decimal_text` shows the rounded Decimal ("7.50", "-0.25"; None)."""
    if cents is None:
        return None
    return decimal_text(Decimal(cents).scaleb(-2))


def _cell(value) -> str:
    """A value as plain text for the terminal table, on one line."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).replace("\n", " / ")  # (one comment a line in the downloads)


def spreadsheet(fields: list[str], rows: list[dict]) -> Table:
    """The rows as a `core.spreadsheets.Table` with typed cells (the leaderboard's CSV and
    XLSX downloads): decimals as `Decimal`, ranks and counts as numbers."""
    return Table(fields, list(_typed(fields, rows)), title="results")


def _decimal_fields(fields: list[str]) -> set[str]:
    """The fields whose values are decimals (as text in the rows)."""
    return {*_DECIMALS, *fields[len(CSV_FIELDS) :]} - {COMMENTS}


def _typed(fields: list[str], rows: Iterable[dict]) -> Iterator[list[Value]]:
    decimals = _decimal_fields(fields)

    def typed(field: str, value) -> Value:
        return Decimal(value) if field in decimals and value is not None else value

    for row in rows:
        yield [typed(f, row[f]) for f in fields]


def to_csv(fields: list[str], rows: list[dict]) -> str:
    """Plain comma-separated CSV for scripts (`flask awards results --format csv`): no
    byte-order mark, decimals with a point, "\r\n" line ends, text guarded against formulas
    (`core.spreadsheets.csv_text`). The download is `spreadsheet` in the reader's format."""
    return csv_text(spreadsheet(fields, rows), locale="en")


def stream_csv(fields: list[str], rows: Iterable[dict], out: TextIO) -> None:
    """`to_csv` written to `out` row by row as `rows` yields them (the command line with
    `export_stream`: one category's rows held at a time). Each column's cells are made by
    `_csv_cell`, quick for the values the rows hold, `cell_text` of `_typed` for any other."""
    decimals = _decimal_fields(fields)
    cells = [_csv_cell(field, field in decimals) for field in fields]
    pairs = list(zip(fields, cells, strict=True))
    write_csv_texts(out, fields, ([cell(row[f]) for f, cell in pairs] for row in rows))


#: a decimal written as `format(Decimal(text), "f")` writes it: no exponent, no leading zero
_PLAIN_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?")


def _csv_cell(field: str, decimal: bool) -> Callable[[Value], str]:
    """`cell_text(value, "en")` of the value `_typed` makes of one column's raw value: text
    (guarded), whole numbers and decimal text that reads back as itself pass quickly."""
    if decimal:

        def decimal_cell(value: Value) -> str:
            if type(value) is str and _PLAIN_DECIMAL.fullmatch(value):
                return value  # the English decimal sign is the point
            return cell_text(None if value is None else Decimal(value), "en")  # type: ignore[arg-type]

        return decimal_cell

    def cell(value: Value) -> str:
        kind = type(value)
        if kind is str:
            return guard(value)  # type: ignore[arg-type]
        if kind is int:
            return str(value)
        return cell_text(value, "en")

    return cell


def to_json(fields: list[str], rows: list[dict]) -> str:
    return json.dumps([{f: row[f] for f in fields} for row in rows], indent=2, ensure_ascii=False)


def to_table(fields: list[str], rows: list[dict]) -> str:
    """Columns padded to their widest cell; numbers right-aligned."""
    numeric = {
        "rank",
        "total",
        "scorecards",
        "disagreement",
        "ratified_rank",
        "ratified_total",
        "win_share",
        "agreement_icc",
        "agreement_kendall_w",
        "agreement_jurors",
        "agreement_entries",
        *fields[len(CSV_FIELDS) :],
    }
    cells = [list(fields)] + [[_cell(row[f]) for f in fields] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(fields))]
    lines = []
    for line in cells:
        parts = [
            text.rjust(w) if f in numeric else text.ljust(w)
            for f, text, w in zip(fields, line, widths, strict=True)
        ]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines) + "\n"


def render(fields: list[str], rows: list[dict], fmt: str) -> str:
    """`rows` in one of FORMATS (ValueError for another)."""
    if fmt == "csv":
        return to_csv(fields, rows)
    if fmt == "json":
        return to_json(fields, rows)
    if fmt == "table":
        return to_table(fields, rows)
    raise ValueError(f"unknown format {fmt!r}")
