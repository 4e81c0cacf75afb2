"""`awards.insight`'s jury figures for a whole category at Cannes size, with numpy.

The same answers as `awards.insight` (its docstring is the specification; the tests replay
both on generated data):

* `agreement` finds the same block as `insight.complete_block` by the same greedy rule, the
  counts kept in a boolean juror x entry matrix instead of recounted, and computes ICC(2,k)
  and Kendall's W of the block with numpy (float64, equal to the reference's within rounding
  of the last bits; the export shows two decimals).
* `winner_shares` runs the same seeded draws (`random.Random(seed).choices`, one draw after
  the other, so the same juror counts), totals the complete entries of every draw at once
  (matrix products of the draws' juror counts with the cards' combined values) and leaves
  the rest of each draw — the median/trimmed totals of the entries that can come near the
  best, the entries whose cards miss some criteria, and the exact Decimal ranking of the
  entries within `insight._MARGIN` of the best (`insight._exact_first`) — to the reference's
  own helpers, so the first of a draw is exactly the leaderboard's first.
"""

from __future__ import annotations

import decimal
import math
import random
from collections.abc import Hashable, Mapping, Sequence

import numpy as np

from . import insight, scoring


def agreement(matrix: insight.Totals) -> tuple[insight.Agreement, insight.Agreement]:
    """(ICC(2,k), Kendall's W) of ``juror -> entry -> total`` (`insight.agreement`)."""
    jurors, entries, values = complete_block(matrix)
    k, n = len(jurors), len(entries)

    def result(min_entries: int, value: float | None) -> insight.Agreement:
        if k < 2:
            return insight.Agreement(None, k, n, "too_few_jurors")
        if n < min_entries:
            return insight.Agreement(None, k, n, "too_few_entries")
        if value is None:
            return insight.Agreement(None, k, n, "no_variation")
        return insight.Agreement(float(value), k, n)

    icc = icc2k(values) if k >= 2 and n >= 2 else None
    kendall = kendall_w(values) if k >= 2 and n >= 3 else None
    return result(2, icc), result(3, kendall)


def complete_block(matrix: insight.Totals) -> tuple[list, list, np.ndarray]:
    """(jurors, entries, values: entries x jurors float64) of `insight.complete_block`."""
    jurors = sorted(matrix, key=insight._key)
    entries = sorted({e for row in matrix.values() for e in row}, key=insight._key)
    e_index = {e: i for i, e in enumerate(entries)}
    has = np.zeros((len(jurors), len(entries)), dtype=bool)
    vals = np.zeros((len(jurors), len(entries)), dtype=np.float64)
    for j, juror in enumerate(jurors):
        for entry, total in matrix[juror].items():
            has[j, e_index[entry]] = True
            vals[j, e_index[entry]] = float(total)
    keep_j = list(range(len(jurors)))
    keep_e = list(range(len(entries)))
    while keep_j and keep_e:
        sub = has[np.ix_(keep_j, keep_e)]
        scored_j = sub.sum(axis=1).tolist()
        if all(s == len(keep_e) for s in scored_j):
            break
        scored_e = sub.sum(axis=0).tolist()
        ne, nj = len(keep_e), len(keep_j)
        best_j = max(
            (((ne - s) / ne, -s, 0, i) for i, s in enumerate(scored_j)), default=None
        )
        best_e = max(
            (((nj - s) / nj, -s, 1, i) for i, s in enumerate(scored_e)), default=None
        )
        if best_e is not None and (best_j is None or best_e > best_j):
            del keep_e[best_e[3]]
        else:
            assert best_j is not None
            del keep_j[best_j[3]]
    if not keep_j or not keep_e:
        return [], [], np.zeros((0, 0))
    values = vals[np.ix_(keep_j, keep_e)].T.copy()
    return [jurors[j] for j in keep_j], [entries[e] for e in keep_e], values


def icc2k(values: np.ndarray) -> float | None:
    """ICC(2,k) of a complete block (rows = entries, columns = jurors), as `insight.icc2`."""
    n, k = values.shape
    grand = values.sum() / (n * k)
    row_means = values.sum(axis=1) / k
    col_means = values.sum(axis=0) / n
    ss_rows = k * float(((row_means - grand) ** 2).sum())
    ss_cols = n * float(((col_means - grand) ** 2).sum())
    ss_total = float(((values - grand) ** 2).sum())
    ms_rows = ss_rows / (n - 1)
    ms_cols = ss_cols / (k - 1)
    ms_error = max(ss_total - ss_rows - ss_cols, 0.0) / ((n - 1) * (k - 1))
    single_den = ms_rows + (k - 1) * ms_error + k * (ms_cols - ms_error) / n
    average_den = ms_rows + (ms_cols - ms_error) / n
    if insight._zero(single_den, ss_total) or insight._zero(average_den, ss_total):
        return None
    return (ms_rows - ms_error) / average_den


def kendall_w(values: np.ndarray) -> float | None:
    """Kendall's W with the tie correction (`insight.kendall_w`), ranks exact in halves."""
    n, k = values.shape
    sums = np.zeros(n)
    ties = 0
    for j in range(k):
        column = values[:, j]
        uniq, inverse, counts = np.unique(column, return_inverse=True, return_counts=True)
        ends = np.cumsum(counts)  # 1-based end position of each group
        starts = ends - counts + 1
        sums += ((starts + ends) / 2)[inverse]
        ties += int((counts.astype(np.int64) ** 3 - counts).sum())
    mean = sums.sum() / n
    s = float(((sums - mean) ** 2).sum())
    denominator = k * k * (n**3 - n) - k * ties
    if denominator == 0:
        return None
    return 12 * s / denominator


