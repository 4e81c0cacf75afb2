"""Leaderboards: the jury's submitted scores aggregated per category with `awards.scoring`.

What counts (`awards.services.scorecards.counted_scorecards_query`): submitted scorecards of
*eligible* entries whose juror is not barred from the entry by a conflict the chair has not
dismissed. Draft scorecards, withdrawn/ineligible/draft entries
and barred jurors never count. Withdrawn or ineligible entries never appear on a leaderboard.

Everything a programme's leaderboards need is loaded by `load_board_data` in four queries
(criteria, eligible entries, one joined query over the counted scorecards and their scores,
and the z-score population summed up in the database); every function here accepts that
data so a page or an export loads it once. With a `category` it loads that category's
entries and scorecards only: the z-score population stays the whole programme's (as sums
per juror and criterion, `population_stats`), so a category's board is the same either way
and costs what the category holds, not what the programme holds.

Rounds: every board is of one round (`awards.services.rounds`; None: the final round, which
ratification reads): that round's entries (round 2 on: those advanced into it), its scorecards,
the criteria asked in it and its quorum.

Method and trim default to the programme's settings, the quorum to the round's. The z-score method standardises
each juror against everything that juror scored in the whole programme (the z-score population
is all counted scorecards of the programme, not only the category's).

Rounding (as `awards.scoring` documents it): totals, per-criterion aggregates and disagreement
are rounded to two decimals, half up; the ranking uses the rounded values, ties are broken by
the rules in `awards.scoring` and the deciding rule is reported in `EntryResult.tie_break`.
Entries below quorum are listed after the ranked ones without a rank.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import TypeVar, cast

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from awards import scoring
from awards.models import Category, Criterion, Entry, Programme, Score
from awards.scoring import METHODS, EntryResult, ScoringError
from awards.services.access import results_hidden_from
from awards.services.rounds import RoundInfo, final_round, get_round, round_entries_query
from awards.services.scorecards import counted_scorecards_query
from core.errors import DomainError
from core.extensions import db

_T = TypeVar("_T")


class BadResultsOption(DomainError):
    """An unknown aggregation method or a trim that is not a whole number >= 0."""

    code = "bad_option"
    status = 400
    message = _l("Unknown aggregation method or trim.")


@dataclass
class BoardData:
    """A programme's scoring inputs, loaded once (see `load_board_data`)."""

    programme: Programme
    criteria: list[Criterion]
    round: RoundInfo
    entries: dict[int, list[Entry]] = field(default_factory=dict)  # category id -> entries
    cards: dict[int, list[scoring.Scorecard]] = field(default_factory=dict)  # category id -> cards
    # the whole programme's z-score population of the round, summed (`population_stats`)
    zscore_stats: scoring.JurorStats = field(default_factory=dict)
    # (category id, method, trim, quorum) -> that board, computed once (`aggregate_board`)
    boards: dict[tuple[int, str, int, int], list[EntryResult[Entry]]] = field(default_factory=dict)

    @property
    def population(self) -> list[scoring.Scorecard]:
        """Every counted scorecard loaded (the whole programme's unless loaded for one
        category; the z-score population is `zscore_stats`)."""
        return [card for cards in self.cards.values() for card in cards]

    @property
    def scoring_criteria(self) -> list[scoring.Criterion]:
        return [
            scoring.Criterion(c.key, c.weight, c.min_score, c.max_score, c.step)
            for c in self.criteria
        ]


@dataclass(frozen=True)
class BoardRow:
    """One entry on a category board: the chosen method's result plus every method's result."""

    entry: Entry
    result: EntryResult[Entry]
    by_method: dict[str, EntryResult[Entry]]


def round_criteria_in_order(programme: Programme, position: int) -> list[Criterion]:
    """The criteria of round `position` (those of every round and its own), in position
    order, in one query."""
    return list(
        db.session.scalars(
            sa.select(Criterion)
            .where(
                Criterion.programme_id == programme.id,
                sa.or_(Criterion.round_no.is_(None), Criterion.round_no == position),
            )
            .order_by(Criterion.position, Criterion.id)
        )
    )


