"""What the scores say about the jury itself: agreement, how sure a winner is, and each
juror's severity against the panel.

Pure functions over plain values (standard library only, no Flask or database): the caller
passes a matrix ``juror -> entry -> total`` (``totals``), or for the bootstrap the scorecards
and criteria of ``awards.scoring``, so the functions work for any set of scorecards (a
category, a round, a whole programme). These are statistics, not money: they compute in
``float`` internally and their results are floats (round them to show them); only the
bootstrap's re-ranking uses ``Decimal`` exactly as the leaderboard does.

Rules (this is the specification):

* Totals. A juror's total for an entry is their scorecard's weighted mean over the criteria
  they scored (``sum(w * x) / sum(w)``, the "raw weighted total" of ``awards.scoring``, before
  any z-scoring); a scorecard without values has no total. A cell missing from the matrix
  (a recusal, a conflict, a juror who did not score the entry) is missing, never zero.
* Agreement (``agreement``) rests on one complete block of the matrix: every juror of the
  block scored every entry of it. ``complete_block`` finds it greedily: while a cell is
  missing, drop the juror or the entry with the largest *share* of missing cells among what
  is left (a juror who missed 2 of 30 entries stays, the 2 entries go); ties are dropped in
  this order: the line whose removal loses fewer scored cells, an entry before a juror, then
  the last in sorted order. The block is reported with its juror and entry counts.

  - ICC(2,k) (Shrout & Fleiss 1979, case 2: two-way random effects, the reliability of the
    mean of ``k`` jurors): ``(MSR - MSE) / (MSR + (MSC - MSE) / n)``; ICC(2,1) (one juror):
    ``(MSR - MSE) / (MSR + (k - 1) MSE + k (MSC - MSE) / n)``, from the two-way ANOVA of the
    block (rows = ``n`` entries, columns = ``k`` jurors). Needs ``k >= 2`` and ``n >= 2``.
  - Kendall's W with the correction for ties: each juror's totals are ranked (average ranks
    for ties); ``W = 12 S / (k^2 (n^3 - n) - k sum(T))``, ``S`` the sum of squared deviations
    of the entries' rank sums from their mean, ``T = sum(t^3 - t)`` over a juror's groups of
    ``t`` tied totals. Needs ``k >= 2`` and ``n >= 3`` (with two entries every juror's
    ranking is 1-2 or 2-1 and W only says whether they all picked the same one).
  - Not enough data gives ``value None`` with a ``reason``: ``too_few_jurors``,
    ``too_few_entries``, or ``no_variation`` (the statistic is 0/0: every total alike).
* How sure the winner is (``winner_shares``): a bootstrap over jurors. Each of ``draws``
  (1,000) draws picks as many jurors as the panel has, with replacement, from the jurors
  with a scorecard among the entries (a juror drawn twice counts twice, as two jurors with
  the same scores), and ranks the entries with the leaderboard's own method, trim, quorum and
  tie-breaks (``awards.scoring`` / ``awards.ranking``; z-scores use each juror's factors from
  the z-score population, which the draw does not change). The draws come from
  ``random.Random(seed)`` with a fixed default seed, so the same scores give the same shares.
  An entry's share is the fraction of draws in which it ranks first. When entries are
  separated only by the last tie-break (their references: equal on every score), they share
  that draw equally. A draw in which no entry is ranked (all below quorum) has no winner
  (``no_winner``); the shares and ``no_winner`` add up to 1.

  Speed (30 entries x 12 jurors in about a tenth of a second): a draw first totals the
  entries in floats — the mean and z-score totals decompose over the scorecards; median and
  trimmed totals are computed only for the entries whose bound around their mean total can
  reach the best found so far (``|median - mean| <= sd``, ``|trimmed - mean| <= cut * range /
  n``) — and then ranks the entries within ``_MARGIN`` (0.011) of the best in ``Decimal``
  with ``awards.ranking``, so the first of a draw is exactly the leaderboard's first.
  ``tests/unit/test_insight.py`` replays draws through ``scoring.aggregate`` to prove it.
* Severity (``severity``): for each juror, over the entries they scored that at least one
  other juror scored too, the offset ``d = their total - mean total of the other jurors``.
  ``offset`` is the mean of ``d``; ``se`` its standard error (sample sd of ``d`` over
  ``sqrt(n)``); the 95% interval ``offset +- t(0.975, n - 1) * se`` (Student's t); ``spread``
  the sample sd of the juror's own totals. ``verdict`` is ``strict`` when the whole interval
  lies below 0, ``lenient`` when above 0, ``in_line`` when it holds 0, and ``None`` below two
  offsets (no interval).
"""

