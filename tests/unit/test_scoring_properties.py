"""Property-based checks of awards.scoring (hypothesis)."""

from __future__ import annotations

import random
from collections.abc import Hashable
from decimal import Decimal
from itertools import pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from awards.scoring import (
    METHODS,
    Criterion,
    Scorecard,
    _aggregate_raw,
    aggregate,
    aggregate_all,
    juror_stats,
)

SETTINGS = settings(
    max_examples=100,
    deadline=None,
    database=None,  # leave no .hypothesis/ directory in the tree
    suppress_health_check=[HealthCheck.too_slow],
)

CRITERIA = (
    Criterion("impact", Decimal(3), Decimal(1), Decimal(10), Decimal("0.5")),
    Criterion("craft", Decimal(2), Decimal(1), Decimal(10), Decimal("0.5")),
    Criterion("story", Decimal(2), Decimal(0), Decimal(5), Decimal(1)),
)
ENTRIES: tuple[Hashable, ...] = (1, 2, 3, 10, "a", "b")
JURORS = ("j1", "j2", "j3", "j4", "j5")
TOLERANCE = Decimal("1e-9")


def _grid_value(criterion: Criterion) -> st.SearchStrategy[Decimal]:
    steps = int((criterion.max - criterion.min) / criterion.step)
    return st.integers(0, steps).map(lambda n: criterion.min + n * criterion.step)


# built once: constructing strategies inside the composite dominates the run time
GRID = {c.key: _grid_value(c) for c in CRITERIA}
PRESENT = st.booleans()
MISSING = st.integers(0, 9)


@st.composite
def scorecards(draw: st.DrawFn) -> list[Scorecard]:
    """Up to 6 entries × 5 jurors; each pair present or not, each criterion present or not."""
    cards = []
    for entry in ENTRIES:
        for juror in JURORS:
            if draw(PRESENT):
                scores = {
                    c.key: draw(GRID[c.key])
                    for c in CRITERIA
                    if draw(MISSING) > 0  # about one score in ten missing
                }
                cards.append(Scorecard(entry, juror, scores))
    return cards


def _values(cards: list[Scorecard], entry: Hashable, key: str) -> list[Decimal]:
    return [c.scores[key] for c in cards if c.entry == entry and key in c.scores]


@SETTINGS
@given(cards=scorecards(), seed=st.integers(), quorum=st.integers(1, 4), trim=st.integers(0, 3))
def test_order_of_scorecards_and_entries_does_not_matter(
    cards: list[Scorecard], seed: int, quorum: int, trim: int
):
    rng = random.Random(seed)
    shuffled, entries = cards[:], list(ENTRIES)
    rng.shuffle(shuffled)
    rng.shuffle(entries)
    expected = aggregate_all(CRITERIA, cards, ENTRIES, trim=trim, quorum=quorum)
    assert aggregate_all(CRITERIA, shuffled, entries, trim=trim, quorum=quorum) == expected


@SETTINGS
@given(cards=scorecards(), quorum=st.integers(1, 4))
def test_ranks_are_one_to_n_and_tie_breaks_only_on_equal_totals(
    cards: list[Scorecard], quorum: int
):
    for results in aggregate_all(CRITERIA, cards, ENTRIES, quorum=quorum).values():
        ranked = [r for r in results if r.rank is not None]
        assert [r.rank for r in ranked] == list(range(1, len(ranked) + 1))
        assert all(r.rank is None for r in results[len(ranked) :])
        assert all(r.sufficient == (r.scorecards >= quorum) for r in results)
        for above, below in pairwise(ranked):
            assert above.total >= below.total
            assert (below.tie_break is not None) == (above.total == below.total)


@SETTINGS
@given(
    cards=scorecards(),
    juror=st.sampled_from(JURORS),
    a=st.integers(1, 7) | st.sampled_from([Decimal("0.5"), Decimal("2.5")]),
    b=st.integers(-20, 20),
)
def test_zscore_ignores_one_jurors_affine_rescaling(
    cards: list[Scorecard], juror: str, a: int | Decimal, b: int
):
    rescaled = [
        Scorecard(c.entry, c.juror, {k: a * v + b for k, v in c.scores.items()})
        if c.juror == juror
        else c
        for c in cards
    ]
    before = _aggregate_raw(CRITERIA, cards, ENTRIES, method="zscore")
    after = _aggregate_raw(CRITERIA, rescaled, ENTRIES, method="zscore")
    for entry, criteria in before.items():
        for key, value in criteria.items():
            if value is None:
                assert after[entry][key] is None
            else:
                assert abs(after[entry][key] - value) <= TOLERANCE


