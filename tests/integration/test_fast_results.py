"""The whole-programme results (`results_export.fast_rows`: the scores fetched once as
columns, aggregated with numpy) equal the reference path (every category's board through
`leaderboard` and `category_insight`, which tests/integration/test_board_data.py ties to
`awards.scoring`) on generated programmes, under every method and trim — on SQLite and on
PostgreSQL."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from awards.models import Entry, Scorecard
from awards.scoring import METHODS
from awards.services import fast_results
from awards.services.results import population_stats, round_criteria_in_order
from awards.services.results_export import export_rows
from awards.services.rounds import final_round
from awards.services.scorecards import counted_scorecards_query
from core.extensions import db
from tests.integration.test_board_data import SETTINGS, build


@SETTINGS
@given(seed=st.integers(0, 10**6), panels=st.booleans())
def test_the_fast_export_equals_the_reference(
    seed, panels, app, clock, tables, make_programme, make_entry, make_juror
):
    """With a jury in panels (each juror's z-scores from their one category's columns) or
    jurors across both categories (their sums from the database)."""
    try:
        programme, _entries = build(
            seed, make_programme, make_entry, make_juror, clock, panels=panels
        )
        trim = random.Random(seed).randint(0, 1)
        for method in METHODS:
            fast = export_rows(programme, method=method, trim=trim, fast=True)
            slow = export_rows(programme, method=method, trim=trim)
            assert fast[0] == slow[0]
            assert fast[1] == slow[1], method
    finally:
        db.session.rollback()
        tables.empty()


def test_the_fast_export_has_every_entry_once(app, clock, make_programme, make_entry, make_juror):
    programme, entries = build(3, make_programme, make_entry, make_juror, clock)
    _fields, rows = export_rows(programme, method="mean", fast=True)
    assert sorted(row["entry"] for row in rows) == sorted(e.ref for e in entries)


@SETTINGS
@given(seed=st.integers(0, 10**6), panels=st.booleans())
def test_a_categorys_juror_sums_are_the_population_of_its_jurors(
    seed, panels, app, clock, tables, make_programme, make_entry, make_juror
):
    """What the export gives a category's z-scores: its own columns' sums for the jurors who
    scored nowhere else, the database's for those who did: `population_stats` of the
    category's jurors, exactly."""
    try:
        programme, _entries = build(
            seed, make_programme, make_entry, make_juror, clock, panels=panels
        )
        info = final_round(programme)
        criteria = round_criteria_in_order(programme, info.position)
        whole = population_stats(programme, info, criteria)
        spanning = fast_results.spanning_jurors(programme, info)
        assert spanning == {
            juror for juror in {j for j, _key in whole}
            if len(_categories_scored(programme, info, juror)) > 1
        }  # fmt: skip
        for category in programme.categories:
            cols = fast_results.load_columns(programme, info.position, category_id=category.id)
            own = fast_results.juror_sums(cols, leaving_out=spanning)
            jurors = set(cols.card_juror.tolist())
            assert {j for j, _key in own} == jurors - spanning
            assert own == {k: v for k, v in whole.items() if k[0] in jurors - spanning}
    finally:
        db.session.rollback()
        tables.empty()


def _categories_scored(programme, info, juror) -> set[int]:
    """The categories of the entries of `juror`'s counted scorecards."""
    query = (
        counted_scorecards_query(programme, info.position)
        .where(Scorecard.jury_member_id == juror)
        .with_only_columns(Entry.category_id)
    )
    return set(db.session.scalars(query))
