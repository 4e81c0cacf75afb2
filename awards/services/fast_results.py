"""Whole-programme results without a Python object per score: the export's fast path.

`load_columns` fetches one round's counted scores (`counted_scorecards_query`: submitted, of
entries in the round, no barring conflict), of one category when asked (the export reads a
category at a time, so it holds one category's scores), as integer numpy columns (the
stored cents of each value) read from the driver's cursor, plus the counted scorecards and
the entries as plain rows. Everything else is computed from those columns, in integer cents:

* per entry and criterion, over the non-empty values sorted once (numpy ``lexsort``), each
  method's aggregate (`board`): mean, median and trimmed as exact fractions of integers
  (kept sum / count, middle sum / 2), rounded half up exactly as `ranking.round2` rounds
  the Decimal scoring divides once; zscore in float64 over each juror's whole population
  in the round (count, sum and sum of squares as exact integers: `juror_sums` of the
  category's columns for a juror who scored in that category only, else summed in the
  database by `results.population_stats`); the weighted total as a float of those;
* each scorecard's raw weighted total (``sum(w * x) / sum(w)``, integers of milli-points x
  cents: `card_totals`) and, per entry, the disagreement as a float sd of them
  (`disagreements`);
* wherever a float (an aggregate, a total, an sd) comes within 1e-6 cent of a half cent, so
  its exact value could round the other way, the entry is recomputed the reference's way
  (Decimal aggregates through `ranking.build_result`, `scoring._aggregate_raw` for zscore,
  `ranking.population_sd`);
* the order of `ranking.rank_results` (total, the heaviest criterion first, disagreement,
  scorecards, ref) by one ``lexsort`` over those cents (`rank_order`), for the method shown
  and, for "same winner under every method", for every other method's first
  (`leaderboard_columns`).

`awards.scoring` stays the specification: tests/unit/test_fast_results_columns.py proves
the boards equal `scoring.aggregate` on generated columns (totals and sds on a half cent
among them), tests/integration/test_fast_results.py the rows equal the reference path on
generated programmes (ties, quorum misses, conflicts, empty values, weights, rounds, half-up
rounding), on SQLite and PostgreSQL.

The jury figures of the export (win share, agreement) come from `awards.fast_insight`, fed
one category's columns (`category_columns`: `fast_insight.CardColumns`).
"""

from __future__ import annotations

import decimal
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import sqlalchemy as sa

from awards import fast_insight, scoring
from awards.models import Criterion, Entry, Programme, Score
from awards.models import Scorecard as ScorecardRow
from awards.ranking import build_result, population_sd, round2
from awards.scoring import METHODS
from awards.services.results import round_criteria_in_order
from awards.services.rounds import RoundInfo, final_round, get_round, round_entries_query
from awards.services.scorecards import counted_scorecards_query
from core.extensions import db

_CHUNK = 20_000


@dataclass(frozen=True)
class EntryRow:
    """What the export shows of an entry (a plain row, not an ORM object)."""

    id: int
    category_id: int
    ref: str
    organisation: str
    title: str


@dataclass
class Columns:
    """One round's counted scores as columns; indexes are positions in `entries` / `cards`."""

    programme: Programme
    round: RoundInfo
    criteria: list[Criterion]
    entries: list[EntryRow]  # by category id, then ref
    card_entry: np.ndarray  # int64, per counted scorecard: its entry's index
    card_juror: np.ndarray  # int64, per counted scorecard: the jury member id
    score_card: np.ndarray  # int64, per score: its card's index
    score_crit: np.ndarray  # int64, per score: the criterion's index in `criteria`
    score_value: np.ndarray  # int64, per score: the value in cents (0 when empty)
    score_empty: np.ndarray  # bool, per score: the value is empty (NULL)
    #: the z-score population of the columns' jurors (`results.population_stats`: all they
    #: scored in the round, even when the columns hold one category); None when not asked
    #: for (then no zscore)
    zscore_stats: scoring.JurorStats | None = None

    @property
    def scoring_criteria(self) -> list[scoring.Criterion]:
        return [
            scoring.Criterion(c.key, c.weight, c.min_score, c.max_score, c.step)
            for c in self.criteria
        ]


