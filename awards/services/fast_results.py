"""Whole-programme results without a Python object per score: the export's fast path.

`load_columns` fetches one round's counted scores (`counted_scorecards_query`: submitted, of
entries in the round, no barring conflict), of one category when asked (the export reads a
category at a time, so it holds one category's scores), as integer numpy columns (the
stored cents of each value) read from the driver's cursor, plus the counted scorecards and
the entries as plain rows. Everything else is computed from those columns:

* per entry and criterion, over the non-empty values sorted once (numpy ``lexsort``): the
  count and sum (mean), the middle values (median), the kept sum after trimming (trimmed),
  all exact integers of cents; each aggregate then becomes a Decimal by the same one
  correctly rounded division `awards.scoring` makes (sum / count at 50 digits), so it is the
  reference's own value;
* z-scores in float64 over the round's whole population (each juror's count, sum and sum of
  squares as exact integers, summed in the database: `results.population_stats`); an entry
  whose rounded aggregate or total could fall either way (a float within 1e-6 cent of a
  half cent) is recomputed by `awards.scoring` itself from its cards;
* each scorecard's raw weighted total (``sum(w * x) / sum(w)``, integers of milli-points x
  cents, one Decimal division as scoring makes it) for the disagreement, and as the float
  nearest it for the agreement;
* rounding, totals, tie-breaks and ranks by `awards.ranking` (`build_result`,
  `rank_results`), the reference's own code: every entry for the method shown
  (`results_by_category`), only the entries that can come first for the other methods
  (`firsts_by_category`, for "same winner under every method").

`awards.scoring` stays the specification: tests/integration/test_fast_results.py proves the
rows equal the reference path on generated programmes (ties, quorum misses, conflicts,
empty values, weights, rounds, half-up rounding), on SQLite and PostgreSQL.

The jury figures of the export (win share, agreement) come from `awards.fast_insight`, fed
one category's columns (`category_columns`: `fast_insight.CardColumns`).
"""

from __future__ import annotations

import decimal
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal

import numpy as np
import sqlalchemy as sa

from awards import fast_insight, insight, scoring
from awards.models import Criterion, Entry, Programme, Score
from awards.ranking import EntryResult, build_result, population_sd, rank_results, round2
from awards.scoring import METHODS
from awards.services.results import round_criteria_in_order
from awards.services.rounds import RoundInfo, final_round, get_round, round_entries_query
from awards.services.scorecards import counted_scorecards_query
from core.extensions import db

_CHUNK = 50_000
_HALF_CENT_SLACK = 1e-6  # a float this close (in cents) to a half cent is recomputed exactly


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
    #: the round's z-score population (`results.population_stats`, the whole round even when
    #: the columns hold one category); None when not asked for (then no zscore)
    zscore_stats: scoring.JurorStats | None = None

    @property
    def scoring_criteria(self) -> list[scoring.Criterion]:
        return [
            scoring.Criterion(c.key, c.weight, c.min_score, c.max_score, c.step)
            for c in self.criteria
        ]


def _stream(query: sa.Select, columns: int) -> np.ndarray:
    """The query's integer rows as one int64 array of shape (n, columns), converted in
    chunks, never as one list of every row. The rows come from the driver's own cursor on
    the session's connection (plain tuples, no SQLAlchemy row per score; one category's
    scores at a time, so a client-side cursor: a server-side one costs a round trip per
    chunk and a cursor's plan); the query's few parameters (ids, states) are rendered into
    its text."""
    connection = db.session.connection()
    sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    driver = connection.connection.dbapi_connection
    assert driver is not None
    cursor = driver.cursor()  # client-side: one category's rows are small
    parts = []
    try:
        cursor.execute(sql)
        while chunk := cursor.fetchmany(_CHUNK):
            parts.append(np.array(chunk, dtype=np.int64).reshape(-1, columns))
    finally:
        cursor.close()
    return np.concatenate(parts) if parts else np.zeros((0, columns), dtype=np.int64)


