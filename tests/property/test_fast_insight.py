"""`awards.fast_insight` equals `awards.insight` on generated categories: the same win shares
(the same seeded draws, the same winner of every draw, exactly) and the same agreement block
and statistics (ICC(2,k) and Kendall's W within 1e-9 relative), under every method, with
ties, quorum misses, empty values, missing cells and unequal weights."""

from __future__ import annotations

import itertools
import math
from decimal import Decimal
from unittest import mock

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from awards import fast_insight, insight, scoring

QUICK = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def categories(draw):
    n_crit = draw(st.integers(1, 3))
    crits = tuple(
        scoring.Criterion(
            f"c{i}",
            Decimal(draw(st.sampled_from(["1", "2", "0.5", "3"]))),
            Decimal(1),
            Decimal(10),
            Decimal("0.5"),
        )
        for i in range(n_crit)
    )
    n_entries = draw(st.integers(1, 6))
    n_jurors = draw(st.integers(1, 6))
    # few distinct values so ties are common
    value = st.one_of(st.none(), st.sampled_from([Decimal(x) / 2 for x in range(2, 21, 3)]))
    cards = []
    for e in range(n_entries):
        for j in range(n_jurors):
            if draw(st.integers(0, 4)) == 0:
                continue  # this juror did not score this entry
            scores = {}
            for c in crits:
                v = draw(value)
                if v is not None or draw(st.booleans()):
                    scores[c.key] = v
            cards.append(scoring.Scorecard(f"E{e}", f"J{j}", scores))
    entries = [f"E{e}" for e in range(n_entries)]
    return crits, cards, entries


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


@QUICK
@given(
    case=categories(),
    method=st.sampled_from(scoring.METHODS),
    trim=st.integers(0, 2),
    quorum=st.integers(1, 4),
    seed=st.integers(0, 2**31),
)
def test_the_columnar_win_shares_equal_the_reference(case, method, trim, quorum, seed):
    crits, cards, entries = case
    try:
        reference = insight.winner_shares(
            crits, cards, entries, method=method, trim=trim, quorum=quorum, draws=40, seed=seed
        )
    except scoring.ScoringError:
        return
    fast = fast_insight.winner_shares(
        crits, cards, entries, method=method, trim=trim, quorum=quorum, zscore_stats=None,
        draws=40, seed=seed,
    )  # fmt: skip
    assert fast == reference


def test_the_draws_are_the_references_draws():
    crits = (scoring.Criterion("c0", Decimal(1), Decimal(1), Decimal(10), Decimal("0.5")),)
    cards = [
        scoring.Scorecard(f"E{e}", f"J{j}", {"c0": Decimal(1 + (e * 7 + j * 3) % 10)})
        for e in range(5)
        for j in range(7)
    ]
    for method, pair_block in itertools.product(scoring.METHODS, (1024, 3)):
        ref = insight.winner_shares(crits, cards, method=method, trim=1)
        # the (draw, entry) pairs of the median/trimmed totals a few at a time, or at once
        with mock.patch.object(fast_insight, "_PAIR_BLOCK", pair_block):
            fast = fast_insight.winner_shares(
                crits, cards, [f"E{e}" for e in range(5)], method=method, trim=1, quorum=1,
                zscore_stats=None,
            )  # fmt: skip
        assert fast == ref
        assert 0 < max(ref.shares.values()) < 1  # not a unanimous case


@QUICK
@given(case=categories())
def test_the_columnar_agreement_equals_the_reference(case):
    crits, cards, _entries = case
    matrix = insight.totals(crits, cards)
    icc, kendall, block = insight.agreement(matrix)
    jurors, entries, values = fast_insight.complete_block(matrix)
    assert (tuple(jurors), tuple(entries)) == (block.jurors, block.entries)
    assert values.tolist() == [list(row) for row in block.values]
    f_icc, f_kendall = fast_insight.agreement(matrix)
    for a, b in ((f_icc, icc), (f_kendall, kendall)):
        assert (a.jurors, a.entries, a.reason) == (b.jurors, b.entries, b.reason)
        assert _close(a.value, b.value), (a, b)


@QUICK
@given(case=categories())
def test_the_agreement_from_columns_equals_the_reference(case):
    crits, cards, _entries = case
    icc, kendall, _block = insight.agreement(insight.totals(crits, cards))
    columns, _numbers = fast_insight.card_columns(crits, cards, "mean", None)
    f_icc, f_kendall = fast_insight.agreement_columns(columns)
    for a, b in ((f_icc, icc), (f_kendall, kendall)):
        assert (a.jurors, a.entries, a.reason) == (b.jurors, b.entries, b.reason)
        assert _close(a.value, b.value), (a, b)


