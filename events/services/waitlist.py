"""Offers from the waiting list, cancelling, and the scheduled expiry of holds and offers.

Every change runs under the event lock (`seats.lock_event`). The scheduled jobs
(`expire_holds`, `expire_offers`) are idempotent and safe on several hosts at once: on
PostgreSQL each claims the events it works on with ``FOR UPDATE SKIP LOCKED`` (an event
another host or a request is busy with is left for the next run; always the event row
first, so no lock-order deadlocks), on SQLite BEGIN IMMEDIATE serialises them.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core.accounts.models import has_staff_rights
from core.extensions import db
from events import payments
from events.models import Event, Registration
from events.payments import RegEvent, RegState
from events.services import notices, seats
from events.services.errors import NotAvailable, TooLate
from events.services.refunds import refund_registration
from events.services.seats import lock_event


def offer_state(registration: Registration, now: datetime) -> str:
    """The offer's status at `now`: "open" (can be accepted), "expired" (time ran out, also
    once `expire_offers` lapsed it) or "used" (accepted, cancelled or never offered)."""
    if registration.state == RegState.EXPIRED.value:
        lapsed = registration.offer_expires_at is not None and registration.hold_expires_at is None
        return "expired" if lapsed else "used"
    if registration.state != RegState.OFFERED.value:
        return "used"
    if registration.offer_expires_at is None or now >= registration.offer_expires_at:
        return "expired"
    return "open"


def accept_offer(registration: Registration, *, now: datetime) -> str:
    """Take the offered seat: free -> confirmed (+ confirmation); paid -> pending_payment with
    a hold (the view sends the browser on to payment). Returns the new state.

    Raises NotAvailable("offer_used") when the link was used already or the registration is
    not offered, NotAvailable("offer_expired") after `offer_expires_at`.
    """
    lock_event(registration.event_id)
    status = offer_state(registration, now)
    if status == "used":
        raise NotAvailable(
            _l("This offer has already been used or is no longer valid."), code="offer_used"
        )
    if status == "expired":
        raise NotAvailable(
            _l("This offer has expired; the seat went to the next person on the waiting list."),
            code="offer_expired",
        )
    if registration.gross_cents == 0:
        seats.confirm(registration, RegEvent.OFFER_ACCEPTED_FREE, now=now)
    else:
        seats.hold(registration, RegEvent.OFFER_ACCEPTED_PAID, registration.event, now=now)
    return registration.state


def cancel_registration(registration: Registration, *, now: datetime, actor=None) -> Registration:
    """Cancel (the attendee through the e-mail link, or an admin); a freed seat is offered to
    the next in line.

    The rule is `Registration.cancellation` (`events.payments.cancellation`): a confirmed
    attendee can cancel until `cancel_until_hours` before the start; anyone else (still
    verifying, paying, waiting, or offered) until the start. An admin `actor` is not bound by these deadlines
    (the audit entry names them). A paid confirmed registration is refunded via
    `events.services.refunds.refund_registration` (refund and credit note; it moves the
    registration on to refunded). `event_cancelled` is queued. Raises RefundError and
    GatewayError as the refund does.
    Raises NotAvailable("not_cancellable") when already cancelled/expired/refunded and
    TooLate("cancel_too_late") after the deadline.
    """
    event = lock_event(registration.event_id)
    state = RegState(registration.state)
    rule = registration.cancellation(now, by_admin=has_staff_rights(actor))
    if not rule.live:
        raise NotAvailable(_l("This registration is already cancelled."), code="not_cancellable")
    if not rule.allowed:
        raise TooLate(
            _l("Cancelling is no longer possible: the deadline has passed."),
            code="cancel_too_late",
        )
    _refuse_booked_seat(registration, refund=rule.refund)
    seats.transition(registration, RegEvent.CANCEL, now=now, actor=actor)
    if rule.refund:
        refund_registration(registration, now=now, reason="cancelled")
    notices.send_cancelled(registration, now=now, refunded=rule.refund)
    if state in payments.HOLDS_SEAT:
        seats.offer_next_seat(event, now=now)
    return registration


def _refuse_booked_seat(registration: Registration, *, refund: bool) -> None:
    """One attendee of a booking (`events.services.bookings`) cannot cancel a seat that is
    paid, or being paid, with the booking's one payment: the booker cancels the booking.
    A seat that cost nothing may be cancelled alone. Raises NotAvailable("part_of_booking")."""
    if registration.booking_id is None:
        return
    if refund or registration.state == RegState.PENDING_PAYMENT.value:
        raise NotAvailable(
            _l(
                "This seat was booked and paid together with others. Only the whole "
                "booking can be cancelled, by the person who booked it, from the booking page."
            ),
            code="part_of_booking",
        )


def _due_event_ids(state: RegState, column, now: datetime) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(Registration.event_id)
            .where(Registration.state == state.value, column <= now)
            .distinct()
            .order_by(Registration.event_id)
        )
    )


def _expire(state: RegState, column, what: RegEvent, now: datetime) -> int:
    done = 0
    for event_id in _due_event_ids(state, column, now):
        event = lock_event(event_id, skip_locked=True)
        if event is None:  # another host or a request is working on this event
            continue
        due = db.session.scalars(
            sa.select(Registration)
            .where(
                Registration.event_id == event_id,
                Registration.state == state.value,
                column <= now,
            )
            .order_by(Registration.id)
        ).all()
        for registration in due:
            seats.transition(registration, what, now=now)
        done += len(due)
        if due:
            seats.offer_next_seat(event, now=now)
    return done


def expire_holds(now: datetime) -> int:
    """Expire payment holds whose `hold_expires_at` has passed (pending_payment -> expired)
    and offer the freed seats. A payment that still arrives is handled by
    `registrations.payment_succeeded` (confirmed if a seat is free, else refunded).
    Returns how many holds expired."""
    return _expire(
        RegState.PENDING_PAYMENT, Registration.hold_expires_at, RegEvent.HOLD_EXPIRED, now
    )


def offer_free_seats(now: datetime) -> int:
    """The scheduler's safety net: offer every free seat of an upcoming event to its waiting
    list, whatever freed it (a capacity raised by `flask events load`, say). Events another
    host or a request holds are skipped this time. Returns how many offers were made."""
    waiting_events = db.session.scalars(
        sa.select(Registration.event_id)
        .join(Event, Event.id == Registration.event_id)
        .where(Registration.state == RegState.WAITLISTED.value, Event.starts_at > now)
        .distinct()
    ).all()
    offered = 0
    for event_id in waiting_events:
        event = lock_event(event_id, skip_locked=True)
        if event is not None:
            offered += len(seats.offer_next_seat(event, now=now))
    return offered


def expire_offers(now: datetime) -> int:
    """Lapse unused offers whose `offer_expires_at` has passed (offered -> expired) and pass
    the seats on to the next in line. Returns how many offers lapsed."""
    return _expire(RegState.OFFERED, Registration.offer_expires_at, RegEvent.OFFER_LAPSED, now)
