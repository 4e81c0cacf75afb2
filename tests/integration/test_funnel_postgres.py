"""Funnel counts under concurrency on the running PostgreSQL server: page views at the same
moment, each in its own session, all counted in the one row of the day (the upsert's
INSERT ... ON CONFLICT DO UPDATE is atomic: none lost, no unique violation).

Run with TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test; skipped otherwise."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from core.extensions import db
from events.models import FunnelCount
from events.services import funnel
from tests.factories import make_event
from tests.threads import run_together

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
        reason="needs TEST_DATABASE_URL pointing at PostgreSQL",
    ),
]

N = 8


def test_views_at_the_same_moment_are_all_counted_in_one_row(app, clock):
    event = make_event()
    db.session.commit()
    event_id, at = event.id, clock()

    def view():
        funnel.count_step(event_id, funnel.SEE, now=at)

    _, errors = run_together(app, [view] * N)
    assert errors == []
    rows = db.session.execute(
        sa.select(FunnelCount.stage, FunnelCount.count).where(FunnelCount.event_id == event_id)
    ).all()
    assert rows == [("see", N)]