def load_board_data(
    programme: Programme, round_no: int | None = None, *, category: Category | None = None
) -> BoardData:
    """Criteria, entries and counted scores of round `round_no` of `programme` (None: the
    final round) — of `category` only when given — and the round's z-score population
    summed up, in five queries. NotFound for a round the programme does not have."""
    info = final_round(programme) if round_no is None else get_round(programme, round_no)
    criteria = round_criteria_in_order(programme, info.position)
    data = BoardData(programme, criteria, info)
    entries_query = round_entries_query(programme, info.position)
    if category is not None:
        entries_query = entries_query.where(Entry.category_id == category.id)
    for entry in db.session.scalars(entries_query.order_by(Entry.ref)):
        data.entries.setdefault(entry.category_id, []).append(entry)
    counted = counted_scorecards_query(programme, info.position).subquery()
    rows_query = (
        sa.select(
            Entry.category_id,
            Entry.ref,
            counted.c.id,
            counted.c.jury_member_id,
            Criterion.key,
            Score.value,
        )
        .select_from(counted)
        .join(Entry, Entry.id == counted.c.entry_id)
        .outerjoin(Score, Score.scorecard_id == counted.c.id)
        .outerjoin(Criterion, Criterion.id == Score.criterion_id)
        .order_by(counted.c.id)
    )
    if category is not None:
        rows_query = rows_query.where(Entry.category_id == category.id)
    grouped: dict[int, tuple[int, str, int, dict[str, Decimal | None]]] = {}
    for category_id, ref, card_id, juror_id, key, value in db.session.execute(rows_query):
        card = grouped.setdefault(card_id, (category_id, ref, juror_id, {}))
        if key is not None:
            card[3][key] = value
    by_category: dict[int, list[scoring.Scorecard]] = defaultdict(list)
    for category_id, ref, juror_id, scores in grouped.values():
        by_category[category_id].append(scoring.Scorecard(ref, juror_id, scores))
    data.cards = dict(by_category)
    data.zscore_stats = population_stats(programme, info, criteria)
    return data


def population_stats(
    programme: Programme,
    info: RoundInfo,
    criteria: list[Criterion],
    *,
    without: set[int] | frozenset[int] = frozenset(),
) -> scoring.JurorStats:
    """The z-score population of round `info` summed up in the database: per (jury member
    id, criterion key) the count, sum and sum of squares of the values in the counted
    scorecards, leaving out the entries `without` (a conflicted viewer's). One GROUP BY over
    the scores' stored integers (cents of a point), so the sums are exact:
    `scoring.juror_stats` of the same scorecards gives the same."""
    counted = counted_scorecards_query(programme, info.position).subquery()
    cents = sa.type_coerce(Score.value, sa.BigInteger)  # the stored value x 100
    keys = {c.id: c.key for c in criteria}  # grouped by the criterion's id: no join for its key
    query = (
        sa.select(
            counted.c.jury_member_id,
            Score.criterion_id,
            sa.func.count(Score.id),
            sa.func.sum(cents),
            sa.func.sum(cents * cents),
        )
        .select_from(counted)
        .join(Score, Score.scorecard_id == counted.c.id)
        .where(Score.value.is_not(None), Score.criterion_id.in_(list(keys)))
        .group_by(counted.c.jury_member_id, Score.criterion_id)
    )
    if without:
        query = query.where(counted.c.entry_id.not_in(without))
    return {
        (juror, keys[criterion_id]): (
            Decimal(n),
            Decimal(int(total)).scaleb(-2),
            Decimal(int(squares)).scaleb(-4),
        )
        for juror, criterion_id, n, total, squares in db.session.execute(query)
    }


def resolve_options(
    programme: Programme, method: str | None, trim: int | str | None, quorum: int | None = None
) -> tuple[str, int, int]:
    """(method, trim, quorum) with the programme's defaults filled in.

    Raises BadResultsOption for an unknown method or a trim that is not an integer >= 0."""
    method = method or programme.method
    if method not in METHODS:
        raise BadResultsOption(code="bad_method")
    if trim is None or trim == "":
        trim = programme.trim
    try:
        trim = int(trim)
    except (TypeError, ValueError):
        raise BadResultsOption(code="bad_trim") from None
    if trim < 0:
        raise BadResultsOption(code="bad_trim")
    return method, trim, quorum if quorum is not None else programme.quorum


def aggregate_board(
    data: BoardData, category: Category, method: str, trim: int, quorum: int
) -> list[EntryResult[Entry]]:
    """The category's entries aggregated with these options, computed once per `data` (the
    leaderboard and its figures ask for the same boards). Raises BadResultsOption."""
    key = (category.id, method, trim, quorum)
    if key not in data.boards:
        data.boards[key] = _aggregate(data, category, method, trim, quorum)
    return data.boards[key]


def _aggregate(
    data: BoardData, category: Category, method: str, trim: int, quorum: int
) -> list[EntryResult[Entry]]:
    by_ref, results = _run(
        data,
        category,
        partial(
            scoring.aggregate,
            method=method,  # type: ignore[arg-type]
            trim=trim,
            quorum=quorum,
            zscore_stats=data.zscore_stats,
        ),
    )
    return _for_entries(results, by_ref)


