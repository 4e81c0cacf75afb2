"""`awards.insight`'s jury figures for a whole category at Cannes size, with numpy.

The same answers as `awards.insight` (its docstring is the specification; the tests replay
both on generated data). The input is a category's scorecards as columns (`CardColumns`:
per card its entry, juror, values and raw total as floats), so no Python object per score
is made; `winner_shares` and `agreement` take plain scorecards and go the same way.

* `agreement_columns` finds the same block as `insight.complete_block` by the same greedy
  rule, the counts kept in a boolean juror x entry matrix instead of recounted and each run
  of entries the rule drops one after the other dropped at once, and computes
  ICC(2,k) and Kendall's W of the block with numpy (float64, equal to the reference's within
  rounding of the last bits; the export shows two decimals).
* `winner_shares_columns` runs the same seeded draws (`random.Random(seed).choices`, one
  draw after the other, so the same juror counts) in blocks of `_BLOCK` draws: it totals the
  complete entries of a block at once (the draws' juror counts times the cards' combined
  values), the median/trimmed values of the entries that can come near the best (only in
  the draws where they can: (draw, entry) pairs) and of the
  entries whose cards miss some criteria likewise (each entry's values sorted and padded:
  `_batch_quick`, `insight._quick` for many entries at once), and leaves the exact Decimal
  ranking of the entries within `insight._MARGIN` of the best to the reference itself
  (`insight._exact_first`, on `insight._prepare`'s entries built only for the entries it
  needs), so the first of a draw is exactly the leaderboard's first. A draw whose best
  entry alone has the top total in cents, no float near the top on a half cent, needs no
  exact ranking (`_alone_on_top`: the total rounded is the ranking's first key). For mean
  and zscore the incomplete entries' values are sums over the drawn jurors too
  (`_linear_columns`).
"""

from __future__ import annotations

import decimal
import random
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from . import insight, scoring


def agreement(matrix: insight.Totals) -> tuple[insight.Agreement, insight.Agreement]:
    """(ICC(2,k), Kendall's W) of ``juror -> entry -> total`` (`insight.agreement`)."""
    _jurors, _entries, values = complete_block(matrix)
    return _agreement_of(values)


def agreement_columns(cards: CardColumns) -> tuple[insight.Agreement, insight.Agreement]:
    """`agreement` of the cards' raw weighted totals (``insight.totals`` of the same cards),
    without building the ``juror -> entry -> total`` mapping."""
    with_total = ~np.isnan(cards.totals)
    juror_pos, n_j = _sorted_positions(cards.card_juror[with_total], lambda j: j)
    entry_pos, n_e = _sorted_positions(cards.card_entry[with_total], cards.entries.__getitem__)
    has = np.zeros((n_j, n_e), dtype=bool)
    vals = np.zeros((n_j, n_e), dtype=np.float64)
    has[juror_pos, entry_pos] = True
    vals[juror_pos, entry_pos] = cards.totals[with_total]
    keep_j, keep_e = _greedy_block(has)
    return _agreement_of(vals[np.ix_(keep_j, keep_e)].T.copy())


def _sorted_positions(keys: np.ndarray, name: Callable[[int], Hashable]) -> tuple[np.ndarray, int]:
    """Each key's position among the distinct keys sorted as `insight` sorts names (by
    ``insight._key`` of ``name(key)``), and how many distinct keys there are."""
    uniq, inverse = np.unique(keys, return_inverse=True)
    order = sorted(range(len(uniq)), key=lambda i: insight._key(name(int(uniq[i]))))
    rank = np.empty(len(uniq), dtype=np.int64)
    rank[order] = np.arange(len(uniq))
    return rank[inverse.reshape(-1)], len(uniq)


def _agreement_of(values: np.ndarray) -> tuple[insight.Agreement, insight.Agreement]:
    """(ICC(2,k), Kendall's W) of a complete block (rows = entries, columns = jurors)."""
    n, k = values.shape if values.size else (0, 0)

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
    keep_j, keep_e = _greedy_block(has)
    if not keep_j:
        return [], [], np.zeros((0, 0))
    values = vals[np.ix_(keep_j, keep_e)].T.copy()
    return [jurors[j] for j in keep_j], [entries[e] for e in keep_e], values


