"""Ticket type changes into a type's last seat, under the event lock, on PostgreSQL.

Run with TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test; skipped otherwise.
N confirmed registrations (each thread its own session and connection) change to a type
with one seat at the same moment: one gets it, the others are refused "sold_out" and keep
their type.
"""

from __future__ import annotations

import os
from functools import partial

import pytest
import sqlalchemy as sa

from core.extensions import db
from events.models import Registration
from events.services import type_changes
from tests.factories import NOW, make_event, make_registration
from tests.threads import run_together
from tests.ticket_types import make_ticket_type

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
        reason="needs TEST_DATABASE_URL pointing at PostgreSQL",
    ),
]

N = 6


def test_parallel_changes_into_the_last_seat_of_a_type_get_it_once(app, clock):
    event = make_event(capacity=50)
    regular = make_ticket_type(event, "regular")
    vip = make_ticket_type(event, "vip", capacity=1)
    ids = [
        make_registration(
            event, "confirmed", audience="member", verified_at=NOW, ticket_type_id=regular.id,
            email=f"p{i}@example.org",
        ).id
        for i in range(N)
    ]  # fmt: skip
    db.session.commit()
    vip_id, regular_id = vip.id, regular.id  # the threads must not touch this session

    def change(registration_id: int):
        registration = db.session.get(Registration, registration_id)
        return type_changes.change_type(registration, vip_id, now=clock())

    results, errors = run_together(app, [partial(change, rid) for rid in ids])
    assert len(results) == 1
    assert len(errors) == N - 1, errors
    assert all(
        isinstance(e, type_changes.TypeChangeRefused) and e.code == "sold_out" for e in errors
    )
    held = dict(
        db.session.execute(
            sa.select(Registration.ticket_type_id, sa.func.count())
            .where(Registration.event_id == event.id)
            .group_by(Registration.ticket_type_id)
        ).all()
    )
    assert held == {vip_id: 1, regular_id: N - 1}
