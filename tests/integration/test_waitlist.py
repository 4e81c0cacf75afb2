"""Waiting list: offers, accepting, lapsing, cancelling, scheduled jobs and reminders."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import current_app

from core.extensions import db
from events.models import Invoice, Payment, Registration
from events.providers import gateway_for
from events.services import checkout, mailings, seats, waitlist
from events.services.errors import NotAvailable, TooLate
from events.services.refunds import RefundError
from tests.factories import (
    NOW,
    START,
    make_event,
    make_registration,
    register,
)
from tests.threads import run_together


@pytest.fixture(autouse=True)
def _context(app):
    with app.test_request_context():
        yield


def _full_free_event(capacity=1, **kw):
    event = make_event(capacity=capacity, price_non_member_cents=0, **kw)
    attendees = [register(event, f"a{i}@example.org") for i in range(capacity)]
    return event, attendees


def test_cancellation_offers_the_seat_to_the_51st_who_accepts(app, outbox):
    event, attendees = _full_free_event(capacity=50)
    fifty_first = register(event, "late@example.org")
    assert fifty_first.state == "waitlisted"
    waitlist.cancel_registration(attendees[0], now=NOW)
    db.session.commit()
    assert fifty_first.state == "offered"
    assert fifty_first.offer_expires_at == NOW + timedelta(hours=24)
    (mail,) = outbox(to="late@example.org", kind="event_offer")
    assert f"/events/r/{fifty_first.token}/offer" in mail.body_text
    assert outbox(to=attendees[0].email, kind="event_cancelled")
    assert waitlist.accept_offer(fifty_first, now=NOW + timedelta(hours=1)) == "confirmed"
    assert outbox(to="late@example.org", kind="event_confirmed")
    assert seats.counts(event.id) == (50, 0)


def test_offers_go_to_the_longest_waiting_first(app, clock):
    event, (attendee,) = _full_free_event()
    first = register(event, "first@example.org", now=NOW)
    second = register(event, "second@example.org", now=NOW + timedelta(minutes=5))
    waitlist.cancel_registration(attendee, now=NOW + timedelta(minutes=10))
    assert (first.state, second.state) == ("offered", "waitlisted")


def test_an_unused_offer_passes_to_the_next_after_expiry(app, clock, outbox):
    event, (attendee,) = _full_free_event(offer_hours=12)
    first = register(event, "first@example.org")
    second = register(event, "second@example.org")
    waitlist.cancel_registration(attendee, now=clock())
    db.session.commit()
    clock.advance(hours=11, minutes=59)
    assert waitlist.expire_offers(clock()) == 0
    clock.advance(minutes=1)
    assert waitlist.expire_offers(clock()) == 1
    db.session.commit()
    assert (first.state, second.state) == ("expired", "offered")
    assert outbox(to="second@example.org", kind="event_offer")
    with pytest.raises(NotAvailable) as info:
        waitlist.accept_offer(first, now=clock())
    assert info.value.code == "offer_expired"  # lapsed: told it expired, not "already used"


def test_an_offer_never_runs_past_the_start_and_none_are_made_after_it(app):
    event, (attendee,) = _full_free_event(offer_hours=48)
    waiting = register(event, "w@example.org")
    late = START - timedelta(hours=30)  # the cancel deadline (24 h) has not passed yet
    waitlist.cancel_registration(attendee, now=late)
    assert waiting.offer_expires_at == START
    waitlist.expire_offers(START)
    assert waiting.state == "expired"
    db.session.commit()
    other = make_registration(event, "waitlisted", email="x@example.org", waitlisted_at=NOW)
    assert seats.offer_next_seat(event, now=START) == []
    assert other.state == "waitlisted"


def test_an_offer_cannot_be_used_after_it_expired_or_twice(app):
    event, (attendee,) = _full_free_event()
    waiting = register(event, "w@example.org")
    waitlist.cancel_registration(attendee, now=NOW)
    with pytest.raises(NotAvailable) as info:
        waitlist.accept_offer(waiting, now=NOW + timedelta(hours=24))
    assert info.value.code == "offer_expired"
    waitlist.accept_offer(waiting, now=NOW + timedelta(hours=1))
    with pytest.raises(NotAvailable) as info:
        waitlist.accept_offer(waiting, now=NOW + timedelta(hours=2))
    assert info.value.code == "offer_used"


def test_accepting_a_paid_offer_holds_the_seat_for_payment(app):
    event = make_event(capacity=1)
    holder = register(event, "a@example.org", with_billing=True)
    waiting = register(event, "b@example.org", with_billing=True)
    waitlist.cancel_registration(holder, now=NOW)
    at = NOW + timedelta(hours=2)
    assert waitlist.accept_offer(waiting, now=at) == "pending_payment"
    assert waiting.hold_expires_at == at + timedelta(minutes=30)


def test_confirmed_attendee_cannot_cancel_after_the_deadline(app):
    event, (attendee,) = _full_free_event(cancel_until_hours=48)
    waiting = register(event, "w@example.org")
    deadline = START - timedelta(hours=48)
    assert attendee.cancellation(deadline - timedelta(seconds=1)).allowed
    with pytest.raises(TooLate):
        waitlist.cancel_registration(attendee, now=deadline)
    assert attendee.state == "confirmed"
    waitlist.cancel_registration(waiting, now=deadline)  # leaving the waiting list is fine
    assert waiting.state == "cancelled"
    with pytest.raises(NotAvailable):
        waitlist.cancel_registration(waiting, now=deadline)


def test_admin_may_cancel_after_the_deadline(app, make_user):
    _event, (attendee,) = _full_free_event(cancel_until_hours=48)
    admin = make_user(admin=True)
    waitlist.cancel_registration(attendee, now=START - timedelta(hours=1), actor=admin)
    assert attendee.state == "cancelled"


def _paid_confirmed(event):
    """A registration paid through the local checkout (no Stripe key in tests): confirmed,
    with a paid Payment and an invoice, committed like the webhook request would."""
    registration = register(event, "payer@example.org", with_billing=True)
    gateway = gateway_for(current_app)
    payment = checkout.start_checkout(registration, now=NOW, gateway=gateway)
    gateway.pay(payment.session_id)
    assert checkout.fulfil_session(payment.session_id, now=NOW, gateway=gateway) == "confirmed"
    db.session.commit()
    assert registration.state == "confirmed"
    return registration


def test_cancelling_a_paid_seat_refunds_it(app, outbox):
    event = make_event(capacity=1)
    registration = _paid_confirmed(event)
    waiting = register(event, "w@example.org", with_billing=True)
    waitlist.cancel_registration(registration, now=NOW)
    db.session.commit()
    assert registration.state == "refunded" and waiting.state == "offered"
    payment = db.session.scalar(
        sa.select(Payment).where(Payment.registration_id == registration.id)
    )
    assert payment.status == "refunded" and payment.refund_id.startswith("re_test_local_")
    assert [i.series for i in db.session.scalars(sa.select(Invoice).order_by(Invoice.id))] == [
        "invoice",
        "credit_note",
    ]
    (mail,) = outbox(to="payer@example.org", kind="event_cancelled")
    assert "€60,50" in mail.body_text
    assert outbox(to="payer@example.org", kind="event_refund")


def test_cancelling_a_free_seat_only_cancels(app, outbox):
    _event, (registration,) = _full_free_event()
    waitlist.cancel_registration(registration, now=NOW)
    db.session.commit()
    assert registration.state == "cancelled"
    (mail,) = outbox(kind="event_cancelled")
    assert "€60,50" not in mail.body_text
    assert not outbox(kind="event_refund")


def test_a_paid_seat_without_a_payment_is_not_cancelled_silently(app, outbox):
    registration = make_registration(make_event(), state="confirmed", gross_cents=6050)
    db.session.commit()  # the refusal's rollback must find the seat as it was
    with pytest.raises(RefundError) as err:
        waitlist.cancel_registration(registration, now=NOW)
    assert err.value.code == "nothing_to_refund"
    db.session.rollback()
    assert db.session.get(Registration, registration.id).state == "confirmed"
    assert not outbox(kind="event_cancelled")


def test_expire_holds_command_is_idempotent(app, clock, outbox):
    event = make_event(capacity=1)
    register(event, "a@example.org", with_billing=True)
    waiting = register(event, "b@example.org", with_billing=True)
    clock.advance(minutes=45)
    runner = app.test_cli_runner()
    args = ["events", "expire-holds", "--base-url", "https://events.example.org"]
    first = runner.invoke(args=args)
    assert first.exit_code == 0, first.output
    assert "Expired 1 payment hold(s)" in first.output
    second = runner.invoke(args=args)
    assert "Expired 0 payment hold(s) and 0 offer(s)" in second.output
    db.session.rollback()
    assert db.session.get(Registration, waiting.id).state == "offered"
    (mail,) = outbox(to="b@example.org", kind="event_offer")
    assert "https://events.example.org/events/r/" in mail.body_text


def test_commands_refuse_to_run_without_a_base_url(app, monkeypatch):
    monkeypatch.delenv("PODIUM_BASE_URL", raising=False)
    result = app.test_cli_runner().invoke(args=["events", "send-reminders"])
    assert result.exit_code != 0 and "--base-url" in result.output


def test_reminders_go_once_to_confirmed_attendees_of_events_within_24_hours(app, clock, outbox):
    soon = make_event(join_url="https://meet.example.org/talk", price_non_member_cents=0)
    later = make_event(slug="later", starts_at=START + timedelta(days=7), price_non_member_cents=0)
    confirmed = register(soon, "yes@example.org")
    register(later, "later@example.org")
    make_registration(soon, "waitlisted", email="wait@example.org")
    clock.set(START - timedelta(hours=23))
    runner = app.test_cli_runner()
    args = ["events", "send-reminders", "--base-url", "https://events.example.org"]
    assert "Queued 1 reminder(s)" in runner.invoke(args=args).output
    assert "Queued 0 reminder(s)" in runner.invoke(args=args).output
    db.session.rollback()
    (mail,) = outbox(kind="event_reminder")
    assert mail.to_addr == confirmed.email
    assert "https://meet.example.org/talk" in mail.body_text
    assert db.session.get(Registration, confirmed.id).reminder_sent_at == clock()


def test_parallel_scheduled_runs_expire_each_hold_once(app, clock, outbox):
    """Two hosts run expire-holds + send-reminders at once: every hold expires once, one
    offer per freed seat, one reminder per attendee, no errors."""
    events = [make_event(slug=f"e{i}", capacity=1) for i in range(3)]
    for event in events:
        register(event, f"hold-{event.slug}@example.org", with_billing=True)
        register(event, f"wait-{event.slug}@example.org", with_billing=True)
    reminded = make_event(slug="free", price_non_member_cents=0)
    for i in range(2):
        register(reminded, f"attendee-{i}@example.org")
    clock.set(START - timedelta(hours=2))

    def run() -> tuple[int, int]:
        return waitlist.expire_holds(clock()), mailings.send_reminders(clock())

    results, errors = run_together(app, [run, run])
    assert errors == []
    assert sum(held for held, _ in results) == 3
    assert len(outbox(kind="event_offer")) == 3
    assert sum(sent for _, sent in results) == 2
    assert len(outbox(kind="event_reminder")) == 2


def test_reminder_invites_cancelling_only_before_the_deadline(app, clock, outbox):
    open_event = make_event(slug="open", price_non_member_cents=0, cancel_until_hours=2)
    closed_event = make_event(slug="closed", price_non_member_cents=0, cancel_until_hours=48)
    register(open_event, "open@example.org")
    register(closed_event, "closed@example.org")
    clock.set(START - timedelta(hours=20))
    assert mailings.send_reminders(clock()) == 2
    db.session.commit()
    # the registrants registered in Dutch (the default): their reminders are in Dutch
    invitation = "Annuleer dan je aanmelding, zodat iemand op de wachtlijst je plek krijgt"
    (open_mail,) = outbox(to="open@example.org", kind="event_reminder")
    (closed_mail,) = outbox(to="closed@example.org", kind="event_reminder")
    assert invitation in open_mail.body_text
    assert invitation not in closed_mail.body_text
    assert "Je aanmelding:" in closed_mail.body_text


def test_the_scheduler_offers_seats_freed_without_an_expiry(app, clock, outbox):
    """A capacity raised outside the admin screen (e.g. by `flask events load`): the next
    `expire-holds` run offers the new seat to the first in line."""
    event = make_event(capacity=1, price_non_member_cents=0)
    register(event, "first@example.org")
    waiting = register(event, "second@example.org")
    assert waiting.state == "waitlisted"
    event.capacity = 2
    db.session.commit()
    assert waitlist.offer_free_seats(clock()) == 1
    db.session.commit()
    assert db.session.get(Registration, waiting.id).state == "offered"
    assert outbox(to="second@example.org", kind="event_offer")
    assert waitlist.offer_free_seats(clock()) == 0  # nothing more to offer
