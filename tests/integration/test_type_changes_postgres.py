"""Ticket type changes into a type's last seat, under the event lock, on PostgreSQL.

Run with TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test; skipped otherwise.
N confirmed registrations (each thread its own session and connection) change to a type
with one seat at the same moment: one gets it, the others are refused "sold_out" and keep
their type. The same when each has paid the difference for it at Stripe and the payments are
fulfilled at the same moment: one changes (its first invoice numbered once), the others' money
goes back in full. And one paid difference fulfilled by the webhook and the return page at
once changes the type once.
"""

from __future__ import annotations

import os
from functools import partial

import pytest
import sqlalchemy as sa

from core.extensions import db
from events.models import Invoice, Payment, Registration
from events.providers import gateway_for
from events.services import type_changes
from events.services.checkout import fulfil_session, start_difference_checkout
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


def _members(event, ticket_type_id: int) -> list[int]:
    """N confirmed, verified members of `event` with `ticket_type_id`: their ids."""
    return [
        make_registration(
            event, "confirmed", audience="member", verified_at=NOW, ticket_type_id=ticket_type_id,
            email=f"p{i}@example.org",
        ).id
        for i in range(N)
    ]  # fmt: skip


def test_parallel_changes_into_the_last_seat_of_a_type_get_it_once(app, clock):
    event = make_event(capacity=50)
    regular = make_ticket_type(event, "regular")
    vip = make_ticket_type(event, "vip", capacity=1)
    ids = _members(event, regular.id)
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


def _open_differences(app, clock, ids: list[int], type_id: int) -> list[str]:
    """Each registration opens the checkout for the difference to `type_id`; the sessions."""
    sessions = []
    with app.test_request_context():
        for registration_id in ids:
            registration = db.session.get(Registration, registration_id)
            payment = start_difference_checkout(
                registration, type_id, now=clock(), gateway=gateway_for(app)
            )
            sessions.append(payment.session_id)
            db.session.commit()
    return sessions


def test_paid_differences_for_the_last_seat_of_a_type_change_one_and_refund_the_rest(
    app, clock, stripe_api
):
    event = make_event(capacity=50)
    regular = make_ticket_type(event, "regular")
    vip = make_ticket_type(event, "vip", capacity=1, price_cents=2000)
    ids = _members(event, regular.id)
    db.session.commit()
    vip_id = vip.id
    sessions = _open_differences(app, clock, ids, vip_id)
    for session_id in sessions:
        stripe_api.mark_paid(session_id)

    def fulfil(session_id: str):
        return fulfil_session(session_id, now=clock(), gateway=gateway_for(app))

    results, errors = run_together(app, [partial(fulfil, s) for s in sessions])
    assert errors == []
    assert sorted(results) == ["refunded"] * (N - 1) + ["type_changed"]
    assert db.session.scalar(
        sa.select(sa.func.count()).where(Registration.ticket_type_id == vip_id)
    ) == 1  # fmt: skip
    [invoice] = db.session.scalars(sa.select(Invoice)).all()
    assert invoice.gross_cents == 2420 and invoice.number.endswith("-0001")
    statuses = db.session.scalars(sa.select(Payment.status).order_by(Payment.id)).all()
    assert sorted(statuses) == ["paid"] + ["refunded"] * (N - 1)
    assert sorted(r["amount"] for r in stripe_api.refunds.values()) == [2420] * (N - 1)


def test_a_paid_difference_fulfilled_twice_at_once_changes_the_type_once(app, clock, stripe_api):
    event = make_event(capacity=50)
    regular = make_ticket_type(event, "regular")
    vip = make_ticket_type(event, "vip", price_cents=2000)
    registration = make_registration(event, "confirmed", audience="member", verified_at=NOW,
                                     ticket_type_id=regular.id)  # fmt: skip
    db.session.commit()
    [session_id] = _open_differences(app, clock, [registration.id], vip.id)
    stripe_api.mark_paid(session_id)

    def fulfil():
        return fulfil_session(session_id, now=clock(), gateway=gateway_for(app))

    results, errors = run_together(app, [fulfil, fulfil, fulfil])
    assert errors == []
    assert sorted(results) == ["already_fulfilled", "already_fulfilled", "type_changed"]
    assert len(db.session.scalars(sa.select(Invoice)).all()) == 1 and stripe_api.refunds == {}