def draw_counts(jurors: int, draws: int, seed: int) -> np.ndarray:
    """draws x jurors: how often each juror is picked in each draw, the reference's RNG."""
    rng = random.Random(seed)
    picks = range(jurors)
    out = np.zeros((draws, jurors), dtype=np.int32)
    for d in range(draws):
        for j in rng.choices(picks, k=jurors):
            out[d, j] += 1
    return out


def winner_shares(
    criteria: Sequence[scoring.Criterion],
    scorecards: Sequence[scoring.Scorecard],
    entries: Sequence[Hashable],
    *,
    method: scoring.Method,
    trim: int,
    quorum: int,
    zscore_stats: Mapping | None,
    draws: int = insight.DRAWS,
    seed: int = insight.SEED,
) -> insight.WinnerShares:
    """`insight.winner_shares` (same draws, same winners), the draws' totals vectorised."""
    if draws < 1:
        raise ValueError("draws must be >= 1")
    cards = list(scorecards)
    listed = list(entries)
    scoring.aggregate(
        criteria, cards, listed, method=method, trim=trim, quorum=quorum,
        zscore_stats=zscore_stats,  # type: ignore[arg-type]
    )  # fmt: skip
    crits = tuple(criteria)
    names = sorted({c.entry for c in cards} | set(listed), key=insight._key)
    jurors = sorted({c.juror for c in cards}, key=insight._key)
    shares = dict.fromkeys(names, 0.0)
    if not jurors:
        return insight.WinnerShares(shares, 1.0, draws, 0, seed)
    with decimal.localcontext(prec=scoring.PRECISION):
        prepared = insight._prepare(
            crits, cards, names, jurors, method, None, zscore_stats  # type: ignore[arg-type]
        )
        n_e, n_j = len(prepared), len(jurors)
        card = np.zeros((n_e, n_j))
        valued = np.zeros((n_e, n_j))
        comb = np.zeros((n_e, n_j))
        sq = np.zeros((n_e, n_j))
        for e, entry in enumerate(prepared):
            for c in entry.cards:
                card[e, c.juror] = 1.0
                if c.combined is not None:
                    valued[e, c.juror] = 1.0
                    comb[e, c.juror] = c.combined
                    sq[e, c.juror] = c.squares
        counts = draw_counts(n_j, draws, seed).astype(np.float64)
        scored_m = counts @ card.T
        valued_m = counts @ valued.T
        num_m = counts @ comb.T
        sq_m = counts @ sq.T
        del card, valued, comb, sq
        complete = np.array([entry.complete for entry in prepared], dtype=bool)
        none = 0.0
        for d in range(draws):
            winners = _draw_winners(
                crits, prepared, counts[d], complete, scored_m[d], valued_m[d], num_m[d],
                sq_m[d], method, trim, quorum,
            )  # fmt: skip
            if not winners:
                none += 1
            for i in winners:
                shares[names[i]] += 1 / len(winners)
    return insight.WinnerShares(
        {e: s / draws for e, s in shares.items()}, none / draws, draws, len(jurors), seed
    )


def _draw_winners(
    crits: tuple[scoring.Criterion, ...],
    prepared: list,
    counts_row: np.ndarray,
    complete: np.ndarray,
    scored: np.ndarray,
    valued: np.ndarray,
    num: np.ndarray,
    squares: np.ndarray,
    method: scoring.Method,
    trim: int,
    quorum: int,
) -> list[int]:
    """`insight._draw_winners` with the complete entries' sums taken from the matrices."""
    margin = insight._MARGIN
    fweights = [float(c.weight) for c in crits]
    counts = [int(m) for m in counts_row.tolist()]
    ok = complete & (scored >= quorum) & (valued > 0)
    means = np.where(ok, num / np.where(valued > 0, valued, 1.0), -np.inf)
    quick: dict[int, float] = {}
    floor = -math.inf
    pending: list[tuple[float, int]] = []
    ok_idx = np.flatnonzero(ok)
    if method in ("mean", "zscore"):
        quick.update(zip(ok_idx.tolist(), means[ok_idx].tolist(), strict=True))
    elif len(ok_idx):
        mean = means[ok_idx]
        v = valued[ok_idx]
        spread = np.array([prepared[e].spread for e in ok_idx.tolist()])
        if method == "median":
            pooled = np.sqrt(np.maximum(squares[ok_idx] / v - mean * mean, 0.0))
            bound = np.minimum(spread / 2, pooled) + 1e-9
        else:
            vi = v.astype(np.int64)
            cut = np.where(vi > 2 * trim, trim, (vi - 1) // 2)
            bound = spread * cut / v
        pending = list(zip((mean + bound).tolist(), ok_idx.tolist(), strict=True))
        floor = max(floor, float((mean - bound).max()))
    for e in np.flatnonzero(~complete).tolist():
        entry = prepared[e]
        if scored[e] >= quorum:
            n = den = 0.0
            for w, column in zip(fweights, entry.by_value, strict=True):
                a = insight._quick(method, trim, column, counts)
                if a is not None:
                    n += w * a
                    den += w
            if den:
                quick[e] = n / den
                floor = max(floor, quick[e])
    pending.sort(reverse=True)
    for upper, e in pending:
        if upper < floor - margin - 1e-9 * abs(floor):
            break
        n = 0.0
        for w, column in zip(fweights, prepared[e].by_value, strict=True):
            n += w * (insight._quick(method, trim, column, counts) or 0.0)
        quick[e] = n / sum(fweights)
        floor = max(floor, quick[e])
    if not quick:
        return []
    best = max(quick.values())
    near = [e for e, t in quick.items() if t >= best - margin - 1e-9 * abs(best)]
    if len(near) == 1:
        return near
    return insight._exact_first(crits, prepared, counts, near, method, trim, quorum)
