"""Leaderboards: the jury's submitted scores aggregated per category with `awards.scoring`.

What counts (`awards.services.scorecards.counted_scorecards_query`): submitted scorecards of
*eligible* entries whose juror is not barred from the entry by a conflict the chair has not
dismissed. Draft scorecards, withdrawn/ineligible/draft entries
and barred jurors never count. Withdrawn or ineligible entries never appear on a leaderboard.

Everything a programme's leaderboards need is loaded by `load_board_data` in four queries
(criteria, eligible entries, one joined query over the counted scorecards and their scores,
and the z-score population summed up in the database); every function here accepts that
data so a page or an export loads it once. With a `category` it loads that category's
entries and scorecards only, and the z-score population of the jurors who scored them
(`jurors_population`: a juror is standardised against everything they scored in the whole
programme, and only the category's own jurors' sums enter its board), so a category's board
is the same either way and costs what the category's jurors scored, not what the programme
holds.

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
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, localcontext
from functools import lru_cache, partial
from typing import TypeVar, cast

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from awards import scoring
from awards.models import Category, Criterion, Entry, Programme, Score
from awards.models import Scorecard as ScorecardRow
from awards.scoring import METHODS, EntryResult, ScoringError
from awards.services.access import results_hidden_from
from awards.services.rounds import RoundInfo, final_round, get_round, round_entries_query
from awards.services.scorecards import counted_scorecards_query
from core.errors import DomainError
from core.extensions import db

_T = TypeVar("_T")
_UNSEEN = object()


class BadResultsOption(DomainError):
    """An unknown aggregation method or a trim that is not a whole number >= 0; with code
    "no_criteria", a round whose criteria were all deleted (nothing to rank: its own
    message, and 409, since the request itself is fine)."""

    code = "bad_option"
    status = 400
    message = _l("Unknown aggregation method or trim.")

    def __init__(self, message=None, *, code: str | None = None):
        if message is None and code == "no_criteria":
            message = _l(
                "This programme has no criteria, so nothing can be ranked. Add criteria on "
                "the programme's page first."
            )
            self.status = 409
        super().__init__(message, code=code)


#: scorecards as a hashable value: (entry, juror, ((criterion key, value), ...) sorted)
Frozen = tuple[tuple[Hashable, Hashable, tuple[tuple[str, Decimal | None], ...]], ...]
#: a z-score population (`scoring.JurorStats`) as a hashable value, its items sorted
FrozenStats = tuple[tuple[tuple[Hashable, str], tuple[Decimal, Decimal, Decimal]], ...]


@dataclass
class BoardData:
    """A programme's scoring inputs, loaded once (see `load_board_data`)."""

    programme: Programme
    criteria: list[Criterion]
    round: RoundInfo
    entries: dict[int, list[Entry]] = field(default_factory=dict)  # category id -> entries
    cards: dict[int, list[scoring.Scorecard]] = field(default_factory=dict)  # category id -> cards
    # the round's z-score population, summed: the whole programme's (`population_stats`),
    # or, loaded for one category, that of the jurors of its cards (`jurors_population`)
    zscore_stats: scoring.JurorStats = field(default_factory=dict)
    # (category id, method, trim, quorum) -> that board, computed once (`aggregate_board`)
    boards: dict[tuple[int, str, int, int], list[EntryResult[Entry]]] = field(default_factory=dict)
    # category id -> its cards `freeze`d (`frozen_cards`), made once
    frozen: dict[int, Frozen] = field(default_factory=dict)

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
    summed up (for a category: its jurors', `jurors_population`), in four or five queries.
    NotFound for a round the programme does not have."""
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
            sa.type_coerce(Score.value, sa.BigInteger),  # the stored cents (`FixedDecimal`)
        )
        .select_from(counted)
        .join(Entry, Entry.id == counted.c.entry_id)
        .outerjoin(Score, Score.scorecard_id == counted.c.id)
        .outerjoin(Criterion, Criterion.id == Score.criterion_id)
        .order_by(counted.c.id)
    )
    if category is not None:
        rows_query = rows_query.where(Entry.category_id == category.id)
    by_category: dict[int, list[scoring.Scorecard]] = defaultdict(list)
    last_card, scores = None, cast("dict[str, Decimal | None]", {})
    # cents -> the Decimal `FixedDecimal` reads (made once per distinct value)
    values: dict[int | None, Decimal | None] = {None: None}
    for category_id, ref, card_id, juror_id, key, cents in db.session.execute(rows_query):
        if card_id != last_card:  # the rows come card by card (ordered by the card's id)
            last_card, scores = card_id, {}
            by_category[category_id].append(scoring.Scorecard(ref, juror_id, scores))
        if key is not None:
            value = values.get(cents, _UNSEEN)
            if value is _UNSEEN:
                value = values[cents] = Decimal(cents).scaleb(-2)
            scores[key] = value  # type: ignore[assignment]
    data.cards = dict(by_category)
    data.zscore_stats = (
        population_stats(programme, info, criteria)
        if category is None
        else jurors_population(programme, info, criteria, category, data.cards.get(category.id, []))
    )
    return data


def jurors_population(
    programme: Programme,
    info: RoundInfo,
    criteria: list[Criterion],
    category: Category,
    cards: list[scoring.Scorecard],
    *,
    without: set[int] | frozenset[int] = frozenset(),
) -> scoring.JurorStats:
    """The z-score population a board of `cards` (the counted scorecards of `category` in
    round `info`, without those of the entries `without`) needs: `population_stats` of the
    jurors who wrote them, over everything they scored in the round outside the entries
    `without` — z-scores standardise a juror by their own values only, so the other jurors'
    sums never matter to this board.

    A jury that scores in panels (each juror one category, as at Cannes) scored nothing
    elsewhere: one query over the jurors' scorecards (no scores) finds that out, and their
    sums are then `cards`' own, summed here exactly (as `scoring.juror_stats` sums them).
    Otherwise one GROUP BY over those jurors' scores (`population_stats(jurors=)`)."""
    jurors = {cast(int, card.juror) for card in cards}  # (loaded cards: jury member ids)
    if not jurors:
        return {}
    elsewhere = (
        counted_scorecards_query(programme, info.position)
        .where(
            ScorecardRow.jury_member_id.in_(sorted(jurors)),
            Entry.category_id != category.id,
        )
        .with_only_columns(ScorecardRow.id)
        .limit(1)
    )
    if without:
        elsewhere = elsewhere.where(ScorecardRow.entry_id.not_in(without))
    if db.session.scalar(elsewhere) is not None:
        return population_stats(programme, info, criteria, without=without, jurors=jurors)
    return summed_cards(criteria, cards)


def summed_cards(criteria: list[Criterion], cards: list[scoring.Scorecard]) -> scoring.JurorStats:
    """Per (juror, criterion key) the count, sum and sum of squares of the cards' values on
    `criteria` (None skipped), exact: what `population_stats` sums in the database."""
    keys = {c.key for c in criteria}
    sums: dict[tuple[Hashable, str], list[Decimal]] = {}
    with localcontext(prec=scoring.PRECISION):
        for card in cards:
            juror = card.juror
            for key, value in card.scores.items():
                if value is None or key not in keys:
                    continue
                acc = sums.get((juror, key))
                if acc is None:
                    sums[(juror, key)] = [Decimal(1), value, value * value]
                else:
                    acc[0] += 1
                    acc[1] += value
                    acc[2] += value * value
    return {k: (n, s, q) for k, (n, s, q) in sums.items()}


def population_stats(
    programme: Programme,
    info: RoundInfo,
    criteria: list[Criterion],
    *,
    without: set[int] | frozenset[int] = frozenset(),
    jurors: set[int] | frozenset[int] | None = None,
) -> scoring.JurorStats:
    """The z-score population of round `info` summed up in the database: per (jury member
    id, criterion key) the count, sum and sum of squares of the values in the counted
    scorecards, leaving out the entries `without` (a conflicted viewer's), of the jury
    members `jurors` only when given. One GROUP BY over the scores' stored integers (cents
    of a point), so the sums are exact: `scoring.juror_stats` of the same scorecards gives
    the same."""
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
    if jurors is not None:
        query = query.where(counted.c.jury_member_id.in_(sorted(jurors)))
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
    """`result` for the `Entry` itself (scoring works on refs), its own copy of the
    per-criterion figures (a remembered result is shared: `_aggregate_all`)."""
    return EntryResult(
        entry,
        result.rank,
        result.total,
        dict(result.criteria),
        result.scorecards,
        result.sufficient,
        result.disagreement,
        result.tie_break,
    )


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
        by_ref = {e.ref: e for e in data.entries.get(category.id, [])}
        try:  # the cards validated and grouped once for every method
            everything = _aggregate_all(
                tuple(data.scoring_criteria),
                frozen_cards(data, category),
                tuple(by_ref),
                trim,
                quorum,
                frozen_stats(data.zscore_stats),
            )
        except ScoringError as error:
            raise BadResultsOption(code=error.code) from error
        for m, results in everything.items():
            data.boards[(category.id, m, trim, quorum)] = _for_entries(results, by_ref)
    return {m: aggregate_board(data, category, m, trim, quorum) for m in METHODS}


def freeze(cards: list[scoring.Scorecard]) -> Frozen:
    """`cards` as a hashable value (equal cards, equal value), for the per-process caches of
    pure computations keyed on their whole input."""
    return tuple((c.entry, c.juror, tuple(sorted(c.scores.items()))) for c in cards)


def thaw(frozen: Frozen) -> list[scoring.Scorecard]:
    return [scoring.Scorecard(e, j, dict(scores)) for e, j, scores in frozen]


def frozen_cards(data: BoardData, category: Category) -> Frozen:
    """The category's counted scorecards `freeze`d, once per `data`."""
    if category.id not in data.frozen:
        data.frozen[category.id] = freeze(data.cards.get(category.id, []))
    return data.frozen[category.id]


def frozen_stats(stats: scoring.JurorStats) -> FrozenStats:
    return tuple(sorted(stats.items(), key=lambda item: repr(item[0])))


@lru_cache(maxsize=8)
def _aggregate_all(
    criteria: tuple[scoring.Criterion, ...],
    cards: Frozen,
    refs: tuple[str, ...],
    trim: int,
    quorum: int,
    stats: FrozenStats,
) -> dict[scoring.Method, list[EntryResult[Hashable]]]:
    """`scoring.aggregate_all`, remembered per process for the same input. The key is the
    whole input — every criterion, every counted card's values, the entries, the options
    and the jurors' z-score sums — so any change to what counts (a score edited, a card
    reopened, a conflict upheld, an entry withdrawn, a juror removed) is a different key:
    nothing can be stale, only a leaderboard asked again with the same scores is not
    recomputed. (A ScoringError is raised, never remembered.)"""
    return scoring.aggregate_all(
        criteria, thaw(cards), list(refs), trim=trim, quorum=quorum, zscore_stats=dict(stats)
    )


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
