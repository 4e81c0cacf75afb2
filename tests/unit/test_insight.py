"""awards.insight: agreement (ICC(2,k), Kendall's W), the bootstrap of the winner and each
juror's severity — on hand-computed cases and published worked examples."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from awards import insight, scoring

CRITERIA = [
    scoring.Criterion(key, Decimal(w), Decimal(1), Decimal(10), Decimal("0.5"))
    for key, w in (("impact", 2), ("innovation", 1), ("scale", 1))
]


def matrix(rows: list[list[float | None]]) -> dict[str, dict[str, float]]:
    """rows = entries, columns = jurors J0, J1, ...; None is a missing cell."""
    out: dict[str, dict[str, float]] = {}
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            out.setdefault(f"J{j}", {})
            if value is not None:
                out[f"J{j}"][f"E{i}"] = value
    return out


# --- ICC ----------------------------------------------------------------------------------------

# Shrout, P. E. & Fleiss, J. L. (1979). Intraclass correlations: uses in assessing rater
# reliability. Psychological Bulletin 86(2), 420-428, Table 2: 6 targets rated by 4 judges.
SHROUT_FLEISS = [
    [9, 2, 5, 8],
    [6, 1, 3, 2],
    [8, 4, 6, 8],
    [7, 1, 2, 6],
    [10, 5, 6, 9],
    [6, 2, 4, 7],
]


def test_icc_on_the_shrout_fleiss_table():
    """Shrout & Fleiss (1979), Table 4 (case 2, two-way random): ICC(2,1) = .29 and
    ICC(2,4) = .62 for the 6 x 4 table of their Table 2."""
    single, average = insight.icc2(SHROUT_FLEISS)
    assert round(single, 2) == 0.29
    assert round(average, 2) == 0.62


def test_agreement_reports_icc_on_the_whole_complete_table():
    icc, w, block = insight.agreement(matrix(SHROUT_FLEISS))
    assert (icc.jurors, icc.entries, icc.reason) == (4, 6, None)
    assert round(icc.value, 2) == 0.62
    assert (w.jurors, w.entries) == (4, 6)
    assert block.dropped_jurors == () and block.dropped_entries == ()


def test_icc_by_hand():
    """3 entries, 2 jurors, the second always 1 higher: grand mean 2.5; entry means 1.5,
    2.5, 3.5 -> MSR = 2 * 2 / 2 = 2; juror means 2, 3 -> MSC = 3 * 0.5 / 1 = 1.5; no
    residual -> MSE = 0. ICC(2,1) = 2 / (2 + 0 + 2 * 1.5 / 3) = 2/3, ICC(2,2) =
    2 / (2 + 1.5 / 3) = 0.8."""
    single, average = insight.icc2([[1, 2], [2, 3], [3, 4]])
    assert single == pytest.approx(2 / 3)
    assert average == pytest.approx(0.8)


def test_icc_perfect_agreement_is_one_and_no_variation_is_none():
    assert insight.icc2([[1, 1], [5, 5], [3, 3]]) == pytest.approx((1.0, 1.0))
    assert insight.icc2([[4, 4], [4, 4]]) is None
    icc, w, _ = insight.agreement(matrix([[4, 4], [4, 4], [4, 4]]))
    assert (icc.value, icc.reason) == (None, "no_variation")
    assert (w.value, w.reason) == (None, "no_variation")


def test_not_enough_data_says_why():
    icc, w, _ = insight.agreement(matrix([[7], [8], [9]]))
    assert (icc.value, icc.reason, icc.jurors, icc.entries) == (None, "too_few_jurors", 1, 3)
    assert w.reason == "too_few_jurors"
    icc, w, _ = insight.agreement(matrix([[7, 8]]))
    assert (icc.reason, w.reason) == ("too_few_entries", "too_few_entries")
    icc, w, _ = insight.agreement(matrix([[7, 8], [6, 9]]))
    assert icc.value is not None and icc.entries == 2
    assert (w.value, w.reason) == (None, "too_few_entries")  # W needs 3 entries
    icc, w, _ = insight.agreement({})
    assert (icc.jurors, icc.entries, icc.reason) == (0, 0, "too_few_jurors")


def test_the_complete_block_drops_the_line_with_the_largest_share_missing():
    """J0 misses 1 of 4 entries (25%); E3 misses 1 of 3 jurors (33%): E3 goes, J0 stays."""
    block = insight.complete_block(matrix([[5, 6, 7], [6, 7, 8], [7, 8, 9], [None, 4, 5]]))
    assert block.jurors == ("J0", "J1", "J2")
    assert block.entries == ("E0", "E1", "E2")
    assert block.dropped_entries == ("E3",)
    assert block.values == ((5, 6, 7), (6, 7, 8), (7, 8, 9))


def test_the_complete_block_drops_a_juror_who_missed_most():
    """J2 scored only E0 (3 of 4 missing): J2 goes first, then nothing is missing."""
    block = insight.complete_block(matrix([[5, 6, 1], [6, 7, None], [7, 8, None], [8, 9, None]]))
    assert block.jurors == ("J0", "J1")
    assert len(block.entries) == 4
    assert block.dropped_jurors == ("J2",)


def test_the_block_of_a_matrix_without_overlap_is_empty():
    block = insight.complete_block(matrix([[5, None], [None, 6]]))
    icc, _, _ = insight.agreement(matrix([[5, None], [None, 6]]))
    assert len(block.jurors) * len(block.entries) <= 1
    assert icc.value is None


# --- Kendall's W --------------------------------------------------------------------------------

# The anxiety ratings of R's irr package (Gamer et al.): 20 subjects, 3 raters, with ties.
ANXIETY = list(
    zip(
        [3, 3, 3, 4, 5, 5, 2, 3, 5, 2, 2, 6, 1, 5, 2, 2, 1, 2, 4, 3],
        [3, 6, 4, 6, 2, 4, 2, 4, 3, 3, 2, 3, 3, 3, 2, 2, 1, 3, 3, 4],
        [2, 1, 4, 4, 3, 2, 1, 6, 1, 1, 1, 2, 3, 3, 1, 1, 3, 3, 2, 2],
        strict=True,
    )
)


def test_kendall_w_with_ties_on_the_anxiety_data():
    """R's DescTools documents ``KendallW(anxiety, correct=TRUE)`` = 0.5396569 (Kendall
    chi-squared 30.76, df 19); irr's ``kendall(anxiety, TRUE)`` gives Wt = 0.54 too."""
    w = insight.kendall_w(ANXIETY)
    assert w == pytest.approx(0.5396569, abs=1e-7)
    assert 3 * 19 * w == pytest.approx(30.76, abs=0.005)  # chi-squared = m (n - 1) W


