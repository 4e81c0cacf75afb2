"""Registration and payment state machine. Pure: standard library only.

Every state change of a registration goes through ``next_state`` and the explicit
``TRANSITIONS`` table; anything not in the table raises ``TransitionError``.
All datetimes must be timezone-aware; results are in UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Literal, NamedTuple


class RegState(StrEnum):
    """Where a registration is."""

    PENDING_VERIFICATION = "pending_verification"  # e-mail address not yet confirmed
    PENDING_PAYMENT = "pending_payment"  # seat held while the buyer pays
    CONFIRMED = "confirmed"  # has a seat (paid, free or complimentary)
    WAITLISTED = "waitlisted"  # event was full; waiting for a seat
    OFFERED = "offered"  # a freed seat is held for a waitlisted person
    CANCELLED = "cancelled"  # cancelled by the person or an admin
    EXPIRED = "expired"  # payment hold or offer ran out
    REFUNDED = "refunded"  # money returned; nothing can follow


class RegEvent(StrEnum):
    """What can happen to a registration."""

    VERIFIED_FREE = "verified_free"
    VERIFIED_PAID = "verified_paid"
    PAID = "paid"
    PAYMENT_FAILED = "payment_failed"
    HOLD_EXPIRED = "hold_expired"
    SESSION_EXPIRED = "session_expired"
    WAITLIST = "waitlist"
    OFFER = "offer"
    OFFER_ACCEPTED_FREE = "offer_accepted_free"
    OFFER_ACCEPTED_PAID = "offer_accepted_paid"
    OFFER_LAPSED = "offer_lapsed"
    CANCEL = "cancel"
    REFUND = "refund"
    LATE_PAYMENT_REFUNDED = "late_payment_refunded"
    COMP = "comp"


_S, _E = RegState, RegEvent

TRANSITIONS: Mapping[tuple[RegState, RegEvent], RegState] = MappingProxyType(
    {
        # E-mail verified, event free and a seat is available: done.
        (_S.PENDING_VERIFICATION, _E.VERIFIED_FREE): _S.CONFIRMED,
        # E-mail verified, event paid and a seat is available: hold it while paying.
        (_S.PENDING_VERIFICATION, _E.VERIFIED_PAID): _S.PENDING_PAYMENT,
        # E-mail verified but the event is full.
        (_S.PENDING_VERIFICATION, _E.WAITLIST): _S.WAITLISTED,
        # Payment completed within the hold.
        (_S.PENDING_PAYMENT, _E.PAID): _S.CONFIRMED,
        # Payment completed after the hold ran out and a seat was still free
        # (see late_payment_decision); when full, LATE_PAYMENT_REFUNDED instead.
        (_S.EXPIRED, _E.PAID): _S.CONFIRMED,
        # Asynchronous payment (e.g. iDEAL/SEPA) failed: the seat stays held until the hold
        # runs out, so the registrant can try again with a new checkout session.
        (_S.PENDING_PAYMENT, _E.PAYMENT_FAILED): _S.PENDING_PAYMENT,
        # Our hold ran out, or the Stripe Checkout session expired: the seat is released.
        (_S.PENDING_PAYMENT, _E.HOLD_EXPIRED): _S.EXPIRED,
        (_S.PENDING_PAYMENT, _E.SESSION_EXPIRED): _S.EXPIRED,
        # A seat became free: hold it for the next waitlisted person.
        (_S.WAITLISTED, _E.OFFER): _S.OFFERED,
        # Offer accepted: free events confirm, paid ones go on to payment.
        (_S.OFFERED, _E.OFFER_ACCEPTED_FREE): _S.CONFIRMED,
        (_S.OFFERED, _E.OFFER_ACCEPTED_PAID): _S.PENDING_PAYMENT,
        # Offer not accepted in time: the seat goes to the next person.
        (_S.OFFERED, _E.OFFER_LAPSED): _S.EXPIRED,
        # Cancelling is possible from every live state. A paid confirmed
        # registration is cancelled first and then refunded (or refunded directly).
        (_S.PENDING_VERIFICATION, _E.CANCEL): _S.CANCELLED,
        (_S.PENDING_PAYMENT, _E.CANCEL): _S.CANCELLED,
        (_S.WAITLISTED, _E.CANCEL): _S.CANCELLED,
        (_S.OFFERED, _E.CANCEL): _S.CANCELLED,
        (_S.CONFIRMED, _E.CANCEL): _S.CANCELLED,
        # Money returned: for a confirmed registration (admin refund) or a
        # cancelled one that had paid (including a payment arriving after cancelling).
        # The caller only sends REFUND when money was actually received.
        (_S.CONFIRMED, _E.REFUND): _S.REFUNDED,
        (_S.CANCELLED, _E.REFUND): _S.REFUNDED,
        # Money arrived after the hold expired and the event is full: refunded.
        (_S.EXPIRED, _E.LATE_PAYMENT_REFUNDED): _S.REFUNDED,
        # Admin's complimentary seat. Deliberately NOT from pending_payment: a
        # Checkout session may still be open there and its payment would then be
        # silently kept; cancel or let it expire first.
        (_S.PENDING_VERIFICATION, _E.COMP): _S.CONFIRMED,
        (_S.WAITLISTED, _E.COMP): _S.CONFIRMED,
        (_S.OFFERED, _E.COMP): _S.CONFIRMED,
    }
)

#: States that count against the event's capacity.
HOLDS_SEAT: frozenset[RegState] = frozenset(
    {RegState.PENDING_PAYMENT, RegState.CONFIRMED, RegState.OFFERED}
)
#: States in which a registration is over: it holds no seat, waits for nothing and
#: the person may register again. Only money reconciliation can still follow
#: (expired: PAID / LATE_PAYMENT_REFUNDED; cancelled: REFUND); refunded is final.
TERMINAL: frozenset[RegState] = frozenset({RegState.CANCELLED, RegState.EXPIRED, RegState.REFUNDED})
#: The live states: a registration in one of them can still be cancelled (by an admin at
#: any time, by the registrant within the deadlines of `cancellation`).
CANCELLABLE: frozenset[RegState] = frozenset(RegState) - TERMINAL

#: Stripe Checkout sessions live at least 30 minutes and at most 24 hours.
MIN_HOLD_MINUTES = 30
MAX_HOLD_MINUTES = 24 * 60


class TransitionError(ValueError):
    """An event that is not allowed in a state; ``code`` is "bad_transition"."""

    code = "bad_transition"

    def __init__(self, state: object, event: object) -> None:
        super().__init__(f"{event!s} is not allowed in state {state!s}")
        self.state = state
        self.event = event


class PaymentRuleError(ValueError):
    """A timing or capacity rule was broken; ``code`` is machine readable.

    Codes: ``naive_datetime``, ``event_started``, ``bad_duration``, ``bad_capacity``.
    """

    def __init__(self, code: str, message: str | None = None) -> None:
        super().__init__(message or code)
        self.code = code


def next_state(state: RegState | str, event: RegEvent | str) -> RegState:
    """The state after ``event`` happens in ``state``, per ``TRANSITIONS``.

    Plain strings with the enum values are accepted. Raises TransitionError for
    a pair not in the table or an unknown state/event.
    """
    try:
        key = (RegState(state), RegEvent(event))
    except ValueError:
        raise TransitionError(state, event) from None
    try:
        return TRANSITIONS[key]
    except KeyError:
        raise TransitionError(key[0], key[1]) from None


def _aware(*moments: datetime) -> None:
    for moment in moments:
        if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
            raise PaymentRuleError("naive_datetime", f"datetime must be aware: {moment!r}")


def _not_started(now: datetime, event_start: datetime) -> None:
    _aware(now, event_start)
    if now >= event_start:
        raise PaymentRuleError("event_started", "the event has already started")


def hold_expires_at(now: datetime, *, minutes: int = 30, event_start: datetime) -> datetime:
    """When a pending_payment seat hold ends: ``now + minutes`` in UTC.

    ``minutes`` is clamped into [30, 1440] because a Stripe Checkout session lives
    at least 30 minutes and at most 24 hours, and the hold must not end before
    the session can still be paid. So a hold started less than 30 minutes before
    the event may run past the start; registration itself is refused once the
    event has started. Raises PaymentRuleError("naive_datetime") for naive
    datetimes and PaymentRuleError("event_started") if ``now >= event_start``.
    """
    _not_started(now, event_start)
    minutes = min(max(minutes, MIN_HOLD_MINUTES), MAX_HOLD_MINUTES)
    return (now + timedelta(minutes=minutes)).astimezone(UTC)


def offer_expires_at(now: datetime, *, hours: int, event_start: datetime) -> datetime:
    """When a waitlist offer lapses: ``min(now + hours, event_start)`` in UTC.

    Raises PaymentRuleError("naive_datetime") for naive datetimes,
    PaymentRuleError("event_started") if ``now >= event_start`` and
    PaymentRuleError("bad_duration") if ``hours < 1``.
    """
    _not_started(now, event_start)
    if hours < 1:
        raise PaymentRuleError("bad_duration", f"offer must last at least an hour, got {hours}")
    return min(now + timedelta(hours=hours), event_start).astimezone(UTC)


def seats_left(capacity: int, holding: int) -> int:
    """Free seats: ``capacity - holding``, never negative (an over-full event has 0).

    ``holding`` is the number of registrations in ``HOLDS_SEAT`` states.
    Raises PaymentRuleError("bad_capacity") for a negative capacity or holding.
    """
    if capacity < 0 or holding < 0:
        raise PaymentRuleError("bad_capacity", f"negative capacity/holding: {capacity}/{holding}")
    return max(0, capacity - holding)


def few_left(capacity: int, holding: int, threshold: int | None = None) -> bool:
    """Whether to show "nog maar N plekken": 0 < seats_left <= threshold.

    ``threshold`` defaults to ``max(3, capacity // 10)``. Raises as ``seats_left``.
    """
    left = seats_left(capacity, holding)
    limit = max(3, capacity // 10) if threshold is None else threshold
    return 0 < left <= limit


def late_payment_decision(
    *, state: RegState, seats_available: int
) -> Literal["confirm", "refund", "noop"]:
    """What to do when a completed payment arrives for a registration.

    - pending_payment: "confirm" (its seat is held) -> next_state(PAID).
    - expired: "confirm" if ``seats_available > 0`` (the seat is taken again,
      next_state(PAID)), else "refund" (next_state(LATE_PAYMENT_REFUNDED)).
      ``seats_available`` must not count this registration: expired holds no seat.
    - confirmed, refunded: "noop"; a duplicate delivery of the same payment.
    - cancelled: "refund" (cancelled while paying) -> next_state(REFUND).
    Raises TransitionError(state, PAID) for states in which no payment can have
    been started (pending_verification, waitlisted, offered): that needs a human.
    """
    state = RegState(state)
    if state is RegState.PENDING_PAYMENT:
        return "confirm"
    if state is RegState.EXPIRED:
        return "confirm" if seats_available > 0 else "refund"
    if state in (RegState.CONFIRMED, RegState.REFUNDED):
        return "noop"
    if state is RegState.CANCELLED:
        return "refund"
    raise TransitionError(state, RegEvent.PAID)


class Cancellation(NamedTuple):
    """Whether and how a registration can be cancelled at a moment (see `cancellation`)."""

    #: the registrant (or, with ``by_admin``, an admin) may cancel now
    allowed: bool
    #: cancelling refunds money: a paid (not complimentary) confirmed seat
    refund: bool
    #: the registration is live (not cancelled, expired or refunded)
    live: bool
    #: when a confirmed registrant's right to cancel ends (``cancel_until_hours`` before)
    deadline: datetime


def cancellable_state(state: RegState | str) -> bool:
    """Whether a registration in ``state`` can be cancelled at all (it is in CANCELLABLE).

    An admin may cancel it whatever the deadlines. Raises ValueError for an unknown state.
    """
    return RegState(state) in CANCELLABLE


def cancel_deadline(starts_at: datetime, cancel_until_hours: int) -> datetime:
    """When confirmed attendees stop being able to cancel: ``cancel_until_hours`` before
    ``starts_at``, in UTC. Raises PaymentRuleError("naive_datetime") for a naive start."""
    _aware(starts_at)
    return (starts_at - timedelta(hours=cancel_until_hours)).astimezone(UTC)


def cancellation(
    state: RegState | str,
    *,
    gross_cents: int,
    comp: bool,
    starts_at: datetime,
    cancel_until_hours: int,
    now: datetime,
    by_admin: bool = False,
) -> Cancellation:
    """The cancellation rule for a registration in ``state`` at ``now``.

    ``allowed``: the state is live and either ``by_admin`` (no deadline binds an admin) or
    the event has not started and, for a confirmed registration, ``now`` is before
    ``cancel_deadline(starts_at, cancel_until_hours)``. ``refund``: the registration is
    confirmed, with ``gross_cents > 0`` and not ``comp`` (cancelling it refunds the money
    and issues a credit note). Raises PaymentRuleError("naive_datetime") for naive
    datetimes and ValueError for an unknown state.
    """
    _aware(now, starts_at)
    state = RegState(state)
    live = cancellable_state(state)
    deadline = cancel_deadline(starts_at, cancel_until_hours)
    if not live:
        allowed = False
    elif by_admin:
        allowed = True
    elif now >= starts_at:
        allowed = False
    else:
        allowed = state is not RegState.CONFIRMED or now < deadline
    refund = state is RegState.CONFIRMED and gross_cents > 0 and not comp
    return Cancellation(allowed=allowed, refund=refund, live=live, deadline=deadline)
