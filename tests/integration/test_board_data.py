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
from awards.services.results import leaderboard, load_board_data, population_stats
from core.extensions import db
from tests.factories import make_scorecard

SETTINGS = settings(
    max_examples=12,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def build(seed, make_programme, make_entry, make_juror, clock):
    """A programme of two categories, 3–6 jurors of varying leniency, 2–7 entries per
    category, most pairs scored (some scores missing, some cards drafts), a few conflicts
    upheld or dismissed."""
    rng = random.Random(seed)
    programme = make_programme(trim=rng.randint(0, 2), quorum=rng.randint(1, 3))
    jurors = [make_juror(programme) for _ in range(rng.randint(3, 6))]
    leniency = {j.id: rng.randint(-2, 2) for j in jurors}
    entries = [
        make_entry(programme, category=category)
        for category in programme.categories
        for _ in range(rng.randint(2, 7))
    ]
    for entry in entries:
        for juror in jurors:
            if rng.random() < 0.2:
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


@SETTINGS
@given(seed=st.integers(0, 10**6))
def test_the_fast_paths_equal_the_reference(
    seed, app, clock, tables, make_programme, make_entry, make_juror
):
    try:
        programme, entries = build(seed, make_programme, make_entry, make_juror, clock)
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
    assert {c.entry for c in alone.population} <= {e.ref for e in entries if e.category == first}
    assert second.id not in alone.entries
    # ... while its z-score population is still the whole programme's
    assert alone.zscore_stats == load_board_data(programme).zscore_stats
    assert sum(n for n, _s, _q in alone.zscore_stats.values()) > sum(
        len([v for v in c.scores.values() if v is not None]) for c in alone.population
    )
    assert all(isinstance(v, Decimal) for stat in alone.zscore_stats.values() for v in stat)