@SETTINGS
@given(cards=scorecards(), trim=st.integers(0, 3))
def test_aggregates_lie_between_the_lowest_and_highest_value(cards: list[Scorecard], trim: int):
    for method in ("mean", "median", "trimmed"):
        raw = _aggregate_raw(CRITERIA, cards, ENTRIES, method=method, trim=trim)
        for entry in ENTRIES:
            for c in CRITERIA:
                values = _values(cards, entry, c.key)
                if not values:
                    assert raw[entry][c.key] is None
                else:
                    assert min(values) <= raw[entry][c.key] <= max(values)


@SETTINGS
@given(cards=scorecards())
def test_zscore_aggregates_stay_on_the_criterion_scale(cards: list[Scorecard]):
    raw = _aggregate_raw(CRITERIA, cards, ENTRIES, method="zscore")
    for entry in ENTRIES:
        for c in CRITERIA:
            value = raw[entry][c.key]
            assert (value is None) == (not _values(cards, entry, c.key))
            assert value is None or c.min <= value <= c.max


@SETTINGS
@given(cards=scorecards(), trim=st.integers(0, 3))
def test_totals_lie_between_the_lowest_and_highest_aggregate(cards: list[Scorecard], trim: int):
    for method, results in aggregate_all(CRITERIA, cards, ENTRIES, trim=trim).items():
        assert method in METHODS
        for r in results:
            present = [v for v in r.criteria.values() if v is not None]
            assert (r.total is None) == (not present)
            if present:
                # the total is a weighted mean of the (unrounded) aggregates; rounding of the
                # aggregates and of the total moves each by at most 0.005
                assert min(present) - Decimal("0.01") <= r.total <= max(present) + Decimal("0.01")


@SETTINGS
@given(cards=scorecards(), population=scorecards(), quorum=st.integers(1, 4))
def test_a_summed_population_gives_the_zscores_of_the_population(
    cards: list[Scorecard], population: list[Scorecard], quorum: int
):
    """`zscore_stats=juror_stats(criteria, population)` (what the database sums up) is the
    same z-score population as `zscore_population=population`, to the last digit."""
    others = [Scorecard(("other", c.entry), c.juror, c.scores) for c in population]
    whole = cards + others  # the category's cards are part of the programme's population
    by_population = aggregate(
        CRITERIA, cards, ENTRIES, method="zscore", quorum=quorum, zscore_population=whole
    )
    by_sums = aggregate(
        CRITERIA,
        cards,
        ENTRIES,
        method="zscore",
        quorum=quorum,
        zscore_stats=juror_stats(CRITERIA, whole),
    )
    assert by_sums == by_population
    every = aggregate_all(
        CRITERIA, cards, ENTRIES, quorum=quorum, zscore_stats=juror_stats(CRITERIA, whole)
    )
    assert every["zscore"] == by_population  # the cards grouped once for every method
    assert every["mean"] == aggregate(CRITERIA, cards, ENTRIES, method="mean", quorum=quorum)
    raw = _aggregate_raw(CRITERIA, cards, ENTRIES, method="zscore", zscore_population=whole)
    summed = juror_stats(CRITERIA, whole)
    assert _aggregate_raw(CRITERIA, cards, ENTRIES, method="zscore", zscore_stats=summed) == raw


def test_juror_stats_are_exact_sums_per_juror_and_criterion():
    cards = [
        Scorecard(1, "j1", {"impact": Decimal("7.5"), "craft": Decimal(3)}),
        Scorecard(2, "j1", {"impact": Decimal("8.5"), "craft": None}),
        Scorecard(1, "j2", {"story": Decimal(4)}),
    ]
    assert juror_stats(CRITERIA, cards) == {
        ("j1", "impact"): (Decimal(2), Decimal(16), Decimal("128.5")),
        ("j1", "craft"): (Decimal(1), Decimal(3), Decimal(9)),
        ("j2", "story"): (Decimal(1), Decimal(4), Decimal(16)),
    }