def load_columns(
    programme: Programme,
    round_no: int | None = None,
    *,
    category_id: int | None = None,
    zscore_stats: scoring.JurorStats | None = None,
) -> Columns:
    """The counted scores of round `round_no` (None: the final round), of one category when
    `category_id` is given, in four queries: criteria, entries, counted scorecards, their
    scores (streamed). `zscore_stats` (the round's population) is kept for the zscore
    aggregates. NotFound for a round the programme does not have."""
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
        for row in db.session.execute(
            sa.select(
                listed.c.id,
                listed.c.category_id,
                listed.c.ref,
                listed.c.organisation,
                listed.c.title,
            ).order_by(listed.c.category_id, listed.c.ref)
        )
    ]
    counted = counted_query.subquery()
    cards = _stream(
        sa.select(counted.c.id, counted.c.entry_id, counted.c.jury_member_id).order_by(
            counted.c.id
        ),
        3,
    )
    cents = sa.type_coerce(Score.value, sa.BigInteger)
    scores = _stream(
        sa.select(
            Score.scorecard_id,
            Score.criterion_id,
            sa.func.coalesce(cents, 0),
            sa.case((Score.value.is_(None), 1), else_=0),
        )
        .join(counted, counted.c.id == Score.scorecard_id)
        .where(Score.criterion_id.in_([c.id for c in criteria])),
        4,
    )
    entry_ids = np.array([e.id for e in entries], dtype=np.int64)
    order = np.argsort(entry_ids)
    card_entry = order[np.searchsorted(entry_ids, cards[:, 1], sorter=order)]
    crit_ids = np.array([c.id for c in criteria], dtype=np.int64)
    crit_order = np.argsort(crit_ids)
    return Columns(
        programme=programme,
        round=info,
        criteria=criteria,
        entries=entries,
        card_entry=card_entry.astype(np.int64),
        card_juror=cards[:, 2].copy(),
        score_card=np.searchsorted(cards[:, 0], scores[:, 0]).astype(np.int64),
        score_crit=crit_order[np.searchsorted(crit_ids, scores[:, 1], sorter=crit_order)],
        score_value=scores[:, 2].copy(),
        score_empty=scores[:, 3].astype(bool),
        zscore_stats=zscore_stats,
    )


@dataclass
class Aggregates:
    """Unrounded per-criterion aggregates of every method, per entry index, and each entry's
    card count and raw card totals (Decimal, as `awards.scoring` computes them)."""

    by_method: dict[str, list[list[Decimal | None]]]
    counts: list[int]
    card_totals: list[list[Decimal]]
    disagreement: list[Decimal | None]
    card_floats: np.ndarray  # per counted card: its raw weighted total as a float (NaN: none)


def _decimal_ratio(numerator: int, denominator: int, places: int) -> Decimal:
    """``numerator * 10**-places / denominator`` rounded once at scoring's precision."""
    return Decimal(numerator).scaleb(-places) / denominator


def _zscore_means(cols: Columns, values: np.ndarray, sel: np.ndarray) -> np.ndarray:
    """Per score of `sel` (non-empty), its value mapped onto the criterion's scale by the
    juror's z-score (float64) over the round's population (`cols.zscore_stats`: exact
    integer count, sum and sum of squares of the cents), as `awards.scoring` documents it."""
    if cols.zscore_stats is None:
        raise ValueError("zscore needs the round's population (load_columns(zscore_stats=))")
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


def _near_half_cent(value: float) -> bool:
    scaled = abs(value) * 100
    return abs(scaled - np.floor(scaled) - 0.5) < _HALF_CENT_SLACK


