"""The capacity check under a row lock on the running PostgreSQL server.

Run with TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test; skipped otherwise.
N threads, each with its own app context (so its own session and connection), verify a
different pending registration at the same moment (a Barrier); `lock_event`'s
SELECT ... FOR UPDATE must let exactly as many through as there are seats.
"""

from __future__ import annotations

import os
from functools import partial

import pytest
import sqlalchemy as sa

from core.extensions import db
from events.models import Registration
from events.services import registrations
from tests.factories import make_event, make_registration, register
from tests.threads import run_together

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
        reason="needs TEST_DATABASE_URL pointing at PostgreSQL",
    ),
]

N = 8


def _verify_all_at_once(app, clock, registration_ids: list[int]) -> list[BaseException]:
    def verify(registration_id: int):
        registration = db.session.get(Registration, registration_id)
        return registrations.verify_registration(registration, now=clock())

    _, errors = run_together(app, [partial(verify, rid) for rid in registration_ids])
    return errors


def _states(event) -> dict[str, int]:
    db.session.rollback()
    rows = db.session.execute(
        sa.select(Registration.state, sa.func.count())
        .where(Registration.event_id == event.id)
        .group_by(Registration.state)
    )
    return dict(rows.all())


def test_pool_allows_n_parallel_connections(app):
    assert db.engine.dialect.name == "postgresql"
    pool = db.engine.pool
    assert pool.size() + pool._max_overflow >= N + 1  # the threads plus this test's session


def test_parallel_verifications_for_one_seat_give_exactly_one_hold(app, clock):
    event = make_event(capacity=1)
    pending = [
        register(event, f"p{i}@example.org", verify=False, with_billing=True).id for i in range(N)
    ]
    assert _verify_all_at_once(app, clock, pending) == []
    assert _states(event) == {"pending_payment": 1, "waitlisted": N - 1}


def test_parallel_free_registrations_for_the_last_seat(app, clock):
    event = make_event(capacity=3, price_non_member_cents=0)
    make_registration(event, "confirmed")
    make_registration(event, "offered")  # holds a seat as well
    pending = [register(event, f"f{i}@example.org", verify=False).id for i in range(N)]
    assert _verify_all_at_once(app, clock, pending) == []
    states = _states(event)
    assert states == {"confirmed": 2, "offered": 1, "waitlisted": N - 1}


def test_never_more_holds_than_capacity_over_repeated_rounds(app, clock):
    event = make_event(capacity=5)
    for round_ in range(3):
        pending = [
            register(event, f"r{round_}-{i}@example.org", verify=False, with_billing=True).id
            for i in range(N)
        ]
        assert _verify_all_at_once(app, clock, pending) == []
        states = _states(event)
        assert states.get("pending_payment", 0) == 5
        assert sum(states.values()) == N * (round_ + 1)