def _greedy_block(has: np.ndarray) -> tuple[list[int], list[int]]:
    """The jurors (rows) and entries (columns) of `has` that `insight.complete_block`'s
    greedy rule keeps (both empty when nothing is left).

    The rule drops one line at a time: the one missing the largest share, then the one with
    fewer cells scored, an entry before a juror, the later one. While entries are dropped
    the entries' shares stay as they are (the jurors are the same), so the entries the rule
    picks next are known in advance: those with the fewest jurors, latest first. They are
    dropped at once, up to the first that a juror's share would overtake (`_entry_run`); a
    juror is dropped one at a time."""
    n_jurors, n_entries = has.shape
    alive_j = np.ones(n_jurors, dtype=bool)
    alive_e = np.ones(n_entries, dtype=bool)
    scored_j = has.sum(axis=1).astype(np.int64)  # over the entries still in the block
    scored_e = has.sum(axis=0).astype(np.int64)  # over the jurors still in the block
    nj, ne = n_jurors, n_entries
    while nj and ne:
        sj, se = scored_j[alive_j], scored_e[alive_e]
        if bool((sj == ne).all()):
            break
        run = _entry_run(has, alive_j, alive_e, sj, se, nj, ne)
        if len(run):
            alive_e[run] = False
            scored_j -= has[:, run].sum(axis=1)
            ne -= len(run)
            continue
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
    if not nj or not ne:
        return [], []
    return np.flatnonzero(alive_j).tolist(), np.flatnonzero(alive_e).tolist()


def _entry_run(
    has: np.ndarray,
    alive_j: np.ndarray,
    alive_e: np.ndarray,
    sj: np.ndarray,
    se: np.ndarray,
    nj: int,
    ne: int,
) -> np.ndarray:
    """The entries (column indexes) the greedy rule drops next, one after the other, before
    it would drop a juror: the entries scored by the fewest jurors (the largest share
    missing), latest first, as long as before each drop no juror misses a larger share, or
    the same share with fewer cells scored. (The block cannot become complete before the
    last of them: each is missed by some juror.) Empty when a juror goes first."""
    fewest = int(se.min())
    share_e = (nj - fewest) / nj
    candidates = np.flatnonzero(alive_e)[se == fewest][::-1]
    # before dropping the t-th candidate: each juror's scored cells and the entries left
    dropped = np.cumsum(has[np.ix_(alive_j, candidates)], axis=1)
    scored = sj[:, None] - np.concatenate(
        (np.zeros((nj, 1), dtype=np.int64), dropped[:, :-1]), axis=1
    )
    left = ne - np.arange(len(candidates))
    share_j = (left - scored) / left
    overtaken = ((share_j > share_e) | ((share_j == share_e) & (scored < fewest))).any(axis=0)
    blocked = np.flatnonzero(overtaken)
    return candidates[: int(blocked[0])] if len(blocked) else candidates


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


#: a float this close (in cents) to a half cent is recomputed exactly: its exact value could
#: round either way (the floats here are within far less of their exact values)
HALF_CENT_SLACK = 1e-6


def float_cents(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the floats rounded to whole cents half up, as integers; where a float comes within
    `HALF_CENT_SLACK` cent of a half cent, so its exact value could round either way).
    NaN gives 0 and is not doubtful."""
    finite = np.isfinite(values)
    scaled = np.abs(np.where(finite, values, 0.0)) * 100
    whole = np.floor(scaled)
    fraction = scaled - whole
    cents = (whole + (fraction >= 0.5)).astype(np.int64)
    doubtful = finite & (np.abs(fraction - 0.5) < HALF_CENT_SLACK)
    return np.where(values < 0, -cents, cents), doubtful


#: draws totalled at once by `winner_shares_columns` (a block's matrices are draws x entries)
_BLOCK = 100


def draw_counts(jurors: int, draws: int, seed: int) -> np.ndarray:
    """draws x jurors: how often each juror is picked in each draw, the reference's RNG."""
    rng = random.Random(seed)
    picks = range(jurors)
    chosen = np.array([rng.choices(picks, k=jurors) for _ in range(draws)], dtype=np.int64)
    cells = (np.arange(draws)[:, None] * jurors + chosen.reshape(draws, jurors)).ravel()
    return np.bincount(cells, minlength=draws * jurors).reshape(draws, jurors).astype(np.int32)