def test_kendall_w_without_ties_siegel_castellan():
    """Siegel & Castellan (1988), as documented in R's DescTools ``KendallW`` example: three
    people rank eight attributes; W = 0.6560847."""
    ranks = {
        "airfare": (5, 1, 4),
        "climate": (6, 7, 5),
        "season": (7, 6, 1),
        "people": (1, 2, 3),
        "program": (2, 3, 2),
        "publicity": (4, 5, 7),
        "present": (3, 4, 6),
        "interest": (8, 8, 8),
    }
    assert insight.kendall_w(list(ranks.values())) == pytest.approx(0.6560847, abs=1e-7)


def test_kendall_w_by_hand():
    """Identical rankings give 1; two jurors in exactly opposite order give 0."""
    assert insight.kendall_w([[1, 1], [2, 2], [3, 3]]) == pytest.approx(1.0)
    assert insight.kendall_w([[1, 3], [2, 2], [3, 1]]) == pytest.approx(0.0)
    # the tie correction: juror 2 ties E0 and E1 (ranks 1.5, 1.5, 3): rank sums 2.5, 3.5,
    # 6 (mean 4) -> S = 6.5; T = 2^3 - 2 = 6; W = 12 * 6.5 / (2^2 * (27 - 3) - 2 * 6) = 78 / 84
    assert insight.kendall_w([[1, 5], [2, 5], [3, 9]]) == pytest.approx(78 / 84)


def test_kendall_w_needs_three_entries():
    with pytest.raises(ValueError):
        insight.kendall_w([[1, 2], [2, 1]])


# --- the bootstrap ------------------------------------------------------------------------------


