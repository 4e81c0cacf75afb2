"""Registration/payment state machine, holds, offers and capacity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from events.payments import (
    CANCELLABLE,
    HOLDS_SEAT,
    TERMINAL,
    TRANSITIONS,
    Cancellation,
    PaymentRuleError,
    RegEvent,
    RegState,
    TransitionError,
    cancel_deadline,
    cancellable_state,
    cancellation,
    few_left,
    hold_expires_at,
    late_payment_decision,
    next_state,
    offer_expires_at,
    seats_left,
)

S, E = RegState, RegEvent

EXPECTED_TABLE = {
    (S.PENDING_VERIFICATION, E.VERIFIED_FREE): S.CONFIRMED,
    (S.PENDING_VERIFICATION, E.VERIFIED_PAID): S.PENDING_PAYMENT,
    (S.PENDING_VERIFICATION, E.WAITLIST): S.WAITLISTED,
    (S.PENDING_PAYMENT, E.PAID): S.CONFIRMED,
    (S.EXPIRED, E.PAID): S.CONFIRMED,
    (S.PENDING_PAYMENT, E.PAYMENT_FAILED): S.PENDING_PAYMENT,
    (S.PENDING_PAYMENT, E.HOLD_EXPIRED): S.EXPIRED,
    (S.PENDING_PAYMENT, E.SESSION_EXPIRED): S.EXPIRED,
    (S.WAITLISTED, E.OFFER): S.OFFERED,
    (S.OFFERED, E.OFFER_ACCEPTED_FREE): S.CONFIRMED,
    (S.OFFERED, E.OFFER_ACCEPTED_PAID): S.PENDING_PAYMENT,
    (S.OFFERED, E.OFFER_LAPSED): S.EXPIRED,
    (S.PENDING_VERIFICATION, E.CANCEL): S.CANCELLED,
    (S.PENDING_PAYMENT, E.CANCEL): S.CANCELLED,
    (S.WAITLISTED, E.CANCEL): S.CANCELLED,
    (S.OFFERED, E.CANCEL): S.CANCELLED,
    (S.CONFIRMED, E.CANCEL): S.CANCELLED,
    (S.CONFIRMED, E.REFUND): S.REFUNDED,
    (S.CANCELLED, E.REFUND): S.REFUNDED,
    (S.EXPIRED, E.LATE_PAYMENT_REFUNDED): S.REFUNDED,
    (S.PENDING_VERIFICATION, E.COMP): S.CONFIRMED,
    (S.WAITLISTED, E.COMP): S.CONFIRMED,
    (S.OFFERED, E.COMP): S.CONFIRMED,
}


def test_table_is_exactly_as_documented() -> None:
    assert dict(TRANSITIONS) == EXPECTED_TABLE


def test_table_is_read_only() -> None:
    with pytest.raises(TypeError):
        TRANSITIONS[(S.CONFIRMED, E.PAID)] = S.CONFIRMED  # type: ignore[index]


@pytest.mark.parametrize(("key", "after"), list(EXPECTED_TABLE.items()))
def test_every_transition(key: tuple[RegState, RegEvent], after: RegState) -> None:
    assert next_state(*key) is after


def test_plain_strings_accepted() -> None:
    assert next_state("pending_payment", "paid") is S.CONFIRMED  # type: ignore[arg-type]


ALL_PAIRS = [(s, e) for s in RegState for e in RegEvent]


@pytest.mark.parametrize("key", [k for k in ALL_PAIRS if k not in EXPECTED_TABLE])
def test_everything_else_is_refused(key: tuple[RegState, RegEvent]) -> None:
    with pytest.raises(TransitionError) as exc:
        next_state(*key)
    assert exc.value.code == "bad_transition"
    assert (exc.value.state, exc.value.event) == key
    assert isinstance(exc.value, ValueError)


@pytest.mark.parametrize(
    "key",
    [
        (S.CONFIRMED, E.PAID),  # duplicate payment is a noop, not a transition
        (S.PENDING_PAYMENT, E.COMP),  # open Checkout session could still pay
        (S.REFUNDED, E.REFUND),
        (S.EXPIRED, E.CANCEL),
        (S.WAITLISTED, E.PAID),
        (S.CANCELLED, E.PAID),
    ],
)
def test_notable_refusals(key: tuple[RegState, RegEvent]) -> None:
    with pytest.raises(TransitionError):
        next_state(*key)


def test_unknown_values_refused() -> None:
    with pytest.raises(TransitionError) as exc:
        next_state("nonsense", E.PAID)  # type: ignore[arg-type]
    assert exc.value.state == "nonsense"
    with pytest.raises(TransitionError):
        next_state(S.PENDING_PAYMENT, "teleport")  # type: ignore[arg-type]


def test_state_sets() -> None:
    assert {S.PENDING_PAYMENT, S.CONFIRMED, S.OFFERED} == HOLDS_SEAT
    assert {S.CANCELLED, S.EXPIRED, S.REFUNDED} == TERMINAL
    assert not HOLDS_SEAT & TERMINAL
    # refunded is final; the other terminal states only allow money reconciliation
    assert not [k for k in TRANSITIONS if k[0] is S.REFUNDED]
    money = {E.PAID, E.REFUND, E.LATE_PAYMENT_REFUNDED}
    assert all(e in money for (s, e) in TRANSITIONS if s in TERMINAL)
    # every state is reachable from pending_verification
    seen, todo = {S.PENDING_VERIFICATION}, [S.PENDING_VERIFICATION]
    while todo:
        state = todo.pop()
        for (s, _), after in TRANSITIONS.items():
            if s is state and after not in seen:
                seen.add(after)
                todo.append(after)
    assert seen == set(RegState)


def test_enum_values_are_strings() -> None:
    assert S.PENDING_PAYMENT == "pending_payment"
    assert str(E.LATE_PAYMENT_REFUNDED) == "late_payment_refunded"


# --- holds and offers --------------------------------------------------------

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
START = datetime(2025, 3, 10, 19, 0, tzinfo=UTC)
CET = timezone(timedelta(hours=1))


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [(30, 30), (10, 30), (0, 30), (-5, 30), (45, 45), (1440, 1440), (5000, 1440)],
)
def test_hold_minutes_clamped_to_stripe_limits(minutes: int, expected: int) -> None:
    assert hold_expires_at(NOW, minutes=minutes, event_start=START) == NOW + timedelta(
        minutes=expected
    )


def test_hold_default_and_utc() -> None:
    local_now = datetime(2025, 3, 1, 13, 0, tzinfo=CET)
    result = hold_expires_at(local_now, event_start=START)
    assert result == datetime(2025, 3, 1, 12, 30, tzinfo=UTC)
    assert result.tzinfo is UTC


def test_hold_may_run_past_start_when_started_just_before() -> None:
    now = START - timedelta(minutes=10)
    assert hold_expires_at(now, event_start=START) == START + timedelta(minutes=20)


@pytest.mark.parametrize("now", [START, START + timedelta(seconds=1)])
def test_hold_refused_once_event_started(now: datetime) -> None:
    with pytest.raises(PaymentRuleError) as exc:
        hold_expires_at(now, event_start=START)
    assert exc.value.code == "event_started"


def test_offer_expiry() -> None:
    assert offer_expires_at(NOW, hours=48, event_start=START) == NOW + timedelta(hours=48)
    late = START - timedelta(hours=5)
    assert offer_expires_at(late, hours=48, event_start=START) == START
    assert offer_expires_at(late, hours=5, event_start=START) == START
    with pytest.raises(PaymentRuleError) as exc:
        offer_expires_at(START, hours=24, event_start=START)
    assert exc.value.code == "event_started"
    with pytest.raises(PaymentRuleError) as exc:
        offer_expires_at(NOW, hours=0, event_start=START)
    assert exc.value.code == "bad_duration"


NAIVE = datetime(2025, 3, 1, 12, 0)


@pytest.mark.parametrize(
    "call",
    [
        lambda: hold_expires_at(NAIVE, event_start=START),
        lambda: hold_expires_at(NOW, event_start=START.replace(tzinfo=None)),
        lambda: offer_expires_at(NAIVE, hours=24, event_start=START),
        lambda: offer_expires_at(NOW, hours=24, event_start=START.replace(tzinfo=None)),
    ],
)
def test_naive_datetimes_refused(call) -> None:
    with pytest.raises(PaymentRuleError) as exc:
        call()
    assert exc.value.code == "naive_datetime"


# --- capacity ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("capacity", "holding", "left"), [(10, 0, 10), (10, 7, 3), (10, 10, 0), (10, 12, 0), (0, 0, 0)]
)
def test_seats_left(capacity: int, holding: int, left: int) -> None:
    assert seats_left(capacity, holding) == left


def test_seats_left_refuses_negative() -> None:
    with pytest.raises(PaymentRuleError) as exc:
        seats_left(-1, 0)
    assert exc.value.code == "bad_capacity"


@pytest.mark.parametrize(
    ("capacity", "holding", "expected"),
    [
        (10, 6, False),  # 4 left, threshold 3
        (10, 7, True),  # 3 left
        (10, 9, True),  # 1 left
        (10, 10, False),  # full: not "few", none
        (100, 89, False),  # 11 left, threshold 10
        (100, 90, True),  # 10 left
        (2, 0, True),  # 2 left <= 3
        (0, 0, False),
    ],
)
def test_few_left(capacity: int, holding: int, expected: bool) -> None:
    assert few_left(capacity, holding) is expected


def test_few_left_custom_threshold() -> None:
    assert few_left(100, 95, threshold=5) is True
    assert few_left(100, 94, threshold=5) is False


# --- late payments -----------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "seats", "decision"),
    [
        (S.PENDING_PAYMENT, 0, "confirm"),  # its own seat is held
        (S.EXPIRED, 1, "confirm"),
        (S.EXPIRED, 0, "refund"),
        (S.CONFIRMED, 0, "noop"),
        (S.CONFIRMED, 5, "noop"),
        (S.REFUNDED, 5, "noop"),
        (S.CANCELLED, 5, "refund"),
    ],
)
def test_late_payment_decision(state: RegState, seats: int, decision: str) -> None:
    assert late_payment_decision(state=state, seats_available=seats) == decision


@pytest.mark.parametrize(
    ("state", "seats", "event"),
    [
        (S.PENDING_PAYMENT, 0, E.PAID),
        (S.EXPIRED, 1, E.PAID),
        (S.EXPIRED, 0, E.LATE_PAYMENT_REFUNDED),
        (S.CANCELLED, 0, E.REFUND),
    ],
)
def test_decisions_map_onto_the_table(state: RegState, seats: int, event: RegEvent) -> None:
    late_payment_decision(state=state, seats_available=seats)
    assert next_state(state, event) in {S.CONFIRMED, S.REFUNDED}


@pytest.mark.parametrize("state", [S.PENDING_VERIFICATION, S.WAITLISTED, S.OFFERED])
def test_late_payment_unexpected_state(state: RegState) -> None:
    with pytest.raises(TransitionError) as exc:
        late_payment_decision(state=state, seats_available=3)
    assert exc.value.event is E.PAID


# --- cancellation: the one rule for the cancel page, the admin list and the services ---

EVENT_START = datetime(2026, 6, 12, 16, 0, tzinfo=UTC)


def _rule(state, *, now, gross_cents=6050, comp=False, hours=48, by_admin=False):
    return cancellation(
        state,
        gross_cents=gross_cents,
        comp=comp,
        starts_at=EVENT_START,
        cancel_until_hours=hours,
        now=now,
        by_admin=by_admin,
    )


def test_cancellable_states_are_the_live_ones():
    assert {
        S.PENDING_VERIFICATION, S.PENDING_PAYMENT, S.WAITLISTED, S.OFFERED, S.CONFIRMED,
    } == CANCELLABLE  # fmt: skip
    assert CANCELLABLE.isdisjoint(TERMINAL)
    for state in S:
        assert cancellable_state(state.value) is (state not in TERMINAL)


def test_cancel_deadline_is_hours_before_the_start():
    assert cancel_deadline(EVENT_START, 48) == EVENT_START - timedelta(hours=48)
    assert cancel_deadline(EVENT_START, 0) == EVENT_START
    with pytest.raises(PaymentRuleError) as err:
        cancel_deadline(EVENT_START.replace(tzinfo=None), 48)
    assert err.value.code == "naive_datetime"


def test_confirmed_can_cancel_until_the_deadline_only():
    deadline = EVENT_START - timedelta(hours=48)
    before = _rule(S.CONFIRMED, now=deadline - timedelta(seconds=1))
    assert before == Cancellation(allowed=True, refund=True, live=True, deadline=deadline)
    at = _rule(S.CONFIRMED, now=deadline)
    assert at.allowed is False and at.live is True and at.refund is True
    assert _rule(S.CONFIRMED, now=deadline, by_admin=True).allowed is True


@pytest.mark.parametrize(
    "state", [S.PENDING_VERIFICATION, S.PENDING_PAYMENT, S.WAITLISTED, S.OFFERED]
)
def test_others_can_cancel_until_the_start(state):
    deadline = EVENT_START - timedelta(hours=48)
    assert _rule(state, now=deadline + timedelta(hours=1)).allowed is True
    assert _rule(state, now=EVENT_START - timedelta(seconds=1)).allowed is True
    assert _rule(state, now=EVENT_START).allowed is False
    assert _rule(state, now=EVENT_START, by_admin=True).allowed is True
    assert _rule(state, now=EVENT_START - timedelta(days=9)).refund is False


@pytest.mark.parametrize("state", sorted(TERMINAL))
def test_over_registrations_cannot_be_cancelled_even_by_an_admin(state):
    early = EVENT_START - timedelta(days=9)
    rule = _rule(state, now=early, by_admin=True)
    assert rule.allowed is False and rule.live is False and rule.refund is False


def test_refund_only_for_a_paid_confirmed_seat():
    early = EVENT_START - timedelta(days=9)
    assert _rule(S.CONFIRMED, now=early).refund is True
    assert _rule(S.CONFIRMED, now=early, gross_cents=0).refund is False
    assert _rule(S.CONFIRMED, now=early, comp=True).refund is False
    assert _rule("confirmed", now=early, gross_cents=1).refund is True


def test_cancellation_refuses_naive_datetimes_and_unknown_states():
    with pytest.raises(PaymentRuleError):
        _rule(S.CONFIRMED, now=datetime(2026, 6, 1, 12, 0))
    with pytest.raises(ValueError):
        _rule("gone", now=EVENT_START)