@dataclass(frozen=True)
class CardColumns:
    """One category's counted scorecards as columns, the jury figures' input without a Python
    object per score (at most one card per entry and juror, in any order).

    ``values`` holds, per card and criterion, what the method combines as a float (the score;
    for zscore the score mapped by the juror's z-score), NaN where the card has none;
    ``totals`` each card's raw weighted total as `insight.totals` gives it (NaN without
    values); ``scorecards(entry)`` one entry's cards as `scoring.Scorecard`s, for the few
    entries the exact (Decimal) ranking needs."""

    entries: Sequence[Hashable]
    card_entry: np.ndarray  # per card: its entry's index in `entries`
    card_juror: np.ndarray  # per card: the juror (an integer key)
    values: np.ndarray  # cards x criteria, float64
    totals: np.ndarray  # per card, float64
    scorecards: Callable[[Hashable], list[scoring.Scorecard]]


def card_columns(
    criteria: Sequence[scoring.Criterion],
    scorecards: Sequence[scoring.Scorecard],
    method: scoring.Method,
    zscore_stats: scoring.JurorStats | None,
) -> tuple[CardColumns, dict[Hashable, int]]:
    """`CardColumns` of plain scorecards, and the integer key given to each juror: numbers of
    equal length, so they sort (as text, as `insight` sorts) in the jurors' own order."""
    crits = tuple(criteria)
    cards = list(scorecards)
    entries = sorted({c.entry for c in cards}, key=insight._key)
    entry_index = {e: i for i, e in enumerate(entries)}
    jurors = sorted({c.juror for c in cards}, key=insight._key)
    base = 10 ** len(str(len(jurors)))
    number = {j: base + i for i, j in enumerate(jurors)}
    mapped = _mapped(crits, cards, zscore_stats) if method == "zscore" else {}
    values = np.full((len(cards), len(crits)), np.nan)
    totals = np.full(len(cards), np.nan)
    matrix = insight.totals(crits, cards)
    for i, card in enumerate(cards):
        for c, criterion in enumerate(crits):
            value = card.scores.get(criterion.key)
            if value is not None:
                shown = mapped[(card.entry, card.juror)][criterion.key] if mapped else value
                values[i, c] = float(shown)  # type: ignore[arg-type]
        if card.entry in matrix.get(card.juror, {}):
            totals[i] = matrix[card.juror][card.entry]
    by_entry: dict[Hashable, list[scoring.Scorecard]] = {}
    for card in cards:
        by_entry.setdefault(card.entry, []).append(
            scoring.Scorecard(card.entry, number[card.juror], card.scores)
        )
    columns = CardColumns(
        entries,
        np.array([entry_index[c.entry] for c in cards], dtype=np.int64),
        np.array([number[c.juror] for c in cards], dtype=np.int64),
        values,
        totals,
        by_entry.__getitem__,
    )
    return columns, number


def _mapped(
    crits: tuple[scoring.Criterion, ...],
    cards: list[scoring.Scorecard],
    stats: scoring.JurorStats | None,
) -> dict[Hashable, dict[str, Decimal | None]]:
    """Every card's scores mapped by `awards.scoring`'s z-scores (each card as an entry)."""
    single = [scoring.Scorecard((c.entry, c.juror), c.juror, c.scores) for c in cards]
    return scoring._aggregate_raw(
        crits, single, method="zscore", zscore_population=cards, zscore_stats=stats
    )


