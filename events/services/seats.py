"""Seats: counting, the one function that changes a registration's state, allocation and offers.

A seat is taken by every registration in `events.payments.HOLDS_SEAT` (pending_payment,
confirmed, offered). Functions that change seats must run under `lock_event` for the event
(they take it themselves; taking it again in the same transaction is cheap), so two
requests never both see the last seat free.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import Literal, overload

import sqlalchemy as sa

from core.audit.services import record
from core.extensions import db
from core.locking import lock_row
from events import payments
from events.models import Event, Registration
from events.payments import RegEvent, RegState
from events.services import notices, ticket_choice, ticket_codes, vouchers
from events.services.funnel import DO, count_step

HOLDING_STATES = tuple(sorted(s.value for s in payments.HOLDS_SEAT))
#: PostgreSQL: how long a transaction waits for the event lock (and any lock after it)
#: before the database raises OperationalError (a webhook then answers 503 and the
#: provider retries; nothing waits forever)
LOCK_TIMEOUT_MS = 10_000


@overload
def lock_event(event_id: int, *, skip_locked: Literal[False] = False) -> Event: ...


@overload
def lock_event(event_id: int, *, skip_locked: bool) -> Event | None: ...


def lock_event(event_id: int, *, skip_locked: bool = False) -> Event | None:
    """THE event lock: the event with `event_id`, locked for the rest of the transaction
    (`core.locking.lock_row`, waiting at most LOCK_TIMEOUT_MS on PostgreSQL).

    Every change to an event's seats, registrations' states or payments takes it first,
    before changing anything in the session; re-locking in the same transaction is cheap.
    With `skip_locked` (scheduled jobs) returns None when another transaction holds it
    (PostgreSQL). Raises NotFound when there is no such event, OperationalError after the
    lock timeout, and RuntimeError when the session has unflushed changes (SQLite).
    """
    return lock_row(Event, event_id, skip_locked=skip_locked, timeout_ms=LOCK_TIMEOUT_MS)


def counts(event_id: int) -> tuple[int, int]:
    """(seat-holding registrations, waitlisted registrations) of the event, in one query."""
    row = db.session.execute(_counts_statement(), {"event_id": event_id}).one()
    return int(row[0]), int(row[1])


@cache
def _counts_statement() -> sa.Select:
    """`counts`' query, built once (every event page asks it; for the `event_id` parameter)."""
    holding = sa.func.coalesce(
        sa.func.sum(sa.case((Registration.state.in_(HOLDING_STATES), 1), else_=0)), 0
    )
    waiting = sa.func.coalesce(
        sa.func.sum(sa.case((Registration.state == RegState.WAITLISTED.value, 1), else_=0)), 0
    )
    return sa.select(holding, waiting).where(Registration.event_id == sa.bindparam("event_id"))


def waitlist_position(registration: Registration) -> int | None:
    """Where `registration` stands on its event's waiting list: 1 for the next to be offered a
    seat, None when it is not waitlisted. One query counting the waitlisted registrations of
    the same event ahead of it in the queue order `offer_next_seat` uses (`waitlisted_at`,
    then id). Not under the event lock: a position shown to a person, not a seat decision."""
    if registration.state != RegState.WAITLISTED.value:
        return None
    at = registration.waitlisted_at
    before = (
        Registration.id < registration.id  # rows from before `waitlisted_at` was kept
        if at is None
        else sa.or_(
            Registration.waitlisted_at < at,
            sa.and_(Registration.waitlisted_at == at, Registration.id < registration.id),
        )
    )
    ahead = db.session.scalar(
        sa.select(sa.func.count(Registration.id)).where(
            Registration.event_id == registration.event_id,
            Registration.state == RegState.WAITLISTED.value,
            before,
        )
    )
    return int(ahead or 0) + 1


def seats_free(event: Event) -> int:
    """Free seats right now (0 when full or over-full). Exact only under `lock_event`."""
    return payments.seats_left(event.capacity, counts(event.id)[0])


def holding_by_event(event_ids: Iterable[int]) -> dict[int, int]:
    """Seat-holding registrations per event id, for listing pages (one GROUP BY query)."""
    ids = list(event_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(Registration.event_id, sa.func.count())
        .where(Registration.event_id.in_(ids), Registration.state.in_(HOLDING_STATES))
        .group_by(Registration.event_id)
    )
    return {event_id: count for event_id, count in rows}


