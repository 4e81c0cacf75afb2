"""The demo's Digital Talks series (demo/events_demo.py): the seed's Digital Talk and three
monthly talks made from it, at the same Amsterdam time, unpublished; loading again makes
nothing twice; the public list shows the series."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from core.clock import local
from core.extensions import db
from demo.events_demo import DEMO_SERIES, DEMO_TALKS, SERIES_TEMPLATE, load_demo_events
from events.models import Event, EventSeries, Speaker

LOADED_AT = datetime(2025, 11, 20, 10, 0, tzinfo=UTC)


def _counts():
    return [
        db.session.scalar(sa.select(sa.func.count()).select_from(m))
        for m in (Event, EventSeries, Speaker)
    ]


def test_the_digital_talk_is_a_series_of_recurring_talks(app, client, clock):
    clock.set(LOADED_AT)
    lines = load_demo_events(LOADED_AT)
    assert f"{DEMO_SERIES.slug}: {DEMO_TALKS} recurring talks made." in lines
    series = db.session.scalar(sa.select(EventSeries).where(EventSeries.slug == "digital-talks"))
    talks = db.session.scalars(
        sa.select(Event).where(Event.series_id == series.id).order_by(Event.starts_at)
    ).all()
    template, *copies = talks
    assert template.slug == SERIES_TEMPLATE and template.published
    assert len(copies) == DEMO_TALKS and not any(c.published for c in copies)
    wall = local(template.starts_at)
    for copy in copies:
        moved = local(copy.starts_at)
        assert (moved.weekday(), moved.hour, moved.minute) == (wall.weekday(), wall.hour,
                                                               wall.minute)  # fmt: skip
        assert [s.name for s in copy.speakers] == [s.name for s in template.speakers]
        assert copy.price_non_member_cents == template.price_non_member_cents
    months = [local(e.starts_at).month for e in talks]
    assert len(set(months)) == len(talks)
    db.session.commit()
    before = _counts()
    assert f"{DEMO_SERIES.slug}: 0 recurring talks made." in load_demo_events(LOADED_AT)
    assert _counts() == before
    text = client.get("/events/?lang=en").get_data(as_text=True)
    assert 'href="/events/series/digital-talks"' in text
    assert client.get("/events/series/digital-talks").status_code == 200