def winner_shares(
    criteria: Sequence[scoring.Criterion],
    scorecards: Sequence[scoring.Scorecard],
    entries: Sequence[Hashable],
    *,
    method: scoring.Method,
    trim: int,
    quorum: int,
    zscore_stats: scoring.JurorStats | None,
    draws: int = insight.DRAWS,
    seed: int = insight.SEED,
) -> insight.WinnerShares:
    """`insight.winner_shares` (same draws, same winners) of plain scorecards, validated as
    the reference validates them, through `winner_shares_columns`; without `zscore_stats`
    the z-scores come from the scorecards themselves (as the reference's default)."""
    cards = list(scorecards)
    listed = list(entries)
    scoring.aggregate(
        criteria, cards, listed, method=method, trim=trim, quorum=quorum,
        zscore_stats=zscore_stats,
    )  # fmt: skip
    if draws < 1:
        raise ValueError("draws must be >= 1")
    stats = zscore_stats
    if method == "zscore" and stats is None:
        stats = scoring.juror_stats(criteria, cards)
    columns, number = card_columns(criteria, cards, method, stats)
    renumbered: scoring.JurorStats | None = None
    if stats is not None:
        renumbered = {(number[j], key): v for (j, key), v in stats.items() if j in number}
    return winner_shares_columns(
        criteria, columns, listed, method=method, trim=trim, quorum=quorum,
        zscore_stats=renumbered, draws=draws, seed=seed,
    )  # fmt: skip


class _Entries:
    """`insight._prepare`'s entries, each built (by the reference's own code) only when a
    draw needs it: the entries with incomplete cards, and those that come near the best."""

    def __init__(self, build: Callable[[int], insight._Entry]) -> None:
        self._build = build
        self._made: dict[int, insight._Entry] = {}

    def __getitem__(self, index: int) -> insight._Entry:
        if index not in self._made:
            self._made[index] = self._build(index)
        return self._made[index]