def _raw_rows(query: sa.Select) -> Iterator[Sequence[Any]]:
    """The query's rows in chunks of `_CHUNK`, as the driver's own cursor on the session's
    connection gives them (plain tuples, no SQLAlchemy row or type processing: only for
    integer and plain text columns). One category's rows at a time, so a client-side cursor
    (a server-side one costs a round trip per chunk and a cursor's plan); the query's few
    parameters (ids, states) are rendered into its text."""
    connection = db.session.connection()
    sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    driver = connection.connection.dbapi_connection
    assert driver is not None
    cursor = driver.cursor()  # client-side: one category's rows are small
    try:
        cursor.execute(sql)
        while chunk := cursor.fetchmany(_CHUNK):
            yield chunk
    finally:
        cursor.close()


def _stream(query: sa.Select, columns: int) -> np.ndarray:
    """The query's integer rows as one int64 array of shape (n, columns), converted in
    chunks (`_raw_rows`), never as one list of every row."""
    parts = [np.array(chunk, dtype=np.int64).reshape(-1, columns) for chunk in _raw_rows(query)]
    return np.concatenate(parts) if parts else np.zeros((0, columns), dtype=np.int64)


def load_columns(
    programme: Programme,
    round_no: int | None = None,
    *,
    category_id: int | None = None,
) -> Columns:
    """The counted scores of round `round_no` (None: the final round), of one category when
    `category_id` is given, in four queries: criteria, entries, counted scorecards, their
    scores (streamed). The columns come without `zscore_stats`: for the zscore aggregates
    the caller adds their jurors' population (`juror_sums`, `results.population_stats`).
    NotFound for a round the programme does not have."""
    info = final_round(programme) if round_no is None else get_round(programme, round_no)
    criteria = round_criteria_in_order(programme, info.position)
    listed_query = round_entries_query(programme, info.position)
    counted_query = counted_scorecards_query(programme, info.position)
    if category_id is not None:
        listed_query = listed_query.where(Entry.category_id == category_id)
        counted_query = counted_query.where(Entry.category_id == category_id)
    listed = listed_query.subquery()
    entries = [
        EntryRow(*row)
        for chunk in _raw_rows(
            sa.select(
                listed.c.id,
                listed.c.category_id,
                listed.c.ref,
                listed.c.organisation,
                listed.c.title,
            ).order_by(listed.c.category_id, listed.c.ref)
        )
        for row in chunk
    ]
    counted = counted_query.subquery()
    cards = _stream(
        sa.select(counted.c.id, counted.c.entry_id, counted.c.jury_member_id).order_by(
            counted.c.id
        ),
        3,
    )
    # two columns per score, as few as the driver has to make objects for: its card, its
    # criterion's index and whether it is empty in one integer, and the stored cents
    n_crit = len(criteria)
    # (a round without criteria has no scores to fetch; a CASE needs one WHEN)
    crit_index = (
        sa.case({c.id: i for i, c in enumerate(criteria)}, value=Score.criterion_id)
        if criteria
        else sa.literal(0)
    )
    key = (
        sa.cast(Score.scorecard_id, sa.BigInteger) * (2 * n_crit)
        + crit_index * 2
        + sa.case((Score.value.is_(None), 1), else_=0)
    )
    scores = _stream(
        sa.select(key, sa.func.coalesce(sa.type_coerce(Score.value, sa.BigInteger), 0))
        .join(counted, counted.c.id == Score.scorecard_id)
        .where(Score.criterion_id.in_([c.id for c in criteria])),
        2,
    )
    keys = scores[:, 0]
    entry_ids = np.array([e.id for e in entries], dtype=np.int64)
    order = np.argsort(entry_ids)
    card_entry = order[np.searchsorted(entry_ids, cards[:, 1], sorter=order)]
    return Columns(
        programme=programme,
        round=info,
        criteria=criteria,
        entries=entries,
        card_entry=card_entry.astype(np.int64),
        card_juror=cards[:, 2].copy(),
        score_card=np.searchsorted(cards[:, 0], keys // (2 * n_crit)).astype(np.int64),
        score_crit=(keys // 2) % n_crit if n_crit else keys,
        score_value=scores[:, 1].copy(),
        score_empty=(keys % 2).astype(bool),
    )


def spanning_jurors(programme: Programme, info: RoundInfo) -> set[int]:
    """The jury members whose counted scorecards of round `info` lie in more than one
    category: one GROUP BY over the counted scorecards (no scores). The others' z-score
    population is the scores of their one category (`juror_sums` of its columns): the rule
    `results.jurors_population` applies to one category's board, here for the whole round
    at once."""
    query = (
        counted_scorecards_query(programme, info.position)
        .with_only_columns(ScorecardRow.jury_member_id)
        .group_by(ScorecardRow.jury_member_id)
        .having(sa.func.min(Entry.category_id) != sa.func.max(Entry.category_id))
    )
    return set(db.session.scalars(query))


def juror_sums(cols: Columns, *, leaving_out: set[int] | frozenset[int]) -> scoring.JurorStats:
    """Per (jury member id, criterion key) the count, sum and sum of squares of the columns'
    non-empty values, exact (integers of cents): what `results.population_stats` sums in the
    database over the same scores (`results.summed_cards` of the same scorecards, without a
    Python object per score). The jury members `leaving_out` are left out."""
    valued = np.flatnonzero(~cols.score_empty)
    juror = cols.card_juror[cols.score_card[valued]]
    keep = ~np.isin(juror, np.array(sorted(leaving_out), dtype=np.int64))
    juror, valued = juror[keep], valued[keep]
    n_crit = len(cols.criteria)
    pair, inverse = np.unique(juror * n_crit + cols.score_crit[valued], return_inverse=True)
    inverse = inverse.reshape(-1)
    values = cols.score_value[valued]
    counts = np.bincount(inverse, minlength=len(pair))
    sums = np.zeros(len(pair), dtype=np.int64)
    squares = np.zeros(len(pair), dtype=np.int64)
    np.add.at(sums, inverse, values)
    np.add.at(squares, inverse, values * values)
    keys = [c.key for c in cols.criteria]
    return {
        (p // n_crit, keys[p % n_crit]): (Decimal(n), Decimal(s).scaleb(-2), Decimal(q).scaleb(-4))
        for p, n, s, q in zip(pair.tolist(), counts.tolist(), sums.tolist(), squares.tolist(),
                              strict=True)
    }  # fmt: skip


def _decimal_ratio(numerator: int, denominator: int, places: int) -> Decimal:
    """``numerator * 10**-places / denominator`` rounded once at scoring's precision."""
    return Decimal(numerator).scaleb(-places) / denominator


def _zscore_means(cols: Columns, values: np.ndarray, sel: np.ndarray) -> np.ndarray:
    """Per score of `sel` (non-empty), its value mapped onto the criterion's scale by the
    juror's z-score (float64) over the round's population (`cols.zscore_stats`: exact
    integer count, sum and sum of squares of the cents), as `awards.scoring` documents it."""
    if cols.zscore_stats is None:
        raise ValueError("zscore needs the jurors' population (Columns.zscore_stats)")
    card = cols.score_card[sel]
    juror = cols.card_juror[card]
    crit = cols.score_crit[sel]
    x = values.astype(np.float64)
    keys = [c.key for c in cols.criteria]
    pair = juror * len(cols.criteria) + crit
    uniq, inverse = np.unique(pair, return_inverse=True)
    inverse = inverse.reshape(-1)
    summed = [
        cols.zscore_stats[(int(p) // len(keys), keys[int(p) % len(keys)])] for p in uniq.tolist()
    ]
    n_int = [int(n) for n, _s, _q in summed]
    s_int = [int(s.scaleb(2)) for _n, s, _q in summed]
    q_int = [int(q.scaleb(4)) for _n, _s, q in summed]
    n = np.array(n_int, dtype=np.float64)
    s = np.array(s_int, dtype=np.float64)
    radicand = np.array([float(a * b - c * c) for a, b, c in zip(n_int, q_int, s_int, strict=True)])
    lo = np.array([float(c.min_score) for c in cols.criteria])[crit]
    hi = np.array([float(c.max_score) for c in cols.criteria])[crit]
    mid = (lo + hi) / 2
    ok = (n >= 2) & (radicand > 0)
    root = np.sqrt(np.where(ok, radicand, 1.0))
    z = np.where(ok[inverse], (n[inverse] * x - s[inverse]) / root[inverse], 0.0)
    mapped = mid + z * (hi - lo) / 6
    return np.clip(mapped, lo, hi)


def _half_up(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """``numerator / denominator`` (integers, denominator > 0) rounded to a whole number with
    halves away from zero (ROUND_HALF_UP): exact, as `ranking.round2` rounds the quotient."""
    magnitude = (2 * np.abs(numerator) + denominator) // (2 * denominator)
    return np.where(numerator < 0, -magnitude, magnitude)


def _too_big(w: np.ndarray, values: np.ndarray) -> bool:
    """Whether a card's sum of weight x value could leave int64 (then Python ints)."""
    if not len(w):
        return False
    bound = float(np.max(np.abs(w))) * float(np.max(np.abs(values))) * 64
    return bound > 2**62


@dataclass(frozen=True)
class CardTotals:
    """Each counted card's raw weighted total ``sum(w * x) / sum(w)`` over its non-empty
    values as the exact fraction ``num / (den * 100)`` (integers: milli-points x cents over
    milli-points) and as the float nearest it (NaN without values)."""

    num: np.ndarray  # int64 (object when int64 could overflow)
    den: np.ndarray  # int64
    floats: np.ndarray  # float64

    def decimal(self, card: int) -> Decimal:
        """The card's total as `awards.scoring` computes it (in scoring's precision)."""
        return _decimal_ratio(int(self.num[card]), int(self.den[card]), 2)


def card_totals(cols: Columns) -> CardTotals:
    """The counted cards' raw weighted totals (`CardTotals`)."""
    milli = np.array([int(c.weight.scaleb(3)) for c in cols.criteria], dtype=np.int64)
    valued = ~cols.score_empty
    n_cards = len(cols.card_entry)
    w_sel = milli[cols.score_crit[valued]]
    num = np.zeros(n_cards, dtype=object if _too_big(w_sel, cols.score_value) else np.int64)
    den = np.zeros(n_cards, dtype=np.int64)
    np.add.at(num, cols.score_card[valued], w_sel.astype(num.dtype) * cols.score_value[valued])
    np.add.at(den, cols.score_card[valued], w_sel)
    with np.errstate(invalid="ignore", divide="ignore"):
        # exact integers divided once: the float nearest the card's total (insight.totals)
        floats = np.where(den > 0, num.astype(np.float64) / (den.astype(np.float64) * 100), np.nan)
    if num.dtype == object or float(np.max(den, initial=0)) * 100 >= 2**53:
        with decimal.localcontext(prec=scoring.PRECISION):
            floats = np.array(
                [float(_decimal_ratio(a, b, 2)) if b else np.nan
                 for a, b in zip(num.tolist(), den.tolist(), strict=True)], dtype=np.float64,
            )  # fmt: skip
    return CardTotals(num, den, floats)


@dataclass(frozen=True)
class _Groups:
    """The non-empty values of each (entry, criterion) group, ascending: group ``g`` holds
    ``values[starts[g] : starts[g] + sizes[g]]`` (cents) of the scores ``rows[...]``, and
    its key is ``entry * criteria + criterion``."""

    keys: np.ndarray
    starts: np.ndarray
    sizes: np.ndarray
    values: np.ndarray
    rows: np.ndarray
    cumulative: np.ndarray  # the running sum of `values`, from 0

    def of_entry(self, entry: int, n_crit: int) -> range:
        """The groups of one entry (its criteria with values, in criterion order)."""
        lo, hi = np.searchsorted(self.keys, [entry * n_crit, (entry + 1) * n_crit])
        return range(int(lo), int(hi))


def _groups(cols: Columns) -> _Groups:
    n_crit = len(cols.criteria)
    rows = np.flatnonzero(~cols.score_empty)
    entry_of = cols.card_entry[cols.score_card[rows]]
    crit_of = cols.score_crit[rows]
    values = cols.score_value[rows]
    order = np.lexsort((values, crit_of, entry_of))
    rows, values = rows[order], values[order]
    group = entry_of[order] * n_crit + crit_of[order]
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]]) if len(group) else group
    sizes = np.diff(np.r_[starts, len(group)]).astype(np.int64)
    cumulative = np.concatenate((np.zeros(1, dtype=np.int64), np.cumsum(values, dtype=np.int64)))
    return _Groups(group[starts], starts, sizes, values, rows, cumulative)


def _kept(groups: _Groups, method: str, trim: int) -> tuple[np.ndarray, np.ndarray]:
    """Per group, (numerator, denominator) of the method's aggregate in cents, integers:
    the kept sum and count (mean, trimmed), the middle two values' sum and 2 (median)."""
    starts, sizes = groups.starts, groups.sizes
    if method == "median":
        lo = groups.values[starts + (sizes - 1) // 2]
        hi = groups.values[starts + sizes // 2]  # the same value when the count is odd
        return lo + hi, np.full(len(sizes), 2, dtype=np.int64)
    cut = np.zeros_like(sizes)
    if method == "trimmed":
        cut = np.where(sizes > 2 * trim, trim, (sizes - 1) // 2)
    kept = groups.cumulative[starts + sizes - cut] - groups.cumulative[starts + cut]
    return kept, sizes - 2 * cut


def _exact_aggregates(
    cols: Columns, groups: _Groups, method: str, trim: int, entry: int
) -> list[Decimal | None]:
    """One entry's unrounded aggregates as `awards.scoring` computes them (Decimal), for
    the few entries whose floats fall too near a rounding edge; in scoring's precision."""
    if method == "zscore":
        crits = cols.scoring_criteria
        ref = cols.entries[entry].ref
        raw = scoring._aggregate_raw(
            crits, list(_entry_cards(cols, entry)), [ref], method="zscore",
            zscore_stats=cols.zscore_stats,
        )[ref]  # fmt: skip
        return [raw[c.key] for c in crits]
    n_crit = len(cols.criteria)
    out: list[Decimal | None] = [None] * n_crit
    numerator, denominator = _kept(groups, method, trim)
    for g in groups.of_entry(entry, n_crit):
        a, b = int(numerator[g]), int(denominator[g])
        out[int(groups.keys[g]) % n_crit] = _decimal_ratio(a, b, 2)
    return out


@dataclass(frozen=True)
class Board:
    """One method's rounded figures of every entry of the columns, in integer cents:
    ``criteria[e, c]`` where ``present[e, c]`` (else None), ``total[e]`` where
    ``has_total[e]``; each the value `ranking.build_result` rounds to."""

    criteria: np.ndarray  # int64, entries x criteria
    present: np.ndarray  # bool, entries x criteria
    total: np.ndarray  # int64, per entry
    has_total: np.ndarray  # bool, per entry


def board(cols: Columns, groups: _Groups, method: str, trim: int) -> Board:
    """`Board` of `method`. The per-criterion aggregates of mean, median and trimmed are
    exact fractions of integers, rounded exactly; the zscore ones floats. The totals are
    floats of those. An entry any of whose floats comes within
    `fast_insight.HALF_CENT_SLACK` of a half cent (where the exact value could round the
    other way) is recomputed by
    `ranking.build_result` from its Decimal aggregates (`_exact_aggregates`)."""
    n_entries, n_crit = len(cols.entries), len(cols.criteria)
    entry_of, crit_of = groups.keys // n_crit, groups.keys % n_crit
    doubtful = np.zeros(n_entries, dtype=bool)
    if method == "zscore":
        sums = np.add.reduceat(
            _zscore_means(cols, groups.values, groups.rows), groups.starts
        ) if len(groups.starts) else np.zeros(0)  # fmt: skip
        floats = sums / np.maximum(groups.sizes, 1)
        cents, unsure = fast_insight.float_cents(floats)
        doubtful[entry_of[unsure]] = True
    else:
        numerator, denominator = _kept(groups, method, trim)
        cents = _half_up(numerator, denominator)
        floats = numerator / (denominator * 100.0)
    criteria = np.zeros((n_entries, n_crit), dtype=np.int64)
    present = np.zeros((n_entries, n_crit), dtype=bool)
    grid = np.zeros((n_entries, n_crit))
    criteria[entry_of, crit_of] = cents
    present[entry_of, crit_of] = True
    grid[entry_of, crit_of] = floats
    fw = np.array([float(c.weight) for c in cols.criteria])
    den = present @ fw
    has_total = den > 0
    totals = (grid * fw).sum(axis=1) / np.where(has_total, den, 1.0)
    total, unsure_total = fast_insight.float_cents(np.where(has_total, totals, np.nan))
    doubtful |= unsure_total
    if doubtful.any():
        crits = cols.scoring_criteria
        keys = [c.key for c in crits]
        with decimal.localcontext(prec=scoring.PRECISION):
            for e in np.flatnonzero(doubtful).tolist():
                exact = build_result(e, crits, _exact_aggregates(cols, groups, method, trim, e),
                                     0, (), 1)  # fmt: skip
                for c, key in enumerate(keys):
                    value = exact.criteria[key]
                    criteria[e, c] = 0 if value is None else int(value.scaleb(2))
                total[e] = 0 if exact.total is None else int(exact.total.scaleb(2))
    return Board(criteria, present, total, has_total)


def disagreements(cols: Columns, totals: CardTotals) -> list[int | None]:
    """Per entry the disagreement in cents (`ranking.population_sd` of its cards' raw
    totals, rounded; None below two cards with values): a float sd, recomputed from the
    cards' Decimal totals where it comes within `fast_insight.HALF_CENT_SLACK` of a half
    cent."""
    n_entries = len(cols.entries)
    valued = np.flatnonzero(totals.den > 0)
    entry_of = cols.card_entry[valued]
    floats = totals.floats[valued]
    count = np.bincount(entry_of, minlength=n_entries)
    mean = np.bincount(entry_of, weights=floats, minlength=n_entries) / np.maximum(count, 1)
    spread = floats - mean[entry_of]
    variance = np.bincount(entry_of, weights=spread * spread, minlength=n_entries)
    sd = np.sqrt(variance / np.maximum(count, 1))
    cents, doubtful = fast_insight.float_cents(sd)
    out: list[int | None] = [c if n >= 2 else None for c, n in
                             zip(cents.tolist(), count.tolist(), strict=True)]  # fmt: skip
    with decimal.localcontext(prec=scoring.PRECISION):
        for e in np.flatnonzero(doubtful & (count >= 2)).tolist():
            exact = round2(population_sd([totals.decimal(c) for c in valued[entry_of == e]]))
            assert exact is not None
            out[e] = int(exact.scaleb(2))
    return out


def rank_order(
    cols: Columns,
    figures: Board,
    counts: np.ndarray,
    disagreement: np.ndarray,
    quorum: int,
    ref_rank: np.ndarray,
) -> tuple[np.ndarray, int]:
    """(the entries in leaderboard order, how many of them are ranked): `ranking.rank_results`'
    order over integer cents. The ranked (quorum met, a total) by total descending, then
    the rounded aggregates of the heaviest criterion first (none after any), the
    disagreement (`disagreement`: cents, 0 for none), more scorecards, the entry's ref
    (`ref_rank`: each entry's position among the refs sorted as text); then the others by ref."""
    ranked = (counts >= quorum) & figures.has_total
    top = np.flatnonzero(ranked)
    weights = [c.weight for c in cols.criteria]
    order = sorted(range(len(weights)), key=lambda i: (-weights[i], i))
    keys: list[np.ndarray] = [ref_rank[top], -counts[top], disagreement[top]]
    for c in reversed(order):  # np.lexsort: the last key sorts first
        present = figures.present[top, c]
        keys.append(np.where(present, -figures.criteria[top, c], 0))
        keys.append(~present)
    keys.append(-figures.total[top])
    rest = np.flatnonzero(~ranked)
    return np.r_[top[np.lexsort(keys)], rest[np.argsort(ref_rank[rest])]], len(top)


@dataclass(frozen=True)
class Leaderboard:
    """One category's leaderboard from its columns, as the export shows it: per row (in
    leaderboard order) the entry's index in `Columns.entries`, its rank (None when not
    ranked), the rounded total, per-criterion aggregates and disagreement in cents (None:
    none), its scorecards and whether they meet the quorum; and the ref each method ranks
    first (None when it ranks none), for "same winner under every method"."""

    entries: list[int]
    ranks: list[int | None]
    totals: list[int | None]
    criteria: list[list[int | None]]
    scorecards: list[int]
    sufficient: list[bool]
    disagreement: list[int | None]
    firsts: dict[str, str | None]


def leaderboard_columns(
    cols: Columns, method: str, trim: int, quorum: int, totals: CardTotals
) -> Leaderboard:
    """`Leaderboard` of the columns' entries (one category's) with `method`; the other
    methods' boards are made likewise, for their first only."""
    groups = _groups(cols)
    counts = np.bincount(cols.card_entry, minlength=len(cols.entries)).astype(np.int64)
    spread = disagreements(cols, totals)
    spread_key = np.array([0 if d is None else d for d in spread], dtype=np.int64)
    refs = [e.ref for e in cols.entries]
    ref_rank = np.empty(len(refs), dtype=np.int64)
    ref_rank[sorted(range(len(refs)), key=refs.__getitem__)] = np.arange(len(refs))
    firsts: dict[str, str | None] = {}
    shown: tuple[Board, np.ndarray, int] | None = None
    for m in METHODS:
        figures = board(cols, groups, m, trim)
        order, n_ranked = rank_order(cols, figures, counts, spread_key, quorum, ref_rank)
        firsts[m] = refs[int(order[0])] if n_ranked else None
        if m == method:
            shown = figures, order, n_ranked
    assert shown is not None, method
    figures, order, n_ranked = shown
    entries = order.tolist()
    present = figures.present[order].tolist()
    criteria = [
        [v if p else None for v, p in zip(values, flags, strict=True)]
        for values, flags in zip(figures.criteria[order].tolist(), present, strict=True)
    ]
    has_total = figures.has_total[order].tolist()
    return Leaderboard(
        entries=entries,
        ranks=[i + 1 if i < n_ranked else None for i in range(len(entries))],
        totals=[
            t if h else None for t, h in zip(figures.total[order].tolist(), has_total, strict=True)
        ],
        criteria=criteria,
        scorecards=counts[order].tolist(),
        sufficient=(counts[order] >= quorum).tolist(),
        disagreement=[spread[e] for e in entries],
        firsts=firsts,
    )


def _entry_cards(cols: Columns, entry: int) -> Iterator[scoring.Scorecard]:
    """One entry's counted scorecards as `scoring.Scorecard`s (only for a few entries)."""
    keys = [c.key for c in cols.criteria]
    ref = cols.entries[entry].ref
    for card in np.flatnonzero(cols.card_entry == entry).tolist():
        rows = np.flatnonzero(cols.score_card == card)
        scores: dict[str, Decimal | None] = {
            keys[c]: None if empty else Decimal(v).scaleb(-2)
            for c, v, empty in zip(
                cols.score_crit[rows].tolist(),
                cols.score_value[rows].tolist(),
                cols.score_empty[rows].tolist(),
                strict=True,
            )
        }
        yield scoring.Scorecard(ref, int(cols.card_juror[card]), scores)


def card_values(cols: Columns, method: str) -> np.ndarray:
    """cards x criteria float64: what `method` combines per counted card (the score; for
    zscore the score mapped by the juror's z-score), NaN where the card has none."""
    out = np.full((len(cols.card_entry), len(cols.criteria)), np.nan)
    valued = np.flatnonzero(~cols.score_empty)
    values = cols.score_value[valued]
    floats = _zscore_means(cols, values, valued) if method == "zscore" else values / 100
    out[cols.score_card[valued], cols.score_crit[valued]] = floats
    return out


def category_columns(
    cols: Columns, totals: CardTotals, values: np.ndarray, category_id: int
) -> fast_insight.CardColumns:
    """The category's counted scorecards as `fast_insight.CardColumns` (entries by ref,
    jurors by jury member id); `values` from `card_values`. An entry's `scoring.Scorecard`s
    are made only when asked for (the exact ranking of a few entries)."""
    in_category = np.array([e.category_id == category_id for e in cols.entries], dtype=bool)
    cards = np.flatnonzero(in_category[cols.card_entry])
    members = np.flatnonzero(in_category)
    local = np.full(len(cols.entries), -1, dtype=np.int64)
    local[members] = np.arange(len(members))
    refs = [cols.entries[e].ref for e in members.tolist()]
    rows = np.flatnonzero(np.isin(cols.score_card, cards))
    rows = rows[np.argsort(cols.score_card[rows], kind="stable")]
    row_cards = cols.score_card[rows]
    by_ref: dict[Hashable, int] = {ref: i for i, ref in enumerate(refs)}
    card_local = local[cols.card_entry[cards]]
    keys = [c.key for c in cols.criteria]

    def scorecards(ref: Hashable) -> list[scoring.Scorecard]:
        own = cards[card_local == by_ref[ref]]
        out = []
        for card in own.tolist():
            lo, hi = np.searchsorted(row_cards, [card, card + 1])
            mine = rows[lo:hi]
            scores: dict[str, Decimal | None] = {
                keys[c]: None if empty else Decimal(v).scaleb(-2)
                for c, v, empty in zip(
                    cols.score_crit[mine].tolist(),
                    cols.score_value[mine].tolist(),
                    cols.score_empty[mine].tolist(),
                    strict=True,
                )
            }
            out.append(scoring.Scorecard(ref, int(cols.card_juror[card]), scores))
        return out

    return fast_insight.CardColumns(
        refs, card_local, cols.card_juror[cards], values[cards], totals.floats[cards],
        scorecards,
    )  # fmt: skip
