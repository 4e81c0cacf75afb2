"""The demo's confirmed attendees have ticket codes (given by `seats.transition` as for everyone
confirmed), each its own, so the check-in page can be tried on the demo."""

from __future__ import annotations

import re

import sqlalchemy as sa

from core.extensions import db
from demo.events_demo import FEW_LEFT_EVENT, load_demo_events
from events.models import Event, Registration

CODE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){2}$")


def test_every_confirmed_demo_attendee_has_a_ticket_code(app, clock):
    load_demo_events(clock())
    db.session.flush()
    codes = db.session.scalars(
        sa.select(Registration.ticket_code)
        .join(Event, Event.id == Registration.event_id)
        .where(Event.slug == FEW_LEFT_EVENT, Registration.state == "confirmed")
        .order_by(Registration.id)
    ).all()
    assert len(codes) == 37
    assert all(code and CODE.match(code) for code in codes)
    assert len(set(codes)) == len(codes)