def transition(registration: Registration, what: RegEvent, *, now: datetime, actor=None) -> str:
    """Apply `what` to the registration via `events.payments.next_state`; set the matching
    timestamp; write an audit entry. Returns the new state. Raises TransitionError when the
    table does not allow `what` in the current state. A registration that becomes confirmed
    gets its ticket code (`ticket_codes.assign_code`)."""
    old = registration.state
    new = payments.next_state(old, what)
    registration.state = new.value
    registration.updated_at = now
    if new is RegState.CONFIRMED:
        registration.confirmed_at = now
    elif new is RegState.WAITLISTED:
        registration.waitlisted_at = now
    elif new is RegState.CANCELLED:
        registration.cancelled_at = now
    db.session.flush()
    if new is RegState.CONFIRMED:
        ticket_codes.assign_code(registration)  # the QR ticket's code, once
    if new is RegState.CONFIRMED and not registration.comp:  # a seat given by staff: no "do"
        count_step(registration.event_id, DO, now=now)
    record(
        f"registration.{what.value}",
        registration,
        now=now,
        actor=actor,
        scope=registration.event,
        event_id=registration.event_id,
        from_state=old,
        to_state=new.value,
    )
    vouchers.after_transition(registration, what.value, old, new.value)
    return new.value


def confirm(registration: Registration, what: RegEvent, *, now: datetime, actor=None) -> None:
    """Transition to confirmed with `what` and queue the confirmation with the .ics."""
    transition(registration, what, now=now, actor=actor)
    notices.send_confirmation(registration, now=now)


def hold(registration: Registration, what: RegEvent, event: Event, *, now: datetime) -> None:
    """Transition to pending_payment with `what`; the seat is held for at least 30 minutes
    (`events.payments.hold_expires_at`). Raises PaymentRuleError once the event started."""
    expires = payments.hold_expires_at(now, minutes=event.hold_minutes, event_start=event.starts_at)
    transition(registration, what, now=now)
    registration.hold_expires_at = expires


def offer_next_seat(event: Event, *, now: datetime) -> list[Registration]:
    """While seats are free and people wait, offer a seat to the longest-waiting one (whose
    ticket type, if it has its own capacity, has a seat left).

    Each offer: state offered, `offer_expires_at` = min(now + event.offer_hours, start), and
    an `event_offer` mail with the one-time link. No offers once the event has started.
    Takes the event lock. Returns the registrations that got an offer.
    """
    event = lock_event(event.id)
    if now >= event.starts_at:
        return []
    holding, waiting = counts(event.id)
    free = payments.seats_left(event.capacity, holding)
    offered: list[Registration] = []
    while free > 0 and waiting > 0:
        full = ticket_choice.full_type_ids(event)  # skip those whose ticket type is sold out
        nxt = db.session.scalar(
            sa.select(Registration)
            .where(
                Registration.event_id == event.id,
                Registration.state == RegState.WAITLISTED.value,
                sa.or_(
                    Registration.ticket_type_id.is_(None), Registration.ticket_type_id.not_in(full)
                )
                if full
                else sa.true(),
            )
            .order_by(Registration.waitlisted_at, Registration.id)
            .limit(1)
        )
        if nxt is None:
            break
        transition(nxt, RegEvent.OFFER, now=now)
        nxt.offer_expires_at = payments.offer_expires_at(
            now, hours=event.offer_hours, event_start=event.starts_at
        )
        notices.send_offer(nxt, now=now)
        offered.append(nxt)
        free -= 1
        waiting -= 1
    return offered


def allocate_seat(registration: Registration, event: Event, *, now: datetime) -> str:
    """Give a verified, priced registration (pending_verification) its place; returns the state.

    Takes the event lock and counts seats in one query. People already waiting are offered
    free seats first (nobody jumps the queue). Then: a free seat and nothing to pay ->
    confirmed (+ confirmation with .ics); a free seat and a price -> pending_payment with a
    hold; no free seat -> waitlisted (+ `event_waitlisted` mail). A free seat but none left of
    its ticket type's own capacity: nothing changes (pending_verification; the registrant
    chooses another type, `ticket_choice.needs_choice`).
    """
    event = lock_event(event.id)
    holding, waiting = counts(event.id)
    if waiting and payments.seats_left(event.capacity, holding):
        offer_next_seat(event, now=now)
        holding, waiting = counts(event.id)
    if payments.seats_left(event.capacity, holding) == 0:
        transition(registration, RegEvent.WAITLIST, now=now)
        notices.send_waitlisted(registration, now=now, position=waitlist_position(registration))
    elif not ticket_choice.type_has_room(registration):
        pass  # its ticket type sold out: it stays verified and the registrant chooses another
    elif registration.gross_cents == 0:
        confirm(registration, RegEvent.VERIFIED_FREE, now=now)
    else:
        hold(registration, RegEvent.VERIFIED_PAID, event, now=now)
    db.session.flush()
    return registration.state