def winner_shares_columns(
    criteria: Sequence[scoring.Criterion],
    cards: CardColumns,
    entries: Sequence[Hashable],
    *,
    method: scoring.Method,
    trim: int,
    quorum: int,
    zscore_stats: scoring.JurorStats | None,
    draws: int = insight.DRAWS,
    seed: int = insight.SEED,
) -> insight.WinnerShares:
    """`insight.winner_shares` (same draws, same winners) of columns: the draws' totals of
    the complete entries are matrix products of the draws' juror counts with the cards'
    combined values; the per-entry objects of `insight._prepare` are built only for the
    entries the rest of a draw needs. `zscore_stats` (keyed by the cards' juror keys) is
    needed for zscore (ValueError without it)."""
    if draws < 1:
        raise ValueError("draws must be >= 1")
    if method == "zscore" and zscore_stats is None:
        raise ValueError("zscore needs zscore_stats")
    crits = tuple(criteria)
    used = np.unique(cards.card_entry).tolist()
    names = sorted({cards.entries[i] for i in used} | set(entries), key=insight._key)
    juror_keys = sorted(set(cards.card_juror.tolist()), key=insight._key)
    shares = dict.fromkeys(names, 0.0)
    if not juror_keys:
        return insight.WinnerShares(shares, 1.0, draws, 0, seed)
    name_index = {e: i for i, e in enumerate(names)}
    to_name = np.array([name_index.get(e, -1) for e in cards.entries], dtype=np.int64)
    e_of = to_name[cards.card_entry] if len(cards.card_entry) else cards.card_entry
    j_rank = {j: i for i, j in enumerate(juror_keys)}
    j_of = np.array([j_rank[j] for j in cards.card_juror.tolist()], dtype=np.int64)
    fweights = [float(c.weight) for c in crits]
    n_e, n_j, n_c = len(names), len(juror_keys), len(crits)
    present = ~np.isnan(cards.values)
    num = np.zeros(len(e_of))
    den = np.zeros(len(e_of))
    sq = np.zeros(len(e_of))
    for c, w in enumerate(fweights):  # in criterion order, as the reference sums
        f = np.where(present[:, c], cards.values[:, c], 0.0)
        num = num + np.where(present[:, c], w * f, 0.0)
        sq = sq + np.where(present[:, c], w * f * f, 0.0)
        den = den + np.where(present[:, c], w, 0.0)
    n_present = present.sum(axis=1)
    has_value = n_present > 0
    safe = np.where(has_value, den, 1.0)
    card_m = np.zeros((n_e, n_j))
    valued_m = np.zeros((n_e, n_j))
    comb_m = np.zeros((n_e, n_j))
    sq_m = np.zeros((n_e, n_j))
    card_m[e_of, j_of] = 1.0
    valued_m[e_of, j_of] = has_value
    comb_m[e_of, j_of] = np.where(has_value, num / safe, 0.0)
    sq_m[e_of, j_of] = np.where(has_value, sq / safe, 0.0)
    broken = (n_present != 0) & (n_present != n_c)
    complete = np.bincount(e_of[broken], minlength=n_e) == 0
    spread = _spreads(cards.values, present, e_of, n_e, fweights)
    columns = _sorted_columns(cards.values, present, e_of, j_of, n_e)
    linear = None  # mean and zscore of the incomplete entries: sums over the drawn jurors
    if method in ("mean", "zscore"):
        linear = _linear_columns(cards.values, present, e_of, j_of, ~complete, n_j)

    # each juror's z-score factors rest on their own sums only: the category's jurors' will
    # do (scoring would otherwise work out the whole round's for every entry built)
    here = set(juror_keys)
    stats = None
    if zscore_stats is not None:
        stats = {k: v for k, v in zscore_stats.items() if k[0] in here}

    def build(e: int) -> insight._Entry:
        own = cards.scorecards(names[e])
        return insight._prepare(crits, own, [names[e]], juror_keys, method, None, stats)[0]

    prepared = _Entries(build)
    with decimal.localcontext(prec=scoring.PRECISION):
        all_counts = draw_counts(n_j, draws, seed)
        every_card_valued = bool(has_value.all())
        none = 0.0
        for first in range(0, draws, _BLOCK):  # a block of draws at a time: bounded memory
            counts = all_counts[first : first + _BLOCK].astype(np.float64)
            # einsum, not a matrix product: BLAS's threads cost more than these small
            # products on a busy machine
            valued = np.einsum("dj,ej->de", counts, valued_m)
            scored = valued if every_card_valued else np.einsum("dj,ej->de", counts, card_m)
            summed = np.einsum("dj,ej->de", counts, comb_m)
            # the squares bound only the median
            squares = np.einsum("dj,ej->de", counts, sq_m) if method == "median" else valued
            quick = _quick_totals(
                crits, columns, linear, spread, counts, complete, scored, valued, summed,
                squares, method, trim, quorum,
            )  # fmt: skip
            del scored, valued, summed, squares
            valid = ~np.isnan(quick)
            any_valid = valid.any(axis=1)
            ranked = np.where(valid, quick, -np.inf)
            best_of = ranked.argmax(axis=1)
            best = np.where(any_valid, ranked[np.arange(len(ranked)), best_of], 0.0)
            edge = best - insight._MARGIN - 1e-9 * np.abs(best)
            near_m = valid & (quick >= edge[:, None])
            n_near_a = near_m.sum(axis=1)
            alone = _alone_on_top(quick, near_m, n_near_a, best_of)
            del quick, valid, ranked
            # plain lists: most draws have one entry near the top, read in Python
            n_near = n_near_a.tolist()
            first_of = best_of.tolist()
            alone_draw = alone.tolist()
            valid_draw = any_valid.tolist()
            int_counts = all_counts[first : first + _BLOCK].astype(np.int64)
            for d in range(len(counts)):
                if not valid_draw[d]:
                    none += 1
                    continue
                if n_near[d] == 1 or alone_draw[d]:
                    shares[names[first_of[d]]] += 1.0
                    continue
                near = np.flatnonzero(near_m[d]).tolist()
                winners = insight._exact_first(
                    crits,
                    prepared,  # type: ignore[arg-type]  # only indexed, as a list is
                    int_counts[d].tolist(),
                    near,
                    method,
                    trim,
                    quorum,
                )
                if not winners:
                    none += 1
                for i in winners:
                    shares[names[i]] += 1 / len(winners)
    return insight.WinnerShares(
        {e: s / draws for e, s in shares.items()}, none / draws, draws, n_j, seed
    )


