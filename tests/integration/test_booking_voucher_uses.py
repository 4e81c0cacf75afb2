"""A voucher's maximum uses under parallel bookings of several attendees: N bookers verify
their booking of three at the same moment (threads released together, each its own session
and connection), each for another event, with one voucher valid for every event. The event
lock does not serialise them: only the one conditional UPDATE (`vouchers.claim_uses`, all of
a booking's uses at once) keeps the count, so only whole bookings the uses cover are placed
and the others are refused with nothing placed and no use taken.

Runs on SQLite (the default, where the write lock queues the threads) and on PostgreSQL with
TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test, where they run at once: there a
claim that did not check the uses left fails the voucher's CHECK constraint instead.
"""

from __future__ import annotations

from decimal import Decimal
from functools import partial

import pytest
import sqlalchemy as sa

from core.errors import InvalidInput
from core.extensions import db
from events.models import Booking, Registration, Voucher
from events.services import bookings
from events.services.bookings import Attendee
from tests.factories import NOW, applicant, make_event
from tests.threads import run_together

pytestmark = pytest.mark.postgres

N = 5
PEOPLE = 3


def _start(events, voucher) -> list[int]:
    ids = []
    for n, event in enumerate(events):
        booking = bookings.start_booking(
            event,
            applicant(f"booker{n}@acme{n}.nl", with_billing=True),
            [Attendee(f"A{n}", f"a@acme{n}.nl"), Attendee(f"B{n}", f"b@acme{n}.nl")],
            now=NOW,
            voucher=voucher,
        )
        assert booking is not None
        ids.append(booking.id)
    db.session.commit()
    return ids


@pytest.mark.parametrize(("max_uses", "placed"), [(7, 2), (6, 2), (3, 1)])
def test_parallel_bookings_never_take_more_uses_than_the_voucher_has(app, clock, max_uses, placed):
    with app.test_request_context():  # the verification e-mails hold absolute links
        events = [make_event(f"talk-{n}") for n in range(N)]
        voucher = Voucher(
            code="TEAM-1", kind="percent", percent=Decimal("50"), max_uses=max_uses,
            used_count=0, created_at=NOW,
        )  # fmt: skip
        db.session.add(voucher)
        db.session.flush()
        ids = _start(events, voucher)

    def verify(booking_id: int) -> int:
        return bookings.verify_booking(db.session.get(Booking, booking_id), now=clock()).id

    results, errors = run_together(app, [partial(verify, i) for i in ids])
    assert len(results) == placed and len(errors) == N - placed
    assert all(isinstance(e, InvalidInput) for e in errors), errors
    assert {e.code for e in errors} <= {"voucher_too_few_uses", "voucher_used_up"}
    assert db.session.get(Voucher, voucher.id).used_count == placed * PEOPLE <= max_uses
    holding = db.session.execute(
        sa.select(Registration.booking_id, sa.func.count())
        .where(
            Registration.voucher_id == voucher.id,
            Registration.state == "pending_payment",
            Registration.gross_cents == 3025,
        )
        .group_by(Registration.booking_id)
    ).all()
    assert sorted(holding) == sorted((booking_id, PEOPLE) for booking_id in results)
    refused = set(ids) - set(results)
    left = db.session.execute(
        sa.select(Registration.state, Registration.verified_at, Registration.voucher_id).where(
            Registration.booking_id.in_(refused)
        )
    ).all()
    assert left == [("pending_verification", None, None)] * len(refused)  # only their lead