def cards(table: dict[str, list[tuple]]) -> list[scoring.Scorecard]:
    """entry -> per juror the values for CRITERIA (None: no scorecard)."""
    out = []
    for entry, per_juror in table.items():
        for j, values in enumerate(per_juror):
            if values is not None:
                scores = {c.key: Decimal(str(v)) for c, v in zip(CRITERIA, values, strict=True)}
                out.append(scoring.Scorecard(entry, f"J{j}", scores))
    return out


def test_a_unanimous_jury_gives_the_winner_every_draw():
    table = {
        "A": [(9, 9, 9)] * 5,
        "B": [(7, 7, 7)] * 5,
        "C": [(5, 6, 7)] * 5,
    }
    for method in scoring.METHODS:
        result = insight.winner_shares(CRITERIA, cards(table), method=method)
        assert result.shares == {"A": 1.0, "B": 0.0, "C": 0.0}
        assert (result.no_winner, result.draws, result.jurors) == (0.0, 1000, 5)


def test_the_same_seed_gives_the_same_shares_and_they_add_up_to_one():
    rng = random.Random(7)
    table = {
        f"E{e}": [tuple(rng.randint(2, 20) / 2 for _ in CRITERIA) for _ in range(6)]
        for e in range(8)
    }
    first = insight.winner_shares(CRITERIA, cards(table), method="mean")
    again = insight.winner_shares(CRITERIA, cards(table), method="mean")
    other = insight.winner_shares(CRITERIA, cards(table), method="mean", seed=1)
    assert first == again
    assert first.shares != other.shares
    assert sum(first.shares.values()) + first.no_winner == pytest.approx(1.0)
    assert first.no_winner == 0.0
    assert len([s for s in first.shares.values() if s > 0]) > 1  # a contested field


def test_entries_equal_on_every_score_share_a_draw():
    """A and B get the same scores from everyone: only their references separate them on the
    leaderboard, so each wins half of every draw."""
    table = {"A": [(8, 8, 8), (6, 6, 6)], "B": [(8, 8, 8), (6, 6, 6)], "C": [(1, 1, 1)] * 2}
    result = insight.winner_shares(CRITERIA, cards(table))
    assert result.shares == {"A": 0.5, "B": 0.5, "C": 0.0}


def test_draws_below_quorum_have_no_winner():
    """Quorum 3 with three jurors, each scoring one entry of their own: an entry is ranked
    only in the draws that pick its juror three times (1 in 27 each), and no draw ranks two.
    Every other draw has no winner."""
    table = {
        "A": [(9, 9, 9), None, None],
        "B": [None, (5, 5, 5), None],
        "C": [None, None, (7, 7, 7)],
    }
    result = insight.winner_shares(CRITERIA, cards(table), quorum=3)
    assert all(0 < share < 0.1 for share in result.shares.values())
    assert result.no_winner > 0.8
    assert sum(result.shares.values()) + result.no_winner == pytest.approx(1.0)


def _relabelled(chosen: list[str], cards_: list[scoring.Scorecard]) -> list[scoring.Scorecard]:
    """Each chosen juror's scorecards once per time chosen, as distinct jurors."""
    out = []
    for k, juror in enumerate(chosen):
        out += [
            scoring.Scorecard(c.entry, (juror, k), c.scores) for c in cards_ if c.juror == juror
        ]
    return out


@pytest.mark.parametrize("method", scoring.METHODS)
def test_every_draw_is_won_by_the_leaderboards_first(method):
    """The bootstrap's quick pass and exact re-ranking agree with ``scoring.aggregate`` on
    the drawn jury (a juror drawn twice as two jurors), draw by draw, for every method —
    with close totals, missing criteria or complete scorecards, and a quorum."""
    rng = random.Random(method)
    for attempt in range(50):
        full = attempt % 2  # every card complete: the quick pass's bounds prune
        jurors = [f"J{j}" for j in range(rng.randint(2, 6))]
        table_cards = []
        for e in range(rng.randint(2, 8)):
            for juror in jurors:
                if rng.random() < 0.85:
                    scores = {
                        c.key: Decimal(rng.randint(12, 18)) / 2
                        for c in CRITERIA
                        if full or rng.random() < 0.95
                    }
                    table_cards.append(scoring.Scorecard(f"E{e}", juror, scores))
        quorum = rng.randint(1, 3)
        seed = rng.randint(0, 10**6)
        result = insight.winner_shares(
            CRITERIA, table_cards, method=method, quorum=quorum, draws=20, seed=seed
        )
        # replay the same draws through the leaderboard's own code
        draws = random.Random(seed)
        pool = sorted({c.juror for c in table_cards})
        expected = dict.fromkeys(result.shares, 0.0)
        none = 0
        for _ in range(20):
            chosen = [pool[i] for i in draws.choices(range(len(pool)), k=len(pool))]
            drawn = _relabelled(chosen, table_cards)
            population = _relabelled(chosen, table_cards)
            ranked = [
                r
                for r in scoring.aggregate(
                    CRITERIA, drawn, method=method, quorum=quorum, zscore_population=population
                )
                if r.rank is not None
            ]
            if not ranked:
                none += 1
                continue
            firsts = [ranked[0].entry]  # and those it beat only by reference
            for r in ranked[1:]:
                if r.tie_break != "entry":
                    break
                firsts.append(r.entry)
            for entry in firsts:
                expected[entry] += 1 / len(firsts)
        assert result.shares == pytest.approx({e: s / 20 for e, s in expected.items()})
        assert result.no_winner == pytest.approx(none / 20)