def _alone_on_top(
    quick: np.ndarray, near: np.ndarray, n_near: np.ndarray, best_of: np.ndarray
) -> np.ndarray:
    """Per draw, whether its best entry (`best_of`) is first without the exact ranking: of
    the entries near the top, it alone has the top total rounded to cents (the ranking's
    first key), and none of their floats lies on a half cent. Read only for the draws with
    more than one entry near the top."""
    alone = np.zeros(len(quick), dtype=bool)
    several = np.flatnonzero(n_near > 1)
    if not len(several):
        return alone
    rows, cols = np.nonzero(near[several])
    cents, doubtful = float_cents(quick[several[rows], cols])
    top, _ = float_cents(quick[several, best_of[several]])
    at_top = np.bincount(rows, weights=cents == top[rows], minlength=len(several))
    # the best is one of the near entries: its own half cent counts among theirs
    unsure = np.bincount(rows, weights=doubtful, minlength=len(several)) > 0
    alone[several] = (at_top == 1) & ~unsure
    return alone


def _spreads(
    values: np.ndarray, present: np.ndarray, e_of: np.ndarray, n_e: int, fweights: list[float]
) -> np.ndarray:
    """Per entry `insight._Entry.spread`: the weighted mean over the criteria of each one's
    range of values (0 for a criterion without values)."""
    total = np.zeros(n_e)
    for c, w in enumerate(fweights):
        rows = present[:, c]
        high = np.full(n_e, -np.inf)
        low = np.full(n_e, np.inf)
        np.maximum.at(high, e_of[rows], values[rows, c])
        np.minimum.at(low, e_of[rows], values[rows, c])
        total = total + np.where(high >= low, w * (high - low), 0.0)
    return total / sum(fweights)


@dataclass(frozen=True)
class _Sorted:
    """Per criterion and entry, the values ascending (`insight._Entry.by_value`), padded to
    the most cards an entry has: criteria x entries x slots; `mask` marks the real slots.
    The ``entry_*`` arrays hold the same entries x criteria x slots (one entry's together)."""

    values: np.ndarray  # float64
    jurors: np.ndarray  # int64, the juror's index
    mask: np.ndarray  # bool
    entry_values: np.ndarray
    entry_jurors: np.ndarray
    entry_mask: np.ndarray


def _sorted_columns(
    values: np.ndarray, present: np.ndarray, e_of: np.ndarray, j_of: np.ndarray, n_e: int
) -> _Sorted:
    n_c = values.shape[1]
    slots = max(1, int(np.bincount(e_of, minlength=1).max())) if len(e_of) else 1
    vals = np.zeros((n_c, n_e, slots))
    jurors = np.zeros((n_c, n_e, slots), dtype=np.int64)
    mask = np.zeros((n_c, n_e, slots), dtype=bool)
    for c in range(n_c):
        rows = np.flatnonzero(present[:, c])
        rows = rows[np.lexsort((j_of[rows], values[rows, c], e_of[rows]))]
        entry = e_of[rows]
        slot = np.arange(len(rows)) - np.searchsorted(entry, entry)
        vals[c, entry, slot] = values[rows, c]
        jurors[c, entry, slot] = j_of[rows]
        mask[c, entry, slot] = True
    return _Sorted(
        vals, jurors, mask,
        np.ascontiguousarray(vals.transpose(1, 0, 2)),
        np.ascontiguousarray(jurors.transpose(1, 0, 2)),
        np.ascontiguousarray(mask.transpose(1, 0, 2)),
    )  # fmt: skip


