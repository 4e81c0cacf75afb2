"""Ticket-type capacities within the event's, under the event lock, on PostgreSQL.

Run with TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test; skipped otherwise.
Two types whose own capacities add up to more than the event's; N threads (each with its own
session and connection) verify a different pending registration at the same moment: neither
a type's capacity nor the event's is ever exceeded, and the event still fills up.
"""

from __future__ import annotations

import os
from functools import partial

import pytest
import sqlalchemy as sa
from flask import current_app

from core.extensions import db
from events.models import Registration
from events.payments import HOLDS_SEAT
from events.services import registrations
from tests.factories import NOW, applicant, make_event
from tests.threads import run_together
from tests.ticket_types import make_ticket_type

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
        reason="needs TEST_DATABASE_URL pointing at PostgreSQL",
    ),
]

N = 8
HOLDING = [s.value for s in HOLDS_SEAT]


def _pending(event, ticket_type, email: str) -> int:
    with current_app.test_request_context():
        registration = registrations.start_registration(
            event, applicant(email), now=NOW, ticket_type_id=ticket_type.id
        )
        db.session.commit()
    return registration.id


def _verify_all_at_once(app, clock, ids: list[int]) -> list[BaseException]:
    def verify(registration_id: int):
        registration = db.session.get(Registration, registration_id)
        return registrations.verify_registration(registration, now=clock())

    _, errors = run_together(app, [partial(verify, rid) for rid in ids])
    return errors


def _held_by_type(event) -> dict[int, int]:
    db.session.rollback()
    rows = db.session.execute(
        sa.select(Registration.ticket_type_id, sa.func.count())
        .where(Registration.event_id == event.id, Registration.state.in_(HOLDING))
        .group_by(Registration.ticket_type_id)
    )
    return dict(rows.all())


def test_parallel_registrations_never_exceed_a_type_or_the_event(app, clock):
    event = make_event(capacity=5, price_non_member_cents=0)
    early = make_ticket_type(event, "early", capacity=2)
    regular = make_ticket_type(event, "regular", capacity=4)  # 2 + 4 > 5
    db.session.commit()
    ids = [_pending(event, early if i < 6 else regular, f"p{i}@example.org") for i in range(N)]
    assert _verify_all_at_once(app, clock, ids) == []
    held = _held_by_type(event)
    assert held.get(early.id, 0) == 2 and held.get(regular.id, 0) == 3
    assert sum(held.values()) == 5  # the event filled up, never beyond; those who picked the
    # sold-out early bird got the only other ticket open to them
    states = dict(
        db.session.execute(
            sa.select(Registration.state, sa.func.count())
            .where(Registration.event_id == event.id)
            .group_by(Registration.state)
        ).all()
    )
    assert states == {"confirmed": 5, "waitlisted": N - 5}


def test_parallel_registrations_for_one_type_stop_at_its_capacity(app, clock):
    event = make_event(capacity=50, price_non_member_cents=0)
    student = make_ticket_type(event, "student", capacity=3)
    regular = make_ticket_type(event, "regular", capacity=2)
    make_ticket_type(event, "partner", capacity=10)
    db.session.commit()
    ids = [_pending(event, student, f"s{i}@example.org") for i in range(N)]
    assert _verify_all_at_once(app, clock, ids) == []
    held = _held_by_type(event)
    assert held.get(student.id, 0) == 3  # never more of its own capacity
    assert held.get(regular.id, 0) == 0
    # the others chose nothing yet: verified, no seat, waiting for their choice of another type
    left = db.session.scalars(
        sa.select(Registration).where(
            Registration.event_id == event.id, Registration.state == "pending_verification"
        )
    ).all()
    assert len(left) == N - 3 and all(r.verified_at for r in left)
