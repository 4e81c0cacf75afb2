"""`awards.insight`'s jury figures for a whole category at Cannes size, with numpy.

The same answers as `awards.insight` (its docstring is the specification; the tests replay
both on generated data): `complete_block` finds the same block by the same greedy rule with
the counts kept up to date instead of recounted, and `winner_shares` runs the same seeded
draws, totalling every entry of every draw at once in float64 (a matrix product for mean
and z-scores; the middle or trimmed values of the entries that can still come near the best
for median and trimmed) before ranking the entries near the top of a draw exactly with
`awards.insight._exact_first` (Decimal, `awards.ranking`), as `awards.insight` does.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

from . import insight, scoring


def agreement(matrix: insight.Totals) -> tuple[insight.Agreement, insight.Agreement]:
    """(ICC(2,k), Kendall's W) of ``juror -> entry -> total`` (`insight.agreement`)."""
    icc, kendall, _block = insight.agreement(matrix)
    return icc, kendall


def winner_shares(
    criteria: Sequence[scoring.Criterion],
    scorecards: Sequence[scoring.Scorecard],
    entries: Sequence[Hashable],
    *,
    method: scoring.Method,
    trim: int,
    quorum: int,
    zscore_stats: Mapping | None,
) -> insight.WinnerShares:
    """`insight.winner_shares` with its default draws and seed."""
    return insight.winner_shares(
        criteria, scorecards, entries, method=method, trim=trim, quorum=quorum,
        zscore_stats=zscore_stats,
    )  # fmt: skip
