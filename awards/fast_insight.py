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
    alive_j = np.ones(len(jurors), dtype=bool)
    alive_e = np.ones(len(entries), dtype=bool)
    scored_j = has.sum(axis=1).astype(np.int64)  # over the entries still in the block
    scored_e = has.sum(axis=0).astype(np.int64)  # over the jurors still in the block
    nj, ne = len(jurors), len(entries)
    while nj and ne:
        sj, se = scored_j[alive_j], scored_e[alive_e]
        if bool((sj == ne).all()):
            break
        # the reference's max over (share missing, -scored, entry before juror, position)
        share_j = (ne - sj) / ne
        share_e = (nj - se) / nj
        top = max(float(share_j.max()), float(share_e.max()))
        fewest = min(
            int(sj[share_j == top].min()) if (share_j == top).any() else 2**62,
            int(se[share_e == top].min()) if (share_e == top).any() else 2**62,
        )
        pick_e = np.flatnonzero((share_e == top) & (se == fewest))
        if len(pick_e):
            e = int(np.flatnonzero(alive_e)[pick_e[-1]])
            alive_e[e] = False
            scored_j -= has[:, e]
            ne -= 1
        else:
            pick_j = np.flatnonzero((share_j == top) & (sj == fewest))
            j = int(np.flatnonzero(alive_j)[pick_j[-1]])
            alive_j[j] = False
            scored_e -= has[j, :]
            nj -= 1
    keep_j = np.flatnonzero(alive_j).tolist()
    keep_e = np.flatnonzero(alive_e).tolist()
    if not nj or not ne:
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
        _uniq, inverse, counts = np.unique(column, return_inverse=True, return_counts=True)
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
        zscore_stats=zscore_stats,
    )  # fmt: skip
    crits = tuple(criteria)
    names = sorted({c.entry for c in cards} | set(listed), key=insight._key)
    jurors = sorted({c.juror for c in cards}, key=insight._key)
    shares = dict.fromkeys(names, 0.0)
    if not jurors:
        return insight.WinnerShares(shares, 1.0, draws, 0, seed)
    with decimal.localcontext(prec=scoring.PRECISION):
        prepared = insight._prepare(
            crits,
            cards,
            names,
            jurors,
            method,
            None,
            zscore_stats,
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
        quick = _quick_totals(
            crits, prepared, counts, complete, scored_m, valued_m, num_m, sq_m, method, trim,
            quorum,
        )  # fmt: skip
        del scored_m, valued_m, num_m, sq_m
        valid = ~np.isnan(quick)
        any_valid = valid.any(axis=1)
        best = np.where(any_valid, np.nanmax(np.where(valid, quick, -np.inf), axis=1), 0.0)
        edge = best - insight._MARGIN - 1e-9 * np.abs(best)
        near_m = valid & (quick >= edge[:, None])
        n_near = near_m.sum(axis=1)
        int_counts = counts.astype(np.int64)
        none = 0.0
        for d in range(draws):
            if not any_valid[d]:
                none += 1
                continue
            near = np.flatnonzero(near_m[d]).tolist()
            if n_near[d] == 1:
                shares[names[near[0]]] += 1.0
                continue
            winners = insight._exact_first(
                crits, prepared, int_counts[d].tolist(), near, method, trim, quorum
            )
            if not winners:
                none += 1
            for i in winners:
                shares[names[i]] += 1 / len(winners)
    return insight.WinnerShares(
        {e: s / draws for e, s in shares.items()}, none / draws, draws, len(jurors), seed
    )


def _column_quick(
    method: scoring.Method, trim: int, column: tuple[list[float], list[int]], counts: np.ndarray
) -> np.ndarray:
    """`insight._quick` for every draw at once (NaN where no drawn juror gave a value)."""
    values, jurors = column
    if not values:
        return np.full(len(counts), np.nan)
    vals = np.asarray(values, dtype=np.float64)
    c = counts[:, jurors]
    cum = np.cumsum(c, axis=1)
    n = cum[:, -1]
    rows = np.arange(len(counts))
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "median":
            i1 = (cum > ((n - 1) // 2)[:, None]).argmax(axis=1)
            i2 = (cum > (n // 2)[:, None]).argmax(axis=1)
            out = (vals[i1] + vals[i2]) / 2
        else:
            weighted = np.cumsum(c * vals, axis=1)
            total = weighted[:, -1]
            out = total / n
            if method == "trimmed":
                cut = np.where(n > 2 * trim, trim, (n - 1) // 2)
                cutting = cut > 0
                lo = (cum > (cut - 1)[:, None]).argmax(axis=1)
                below = np.where(lo > 0, weighted[rows, np.maximum(lo - 1, 0)], 0.0)
                before = np.where(lo > 0, cum[rows, np.maximum(lo - 1, 0)], 0)
                low = below + (cut - before) * vals[lo]
                hi = (cum > (n - cut)[:, None]).argmax(axis=1)
                high = (cum[rows, hi] - (n - cut)) * vals[hi] + (total - weighted[rows, hi])
                trimmed = (total - low - high) / np.maximum(n - 2 * cut, 1)
                out = np.where(cutting, trimmed, out)
    return np.where(n > 0, out, np.nan)


def _per_criterion(
    entry, counts: np.ndarray, method: scoring.Method, trim: int, fweights: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """draws x criteria: an entry's `_column_quick` values, where they exist, and them
    weighted (0 where missing)."""
    per = np.stack([_column_quick(method, trim, col, counts) for col in entry.by_value], axis=1)
    present = ~np.isnan(per)
    return per, present, np.where(present, per, 0.0) * fweights


def _quick_totals(
    crits: tuple[scoring.Criterion, ...],
    prepared: list,
    counts: np.ndarray,
    complete: np.ndarray,
    scored: np.ndarray,
    valued: np.ndarray,
    num: np.ndarray,
    squares: np.ndarray,
    method: scoring.Method,
    trim: int,
    quorum: int,
) -> np.ndarray:
    """draws x entries: each entry's float total in each draw as `insight._draw_winners`
    computes it (NaN when it has none: below quorum or no value). `_draw_winners` skips the
    median/trimmed totals of the entries whose bound cannot reach the best; those are lower
    than the best by more than the margin, so computing them changes no draw's near set."""
    fweights = np.array([float(c.weight) for c in crits])
    n_draws, n_e = scored.shape
    out = np.full((n_draws, n_e), np.nan)
    ok = complete[None, :] & (scored >= quorum) & (valued > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(ok, num / np.where(valued > 0, valued, 1.0), np.nan)
    if method in ("mean", "zscore"):
        out = means.copy()
    for e in np.flatnonzero(~complete).tolist():
        _per, present, weighted = _per_criterion(prepared[e], counts, method, trim, fweights)
        den = (present * fweights).sum(axis=1)
        good = (scored[:, e] >= quorum) & (den > 0)
        out[:, e] = np.where(good, weighted.sum(axis=1) / np.where(den > 0, den, 1.0), np.nan)
    if method in ("mean", "zscore"):
        return out
    # median/trimmed of the complete entries: only those whose bound around their mean total
    # reaches the best's lower bound in some draw (the bounds of `insight._draw_winners`)
    spread = np.array([entry.spread for entry in prepared])
    safe = np.where(valued > 0, valued, 1.0)
    if method == "median":
        pooled = np.sqrt(np.maximum(squares / safe - np.nan_to_num(means) ** 2, 0.0))
        bound = np.minimum(spread[None, :] / 2, pooled) + 1e-9
    else:
        cut = np.where(valued > 2 * trim, trim, np.floor((valued - 1) / 2))
        bound = spread[None, :] * cut / safe
    lower = np.where(ok, means - bound, -np.inf)
    upper = np.where(ok, means + bound, -np.inf)
    floor = np.maximum(lower.max(axis=1), np.where(np.isnan(out), -np.inf, out).max(axis=1))
    finite = np.where(np.isfinite(floor), floor, 0.0)
    reach = floor - insight._MARGIN - 1e-9 * np.abs(finite)
    needed = ok & (upper >= reach[:, None])
    total_w = fweights.sum()
    for e in np.flatnonzero(needed.any(axis=0)).tolist():
        _per, _present, weighted = _per_criterion(prepared[e], counts, method, trim, fweights)
        out[:, e] = np.where(ok[:, e], weighted.sum(axis=1) / total_w, np.nan)
    return out