from __future__ import annotations

import decimal
import math
import random
from bisect import bisect_right
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import accumulate
from operator import mul
from typing import Literal

from . import scoring
from .ranking import build_result, rank_results

__all__ = [
    "DRAWS",
    "SEED",
    "Agreement",
    "Block",
    "Severity",
    "WinnerShares",
    "agreement",
    "complete_block",
    "icc2",
    "kendall_w",
    "same_winner",
    "severity",
    "t_critical",
    "totals",
    "winner_shares",
]

DRAWS = 1000
SEED = 20250612  # fixed: the same scores always give the same shares

Totals = Mapping[Hashable, Mapping[Hashable, float]]  # juror -> entry -> total
Reason = Literal["too_few_jurors", "too_few_entries", "no_variation"]
Verdict = Literal["strict", "lenient", "in_line"]


def _key(value: Hashable) -> tuple[str, str]:
    return str(value), repr(value)


def totals(
    criteria: Sequence[scoring.Criterion], scorecards: Iterable[scoring.Scorecard]
) -> dict[Hashable, dict[Hashable, float]]:
    """``juror -> entry -> total`` from submitted scorecards: each card's weighted mean over
    the criteria it scored; a card without values is left out. Raises ScoringError
    (``unknown_criterion``) for a score on a criterion not in ``criteria``."""
    weights = {c.key: c.weight for c in criteria}
    out: dict[Hashable, dict[Hashable, float]] = {}
    for card in scorecards:
        num = den = Decimal(0)
        for key, value in card.scores.items():
            if key not in weights:
                raise scoring.ScoringError("unknown_criterion", f"unknown criterion {key!r}")
            if value is not None:
                num += weights[key] * value
                den += weights[key]
        if den:
            out.setdefault(card.juror, {})[card.entry] = float(num / den)
    return out


