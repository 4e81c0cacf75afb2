"""Bookings of several attendees at once never oversell an event (PostgreSQL).

Run with TEST_DATABASE_URL=postgresql://...; skipped otherwise. Several bookers verify their
booking of three at the same moment (threads released by a barrier, each its own session):
`lock_event` serialises the all-or-nothing placement, so only as many whole bookings as fit
get seats, and the others are refused with nothing placed.
"""

from __future__ import annotations

import os
from functools import partial

import pytest
import sqlalchemy as sa

from core.extensions import db
from events.models import Booking, Registration
from events.services import bookings
from events.services.bookings import Attendee, BookingTooBig
from tests.factories import applicant, make_event
from tests.threads import run_together

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
        reason="needs TEST_DATABASE_URL pointing at PostgreSQL",
    ),
]

N = 4


def test_parallel_bookings_of_three_fill_seven_seats_with_two_whole_bookings(app, clock):
    event = make_event(capacity=7, price_non_member_cents=0)  # free: placed as confirmed
    ids = []
    with app.test_request_context():
        for n in range(N):
            booking = bookings.start_booking(
                event,
                applicant(f"booker{n}@acme{n}.nl"),
                [Attendee(f"A{n}", f"a@acme{n}.nl"), Attendee(f"B{n}", f"b@acme{n}.nl")],
                now=clock(),
            )
            assert booking is not None
            ids.append(booking.id)
    db.session.commit()

    def verify(booking_id: int):
        return bookings.verify_booking(db.session.get(Booking, booking_id), now=clock()).id

    results, errors = run_together(app, [partial(verify, i) for i in ids])
    assert len(results) == 2 and len(errors) == N - 2
    assert all(isinstance(e, BookingTooBig) for e in errors)
    db.session.rollback()
    confirmed = db.session.execute(
        sa.select(Registration.booking_id, sa.func.count())
        .where(Registration.event_id == event.id, Registration.state == "confirmed")
        .group_by(Registration.booking_id)
    ).all()
    assert sorted(count for _b, count in confirmed) == [3, 3]  # whole bookings only
    assert {booking_id for booking_id, _c in confirmed} == set(results)
    placed = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Registration)
        .where(Registration.event_id == event.id)
    )
    assert placed == 2 * 3 + (N - 2)  # the refused bookings still hold only their lead
