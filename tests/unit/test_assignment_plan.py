"""The pure automatic-assignment planner (awards.assignment_plan): k jurors per entry, never
a barred pair, kept pairs kept, loads as even as the conflicts allow, and deterministic."""

from __future__ import annotations

from itertools import combinations, product

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from awards.assignment_plan import plan_assignment

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@st.composite
def problems(draw, max_entries=12, max_jurors=7):
    jurors = list(range(1, draw(st.integers(1, max_jurors)) + 1))
    entries = list(range(101, 101 + draw(st.integers(0, max_entries))))
    k = draw(st.integers(1, len(jurors)))
    pairs = [(j, e) for j in jurors for e in entries]
    barred = draw(st.sets(st.sampled_from(pairs))) if pairs else set()
    open_pairs = [p for p in pairs if p not in barred]
    kept = draw(st.sets(st.sampled_from(open_pairs), max_size=4)) if open_pairs else set()
    current = draw(st.sets(st.sampled_from(pairs), max_size=10)) if pairs else set()
    return entries, jurors, k, barred, kept, current


def _spread(loads):
    return max(loads.values()) - min(loads.values()) if loads else 0


@SETTINGS
@given(problems())
def test_every_entry_gets_k_unbarred_jurors_when_it_can(problem):
    entries, jurors, k, barred, kept, current = problem
    plan = plan_assignment(entries, jurors, k, barred=barred, kept=kept, current=current)
    for e in entries:
        chosen = plan.jurors[e]
        assert len(set(chosen)) == len(chosen)
        assert not any((j, e) in barred for j in chosen)
        free = sum(1 for j in jurors if (j, e) not in barred)
        kept_here = sum(1 for j, x in kept if x == e)
        assert len(chosen) == max(min(k, free), kept_here)
        assert plan.short.get(e, 0) == max(k - len(chosen), 0)
    assert kept <= plan.pairs
    assert sum(plan.loads.values()) == len(plan.pairs)
    assert plan.loads == {j: sum(1 for p in plan.pairs if p[0] == j) for j in jurors}


@SETTINGS
@given(problems())
def test_the_same_input_gives_the_same_plan_and_a_rerun_changes_nothing(problem):
    entries, jurors, k, barred, kept, current = problem
    first = plan_assignment(entries, jurors, k, barred=barred, kept=kept, current=current)
    again = plan_assignment(entries, jurors, k, barred=barred, kept=kept, current=current)
    assert first == again
    rerun = plan_assignment(entries, jurors, k, barred=barred, kept=kept, current=first.pairs)
    assert rerun == first


@SETTINGS
@given(problems(max_entries=20, max_jurors=8).filter(lambda p: not p[3] and not p[4]))
def test_without_conflicts_or_kept_pairs_the_loads_differ_by_at_most_one(problem):
    entries, jurors, k, _barred, _kept, current = problem
    plan = plan_assignment(entries, jurors, k, current=current)
    assert _spread(plan.loads) <= 1
    assert not plan.short


def _best_spread(entries, jurors, k, barred):
    """The smallest max − min of loads over every assignment giving each entry
    min(k, free jurors) jurors (brute force, tiny problems only)."""
    options = []
    for e in entries:
        free = [j for j in jurors if (j, e) not in barred]
        options.append(list(combinations(free, min(k, len(free)))))
    best = None
    for choice in product(*options):
        loads = {j: 0 for j in jurors}
        for chosen in choice:
            for j in chosen:
                loads[j] += 1
        spread = _spread(loads)
        best = spread if best is None else min(best, spread)
    return best


@settings(max_examples=120, deadline=None, database=None)
@given(problems(max_entries=5, max_jurors=4).filter(lambda p: not p[4]))
def test_the_loads_are_as_even_as_the_conflicts_allow(problem):
    entries, jurors, k, barred, _kept, current = problem
    plan = plan_assignment(entries, jurors, k, barred=barred, current=current)
    # no assignment that gives each entry as many jurors has a smaller max − min
    assert _spread(plan.loads) == _best_spread(entries, jurors, k, barred)


def test_a_conflicted_juror_is_passed_over_and_the_load_stays_even():
    # juror 1 is barred from entries 101 and 102: the others take them, 1 takes the rest
    plan = plan_assignment([101, 102, 103, 104], [1, 2, 3], 2, barred={(1, 101), (1, 102)})
    assert 1 not in plan.jurors[101] and 1 not in plan.jurors[102]
    assert sorted(plan.loads.values()) == [2, 3, 3]
    assert not plan.short


def test_an_entry_with_too_few_free_jurors_is_short_and_gets_all_it_can():
    plan = plan_assignment([101, 102], [1, 2, 3], 3, barred={(1, 101), (2, 101)})
    assert plan.jurors[101] == (3,)
    assert plan.short == {101: 2}
    assert plan.jurors[102] == (1, 2, 3)


def test_kept_pairs_stay_even_beyond_k_and_current_ones_are_preferred():
    plan = plan_assignment(
        [101, 102], [1, 2, 3, 4], 1, kept={(1, 101), (2, 101)}, current={(4, 102)}
    )
    assert plan.jurors[101] == (1, 2)
    assert plan.jurors[102] == (4,)


def test_balancing_moves_through_a_chain():
    # 1 holds 101 and 102 (2 may only take 102, 3 only 101): the loads end 1/1/... even
    plan = plan_assignment(
        [101, 102, 103],
        [1, 2, 3],
        1,
        barred={(2, 101), (3, 102), (2, 103), (3, 103)},
        current={(1, 101), (1, 102), (1, 103)},
    )
    assert plan.jurors[103] == (1,)
    assert plan.loads == {1: 1, 2: 1, 3: 1}


def test_k_below_one_is_refused():
    with pytest.raises(ValueError):
        plan_assignment([101], [1], 0)