# --- agreement --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """A complete juror x entry block: ``values[i][j]`` is juror ``jurors[j]``'s total for
    entry ``entries[i]``; ``dropped_jurors`` / ``dropped_entries`` were left out for it."""

    jurors: tuple[Hashable, ...]
    entries: tuple[Hashable, ...]
    values: tuple[tuple[float, ...], ...]
    dropped_jurors: tuple[Hashable, ...] = ()
    dropped_entries: tuple[Hashable, ...] = ()


def complete_block(matrix: Totals) -> Block:
    """The largest complete block found by the greedy rule of the module docstring."""
    jurors = sorted(matrix, key=_key)
    entries = sorted({e for row in matrix.values() for e in row}, key=_key)
    dropped_j: list[Hashable] = []
    dropped_e: list[Hashable] = []
    while jurors and entries:
        scored_j = {j: sum(1 for e in entries if e in matrix[j]) for j in jurors}
        scored_e = {e: sum(1 for j in jurors if e in matrix[j]) for e in entries}
        if all(n == len(entries) for n in scored_j.values()):
            break
        # (share missing, -scored cells lost, entry before juror, sorted position)
        candidates = [
            ((len(entries) - n) / len(entries), -n, 0, i, "j", j)
            for i, (j, n) in enumerate(scored_j.items())
        ] + [
            ((len(jurors) - n) / len(jurors), -n, 1, i, "e", e)
            for i, (e, n) in enumerate(scored_e.items())
        ]
        *_, kind, line = max(candidates, key=lambda c: c[:4])
        if kind == "j":
            jurors.remove(line)
            dropped_j.append(line)
        else:
            entries.remove(line)
            dropped_e.append(line)
    if not jurors or not entries:
        dropped_j += jurors
        dropped_e += entries
        jurors, entries = [], []
    values = tuple(tuple(float(matrix[j][e]) for j in jurors) for e in entries)
    return Block(tuple(jurors), tuple(entries), values, tuple(dropped_j), tuple(dropped_e))


@dataclass(frozen=True)
class Agreement:
    """One agreement statistic: ``value`` (None with a ``reason`` when there is not enough
    data) and the ``jurors`` and ``entries`` of the block it rests on."""

    value: float | None
    jurors: int
    entries: int
    reason: Reason | None = None


def icc2(values: Sequence[Sequence[float]]) -> tuple[float, float] | None:
    """(ICC(2,1), ICC(2,k)) of a complete block (rows = entries, columns = jurors), or None
    when it is 0/0 (no variation). Raises ValueError below 2 rows or 2 columns."""
    n, k = len(values), len(values[0]) if values else 0
    if n < 2 or k < 2:
        raise ValueError("ICC needs at least 2 entries and 2 jurors")
    grand = sum(sum(row) for row in values) / (n * k)
    row_means = [sum(row) / k for row in values]
    col_means = [sum(row[j] for row in values) / n for j in range(k)]
    ss_rows = k * sum((m - grand) ** 2 for m in row_means)
    ss_cols = n * sum((m - grand) ** 2 for m in col_means)
    ss_total = sum((x - grand) ** 2 for row in values for x in row)
    ms_rows = ss_rows / (n - 1)
    ms_cols = ss_cols / (k - 1)
    ms_error = max(ss_total - ss_rows - ss_cols, 0.0) / ((n - 1) * (k - 1))
    single_den = ms_rows + (k - 1) * ms_error + k * (ms_cols - ms_error) / n
    average_den = ms_rows + (ms_cols - ms_error) / n
    if _zero(single_den, ss_total) or _zero(average_den, ss_total):
        return None
    return (ms_rows - ms_error) / single_den, (ms_rows - ms_error) / average_den


def _zero(value: float, scale: float) -> bool:
    return abs(value) <= 1e-12 * max(scale, 1.0)


def _ranks(values: Sequence[float]) -> tuple[list[float], int]:
    """Average ranks (1 = lowest) and ``sum(t^3 - t)`` over the groups of tied values."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    ties = 0
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for i in order[start : end + 1]:
            ranks[i] = (start + end) / 2 + 1
        t = end - start + 1
        ties += t**3 - t
        start = end + 1
    return ranks, ties


def kendall_w(values: Sequence[Sequence[float]]) -> float | None:
    """Kendall's W with the tie correction for a complete block (rows = entries, columns =
    jurors), or None when it is 0/0 (every juror gave every entry the same total). Raises
    ValueError below 3 rows or 2 columns."""
    n, k = len(values), len(values[0]) if values else 0
    if n < 3 or k < 2:
        raise ValueError("Kendall's W needs at least 3 entries and 2 jurors")
    sums = [0.0] * n
    ties = 0
    for j in range(k):
        ranks, t = _ranks([row[j] for row in values])
        ties += t
        for i, r in enumerate(ranks):
            sums[i] += r
    mean = sum(sums) / n
    s = sum((r - mean) ** 2 for r in sums)
    denominator = k * k * (n**3 - n) - k * ties
    if denominator == 0:
        return None
    return 12 * s / denominator


def agreement(matrix: Totals) -> tuple[Agreement, Agreement, Block]:
    """(ICC(2,k), Kendall's W, the block both rest on) for ``juror -> entry -> total``."""
    block = complete_block(matrix)
    k, n = len(block.jurors), len(block.entries)

    def result(min_entries: int, compute: Callable[[], float | None]) -> Agreement:
        if k < 2:
            return Agreement(None, k, n, "too_few_jurors")
        if n < min_entries:
            return Agreement(None, k, n, "too_few_entries")
        value = compute()
        if value is None:
            return Agreement(None, k, n, "no_variation")
        return Agreement(float(value), k, n)

    def icc_k() -> float | None:
        both = icc2(block.values)
        return None if both is None else both[1]

    return (
        result(2, icc_k),
        result(3, lambda: kendall_w(block.values)),
        block,
    )