def _run(data: BoardData, category: Category, scorer: Callable[..., _T]) -> tuple[dict, _T]:
    """(ref -> Entry, `scorer(criteria, cards, refs)`) of the category (scoring works on
    refs); a ScoringError, only reachable with corrupt data or bad options, as
    BadResultsOption."""
    by_ref = {e.ref: e for e in data.entries.get(category.id, [])}
    try:
        return by_ref, scorer(data.scoring_criteria, data.cards.get(category.id, []), list(by_ref))
    except ScoringError as error:
        raise BadResultsOption(code=error.code) from error


def _for_entries(results: list[EntryResult[Hashable]], by_ref: dict) -> list[EntryResult[Entry]]:
    return [_with_entry(r, by_ref[str(r.entry)]) for r in results]


def _with_entry(result: EntryResult[Hashable], entry: Entry) -> EntryResult[Entry]:
    """`result` for the `Entry` itself (scoring works on refs)."""
    return cast("EntryResult[Entry]", replace(result, entry=entry))


def leaderboard(
    programme: Programme,
    category: Category,
    *,
    method: str | None = None,
    trim: int | None = None,
    quorum: int | None = None,
    data: BoardData | None = None,
) -> list[EntryResult[Entry]]:
    """The category's eligible entries aggregated with `method` (programme defaults if None).

    Each `EntryResult.entry` is the `Entry`. Ranked entries come first by rank, then entries
    below quorum (rank None) by ref; the quorum defaults to the round's (`data.round`, the
    final round when no data is given). Raises BadResultsOption for a bad method or trim."""
    data = data or load_board_data(programme)
    method, trim, quorum = resolve_options(
        programme, method, trim, data.round.quorum if quorum is None else quorum
    )
    return aggregate_board(data, category, method, trim, quorum)


def leaderboard_all_methods(
    programme: Programme,
    category: Category,
    *,
    trim: int | None = None,
    quorum: int | None = None,
    data: BoardData | None = None,
) -> dict[str, list[EntryResult[Entry]]]:
    """`leaderboard` under each of `METHODS`, from one load of the data."""
    data = data or load_board_data(programme)
    _, trim, quorum = resolve_options(
        programme, None, trim, data.round.quorum if quorum is None else quorum
    )
    if any((category.id, m, trim, quorum) not in data.boards for m in METHODS):
        by_ref, everything = _run(  # the cards validated and grouped once for every method
            data,
            category,
            partial(
                scoring.aggregate_all, trim=trim, quorum=quorum, zscore_stats=data.zscore_stats
            ),
        )
        for m, results in everything.items():
            data.boards[(category.id, m, trim, quorum)] = _for_entries(results, by_ref)
    return {m: aggregate_board(data, category, m, trim, quorum) for m in METHODS}


def category_board(
    programme: Programme,
    category: Category,
    *,
    method: str | None = None,
    trim: int | None = None,
    data: BoardData | None = None,
) -> list[BoardRow]:
    """Rows in the order of the chosen method's leaderboard, each with every method's result."""
    method, trim, _ = resolve_options(programme, method, trim)
    everything = leaderboard_all_methods(programme, category, trim=trim, data=data)
    by_entry = {m: {r.entry.id: r for r in results} for m, results in everything.items()}
    return [
        BoardRow(r.entry, r, {m: by_entry[m][r.entry.id] for m in METHODS})
        for r in everything[method]
    ]


def visible_board(
    programme: Programme,
    category: Category,
    viewer,
    *,
    now: datetime,
    method: str | None = None,
    trim: int | None = None,
    data: BoardData | None = None,
) -> tuple[list[BoardRow], int]:
    """`category_board` as `viewer` may see it, and how many rows were left out: a chair never
    sees the entries they are barred from by a conflict of interest. Raises NotAllowed when
    the viewer may not see results (`access.results_hidden_from`), BadResultsOption."""
    data = data or load_board_data(programme)
    hidden = results_hidden_from(programme, viewer, now=now, closes_at=data.round.scoring_close_at)
    rows = category_board(programme, category, method=method, trim=trim, data=data)
    visible = [row for row in rows if row.entry.id not in hidden]
    return visible, len(rows) - len(visible)


def decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def snapshot_row(result: EntryResult[Entry]) -> dict:
    """A leaderboard row as JSON-ready data (decimals as strings), as frozen at ratification."""
    entry = result.entry
    return {
        "entry_id": entry.id,
        "ref": entry.ref,
        "organisation": entry.organisation,
        "title": entry.title,
        "rank": result.rank,
        "total": decimal_text(result.total),
        "criteria": {k: decimal_text(v) for k, v in result.criteria.items()},
        "scorecards": result.scorecards,
        "sufficient": result.sufficient,
        "disagreement": decimal_text(result.disagreement),
        "tie_break": result.tie_break or "",
    }