def _linear_columns(
    values: np.ndarray,
    present: np.ndarray,
    e_of: np.ndarray,
    j_of: np.ndarray,
    entries: np.ndarray,
    n_j: int,
) -> tuple[np.ndarray, np.ndarray]:
    """(values, present), each criteria x entries x jurors (float64, 0 where none), of the
    entries marked in `entries`, in index order: a draw's mean of each of their criteria is
    its juror counts times the values over its counts times the present ones."""
    position = np.cumsum(entries) - 1
    rows = np.flatnonzero(entries[e_of])
    shape = (values.shape[1], int(entries.sum()), n_j)
    sums, counted = np.zeros(shape), np.zeros(shape)
    at = position[e_of[rows]], j_of[rows]
    for c in range(values.shape[1]):
        here = present[rows, c]
        sums[c][at] = np.where(here, values[rows, c], 0.0)
        counted[c][at] = here
    return sums, counted


#: entries whose median/trimmed totals are computed at once (a block's arrays are draws x
#: entries x slots)
_ENTRY_BLOCK = 128


def _batch_quick(
    method: scoring.Method, trim: int, columns: _Sorted, entries: np.ndarray, counts: np.ndarray
) -> np.ndarray:
    """draws x entries x criteria: `insight._quick` of each of `entries` (indexes) in every
    draw at once (NaN where no drawn juror gave a value)."""
    n_c = columns.values.shape[0]
    out = np.full((len(counts), len(entries), n_c), np.nan)
    counts = counts.astype(np.int32)  # whole numbers: the cumulative counts are exact
    for first in range(0, len(entries), _ENTRY_BLOCK):
        part = entries[first : first + _ENTRY_BLOCK]
        for c in range(n_c):
            out[:, first : first + len(part), c] = _quick_block(
                method, trim, columns.values[c, part], columns.jurors[c, part],
                columns.mask[c, part], counts,
            )  # fmt: skip
    return out


def _quick_block(
    method: scoring.Method,
    trim: int,
    vals: np.ndarray,
    jurors: np.ndarray,
    mask: np.ndarray,
    counts: np.ndarray,
) -> np.ndarray:
    """draws x entries: `insight._quick` of one criterion (values ascending per entry,
    padded slots counted 0 times)."""
    c = counts[:, jurors] * mask  # draws x entries x slots
    return _quick_slots(method, trim, np.broadcast_to(vals, c.shape), c)


#: (draw, entry) pairs whose median/trimmed totals are computed at once (bounded memory)
_PAIR_BLOCK = 1024


def _pair_quick(
    method: scoring.Method,
    trim: int,
    columns: _Sorted,
    draws: np.ndarray,
    entries: np.ndarray,
    counts: np.ndarray,
) -> np.ndarray:
    """pairs x criteria: `insight._quick` of entry ``entries[p]`` in draw ``draws[p]``, for
    each pair ``p`` (NaN where no drawn juror gave a value): only the pairs a draw needs."""
    n_j = counts.shape[1]
    flat = counts.astype(np.int32).ravel()
    out = np.empty((len(draws), columns.entry_values.shape[1]))
    for first in range(0, len(draws), _PAIR_BLOCK):
        d, e = draws[first : first + _PAIR_BLOCK], entries[first : first + _PAIR_BLOCK]
        jurors = columns.entry_jurors[e]  # pairs x criteria x slots
        slots = flat[d[:, None, None] * n_j + jurors] * columns.entry_mask[e]
        out[first : first + len(d)] = _quick_slots(method, trim, columns.entry_values[e], slots)
    return out