# --- how sure the winner is -------------------------------------------------------------------


@dataclass(frozen=True)
class WinnerShares:
    """The bootstrap's outcome: ``shares`` (entry -> fraction of draws it ranks first; every
    entry passed appears, most often 0.0), ``no_winner`` (fraction of draws without a ranked
    entry), the number of ``draws`` and of ``jurors`` resampled, and ``seed``."""

    shares: dict[Hashable, float]
    no_winner: float
    draws: int
    jurors: int
    seed: int


@dataclass
class _Card:
    juror: int
    values: list[Decimal | None]  # what the method combines, per criterion (zscore: mapped)
    floats: list[float | None]  # the same as floats, for the quick first pass
    total: Decimal | None  # raw weighted total (disagreement, tie-breaks)
    combined: float | None  # weighted mean of ``floats`` (mean and zscore decompose on it)
    squares: float  # weighted mean of the squares of ``floats`` (0.0 without values)
    present: list[tuple[int, float]]  # (criterion index, value) of ``floats`` that exist


@dataclass
class _Entry:
    cards: list[_Card]
    complete: bool  # every card has every criterion or none: mean/zscore totals decompose
    by_value: list[tuple[list[float], list[int]]]  # per criterion: values ascending, jurors
    spread: float = 0.0  # weighted mean over the criteria of each one's range of values


# An entry whose quick (float) total is this close to the best is re-ranked exactly: rounded
# totals that tie differ by less than 0.01 before rounding, floats by far less than 0.001.
_MARGIN = 0.011


def _combine(
    method: scoring.Method, trim: int, values: list[Decimal], counts: list[int]
) -> Decimal:
    """The aggregate ``awards.scoring`` gives ``values`` repeated ``counts`` times, computed
    the same way (exact sums; zscore sums the sorted values, as scoring does)."""
    if method == "mean":
        return sum((m * v for v, m in zip(values, counts, strict=True)), Decimal(0)) / sum(counts)
    ordered = sorted(v for v, m in zip(values, counts, strict=True) for _ in range(m))
    n = len(ordered)
    if method == "median":
        half = n // 2
        return ordered[half] if n % 2 else (ordered[half - 1] + ordered[half]) / 2
    if method == "trimmed":
        cut = trim if n > 2 * trim else (n - 1) // 2
        ordered = ordered[cut : n - cut]
    return sum(ordered, Decimal(0)) / len(ordered)