def test_same_winner():
    assert insight.same_winner({"mean": "A", "median": "A"}) is True
    assert insight.same_winner({"mean": "A", "median": "B"}) is False
    assert insight.same_winner({"mean": "A", "median": None}) is False
    assert insight.same_winner({"mean": None}) is None


# --- severity -----------------------------------------------------------------------------------


def test_severity_on_a_constructed_case():
    """J0 scores every entry 2 below J1 and J2, who agree: offset -2 each time (sd 0 -> the
    interval is the point -2: strict). J1 and J2 differ by +1 / -1 from the others' mean."""
    m = matrix([[5, 7, 7], [6, 8, 8], [4, 6, 6]])
    result = insight.severity(m)
    strict = result["J0"]
    assert strict.entries == 3
    assert strict.offset == pytest.approx(-2.0)
    assert strict.se == pytest.approx(0.0)
    assert (strict.low, strict.high) == (pytest.approx(-2.0), pytest.approx(-2.0))
    assert strict.spread == pytest.approx(1.0)  # sd of 5, 6, 4
    assert strict.verdict == "strict"
    assert result["J1"].offset == pytest.approx(1.0)
    assert result["J1"].verdict == "lenient"


def test_severity_interval_by_hand():
    """Offsets 1, 3, -1 (vs one other juror each time): mean 1, sd 2, se 2/sqrt(3),
    t(0.975, 2) = 4.303: interval 1 +- 4.969 holds 0 -> in line."""
    m = {"A": {"E0": 6, "E1": 8, "E2": 4}, "B": {"E0": 5, "E1": 5, "E2": 5}}
    a = insight.severity(m)["A"]
    assert a.offset == pytest.approx(1.0)
    assert a.se == pytest.approx(2 / 3**0.5)
    assert a.low == pytest.approx(1 - 4.303 * 2 / 3**0.5)
    assert a.high == pytest.approx(1 + 4.303 * 2 / 3**0.5)
    assert a.verdict == "in_line"


def test_severity_needs_two_shared_entries_for_an_interval():
    m = {"A": {"E0": 6, "E1": 9}, "B": {"E0": 5}}
    a = insight.severity(m)["A"]
    assert (a.entries, a.offset, a.se, a.low, a.verdict) == (1, 1.0, None, None, None)
    assert a.spread == pytest.approx(2.1213203, abs=1e-6)  # sd of 6 and 9
    assert insight.severity({"C": {"E0": 5}})["C"].offset is None


def test_t_critical():
    assert insight.t_critical(1) == 12.706
    assert insight.t_critical(30) == 2.042
    assert insight.t_critical(60) == pytest.approx(2.000, abs=0.001)
    assert insight.t_critical(120) == pytest.approx(1.980, abs=0.001)
    with pytest.raises(ValueError):
        insight.t_critical(0)


def test_totals_are_the_weighted_means_of_the_scorecards():
    result = insight.totals(
        CRITERIA,
        [
            scoring.Scorecard("A", "J0", {"impact": Decimal(8), "innovation": Decimal(5)}),
            scoring.Scorecard("A", "J1", {}),
        ],
    )
    assert result == {"J0": {"A": pytest.approx((2 * 8 + 5) / 3)}}
