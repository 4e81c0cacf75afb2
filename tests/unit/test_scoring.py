"""Hand-computed cases for awards.scoring (every expected value is worked out in a comment)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from decimal import Decimal, localcontext

import pytest

from awards.scoring import (
    METHODS,
    Criterion,
    EntryResult,
    Scorecard,
    ScoringError,
    _aggregate_raw,
    aggregate,
    aggregate_all,
    validate_score,
)


def D(value: str | int) -> Decimal:
    return Decimal(str(value))


def crit(key: str = "q", weight: str | int = 1, lo: str = "0", hi: str = "10", step: str = "0.5"):
    return Criterion(key, D(weight), D(lo), D(hi), D(step))


def card(entry: Hashable, juror: Hashable, **scores: str | None) -> Scorecard:
    return Scorecard(entry, juror, {k: None if v is None else D(v) for k, v in scores.items()})


def one(results: list[EntryResult], entry: Hashable) -> EntryResult:
    (found,) = [r for r in results if r.entry == entry]
    return found


def by_entry(results: list[EntryResult]) -> Mapping[Hashable, EntryResult]:
    return {r.entry: r for r in results}


# --- per-criterion methods -------------------------------------------------------------------


def test_mean_of_three_jurors():
    cards = [card("A", 1, q="7"), card("A", 2, q="8"), card("A", 3, q="9.5")]
    (r,) = aggregate([crit()], cards)
    # (7 + 8 + 9.5) / 3 = 24.5 / 3 = 8.1666... -> 8.17
    assert r.criteria == {"q": D("8.17")}
    assert r.total == D("8.17")
    assert (r.rank, r.scorecards, r.sufficient, r.tie_break) == (1, 3, True, None)


def test_median_odd_count_is_the_middle_value():
    cards = [card("A", j, q=v) for j, v in enumerate(["3", "9", "4"])]
    # sorted 3, 4, 9 -> 4
    assert aggregate([crit()], cards, method="median")[0].total == D("4.00")


def test_median_even_count_is_the_mean_of_the_two_middle_values():
    cards = [card("A", j, q=v) for j, v in enumerate(["3", "9", "4", "6.5"])]
    # sorted 3, 4, 6.5, 9 -> (4 + 6.5) / 2 = 5.25
    assert aggregate([crit()], cards, method="median")[0].total == D("5.25")


def test_trimmed_drops_one_highest_and_one_lowest_of_five():
    cards = [card("A", j, q=v) for j, v in enumerate(["1", "2", "6", "7", "10"])]
    # drop 1 and 10 -> (2 + 6 + 7) / 3 = 5; the plain mean would be 26 / 5 = 5.2
    assert aggregate([crit()], cards, method="trimmed", trim=1)[0].total == D("5.00")
    assert aggregate([crit()], cards, method="mean")[0].total == D("5.20")


def test_trimmed_with_two_values_reduces_to_the_plain_mean():
    cards = [card("A", 1, q="2"), card("A", 2, q="9")]
    # n = 2 <= 2 * 1, trim reduced to (2 - 1) // 2 = 0 -> (2 + 9) / 2 = 5.5
    assert aggregate([crit()], cards, method="trimmed", trim=1)[0].total == D("5.50")


def test_trimmed_reduces_a_too_large_trim():
    cards = [card("A", j, q=v) for j, v in enumerate(["1", "2", "6", "10"])]
    # trim 2 with n = 4: reduced to (4 - 1) // 2 = 1 -> drop 1 and 10 -> (2 + 6) / 2 = 4
    assert aggregate([crit()], cards, method="trimmed", trim=2)[0].total == D("4.00")
    # trim 0 is the plain mean: 19 / 4 = 4.75
    assert aggregate([crit()], cards, method="trimmed", trim=0)[0].total == D("4.75")


# Juror raw scores on a 0..12 criterion (mid 6, (max - min) / 6 = 2, so value = 6 + 2 z):
#            E1  E2  E3   mean  population sd
#   J1        2   4   6     4   sqrt(8/3)          z = -1.2247, 0, +1.2247
#   J2        5   5   5     5   0                  z = 0, 0, 0 (sd == 0)
#   J3        9   3   6     6   sqrt(18/3) = √6    z = +1.2247, -1.2247, 0
# with 1.2247 = sqrt(3/2) = 1.224744871..., 2 * 1.2247 = 2.449489743
ZCRIT = crit("q", lo="0", hi="12", step="1")
ZCARDS = [
    card(entry, juror, q=value)
    for juror, values in (("J1", "2 4 6"), ("J2", "5 5 5"), ("J3", "9 3 6"))
    for entry, value in zip(("E1", "E2", "E3"), values.split(), strict=True)
]


def test_zscore_three_jurors_three_entries():
    results = by_entry(aggregate([ZCRIT], ZCARDS, method="zscore"))
    # E1: (6 - 2.449489743 + 6 + 6 + 2.449489743) / 3 = 18 / 3 = 6
    assert results["E1"].total == D("6.00")
    # E2: (6 + 6 + 6 - 2.449489743) / 3 = 15.550510257 / 3 = 5.18350... -> 5.18
    assert results["E2"].total == D("5.18")
    # E3: (6 + 2.449489743 + 6 + 6) / 3 = 20.449489743 / 3 = 6.81649... -> 6.82
    assert results["E3"].total == D("6.82")
    assert [r.entry for r in aggregate([ZCRIT], ZCARDS, method="zscore")] == ["E3", "E1", "E2"]
    # the raw means rank differently: E1 16/3 = 5.33, E2 12/3 = 4.00, E3 17/3 = 5.67
    mean = by_entry(aggregate([ZCRIT], ZCARDS))
    assert [mean[e].total for e in ("E1", "E2", "E3")] == [D("5.33"), D("4.00"), D("5.67")]


def test_zscore_raw_values_match_the_closed_form():
    raw = _aggregate_raw([ZCRIT], ZCARDS, method="zscore")
    with localcontext(prec=60):
        root = (D(3) / 2).sqrt()  # |z| = sqrt(3/2) for the non-zero z above
        assert abs(raw["E1"]["q"] - 6) < D("1e-45")
        assert abs(raw["E2"]["q"] - (18 - 2 * root) / 3) < D("1e-45")
        assert abs(raw["E3"]["q"] - (18 + 2 * root) / 3) < D("1e-45")


def test_zscore_population_defaults_to_the_scorecards_given():
    only_e2 = [c for c in ZCARDS if c.entry == "E2"]
    # alone, every juror scored a single entry -> z = 0 -> the mid-point 6
    assert aggregate([ZCRIT], only_e2, method="zscore")[0].total == D("6.00")
    # standardised against the whole programme, E2 gets its 5.18 from above
    (r,) = aggregate([ZCRIT], only_e2, method="zscore", zscore_population=ZCARDS)
    assert r.total == D("5.18")


def test_zscore_is_clamped_into_the_scale():
    # one juror, 11 entries on 0..10: ten 0s and one 10. mean 10/11; the 10 deviates by 100/11;
    # sd = sqrt((10 * (10/11)^2 + (100/11)^2) / 11) = sqrt(1000/121) = 2.8748;
    # z = (100/11) / 2.8748 = sqrt(10) = 3.162 -> 5 + 3.162 * 10/6 = 10.27 -> clamped to 10;
    # the zeros: z = -(10/11) / 2.8748 = -0.31623 -> 5 - 0.52705 = 4.47295 -> 4.47
    cards = [card(e, "J", q="10" if e == 0 else "0") for e in range(11)]
    results = by_entry(aggregate([crit(step="1")], cards, method="zscore"))
    assert results[0].total == D("10.00")
    assert results[1].total == D("4.47")


# --- totals, rounding, missing scores -----------------------------------------------------------


def test_weighted_total_with_unequal_weights_rounds_half_up():
    criteria = [crit("a", weight=3), crit("b", weight=1)]
    cards = [card("A", 1, a="8", b="4"), card("A", 2, a="9", b="2")]
    (r,) = aggregate(criteria, cards)
    # a = 8.5, b = 3; total = (3 * 8.5 + 1 * 3) / 4 = 28.5 / 4 = 7.125 -> 7.13 (half-up,
    # where banker's rounding would give 7.12)
    assert r.criteria == {"a": D("8.50"), "b": D("3.00")}
    assert r.total == D("7.13")


def test_criterion_aggregate_rounds_half_up():
    cards = [card("A", 1, q="7.25"), card("A", 2, q="7")]
    # (7.25 + 7) / 2 = 7.125 -> 7.13
    assert aggregate([crit(step="0.25")], cards)[0].criteria["q"] == D("7.13")


def test_total_uses_unrounded_aggregates():
    cards = [card("A", 1, a="1.006", b="1.003")]
    (r,) = aggregate([crit("a"), crit("b")], cards)
    # unrounded: (1.006 + 1.003) / 2 = 1.0045 -> 1.00; from the rounded 1.01 and 1.00 it
    # would have been 1.005 -> 1.01
    assert r.criteria == {"a": D("1.01"), "b": D("1.00")}
    assert r.total == D("1.00")


def test_no_negative_zero():
    (r,) = aggregate([crit(lo="-10")], [card("A", 1, q="-0.001")])
    assert str(r.total) == "0.00"


def test_missing_criterion_is_skipped_for_that_criterion_only():
    criteria = [crit("a", weight=2), crit("b", weight=1)]
    cards = [card("A", 1, a="6", b="9"), card("A", 2, a="8"), card("A", 3, a="7", b=None)]
    (r,) = aggregate(criteria, cards)
    # a = (6 + 8 + 7) / 3 = 7, b = 9 (juror 1 only); total = (2 * 7 + 9) / 3 = 23 / 3 = 7.67
    assert r.criteria == {"a": D("7.00"), "b": D("9.00")}
    assert r.total == D("7.67")
    assert r.scorecards == 3
    # per-card totals: J1 (12 + 9) / 3 = 7, J2 8, J3 7; mean 22/3; deviations -1/3, 2/3, -1/3;
    # variance (1/9 + 4/9 + 1/9) / 3 = 2/9; sd = 0.4714 -> 0.47
    assert r.disagreement == D("0.47")


def test_criterion_nobody_scored_is_none_and_the_total_uses_the_rest():
    criteria = [crit("a", weight=2), crit("b", weight=5)]
    (r,) = aggregate(criteria, [card("A", 1, a="6"), card("A", 2, a="9")])
    # b has no value -> None; total = a alone = 7.5; card totals 6 and 9 -> sd 1.5
    assert r.criteria == {"a": D("7.50"), "b": None}
    assert (r.total, r.disagreement) == (D("7.50"), D("1.50"))


def test_entry_without_scorecards_is_reported_unranked_and_last():
    results = aggregate([crit()], [card("B", 1, q="3")], entries=["A", "B"])
    assert [r.entry for r in results] == ["B", "A"]
    assert results[1] == EntryResult(
        entry="A",
        rank=None,
        total=None,
        criteria={"q": None},
        scorecards=0,
        sufficient=False,
        disagreement=None,
        tie_break=None,
    )
    # one scorecard: no disagreement
    assert results[0].disagreement is None


def test_entries_default_to_those_seen_in_scorecards():
    results = aggregate([crit()], [card("B", 1, q="3"), card("A", 1, q="4")])
    assert [r.entry for r in results] == ["A", "B"]


def test_quorum_marks_insufficient_entries_unranked_after_the_ranked_ones():
    cards = [
        card("A", 1, q="5"),
        card("A", 2, q="6"),
        card(9, 1, q="10"),  # best total but a single scorecard
        card(10, 1, q="1"),
    ]
    results = aggregate([crit()], cards, quorum=2)
    # A: (5 + 6) / 2 = 5.5, ranked 1; 9 and 10 are insufficient, ordered by str: "10" < "9"
    assert [(r.entry, r.rank, r.sufficient) for r in results] == [
        ("A", 1, True),
        (10, None, False),
        (9, None, False),
    ]
    assert one(results, 9).total == D("10.00")  # totals are still reported


# --- tie-breaks ---------------------------------------------------------------------------------


def test_tie_break_on_the_heaviest_criterion():
    criteria = [crit("b", weight=1), crit("a", weight=2)]  # a weighs more, though listed second
    cards = [card("X", 1, a="8", b="5"), card("Y", 1, a="7", b="7")]
    # X: (2 * 8 + 5) / 3 = 7, Y: (2 * 7 + 7) / 3 = 7; tied, a decides: 8 > 7
    results = aggregate(criteria, cards)
    assert [(r.entry, r.rank, r.total, r.tie_break) for r in results] == [
        ("X", 1, D("7.00"), None),
        ("Y", 2, D("7.00"), "criterion:a"),
    ]


def test_tie_break_with_equal_weights_follows_the_criteria_order():
    cards = [card("X", 1, a="6", b="8"), card("Y", 1, a="8", b="6")]
    # both total 7; with [a, b] the a score decides (Y), with [b, a] the b score decides (X)
    ab = aggregate([crit("a"), crit("b")], cards)
    assert [(r.entry, r.tie_break) for r in ab] == [("Y", None), ("X", "criterion:a")]
    ba = aggregate([crit("b"), crit("a")], cards)
    assert [(r.entry, r.tie_break) for r in ba] == [("X", None), ("Y", "criterion:b")]


def test_tie_break_on_lower_disagreement():
    cards = [card("b", 1, q="5"), card("b", 2, q="5"), card("a", 1, q="4"), card("a", 2, q="6")]
    # both average 5; "b" has sd 0, "a" sd 1 -> "b" first although "a" sorts first by key
    results = aggregate([crit()], cards)
    assert [(r.entry, r.disagreement, r.tie_break) for r in results] == [
        ("b", D("0.00"), None),
        ("a", D("1.00"), "disagreement"),
    ]


def test_tie_break_on_more_scorecards():
    cards = [card("a", 1, q="5"), card("b", 1, q="5"), card("b", 2, q="5")]
    # equal totals and criteria; disagreement None (counts as 0) vs 0; 2 scorecards beat 1
    results = aggregate([crit()], cards)
    assert [(r.entry, r.scorecards, r.tie_break) for r in results] == [
        ("b", 2, None),
        ("a", 1, "scorecards"),
    ]


def test_tie_break_on_entry_key_as_a_string():
    cards = [card(9, 1, q="5"), card(10, 1, q="5"), card(11, 1, q="6")]
    # 11 leads outright; 9 and 10 tie on everything: "10" < "9"
    results = aggregate([crit()], cards)
    assert [(r.entry, r.rank, r.tie_break) for r in results] == [
        (11, 1, None),
        (10, 2, None),  # 10's total is below 11's: not a tie
        (9, 3, "entry"),
    ]


def test_tie_break_compares_rounded_totals():
    # 7.001 and 6.999 both round to 7.00: a tie, separated by the criterion (7.00 vs 7.00 are
    # equal when rounded too) -> then by entry key
    cards = [card("B", 1, q="7.001"), card("A", 1, q="6.999")]
    results = aggregate([crit()], cards)
    assert [(r.entry, r.tie_break) for r in results] == [("A", None), ("B", "entry")]


# --- aggregate_all --------------------------------------------------------------------------------


def test_aggregate_all_matches_each_method():
    criteria = [crit("a", weight=2), crit("b")]
    cards = [
        card(e, j, a=str((e * 3 + j * 7) % 11 / 1), b=str((e + 2 * j) % 10))
        for e in range(6)
        for j in range(5)
    ]
    both = aggregate_all(criteria, cards, entries=range(7), trim=1, quorum=3)
    assert tuple(both) == METHODS
    for method in METHODS:
        assert both[method] == aggregate(
            criteria, cards, entries=range(7), method=method, trim=1, quorum=3
        )


# --- validate_score -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["1", "10", "7.5", "7.50", "1.0"])
def test_validate_score_accepts_values_on_the_grid(value: str):
    validate_score(crit(lo="1", hi="10", step="0.5"), D(value))


def test_validate_score_accepts_ints_and_offset_grids():
    validate_score(crit(lo="1", hi="10", step="0.5"), 7)  # type: ignore[arg-type]
    validate_score(crit(lo="0.25", hi="2", step="0.5"), D("1.75"))


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("0.5", "out_of_scale"),  # below min
        ("10.5", "out_of_scale"),  # above max
        ("7.3", "out_of_scale"),  # off the 0.5 grid
        ("7.25", "out_of_scale"),
        ("NaN", "not_a_number"),
        ("sNaN", "not_a_number"),
        ("Infinity", "not_a_number"),
        ("-Infinity", "not_a_number"),
    ],
)
def test_validate_score_refuses(value: str, code: str):
    with pytest.raises(ScoringError) as caught:
        validate_score(crit(lo="1", hi="10", step="0.5"), D(value))
    assert caught.value.code == code


def test_validate_score_refuses_offset_grid_misses_and_floats():
    with pytest.raises(ScoringError) as caught:
        validate_score(crit(lo="0.25", hi="2", step="0.5"), D("1"))
    assert caught.value.code == "out_of_scale"
    with pytest.raises(ScoringError) as caught:
        validate_score(crit(), 7.5)  # type: ignore[arg-type]
    assert caught.value.code == "not_a_decimal"


# --- error codes ----------------------------------------------------------------------------------


def _code(call) -> str:
    with pytest.raises(ScoringError) as caught:
        call()
    assert isinstance(caught.value, ValueError)
    return caught.value.code


def test_error_codes():
    q = [crit()]
    ok = [card("A", 1, q="5")]
    assert _code(lambda: aggregate([], ok)) == "no_criteria"
    assert _code(lambda: aggregate([crit(), crit()], ok)) == "duplicate_criterion"
    assert _code(lambda: aggregate(q, [card("A", 1, z="5")])) == "unknown_criterion"
    assert _code(lambda: aggregate(q, [*ok, card("A", 1, q="6")])) == "duplicate_scorecard"
    assert _code(lambda: aggregate(q, ok, entries=["B"])) == "unknown_entry"
    assert _code(lambda: aggregate(q, ok, method="mode")) == "bad_method"  # type: ignore[arg-type]
    assert _code(lambda: aggregate(q, ok, method="trimmed", trim=-1)) == "bad_trim"
    assert _code(lambda: aggregate_all(q, ok, trim=-1)) == "bad_trim"
    assert _code(lambda: aggregate(q, ok, quorum=0)) == "bad_quorum"
    assert _code(lambda: aggregate_all(q, ok, quorum=0)) == "bad_quorum"
    assert _code(lambda: aggregate(q, [card("A", 1, q="NaN")])) == "not_a_number"
    floaty = [Scorecard("A", 1, {"q": 5.0})]  # type: ignore[dict-item]
    assert _code(lambda: aggregate(q, floaty)) == "not_a_decimal"
    dup_pop = ok + ok
    assert (
        _code(lambda: aggregate(q, ok, method="zscore", zscore_population=dup_pop))
        == "duplicate_scorecard"
    )
    assert _code(lambda: validate_score(q[0], D("11"))) == "out_of_scale"


@pytest.mark.parametrize(
    "args",
    [
        ("q", D(0), D(0), D(10), D(1)),  # weight must be > 0
        ("q", D(1), D(0), D(10), D(0)),  # step must be > 0
        ("q", D(1), D(10), D(0), D(1)),  # min > max
        ("q", D(1), D(0), D("Infinity"), D(1)),
        ("q", 1.5, D(0), D(10), D(1)),  # float weight
        ("", D(1), D(0), D(10), D(1)),  # empty key
    ],
)
def test_bad_criterion(args: tuple):
    assert _code(lambda: Criterion(*args)) == "bad_criterion"


def test_criterion_converts_ints():
    c = Criterion("q", 2, 0, 10, 1)  # type: ignore[arg-type]
    assert (c.weight, c.min, c.max, c.step) == (D(2), D(0), D(10), D(1))
    assert all(isinstance(v, Decimal) for v in (c.weight, c.min, c.max, c.step))