def _quick(
    method: scoring.Method,
    trim: int,
    column: tuple[list[float], list[int]],
    m: list[int],
) -> float | None:
    """``_combine`` in floats: ``column`` holds the values ascending and their jurors, juror
    ``j`` counted ``m[j]`` times; None when no drawn juror gave a value."""
    values, jurors = column
    counts = list(map(m.__getitem__, jurors))
    cumulative = list(accumulate(counts))
    n = cumulative[-1] if cumulative else 0
    if not n:
        return None
    if method == "median":
        middle = values[bisect_right(cumulative, (n - 1) // 2)]
        return (middle + values[bisect_right(cumulative, n // 2)]) / 2
    total: float = sum(map(mul, counts, values))
    cut = 0
    if method == "trimmed":
        cut = trim if n > 2 * trim else (n - 1) // 2
    if not cut:
        return total / n
    # value unit u (0..n-1, ascending) belongs to juror position bisect_right(cumulative, u)
    lo = bisect_right(cumulative, cut - 1)  # holds the highest unit dropped at the bottom
    low: float = sum(map(mul, counts[:lo], values[:lo]))
    low += (cut - (cumulative[lo - 1] if lo else 0)) * values[lo]
    hi = bisect_right(cumulative, n - cut)  # holds the lowest unit dropped at the top
    high: float = (cumulative[hi] - (n - cut)) * values[hi]
    high += sum(map(mul, counts[hi + 1 :], values[hi + 1 :]))
    return (total - low - high) / (n - 2 * cut)


def winner_shares(
    criteria: Sequence[scoring.Criterion],
    scorecards: Sequence[scoring.Scorecard],
    entries: Iterable[Hashable] | None = None,
    *,
    method: scoring.Method = "mean",
    trim: int = 1,
    quorum: int = 1,
    zscore_population: Iterable[scoring.Scorecard] | None = None,
    zscore_stats: scoring.JurorStats | None = None,
    draws: int = DRAWS,
    seed: int = SEED,
) -> WinnerShares:
    """The bootstrap of the module docstring over ``scorecards`` (one juror's submitted
    scorecard per entry, as for ``scoring.aggregate``, whose rules and errors apply).

    Each draw first totals every entry in floats, then ranks the entries within ``_MARGIN``
    of the best exactly as ``awards.scoring`` does (Decimal, ``awards.ranking``), so the
    winner of a draw is the leaderboard's. Raises ScoringError for bad input, ValueError for
    ``draws < 1``."""
    if draws < 1:
        raise ValueError("draws must be >= 1")
    cards = list(scorecards)
    listed = list(entries) if entries is not None else None
    population = list(zscore_population) if zscore_population is not None else None
    scoring.aggregate(  # validates exactly as the leaderboard does
        criteria, cards, listed, method=method, trim=trim, quorum=quorum,
        zscore_population=population, zscore_stats=zscore_stats,
    )  # fmt: skip
    crits = tuple(criteria)
    names = sorted({c.entry for c in cards} | set(listed or ()), key=_key)
    jurors = sorted({c.juror for c in cards}, key=_key)
    shares = dict.fromkeys(names, 0.0)
    if not jurors:
        return WinnerShares(shares, 1.0, draws, 0, seed)
    with decimal.localcontext(prec=scoring.PRECISION):
        prepared = _prepare(crits, cards, names, jurors, method, population, zscore_stats)
        rng = random.Random(seed)
        picks = range(len(jurors))
        none = 0.0
        for _ in range(draws):
            counts = [0] * len(jurors)
            for j in rng.choices(picks, k=len(jurors)):
                counts[j] += 1
            winners = _draw_winners(crits, prepared, counts, method, trim, quorum)
            if not winners:
                none += 1
            for i in winners:
                shares[names[i]] += 1 / len(winners)
    return WinnerShares(
        {e: s / draws for e, s in shares.items()}, none / draws, draws, len(jurors), seed
    )


def _prepare(
    crits: tuple[scoring.Criterion, ...],
    cards: Sequence[scoring.Scorecard],
    names: list[Hashable],
    jurors: list[Hashable],
    method: scoring.Method,
    population: Iterable[scoring.Scorecard] | None,
    stats: scoring.JurorStats | None = None,
) -> list[_Entry]:
    """Per entry (in ``names`` order) its cards with the values the method combines: the
    scores themselves, or for zscore each score mapped onto the scale by scoring's own
    standardisation (one ``scoring`` call with every card as its own entry)."""
    entry_index = {e: i for i, e in enumerate(names)}
    juror_index = {j: i for i, j in enumerate(jurors)}
    mapped: dict[Hashable, dict[str, Decimal | None]] = {}
    if method == "zscore":
        single = [scoring.Scorecard((c.entry, c.juror), c.juror, c.scores) for c in cards]
        mapped = scoring._aggregate_raw(
            crits,
            single,
            method="zscore",
            zscore_population=population if population is not None else cards,
            zscore_stats=stats,
        )
    weights = [c.weight for c in crits]
    fweights = [float(w) for w in weights]
    out = [_Entry([], True, []) for _ in names]
    columns: list[list[list[tuple[float, int]]]] = [[[] for _ in crits] for _ in names]
    for card in cards:
        raw = [card.scores.get(c.key) for c in crits]
        num = den = Decimal(0)
        for w, x in zip(weights, raw, strict=True):
            if x is not None:
                num += w * x
                den += w
        values = raw
        if method == "zscore":
            standard = mapped[(card.entry, card.juror)]
            values = [
                standard[c.key] if x is not None else None for c, x in zip(crits, raw, strict=True)
            ]
        floats = [float(v) if v is not None else None for v in values]
        present = [f for f in floats if f is not None]
        combined = None
        if present:
            combined = sum(w * f for w, f in zip(fweights, floats, strict=True) if f is not None)
            combined /= sum(w for w, f in zip(fweights, floats, strict=True) if f is not None)
        entry = out[entry_index[card.entry]]
        j = juror_index[card.juror]
        pairs = [(c, f) for c, f in enumerate(floats) if f is not None]
        squares = 0.0
        if pairs:
            squares = sum(fweights[c] * f * f for c, f in pairs)
            squares /= sum(fweights[c] for c, _ in pairs)
        entry.cards.append(
            _Card(j, values, floats, num / den if den else None, combined, squares, pairs)
        )
        entry.complete = entry.complete and len(present) in (0, len(crits))
        for c, f in pairs:
            columns[entry_index[card.entry]][c].append((f, j))
    for entry, per_criterion in zip(out, columns, strict=True):
        for column in per_criterion:
            column.sort()
            entry.by_value.append(([f for f, _ in column], [j for _, j in column]))
        entry.spread = sum(
            w * (values[-1] - values[0]) if values else 0.0
            for w, (values, _) in zip(fweights, entry.by_value, strict=True)
        ) / sum(fweights)
    return out


def _draw_winners(
    crits: tuple[scoring.Criterion, ...],
    prepared: list[_Entry],
    counts: list[int],
    method: scoring.Method,
    trim: int,
    quorum: int,
) -> list[int]:
    """The entries (indexes) ranked first in one draw: one, or those separated only by
    their reference; none when nothing is ranked."""
    fweights = [float(c.weight) for c in crits]
    decomposes = method in ("mean", "zscore")
    quick: dict[int, float] = {}
    pending: list[tuple[float, int]] = []  # (upper bound, entry) for median and trimmed
    floor = -math.inf  # the best total is at least this
    for e, entry in enumerate(prepared):
        scored = valued = 0
        num = den = squares = 0.0
        if entry.complete:  # the mean total decomposes over the cards
            for card in entry.cards:
                m = counts[card.juror]
                if m:
                    scored += m
                    if card.combined is not None:
                        num += m * card.combined
                        squares += m * card.squares
                        valued += m
            if scored < quorum or not valued:
                continue
            mean = num / valued
            if decomposes:
                quick[e] = mean
                continue
            # per criterion |median - mean| <= sd <= range / 2 and |trimmed - mean| <=
            # cut * range / n (the range at most the entry's over all its jurors); over the
            # weighted criteria the sds are at most the sd of all the values pooled
            if method == "median":
                pooled = math.sqrt(max(squares / valued - mean * mean, 0.0))
                bound = min(entry.spread / 2, pooled) + 1e-9
            else:
                cut = trim if valued > 2 * trim else (valued - 1) // 2
                bound = entry.spread * cut / valued
            pending.append((mean + bound, e))
            floor = max(floor, mean - bound)
            continue
        for card in entry.cards:
            scored += counts[card.juror]
        if scored >= quorum:
            for w, column in zip(fweights, entry.by_value, strict=True):
                a = _quick(method, trim, column, counts)
                if a is not None:
                    num += w * a
                    den += w
        if scored >= quorum and den:
            quick[e] = num / den
            floor = max(floor, quick[e])
    pending.sort(reverse=True)  # highest bound first: the best found early prunes the rest
    for upper, e in pending:
        if upper < floor - _MARGIN - 1e-9 * abs(floor):
            break  # neither this entry nor any after it can come near the best
        num = 0.0
        for w, column in zip(fweights, prepared[e].by_value, strict=True):
            num += w * (_quick(method, trim, column, counts) or 0.0)
        quick[e] = num / sum(fweights)
        floor = max(floor, quick[e])
    if not quick:
        return []
    best = max(quick.values())
    near = [e for e, t in quick.items() if t >= best - _MARGIN - 1e-9 * abs(best)]
    if len(near) == 1:  # the others are lower by more than a rounding step
        return near
    return _exact_first(crits, prepared, counts, near, method, trim, quorum)


def _exact_first(
    crits: tuple[scoring.Criterion, ...],
    prepared: list[_Entry],
    counts: list[int],
    near: list[int],
    method: scoring.Method,
    trim: int,
    quorum: int,
) -> list[int]:
    """Among the entries ``near`` the top, the first as the leaderboard ranks them (Decimal
    aggregates, ``awards.ranking``), with those tied with it down to the reference."""
    results = []
    for e in near:
        entry = prepared[e]
        aggregates: list[Decimal | None] = []
        for c in range(len(crits)):
            values = [card.values[c] for card in entry.cards if counts[card.juror]]
            weights = [counts[card.juror] for card in entry.cards if counts[card.juror]]
            kept = [(v, m) for v, m in zip(values, weights, strict=True) if v is not None]
            aggregates.append(
                _combine(method, trim, [v for v, _ in kept], [m for _, m in kept]) if kept else None
            )
        card_totals = [
            card.total
            for card in entry.cards
            for _ in range(counts[card.juror])
            if card.total is not None
        ]
        scored = sum(counts[card.juror] for card in entry.cards)
        results.append(build_result(e, crits, aggregates, scored, card_totals, quorum))
    ranked = [r for r in rank_results(results, crits) if r.rank is not None]
    if not ranked:
        return []
    first = [ranked[0].entry]
    for r in ranked[1:]:
        if r.tie_break != "entry":
            break
        first.append(r.entry)
    return first


def same_winner(firsts: Mapping[str, Hashable | None]) -> bool | None:
    """Whether every method (method -> the entry it ranks first, None when it ranks none)
    names the same winner; None when no method ranks an entry."""
    named = {w for w in firsts.values() if w is not None}
    if not named:
        return None
    return len(named) == 1 and None not in firsts.values()


# --- severity ---------------------------------------------------------------------------------

# Student's t, two-sided 95% (0.975 quantile), by degrees of freedom 1..30
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip
_Z975 = 1.959964


def t_critical(df: int) -> float:
    """Student's t 0.975 quantile for ``df >= 1`` degrees of freedom: the table to 30, then
    the Cornish-Fisher expansion (within 0.001 of the exact value). ValueError below 1."""
    if df < 1:
        raise ValueError("df must be >= 1")
    if df <= len(_T975):
        return _T975[df - 1]
    z = _Z975
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


@dataclass(frozen=True)
class Severity:
    """One juror against the panel (see the module docstring). ``entries`` is the number of
    offsets; the statistics that need two of them are None below two."""

    juror: Hashable
    entries: int
    offset: float | None
    se: float | None
    low: float | None
    high: float | None
    spread: float | None
    verdict: Verdict | None


def _sample_sd(values: Sequence[float]) -> float | None:
    if len(values) < 2:
        return None
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def severity(matrix: Totals) -> dict[Hashable, Severity]:
    """Each juror's severity (juror -> Severity) for ``juror -> entry -> total``."""
    by_entry: dict[Hashable, dict[Hashable, float]] = {}
    for juror, row in matrix.items():
        for entry, total in row.items():
            by_entry.setdefault(entry, {})[juror] = float(total)
    out: dict[Hashable, Severity] = {}
    for juror in sorted(matrix, key=_key):
        own = [float(v) for v in matrix[juror].values()]
        offsets = []
        for entry, total in matrix[juror].items():
            others = [v for j, v in by_entry[entry].items() if j != juror]
            if others:
                offsets.append(float(total) - sum(others) / len(others))
        n = len(offsets)
        offset = sum(offsets) / n if n else None
        sd = _sample_sd(offsets)
        se = sd / math.sqrt(n) if sd is not None else None
        low = high = None
        verdict: Verdict | None = None
        if offset is not None and se is not None:
            half = t_critical(n - 1) * se
            low, high = offset - half, offset + half
            verdict = "strict" if high < 0 else "lenient" if low > 0 else "in_line"
        out[juror] = Severity(juror, n, offset, se, low, high, _sample_sd(own), verdict)
    return out