def aggregate_columns(cols: Columns, trim: int, methods=METHODS) -> Aggregates:
    """Every method's unrounded aggregates from the columns (see the module docstring)."""
    n_entries, n_crit = len(cols.entries), len(cols.criteria)
    weights = [c.weight for c in cols.criteria]
    milli = np.array([int(w.scaleb(3)) for w in weights], dtype=np.int64)
    counts = np.bincount(cols.card_entry, minlength=n_entries)
    valued = ~cols.score_empty
    # each card's raw weighted total: sum(w * x) / sum(w) over its non-empty values
    n_cards = len(cols.card_entry)
    w_sel = milli[cols.score_crit[valued]]
    num = np.zeros(n_cards, dtype=object if _too_big(w_sel, cols.score_value) else np.int64)
    den = np.zeros(n_cards, dtype=np.int64)
    np.add.at(num, cols.score_card[valued], w_sel.astype(num.dtype) * cols.score_value[valued])
    np.add.at(den, cols.score_card[valued], w_sel)
    with np.errstate(invalid="ignore", divide="ignore"):
        # exact integers divided once: the float nearest the card's total (insight.totals)
        card_floats = np.where(
            den > 0, num.astype(np.float64) / (den.astype(np.float64) * 100), np.nan
        )
    if num.dtype == object or float(np.max(den, initial=0)) * 100 >= 2**53:
        card_floats = np.array(
            [float(_decimal_ratio(a, b, 2)) if b else np.nan
             for a, b in zip(num.tolist(), den.tolist(), strict=True)]
        )  # fmt: skip
    card_totals: list[list[Decimal]] = [[] for _ in range(n_entries)]
    with decimal.localcontext(prec=scoring.PRECISION):
        for entry, a, b in zip(cols.card_entry.tolist(), num.tolist(), den.tolist(), strict=True):
            if b:
                card_totals[entry].append(_decimal_ratio(a, b, 2))
        disagreement = [
            round2(population_sd(totals)) if len(totals) >= 2 else None for totals in card_totals
        ]
    # per (entry, criterion) group, values ascending
    sel = np.flatnonzero(valued)
    entry_of = cols.card_entry[cols.score_card[sel]]
    crit_of = cols.score_crit[sel]
    values = cols.score_value[sel]
    order = np.lexsort((values, crit_of, entry_of))
    sel, entry_of, crit_of, values = sel[order], entry_of[order], crit_of[order], values[order]
    group = entry_of * n_crit + crit_of
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]]) if len(group) else group
    sizes = np.diff(np.r_[starts, len(group)])
    group_keys = group[starts]
    cumulative = np.r_[0, np.cumsum(values)]
    out: dict[str, list[list[Decimal | None]]] = {}
    with decimal.localcontext(prec=scoring.PRECISION):
        for method in methods:
            table: list[list[Decimal | None]] = [[None] * n_crit for _ in range(n_entries)]
            if method == "zscore":
                out[method] = _zscore_table(cols, table, sel, values, starts, sizes, group_keys)
                continue
            if method == "median":
                lo = values[starts + (sizes - 1) // 2]
                hi = values[starts + sizes // 2]
                odd = (sizes % 2).astype(bool)
                for key, a, b, is_odd in zip(group_keys.tolist(), lo.tolist(), hi.tolist(),
                                             odd.tolist(), strict=True):  # fmt: skip
                    table[key // n_crit][key % n_crit] = (
                        Decimal(a).scaleb(-2) if is_odd else _decimal_ratio(a + b, 2, 2)
                    )
            else:
                cut = np.zeros_like(sizes)
                if method == "trimmed":
                    cut = np.where(sizes > 2 * trim, trim, (sizes - 1) // 2)
                kept = cumulative[starts + sizes - cut] - cumulative[starts + cut]
                for key, total, n in zip(group_keys.tolist(), kept.tolist(),
                                         (sizes - 2 * cut).tolist(), strict=True):  # fmt: skip
                    table[key // n_crit][key % n_crit] = _decimal_ratio(total, n, 2)
            out[method] = table
    return Aggregates(out, counts.tolist(), card_totals, disagreement, card_floats)


def _too_big(w: np.ndarray, values: np.ndarray) -> bool:
    """Whether a card's sum of weight x value could leave int64 (then Python ints)."""
    if not len(w):
        return False
    bound = float(np.max(np.abs(w))) * float(np.max(np.abs(values))) * 64
    return bound > 2**62


def _zscore_table(
    cols: Columns,
    table: list[list[Decimal | None]],
    sel: np.ndarray,
    values: np.ndarray,
    starts: np.ndarray,
    sizes: np.ndarray,
    group_keys: np.ndarray,
) -> list[list[Decimal | None]]:
    """The zscore aggregates: float64, with the entries near a rounding edge recomputed by
    `awards.scoring` from their own cards (see the module docstring)."""
    n_crit = len(cols.criteria)
    mapped = _zscore_means(cols, values, sel)
    sums = np.add.reduceat(mapped, starts) if len(starts) else np.zeros(0)
    means = sums / np.maximum(sizes, 1)
    fw = np.array([float(c.weight) for c in cols.criteria])
    n_entries = len(cols.entries)
    grid = np.full((n_entries, n_crit), np.nan)
    grid[group_keys // n_crit, group_keys % n_crit] = means
    present = ~np.isnan(grid)
    den = (present * fw).sum(axis=1)
    totals = np.where(den > 0, np.nansum(grid * fw, axis=1) / np.where(den > 0, den, 1), np.nan)
    doubtful = {
        e
        for e in range(n_entries)
        if (not np.isnan(totals[e]) and _near_half_cent(float(totals[e])))
        or any(_near_half_cent(float(v)) for v in grid[e][present[e]])
    }
    for e, row in enumerate(grid.tolist()):
        if e not in doubtful:
            table[e] = [Decimal(repr(v)) if v == v else None for v in row]
    if doubtful:
        _exact_zscores(cols, table, doubtful)
    return table


def _exact_zscores(cols: Columns, table: list, doubtful: set[int]) -> None:
    """The reference (`scoring._aggregate_raw`) for the `doubtful` entries, with the round's
    z-score population (`cols.zscore_stats`)."""
    crits = cols.scoring_criteria
    keys = [c.key for c in cols.criteria]
    summed = cols.zscore_stats
    for e in doubtful:
        cards = list(_entry_cards(cols, e))
        ref = cols.entries[e].ref
        raw = scoring._aggregate_raw(crits, cards, [ref], method="zscore", zscore_stats=summed)[ref]
        table[e] = [raw[k] for k in keys]


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


def results_by_category(
    cols: Columns, aggs: Aggregates, method: str, quorum: int
) -> dict[int, list[EntryResult[int]]]:
    """category id -> its leaderboard (`EntryResult.entry` is the entry's index in
    `cols.entries`), ranked by `awards.ranking` exactly as `scoring.aggregate` ranks."""
    crits = cols.scoring_criteria
    table = aggs.by_method[method]
    grouped: dict[int, list[EntryResult[int]]] = {}
    with decimal.localcontext(prec=scoring.PRECISION):
        for e, row in enumerate(cols.entries):
            result = build_result(e, crits, table[e], aggs.counts[e], (), quorum)
            result = replace(result, disagreement=aggs.disagreement[e])
            grouped.setdefault(row.category_id, []).append(result)
        return {
            category_id: rank_results(_by_ref(cols, results), crits)
            for category_id, results in grouped.items()
        }


class _Ref(int):
    """An entry index that sorts and prints as its ref (`ranking` orders entries by str)."""

    ref: str

    def __new__(cls, index: int, ref: str) -> _Ref:
        value = super().__new__(cls, index)
        value.ref = ref
        return value

    def __str__(self) -> str:
        return self.ref

    def __repr__(self) -> str:
        return repr(self.ref)


def _by_ref(cols: Columns, results: list[EntryResult[int]]) -> list[EntryResult[int]]:
    return [replace(r, entry=_Ref(r.entry, cols.entries[r.entry].ref)) for r in results]


def firsts_by_category(
    cols: Columns, aggs: Aggregates, method: str, quorum: int
) -> dict[int, str | None]:
    """category id -> the ref of the entry `results_by_category` ranks first with `method`
    (None when it ranks none), without ranking every entry: the entries whose float total
    comes within `insight._MARGIN` of the category's best are ranked exactly (rounded totals
    of the others are lower by more than a rounding step)."""
    crits = cols.scoring_criteria
    table = aggs.by_method[method]
    n_entries = len(cols.entries)
    grid = np.array(
        [[np.nan if v is None else float(v) for v in row] for row in table], dtype=np.float64
    ).reshape(n_entries, len(crits))
    fw = np.array([float(c.weight) for c in crits])
    present = ~np.isnan(grid)
    den = (present * fw).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        totals = np.where(den > 0, np.nansum(grid * fw, axis=1) / den, np.nan)
    ranked = (np.array(aggs.counts, dtype=np.int64) >= quorum) & ~np.isnan(totals)
    category = np.array([e.category_id for e in cols.entries], dtype=np.int64)
    out: dict[int, str | None] = {}
    with decimal.localcontext(prec=scoring.PRECISION):
        for category_id in sorted(set(category.tolist())):
            members = np.flatnonzero((category == category_id) & ranked)
            if not len(members):
                out[category_id] = None
                continue
            best = float(totals[members].max())
            edge = best - insight._MARGIN - 1e-9 * abs(best)
            near = members[totals[members] >= edge].tolist()
            results = [
                replace(
                    build_result(e, crits, table[e], aggs.counts[e], (), quorum),
                    disagreement=aggs.disagreement[e],
                )
                for e in near
            ]
            first = rank_results(_by_ref(cols, results), crits)[0]
            out[category_id] = cols.entries[first.entry].ref if first.rank == 1 else None
    return out


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
    cols: Columns, aggs: Aggregates, values: np.ndarray, category_id: int
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
        refs, card_local, cols.card_juror[cards], values[cards], aggs.card_floats[cards],
        scorecards,
    )  # fmt: skip
