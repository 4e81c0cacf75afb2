"""Two staff copy the same talk to the same slug at the same moment (PostgreSQL): one copy is
made, the other is refused as a taken slug (InvalidInput, not a 500), and a series made in one
go either lands whole or not at all.

Run with TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test; skipped otherwise."""

from __future__ import annotations

import os
from datetime import date
from functools import partial

import pytest
import sqlalchemy as sa

from core.errors import InvalidInput
from core.extensions import db
from events.models import Event, EventSeries
from events.services import copies, series
from tests.factories import make_event
from tests.threads import run_together

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
        reason="needs TEST_DATABASE_URL pointing at PostgreSQL",
    ),
]


def _slugs() -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(Event.slug).order_by(Event.slug)))


def test_parallel_copies_to_one_slug_make_one_copy(app, clock):
    talk_id = make_event("digital-talk").id
    db.session.commit()

    def copy(n: int):
        talk = db.session.get(Event, talk_id)
        return copies.copy_event(talk, slug="digital-talk-2", title_nl=f"Kopie {n}",
                                 title_en=f"Copy {n}", days=7, actor=None, now=clock()).id  # fmt: skip

    results, errors = run_together(app, [partial(copy, n) for n in range(4)])
    assert len(results) == 1 and len(errors) == 3
    assert all(isinstance(e, InvalidInput) and "slug" in e.errors for e in errors), errors
    assert _slugs() == ["digital-talk", "digital-talk-2"]


def test_parallel_series_of_the_same_talks_land_once(app, clock):
    talk_id = make_event("digital-talk").id
    db.session.commit()

    def make(n: int):
        talk = db.session.get(Event, talk_id)
        _made, talks = series.make_recurring(
            talk, series=None,
            new_series=series.SeriesData(slug=f"talks-{n}", title_nl="Talks", title_en="Talks"),
            first=date(2025, 4, 3), count=3, interval="weekly", slug_prefix="talk",
            actor=None, now=clock(),
        )  # fmt: skip
        return [t.slug for t in talks]

    results, errors = run_together(app, [partial(make, n) for n in range(3)])
    assert len(results) == 1 and len(errors) == 2
    assert all(isinstance(e, InvalidInput) for e in errors), errors
    assert _slugs() == ["digital-talk", "talk-2025-04-03", "talk-2025-04-10", "talk-2025-04-17"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EventSeries)) == 1
