"""The leaderboard's fast paths equal the pure reference (`awards.scoring`) on generated
programmes: the z-score population summed up in the database (`population_stats`) is
`scoring.juror_stats` of the counted scorecards, and a category's board loaded for that
category alone (`load_board_data(..., category=)`) is the board loaded with the whole
programme, under every method — on SQLite and on PostgreSQL."""

from __future__ import annotations

import random
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from awards import scoring
from awards.models import Conflict
from awards.scoring import METHODS
from awards.services import results
from awards.services.results import (
    jurors_population,
    leaderboard,
    load_board_data,
    population_stats,
)
from core.extensions import db
from tests.factories import make_scorecard

SETTINGS = settings(
    max_examples=12,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def build(seed, make_programme, make_entry, make_juror, clock, *, panels=False):
    """A programme of two categories, 3–6 jurors of varying leniency, 2–7 entries per
    category, most pairs scored (some scores missing, some cards drafts), a few conflicts
    upheld or dismissed. With `panels` each juror scores one category only (as at Cannes),
    except, now and then, one juror who scores in both."""
    rng = random.Random(seed)
    programme = make_programme(trim=rng.randint(0, 2), quorum=rng.randint(1, 3))
    jurors = [make_juror(programme) for _ in range(rng.randint(3, 6))]
    leniency = {j.id: rng.randint(-2, 2) for j in jurors}
    categories = list(programme.categories)
    panel = {j.id: {categories[i % 2].id} for i, j in enumerate(jurors)}
    if panels and rng.random() < 0.3:
        panel[jurors[0].id] = {c.id for c in categories}
    entries = [
        make_entry(programme, category=category)
        for category in categories
        for _ in range(rng.randint(2, 7))
    ]
    for entry in entries:
        for juror in jurors:
            if rng.random() < 0.2 or (panels and entry.category_id not in panel[juror.id]):
                continue
            values = tuple(
                min(10, max(1, rng.randint(3, 9) + leniency[juror.id])) for _ in range(4)
            )
            card = make_scorecard(
                juror, entry, values, status="draft" if rng.random() < 0.1 else "submitted"
            )
            if rng.random() < 0.1:
                card.scores[rng.randrange(4)].value = None
            if rng.random() < 0.08:
                db.session.add(
                    Conflict(
                        jury_member_id=juror.id,
                        entry_id=entry.id,
                        source="declared",
                        status=rng.choice(["upheld", "pending", "dismissed"]),
                        created_at=clock(),
                    )
                )
    db.session.flush()
    return programme, entries


def _of_jurors(stats, cards):
    """`stats` of the jurors who wrote `cards` only."""
    jurors = {c.juror for c in cards}
    return {key: value for key, value in stats.items() if key[0] in jurors}


@SETTINGS
@given(seed=st.integers(0, 10**6), panels=st.booleans())
def test_the_fast_paths_equal_the_reference(
    seed, panels, app, clock, tables, make_programme, make_entry, make_juror
):
    try:
        programme, entries = build(
            seed, make_programme, make_entry, make_juror, clock, panels=panels
        )
        whole = load_board_data(programme)
        criteria = whole.scoring_criteria
        # the database's sums are the reference's sums of the counted scorecards
        assert whole.zscore_stats == scoring.juror_stats(criteria, whole.population)
        hidden = {e.id for e in random.Random(seed).sample(entries, 2)}
        refs = {e.ref for e in entries if e.id in hidden}
        kept = [c for c in whole.population if c.entry not in refs]
        assert population_stats(
            programme, whole.round, whole.criteria, without=hidden
        ) == scoring.juror_stats(criteria, kept)
        for category in programme.categories:
            alone = load_board_data(programme, category=category)
            assert set(alone.cards) <= {category.id} and set(alone.entries) == {category.id}
            own = alone.cards.get(category.id, [])
            # the z-score sums of the category's jurors: the reference's over all they scored
            assert alone.zscore_stats == _of_jurors(
                scoring.juror_stats(criteria, whole.population), own
            )
            visible = [c for c in own if c.entry not in refs]
            assert jurors_population(
                programme, alone.round, alone.criteria, category, visible, without=hidden
            ) == _of_jurors(scoring.juror_stats(criteria, kept), visible)
            for method in METHODS:
                fast = leaderboard(programme, category, method=method, data=alone)
                slow = leaderboard(programme, category, method=method, data=whole)
                pure = scoring.aggregate(  # the reference: the whole population's cards
                    criteria,
                    whole.cards.get(category.id, []),
                    [e.ref for e in whole.entries[category.id]],
                    method=method,
                    trim=programme.trim,
                    quorum=programme.quorum,
                    zscore_population=whole.population,
                )
                assert fast == slow
                assert [(str(r.entry.ref), r.rank, r.total) for r in fast] == [
                    (r.entry, r.rank, r.total) for r in pure
                ]
    finally:
        db.session.rollback()
        tables.empty()


def test_a_category_board_reads_only_its_category(
    app, clock, make_programme, make_entry, make_juror
):
    programme, entries = build(7, make_programme, make_entry, make_juror, clock)
    first, second = programme.categories
    alone = load_board_data(programme, category=first)
    own = alone.cards[first.id]
    assert {c.entry for c in alone.population} <= {e.ref for e in entries if e.category == first}
    assert second.id not in alone.entries
    # ... while its jurors' z-score population is everything they scored in the programme
    assert alone.zscore_stats == _of_jurors(load_board_data(programme).zscore_stats, own)
    assert sum(n for n, _s, _q in alone.zscore_stats.values()) > sum(
        len([v for v in c.scores.values() if v is not None]) for c in alone.population
    )
    assert all(isinstance(v, Decimal) for stat in alone.zscore_stats.values() for v in stat)


def test_a_panels_jury_is_summed_from_the_category_cards_alone(
    app, clock, make_programme, make_entry, make_juror, monkeypatch
):
    """Jurors who scored only this category: their sums come from its own cards, without a
    GROUP BY over the programme's scores — and are the database's sums all the same."""
    for seed in range(20):
        programme, _entries = build(
            seed, make_programme, make_entry, make_juror, clock, panels=True
        )
        whole = load_board_data(programme)
        category = programme.categories[0]
        own = whole.cards[category.id]
        elsewhere = {c.juror for i, cards in whole.cards.items() if i != category.id for c in cards}
        if not {c.juror for c in own} & elsewhere:
            break  # (else a juror of both categories: the GROUP BY is needed)
    with monkeypatch.context() as patched:
        patched.setattr(results, "population_stats", _refused)
        alone = load_board_data(programme, category=category)
    assert alone.zscore_stats == _of_jurors(whole.zscore_stats, own) != {}
    assert all(isinstance(v, Decimal) for stat in alone.zscore_stats.values() for v in stat)
    # a juror who scores elsewhere too: the GROUP BY over their scores
    other = next(c for c in programme.categories if c.id != category.id)
    juror = next(j for j in programme.jury if j.id == own[0].juror)
    make_scorecard(juror, whole.entries[other.id][0], (1, 2, 3, 4))
    db.session.flush()
    alone = load_board_data(programme, category=category)
    assert alone.zscore_stats == _of_jurors(load_board_data(programme).zscore_stats, own)
    assert alone.zscore_stats != _of_jurors(whole.zscore_stats, own)


def _refused(*_args, **_kwargs):
    raise AssertionError("population_stats was asked")