@QUICK
@given(
    case=categories(),
    method=st.sampled_from(scoring.METHODS),
    trim=st.integers(0, 2),
    quorum=st.integers(1, 4),
    seed=st.integers(0, 2**31),
)
def test_the_win_shares_from_columns_equal_the_reference_over_a_wider_population(
    case, method, trim, quorum, seed
):
    """The z-scores come from a population beyond the category (the whole round), as the
    export passes them; the columns' jurors are integer keys, as the database's are."""
    crits, cards, entries = case
    jurors = sorted({c.juror for c in cards})
    # the same jurors scoring other entries of the round, each juror's cards passed on
    others = [
        scoring.Scorecard(f"X{c.entry}", jurors[(jurors.index(c.juror) + 1) % len(jurors)],
                          c.scores)
        for c in cards
    ]  # fmt: skip
    stats = scoring.juror_stats(crits, cards + others)
    try:
        reference = insight.winner_shares(
            crits, cards, entries, method=method, trim=trim, quorum=quorum,
            zscore_stats=stats, draws=40, seed=seed,
        )  # fmt: skip
    except scoring.ScoringError:
        return
    columns, numbers = fast_insight.card_columns(crits, cards, method, stats)
    fast = fast_insight.winner_shares_columns(
        crits, columns, entries, method=method, trim=trim, quorum=quorum,
        zscore_stats={(numbers[j], k): v for (j, k), v in stats.items() if j in numbers},
        draws=40, seed=seed,
    )  # fmt: skip
    assert fast == reference


@st.composite
def panels(draw):
    """A juror -> entry -> total matrix shaped like a jury panel: more entries than jurors,
    each juror missing a few (so the greedy rule drops runs of entries between jurors)."""
    n_jurors = draw(st.integers(2, 8))
    n_entries = draw(st.integers(3, 40))
    missing = draw(st.sampled_from([0.02, 0.1, 0.25, 0.5]))
    rng = draw(st.randoms(use_true_random=False))
    return {
        f"J{j}": {f"E{e:02d}": Decimal(rng.randint(2, 20)) / 2
                  for e in range(n_entries) if rng.random() >= missing}
        for j in range(n_jurors)
    }  # fmt: skip


@QUICK
@given(matrix=panels())
def test_the_block_of_a_panel_equals_the_reference(matrix):
    block = insight.complete_block(matrix)
    jurors, entries, values = fast_insight.complete_block(matrix)
    assert (tuple(jurors), tuple(entries)) == (block.jurors, block.entries)
    assert values.tolist() == [list(row) for row in block.values]


def test_a_draw_whose_best_alone_has_the_top_cents_needs_no_exact_ranking():
    """`_alone_on_top`: near the top are the best and another entry; the best is first on
    its own when its total rounds to more cents, not when they round alike or a float lies
    on a half cent (then the exact ranking decides)."""
    quick = np.array([
        [8.004, 7.996, 5.0],  # 8.00 against 8.00: alike
        [8.006, 7.999, 5.0],  # 8.01 against 8.00: the best alone
        [8.005, 7.999, 5.0],  # 8.005 on a half cent: doubtful
        [8.0, 6.0, 5.0],  # one near the top: not read
    ])  # fmt: skip
    near = quick >= quick.max(axis=1, keepdims=True) - insight._MARGIN
    alone = fast_insight._alone_on_top(quick, near, near.sum(axis=1), quick.argmax(axis=1))
    assert alone.tolist() == [False, True, False, False]


def test_the_exact_ranking_is_asked_only_for_draws_tied_in_cents():
    """The win shares stay the reference's while `insight._exact_first` is asked only for
    the draws whose near entries round alike (here, none: the entries' totals lie apart by
    a little less than the margin but in different cents)."""
    crits = (scoring.Criterion("c0", Decimal(1), Decimal(1), Decimal(10), Decimal("0.01")),)
    cards = [
        scoring.Scorecard(f"E{e}", f"J{j}", {"c0": Decimal(5) + Decimal(e) / 100})
        for e in range(3)
        for j in range(4)
    ]
    ref = insight.winner_shares(crits, cards, method="mean", trim=0)
    with mock.patch.object(insight, "_exact_first", wraps=insight._exact_first) as exact:
        fast = fast_insight.winner_shares(
            crits, cards, ["E0", "E1", "E2"], method="mean", trim=0, quorum=1,
            zscore_stats=None,
        )  # fmt: skip
    assert fast == ref
    assert ref.shares["E2"] == 1.0
    assert exact.call_count == 0
