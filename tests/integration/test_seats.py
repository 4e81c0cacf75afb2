"""Seats: allocation on verification, holds, payment decisions, locking (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from functools import partial

import pytest
import sqlalchemy as sa

from core.emails import candidate_domains, email_domain
from core.errors import NotFound
from core.extensions import db
from core.locking import lock_row, write_transaction
from events.models import Event, Registration
from events.pricing import Audience
from events.services import registrations, seats, waitlist
from events.services.membership import audience_for
from events.services.seats import lock_event
from tests.factories import (
    NOW,
    billing,
    make_event,
    make_member_org,
    make_registration,
    register,
)
from tests.threads import run_together


@pytest.fixture(autouse=True)
def _context(app):
    with app.test_request_context():  # e-mails contain absolute links
        yield


def _states(event) -> dict[str, int]:
    rows = db.session.execute(
        sa.select(Registration.state, sa.func.count())
        .where(Registration.event_id == event.id)
        .group_by(Registration.state)
    )
    return dict(rows.all())


def test_fifty_seats_fifty_confirmed_and_the_51st_is_waitlisted(app, outbox):
    event = make_event(capacity=50, price_non_member_cents=0)
    people = [register(event, f"p{i}@example.org") for i in range(51)]
    assert _states(event) == {"confirmed": 50, "waitlisted": 1}
    last = people[-1]
    assert last.state == "waitlisted" and last.waitlisted_at == NOW
    assert len(outbox(to=last.email, kind="event_waitlisted")) == 1
    assert len(outbox(kind="event_confirmed")) == 50


def test_member_of_a_paid_event_is_confirmed_free(app, outbox):
    make_member_org("DDMA", "ddma.nl")
    event = make_event()
    registration = register(event, "isa@ddma.nl")
    assert registration.state == "confirmed"
    assert registration.audience == "member" and registration.gross_cents == 0
    assert registration.member_organisation.name == "DDMA"
    (mail,) = outbox(kind="event_confirmed")
    assert mail.attachments[0]["content_type"] == "text/calendar"


def test_non_member_holds_a_seat_for_at_least_30_minutes_at_the_right_price(app):
    event = make_event(hold_minutes=5)
    registration = register(event, "jan@example.org", with_billing=True)
    assert registration.state == "pending_payment"
    assert registration.hold_expires_at == NOW + timedelta(minutes=30)
    assert (registration.net_cents, registration.vat_cents, registration.gross_cents) == (
        5000,
        1050,
        6050,
    )
    assert registration.vat_rate == Decimal("0.21") and not registration.reverse_charge
    assert seats.counts(event.id) == (1, 0)


def test_online_event_for_a_business_in_another_eu_country_is_reverse_charged(app):
    event = make_event(online=True)
    be = billing(country="BE", vat_id="BE0123456789", city="Brussel")
    registration = register(event, "an@example.be", billing=be)
    assert registration.reverse_charge and registration.vat_rate == 0
    assert (registration.net_cents, registration.vat_cents, registration.gross_cents) == (
        5000,
        0,
        5000,
    )


def test_in_person_event_charges_dutch_vat_to_a_foreign_business(app):
    event = make_event(online=False, location="Weesperstraat 5, Amsterdam")
    be = billing(country="BE", vat_id="BE0123456789", city="Brussel")
    registration = register(event, "an@example.be", billing=be)
    assert not registration.reverse_charge and registration.gross_cents == 6050


def test_full_event_waitlists_even_a_paying_registrant(app):
    event = make_event(capacity=1)
    first = register(event, "a@example.org", with_billing=True)
    second = register(event, "b@example.org", with_billing=True)
    assert (first.state, second.state) == ("pending_payment", "waitlisted")
    assert second.gross_cents == 6050  # the price is quoted for a later offer


def test_expired_hold_releases_the_seat_to_the_waiting_list(app, clock, outbox):
    event = make_event(capacity=1)
    holder = register(event, "a@example.org", with_billing=True)
    waiting = register(event, "b@example.org", with_billing=True)
    clock.advance(minutes=29)
    assert waitlist.expire_holds(clock()) == 0
    clock.advance(minutes=1)
    assert waitlist.expire_holds(clock()) == 1
    db.session.commit()
    assert (holder.state, waiting.state) == ("expired", "offered")
    assert outbox(to="b@example.org", kind="event_offer")
    assert waitlist.expire_holds(clock()) == 0  # idempotent


def _held(event, email="a@example.org"):
    return register(event, email, with_billing=True)


def test_payment_within_the_hold_confirms(app, outbox):
    registration = _held(make_event())
    assert registrations.payment_succeeded(registration, now=NOW) == "confirmed"
    assert registration.state == "confirmed" and registration.confirmed_at == NOW
    assert outbox(kind="event_confirmed")


def test_late_payment_confirms_when_a_seat_is_still_free(app, clock):
    event = make_event(capacity=1)
    registration = _held(event)
    clock.advance(minutes=31)
    waitlist.expire_holds(clock())
    assert registration.state == "expired"
    assert registrations.payment_succeeded(registration, now=clock()) == "confirmed"
    assert registration.state == "confirmed"


def test_late_payment_is_refunded_when_the_event_filled_up(app, clock, outbox):
    event = make_event(capacity=1)
    registration = _held(event)
    clock.advance(minutes=31)
    waitlist.expire_holds(clock())
    db.session.commit()
    register(event, "b@example.org", now=clock(), with_billing=True)  # takes the seat
    assert registrations.payment_succeeded(registration, now=clock()) == "refund"
    assert registration.state == "refunded"
    assert outbox(to="a@example.org", kind="event_late_payment_refunded")


def test_duplicate_payment_is_a_noop(app, outbox):
    registration = _held(make_event())
    registrations.payment_succeeded(registration, now=NOW)
    assert registrations.payment_succeeded(registration, now=NOW) == "noop"
    assert len(outbox(kind="event_confirmed")) == 1


def test_payment_after_cancelling_is_refunded(app):
    registration = _held(make_event())
    waitlist.cancel_registration(registration, now=NOW)
    assert registrations.payment_succeeded(registration, now=NOW) == "refund"
    assert registration.state == "refunded"


def test_expired_checkout_releases_the_seat(app, outbox):
    event = make_event(capacity=1)
    holder = _held(event)
    waiting = _held(event, "b@example.org")
    assert registrations.checkout_expired(holder, now=NOW) is True
    assert (holder.state, waiting.state) == ("expired", "offered")
    assert registrations.checkout_expired(holder, now=NOW) is False  # no-op now


def test_failed_payment_keeps_the_seat_held(app, outbox):
    event = make_event(capacity=1)
    holder = _held(event)
    waiting = _held(event, "b@example.org")
    assert registrations.payment_failed(holder, now=NOW) is True
    assert (holder.state, waiting.state) == ("pending_payment", "waitlisted")


def test_membership_matches_domain_and_subdomains_only(app):
    make_member_org("DDMA", "ddma.nl")
    assert audience_for("a@DDMA.nl")[0] is Audience.MEMBER
    assert audience_for("a@marketing.ddma.nl")[0] is Audience.MEMBER
    for email in ("a@notddma.nl", "a@ddma.nl.evil.com", "a@nl", "ddma.nl"):
        assert audience_for(email) == (Audience.NON_MEMBER, None)
    assert email_domain("x@Sub.Example.ORG.") == "sub.example.org"
    assert candidate_domains("a.b.nl") == ["a.b.nl", "b.nl"]


def test_membership_of_a_logged_in_user_needs_their_verified_address(app, make_user):
    make_member_org("DDMA", "ddma.nl")
    unverified = make_user("kim@ddma.nl", verified=False)
    with pytest.raises(ValueError):
        audience_for("kim@ddma.nl", user=unverified)
    verified = make_user("lot@ddma.nl")
    with pytest.raises(ValueError):
        audience_for("other@ddma.nl", user=verified)
    assert audience_for("lot@ddma.nl", user=verified)[0] is Audience.MEMBER


def test_lock_event_refuses_unflushed_changes_and_is_reentrant(app):
    event = make_event()
    db.session.commit()
    event_id = event.id
    if db.engine.dialect.name == "sqlite":
        db.session.scalar(sa.select(sa.func.count()).select_from(Registration))  # a read txn
        event.capacity = 3
        with pytest.raises(RuntimeError):
            lock_event(event_id)
        db.session.rollback()
    locked = lock_event(event_id)
    make_registration(locked, "confirmed")
    db.session.commit()
    locked = lock_event(event_id)
    assert lock_event(event_id) is locked
    with pytest.raises(NotFound):
        lock_event(event_id + 1000)
    db.session.rollback()


def test_lock_row_locks_any_model_and_raises_not_found(app):
    event = make_event()
    registration = make_registration(event, "confirmed")
    assert lock_row(Registration, registration.id) is registration
    assert lock_row(Event, event.id, skip_locked=True) is event
    with pytest.raises(NotFound):
        lock_row(Registration, registration.id + 1000)
    db.session.rollback()


def test_write_transaction_keeps_a_transaction_that_already_wrote(app):
    event = make_event()
    registration = make_registration(event, "confirmed")
    registration.name = "Changed"
    db.session.flush()
    write_transaction()  # holds the write lock already: nothing is rolled back
    assert db.session.scalar(sa.select(Registration.name)) == "Changed"
    db.session.rollback()


def test_parallel_verifications_for_the_last_seat_give_one_hold(app, clock):
    """4 threads verify at once for 1 seat: no "database is locked", exactly one hold."""
    event = make_event(capacity=1)
    pending = [
        register(event, f"t{i}@example.org", verify=False, with_billing=True).id for i in range(4)
    ]

    def verify(registration_id: int):
        registration = db.session.get(Registration, registration_id)
        return registrations.verify_registration(registration, now=clock())

    _, errors = run_together(app, [partial(verify, rid) for rid in pending])
    assert errors == []
    assert _states(event) == {"pending_payment": 1, "waitlisted": 3}