def _quick_slots(method: scoring.Method, trim: int, vals: np.ndarray, c: np.ndarray) -> np.ndarray:
    """`insight._quick` along the last axis: `vals` the values ascending, `c` how often each
    is drawn (the same shape; padded slots 0 times)."""
    cum = np.cumsum(c, axis=-1, dtype=np.int32)
    n = cum[..., -1]

    def at(array: np.ndarray, index: np.ndarray) -> np.ndarray:
        return np.take_along_axis(array, index[..., None], axis=-1)[..., 0]

    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "median":
            i1 = (cum > ((n - 1) // 2)[..., None]).argmax(axis=-1)
            i2 = (cum > (n // 2)[..., None]).argmax(axis=-1)
            out = (at(vals, i1) + at(vals, i2)) / 2
        else:
            weighted = np.cumsum(c * vals, axis=-1)
            total = weighted[..., -1]
            out = total / n
            if method == "trimmed":
                cut = np.where(n > 2 * trim, trim, (n - 1) // 2)
                cutting = cut > 0
                lo = (cum > (cut - 1)[..., None]).argmax(axis=-1)
                before_lo = np.maximum(lo - 1, 0)
                below = np.where(lo > 0, at(weighted, before_lo), 0.0)
                before = np.where(lo > 0, at(cum, before_lo), 0)
                low = below + (cut - before) * at(vals, lo)
                hi = (cum > (n - cut)[..., None]).argmax(axis=-1)
                high = (at(cum, hi) - (n - cut)) * at(vals, hi) + (total - at(weighted, hi))
                trimmed = (total - low - high) / np.maximum(n - 2 * cut, 1)
                out = np.where(cutting, trimmed, out)
    return np.where(n > 0, out, np.nan)


def _quick_totals(
    crits: tuple[scoring.Criterion, ...],
    columns: _Sorted,
    linear: tuple[np.ndarray, np.ndarray] | None,
    spread: np.ndarray,
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
    partial = np.flatnonzero(~complete)
    if len(partial):
        if linear is not None:
            with np.errstate(invalid="ignore", divide="ignore"):
                drawn_sum = np.einsum("dj,cej->dec", counts, linear[0])
                drawn_n = np.einsum("dj,cej->dec", counts, linear[1])
                per = np.where(drawn_n > 0, drawn_sum / drawn_n, np.nan)
        else:
            per = _batch_quick(method, trim, columns, partial, counts)
        present = ~np.isnan(per)
        weighted = np.where(present, per, 0.0) * fweights
        den = (present * fweights).sum(axis=2)
        good = (scored[:, partial] >= quorum) & (den > 0)
        out[:, partial] = np.where(good, weighted.sum(axis=2) / np.where(den > 0, den, 1.0), np.nan)
    if method in ("mean", "zscore"):
        return out
    # median/trimmed of the complete entries: only those whose bound around their mean total
    # reaches the best's lower bound in some draw (the bounds of `insight._draw_winners`)
    safe = np.where(valued > 0, valued, 1.0)
    if method == "median":
        pooled = np.sqrt(np.maximum(squares / safe - np.nan_to_num(means) ** 2, 0.0))
        bound = np.minimum(spread[None, :] / 2, pooled) + 1e-9
    else:
        cut = np.where(valued > 2 * trim, trim, np.floor((valued - 1) / 2))
        bound = spread[None, :] * cut / safe
    lower = np.where(ok, means - bound, -np.inf)
    upper = np.where(ok, means + bound, -np.inf)
    total_w = fweights.sum()

    def compute(draws: np.ndarray, entries: np.ndarray) -> None:
        per = _pair_quick(method, trim, columns, draws, entries, counts)
        weighted = np.where(np.isnan(per), 0.0, per) * fweights
        out[draws, entries] = np.where(ok[draws, entries], weighted.sum(axis=1) / total_w, np.nan)

    # first the entry with the best mean of each draw, whose total raises the floor as the
    # reference's first computed totals do, so fewer entries remain that can reach it; then
    # in each draw the entries that can still reach it (only those (draw, entry) pairs)
    drawn = np.flatnonzero(ok.any(axis=1))
    top = np.argmax(np.where(ok, means, -np.inf), axis=1)[drawn]
    if len(drawn):
        compute(drawn, top)
    floor = np.maximum(lower.max(axis=1), np.where(np.isnan(out), -np.inf, out).max(axis=1))
    finite = np.where(np.isfinite(floor), floor, 0.0)
    reach = floor - insight._MARGIN - 1e-9 * np.abs(finite)
    needed = ok & (upper >= reach[:, None])
    needed[drawn, top] = False  # computed already
    pairs = np.nonzero(needed)
    if len(pairs[0]):
        compute(*pairs)
    return out
