"""`fast_results.leaderboard_columns` (each method's board in integer cents from columns,
floats only where a half cent is far, ranked by one lexsort) equals `awards.scoring`'s
`aggregate` on generated categories: the same order, ranks, rounded totals, aggregates,
disagreement, scorecards and quorum, and the same first under every method; with ties,
empty values, missing criteria, unequal weights and totals on a half cent (where the
floats are doubtful and the entry is recomputed exactly)."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from awards import scoring
from awards.services import fast_results

QUICK = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def categories(draw):
    n_crit = draw(st.integers(1, 4))
    weights = [
        Decimal(draw(st.sampled_from(["1", "2", "3", "0.5", "0.3", "7"]))) for _ in range(n_crit)
    ]
    crits = [
        SimpleNamespace(id=10 + i, key=f"c{i}", weight=w, min_score=Decimal(1),
                        max_score=Decimal(10), step=Decimal("0.01"))
        for i, w in enumerate(weights)
    ]  # fmt: skip
    n_entries = draw(st.integers(1, 7))
    n_jurors = draw(st.integers(1, 7))
    # few distinct values (ties) or any cent (totals near a half cent)
    value = st.one_of(
        st.none(),
        st.sampled_from([Decimal(x) / 2 for x in range(2, 21, 3)]),
        st.integers(100, 1000).map(lambda c: Decimal(c) / 100),
    )
    cards = []
    for e in range(n_entries):
        for j in range(n_jurors):
            if draw(st.integers(0, 4)) == 0:
                continue
            cards.append((e, j, {c.key: draw(value) for c in crits if draw(st.integers(0, 6))}))
    return crits, n_entries, cards


def columns_of(crits, n_entries, cards, stats):
    entries = [
        fast_results.EntryRow(100 + e, 1, f"E{e}", f"Org {e}", f"Title {e}")
        for e in range(n_entries)
    ]
    index = {c.key: i for i, c in enumerate(crits)}
    card_entry, card_juror, score_card, score_crit, score_value, score_empty = (
        [] for _ in range(6)
    )
    for n, (e, j, scores) in enumerate(cards):
        card_entry.append(e)
        card_juror.append(j)
        for key, v in scores.items():
            score_card.append(n)
            score_crit.append(index[key])
            score_value.append(0 if v is None else int(v * 100))
            score_empty.append(v is None)

    def ints(values):
        return np.array(values, dtype=np.int64)

    return fast_results.Columns(
        programme=None, round=None, criteria=crits, entries=entries,  # type: ignore[arg-type]
        card_entry=ints(card_entry), card_juror=ints(card_juror), score_card=ints(score_card),
        score_crit=ints(score_crit), score_value=ints(score_value),
        score_empty=np.array(score_empty, dtype=bool), zscore_stats=stats,
    )  # fmt: skip


def cents(value):
    return None if value is None else int(value.scaleb(2))


def check(crits, n_entries, cards, method, trim, quorum):
    pure_crits = [
        scoring.Criterion(c.key, c.weight, c.min_score, c.max_score, c.step) for c in crits
    ]
    scorecards = [scoring.Scorecard(f"E{e}", j, scores) for e, j, scores in cards]
    refs = [f"E{e}" for e in range(n_entries)]
    stats = scoring.juror_stats(pure_crits, scorecards)
    cols = columns_of(crits, n_entries, cards, stats)
    board = fast_results.leaderboard_columns(
        cols, method, trim, quorum, fast_results.card_totals(cols)
    )
    for m in scoring.METHODS:
        expected = scoring.aggregate(
            pure_crits, scorecards, refs, method=m, trim=trim, quorum=quorum, zscore_stats=stats
        )
        first = expected[0].entry if expected and expected[0].rank == 1 else None
        assert board.firsts[m] == first, m
        if m != method:
            continue
        assert [cols.entries[e].ref for e in board.entries] == [r.entry for r in expected]
        assert board.ranks == [r.rank for r in expected]
        assert board.totals == [cents(r.total) for r in expected]
        assert board.criteria == [[cents(r.criteria[c.key]) for c in crits] for r in expected]
        assert board.disagreement == [cents(r.disagreement) for r in expected]
        assert board.scorecards == [r.scorecards for r in expected]
        assert board.sufficient == [r.sufficient for r in expected]


@QUICK
@given(
    case=categories(),
    method=st.sampled_from(scoring.METHODS),
    trim=st.integers(0, 2),
    quorum=st.integers(1, 4),
)
def test_the_board_from_columns_equals_the_reference(case, method, trim, quorum):
    check(*case, method, trim, quorum)
