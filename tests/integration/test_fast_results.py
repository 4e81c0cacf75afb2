"""The whole-programme results (`results_export.fast_rows`: the scores fetched once as
columns, aggregated with numpy) equal the reference path (every category's board through
`leaderboard` and `category_insight`, which tests/integration/test_board_data.py ties to
`awards.scoring`) on generated programmes, under every method and trim — on SQLite and on
PostgreSQL."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from awards.scoring import METHODS
from awards.services.results_export import export_rows
from core.extensions import db
from tests.integration.test_board_data import SETTINGS, build


@SETTINGS
@given(seed=st.integers(0, 10**6))
def test_the_fast_export_equals_the_reference(
    seed, app, clock, tables, make_programme, make_entry, make_juror
):
    try:
        programme, _entries = build(seed, make_programme, make_entry, make_juror, clock)
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
