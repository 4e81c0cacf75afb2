"""Ticket-type capacity beyond the registration itself: the waiting list skips those whose
type is sold out, and a late payment for a sold-out type is refunded."""

from __future__ import annotations

from datetime import timedelta

from core.extensions import db
from events.services import registrations, seats
from tests.factories import NOW, make_event, make_registration
from tests.ticket_types import make_ticket_type


def test_an_offer_skips_the_waiting_whose_type_is_sold_out(app, outbox):
    event = make_event(capacity=2)
    student = make_ticket_type(event, "student", capacity=1)
    regular = make_ticket_type(event, "regular")
    make_registration(event, "confirmed", ticket_type_id=student.id)
    leaving = make_registration(event, "confirmed", ticket_type_id=regular.id)
    first = make_registration(
        event, "waitlisted", ticket_type_id=student.id, waitlisted_at=NOW - timedelta(hours=2)
    )
    second = make_registration(
        event, "waitlisted", ticket_type_id=regular.id, waitlisted_at=NOW - timedelta(hours=1)
    )
    leaving.state = "cancelled"
    db.session.flush()
    with app.test_request_context():
        offered = seats.offer_next_seat(event, now=NOW)
    assert offered == [second]
    assert (first.state, second.state) == ("waitlisted", "offered")


def test_without_types_the_longest_waiting_is_offered_as_before(app):
    event = make_event(capacity=1)
    first = make_registration(event, "waitlisted", waitlisted_at=NOW - timedelta(hours=2))
    make_registration(event, "waitlisted", waitlisted_at=NOW - timedelta(hours=1))
    with app.test_request_context():
        assert seats.offer_next_seat(event, now=NOW) == [first]


def test_a_late_payment_for_a_sold_out_type_is_refunded(app):
    event = make_event(capacity=10)
    student = make_ticket_type(event, "student", capacity=1)
    late = make_registration(event, "expired", paying=True, ticket_type_id=student.id)
    make_registration(event, "confirmed", ticket_type_id=student.id)
    with app.test_request_context():
        assert registrations.payment_succeeded(late, now=NOW) == "refund"
    assert late.state == "refunded"


def test_a_late_payment_with_its_type_free_is_confirmed(app):
    event = make_event(capacity=10)
    student = make_ticket_type(event, "student", capacity=2)
    late = make_registration(event, "expired", paying=True, ticket_type_id=student.id)
    make_registration(event, "confirmed", ticket_type_id=student.id)
    with app.test_request_context():
        assert registrations.payment_succeeded(late, now=NOW) == "confirmed"
