"""Paying for a registration: checkout sessions, fulfilment and the payment events.

- `start_checkout` opens (or reuses) a checkout session for a registration's held seat;
  `start_difference_checkout` one for the difference of a dearer ticket type.
- `fulfil_session` is THE fulfilment: the webhook and the success page both call it. It
  re-fetches the session from the gateway (a browser redirect proves nothing), checks it
  against the Payment, marks the Payment paid with a conditional UPDATE (so two concurrent
  calls fulfil once), lets the registration service decide (confirm, or refund a late
  payment), and issues the invoice or the refund.
- `handle_event` maps a verified provider event onto these.

Locks: the event first (`seats.lock_event`: `core.locking.lock_row` with a lock timeout
on PostgreSQL, so a webhook answers 503 instead of waiting forever), then the payment row;
the registration service takes the same event lock. Services flush, never commit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from flask import url_for
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l

from core.audit.services import record
from core.errors import DomainError
from core.extensions import db
from core.money import format_eur
from events.gateway import IdempotencyConflict, PaymentGateway
from events.invoice_document import REVERSE_CHARGE
from events.models import Payment, Registration
from events.payments import MAX_HOLD_MINUTES, MIN_HOLD_MINUTES, RegState, TransitionError
from events.services import bookings, registrations, type_changes
from events.services.invoices import event_label, issue_invoice
from events.services.quotes import price_label
from events.services.refunds import (
    charge_refunded,
    mail_invoice,
    refund_payment,
    refund_registration,
)
from events.services.seats import lock_event

__all__ = [
    "CheckoutRefused",
    "EventNotPlaceable",
    "fulfil_session",
    "handle_event",
    "refund_registration",
    "start_checkout",
]

#: Stripe refuses an expires_at less than 30 minutes away; keep a minute for clock drift
SESSION_MARGIN = timedelta(minutes=1)
_PAYABLE = ("open", "expired", "failed")
MAX_KEY_BUMPS = 3


class EventNotPlaceable(DomainError):
    """A provider event about a payment that cannot be placed yet (the provider says it was
    not paid yet, while its refund says it was): the webhook answers 409, and the provider
    delivers it again later, when the state it depends on has caught up."""

    code = "not_placeable_yet"
    status = 409
    message = _l("This payment event cannot be placed yet; it will be delivered again.")


class CheckoutRefused(DomainError):
    """The registration cannot be paid now: codes "not_payable", "hold_expired", "nothing_to_pay"."""

    code = "not_payable"
    status = 409
    message = _l("This registration cannot be paid (any more).")


def _move(payment: Payment, *, to: str, allowed: tuple[str, ...], **values) -> bool:
    """Conditionally set `payment.status`; True if this call made the change (refreshes it)."""
    result = cast(
        "sa.CursorResult[Any]",
        db.session.execute(
            sa.update(Payment)
            .where(Payment.id == payment.id, Payment.status.in_(allowed))
            .values(status=to, **values)
            .execution_options(synchronize_session=False)
        ),
    )
    db.session.refresh(payment)
    return result.rowcount == 1


def _session_expiry(registration: Registration, now: datetime) -> datetime:
    earliest = now + timedelta(minutes=MIN_HOLD_MINUTES) + SESSION_MARGIN
    latest = now + timedelta(minutes=MAX_HOLD_MINUTES) - SESSION_MARGIN
    hold = registration.hold_expires_at or earliest  # start_checkout refuses a missing hold
    return min(max(hold, earliest), latest)


def _labels(registration: Registration) -> tuple[str, str]:
    locale = _locale(registration)
    name = event_label(registration.event, locale)
    if registration.booking_id is not None:  # a booking: one line for all its attendees
        return name, bookings.checkout_description(registration)
    if registration.reverse_charge:
        return name, f"{format_eur(registration.net_cents, locale)} ({REVERSE_CHARGE})"
    return name, price_label(registration.net_cents, registration.vat_rate, locale)


def start_checkout(
    registration: Registration,
    *,
    now: datetime,
    gateway: PaymentGateway,
    success_url: str | None = None,
    cancel_url: str | None = None,
) -> Payment:
    """The checkout Payment for a registration whose seat is held: reuses an open one, else
    opens attempt n+1 (idempotency key "reg-<id>-attempt-<n>").

    The session charges the gross price quoted when the seat was taken and expires with the
    hold, but at least 31 minutes and at most 24 hours from now (Stripe's limits). The URLs
    default to the success and pay pages (needs a request context). Flushes; records
    "payment.started". Raises CheckoutRefused ("not_payable", "hold_expired",
    "nothing_to_pay") and GatewayError. When a concurrent request opened the same attempt
    first (a unique-key conflict), only this attempt's savepoint is undone and that one is
    reused.
    """

    def attempt() -> Payment:
        return _open_checkout(registration, now, gateway, success_url, cancel_url)

    try:
        with db.session.begin_nested():
            return attempt()
    except sa.exc.IntegrityError:
        return attempt()


def _payments_of(registration: Registration, gateway: PaymentGateway, amount: int,
                 ticket_type_id: int | None, *, now: datetime,
                 ) -> tuple[list[Payment], Payment | None]:  # fmt: skip
    """The registration's Payments (oldest first), and an open session among them for the
    same gateway, amount and purpose (`ticket_type_id`: None for the registration's seat, else
    a dearer type's difference) that can still be paid: the one to reuse, or None."""
    payments = list(
        db.session.scalars(
            sa.select(Payment)
            .where(Payment.registration_id == registration.id)
            .order_by(Payment.id)
        )
    )
    for payment in payments:
        if (
            payment.status == "open"
            and payment.session_id
            and payment.ticket_type_id == ticket_type_id
            and payment.provider == gateway.provider
            and payment.amount_cents == amount
            and payment.expires_at > now
        ):
            return payments, payment
    return payments, None


def _open_checkout(
    registration: Registration,
    now: datetime,
    gateway: PaymentGateway,
    success_url: str | None,
    cancel_url: str | None,
) -> Payment:
    if registration.state != RegState.PENDING_PAYMENT:
        raise CheckoutRefused()
    if registration.hold_expires_at is None or registration.hold_expires_at <= now:
        raise CheckoutRefused(
            _l("Your reserved seat has expired, so it can no longer be paid."), code="hold_expired"
        )
    amount = bookings.amount_due(registration)  # a booking's lead pays for all attendees
    if amount <= 0:
        raise CheckoutRefused(_l("There is nothing to pay."), code="nothing_to_pay")
    payments, reusable = _payments_of(registration, gateway, amount, None, now=now)
    if reusable is not None:
        return reusable
    payment = Payment(
        registration_id=registration.id,
        provider=gateway.provider,
        idempotency_key=f"reg-{registration.id}-attempt-{len(payments) + 1}",
        amount_cents=amount,
        currency="eur",
        status="open",
        expires_at=_session_expiry(registration, now),
        created_at=now,
    )
    db.session.add(payment)
    db.session.flush()
    name, description = _labels(registration)
    token = registration.token
    request = _session_request(
        registration, payment, name=name, description=description,
        success_url=success_url or url_for("payments.success", token=token, _external=True)
        + "?session_id={CHECKOUT_SESSION_ID}",
        cancel_url=cancel_url or url_for("payments.pay", token=token, _external=True),
    )  # fmt: skip
    _create_session(payment, request, gateway, key=lambda n: f"reg-{registration.id}-attempt-{n}",
                    attempt=len(payments) + 1, now=now)  # fmt: skip
    return payment


def _locale(registration: Registration) -> str:
    return registration.locale if registration.locale in ("nl", "en") else "nl"


def _session_request(registration: Registration, payment: Payment, *, name: str,
                     description: str, success_url: str, cancel_url: str,
                     **metadata: str) -> dict[str, Any]:  # fmt: skip
    """The checkout session asked for `payment`: its amount, one line (`name`,
    `description`), the registrant's address and our references (`metadata` added)."""
    return {
        "amount_cents": payment.amount_cents,
        "currency": payment.currency,
        "name": name,
        "description": description,
        "customer_email": registration.email,
        "client_reference_id": str(registration.id),
        "metadata": {
            "registration_id": str(registration.id),
            "payment_id": str(payment.id),
            "event": registration.event.slug,
            **metadata,
        },
        "expires_at": payment.expires_at,
        "success_url": success_url,
        "cancel_url": cancel_url,
        "locale": _locale(registration),
    }


def _create_session(payment: Payment, request: dict[str, Any], gateway: PaymentGateway, *,
                    key: Callable[[int], str], attempt: int, now: datetime) -> None:  # fmt: skip
    """Open the provider's checkout session for a new `payment` (its key is `key(attempt)`),
    store it on the payment and record "payment.started". Flushes. Raises GatewayError."""
    for extra in range(MAX_KEY_BUMPS + 1):
        try:
            session = gateway.create_checkout_session(
                **request, idempotency_key=payment.idempotency_key
            )
            break
        except IdempotencyConflict:
            # an earlier request of ours used this key (it failed before we stored its
            # session, which nobody was sent to): take the next attempt number
            if extra == MAX_KEY_BUMPS:
                raise
            payment.idempotency_key = key(attempt + extra + 1)
            db.session.flush()
    payment.session_id = session.id
    payment.checkout_url = session.url
    db.session.flush()
    record(
        "payment.started",
        payment,
        now=now,
        registration_id=payment.registration_id,
        session_id=session.id,
        amount_cents=payment.amount_cents,
        ticket_type_id=payment.ticket_type_id,
    )


def start_difference_checkout(
    registration: Registration,
    ticket_type_id: int | None,
    *,
    now: datetime,
    gateway: PaymentGateway,
    success_url: str | None = None,
    cancel_url: str | None = None,
) -> Payment:
    """The checkout Payment for the difference of a change to a dearer ticket type
    (`type_changes.check_difference`, under the event lock): reuses an open one for the same
    type and amount, else opens attempt n+1 (key "typechange-pay-<registration id>-<n>").

    Nothing changes on the registration until it is paid (`fulfil_session` ->
    `type_changes.difference_paid`, which checks again). The session expires after 31
    minutes (Stripe's least, and a minute for clock drift); no seat of the type is held
    meanwhile. Flushes. Raises TypeChangeRefused and GatewayError."""
    lock_event(registration.event_id)
    db.session.refresh(registration)
    change = type_changes.check_difference(registration, ticket_type_id, now=now)
    amount = change.difference_cents
    payments, reusable = _payments_of(registration, gateway, amount, change.ticket_type.id, now=now)
    if reusable is not None:
        return reusable
    key = lambda n: f"typechange-pay-{registration.id}-{n}"  # noqa: E731
    payment = Payment(
        registration_id=registration.id,
        ticket_type_id=change.ticket_type.id,
        provider=gateway.provider,
        idempotency_key=key(len(payments) + 1),
        amount_cents=amount,
        currency="eur",
        status="open",
        expires_at=now + timedelta(minutes=MIN_HOLD_MINUTES) + SESSION_MARGIN,
        created_at=now,
    )
    db.session.add(payment)
    db.session.flush()
    locale = _locale(registration)
    token = registration.token
    request = _session_request(
        registration, payment, name=event_label(registration.event, locale),
        description=difference_label(registration, change, locale),
        success_url=success_url
        or url_for("events_type_changes.difference_paid", token=token, _external=True)
        + "?session_id={CHECKOUT_SESSION_ID}",
        cancel_url=cancel_url
        or url_for("events_type_changes.change_ticket_type", token=token, _external=True),
        ticket_type=change.ticket_type.key,
    )  # fmt: skip
    _create_session(payment, request, gateway, key=key, attempt=len(payments) + 1, now=now)
    return payment


def difference_label(registration: Registration, change: type_changes.Preview,
                     locale: str) -> str:  # fmt: skip
    """The checkout line of a dearer type's difference: "<old> -> <new>: difference"."""
    old = registration.ticket_type.name(locale) if registration.ticket_type is not None else ""
    with force_locale(locale):
        return gettext("%(old)s to %(new)s: the difference, incl. VAT",
                       old=old, new=change.ticket_type.name(locale))  # fmt: skip


def payment_for_session(session_id: str) -> Payment | None:
    """Our Payment for a provider session id, or None."""
    return db.session.scalar(sa.select(Payment).where(Payment.session_id == session_id))


def fulfil_session(session_id: str, *, now: datetime, gateway: PaymentGateway) -> str:
    """Fulfil a paid checkout session exactly once; safe to call twice and concurrently.

    Returns "confirmed" (seat confirmed, invoice issued and mailed), "type_changed" (a dearer
    ticket type's difference paid: `type_changes.difference_paid`), "refunded" (the money
    went back: paid after the hold ran out while the event filled up, after cancelling, or
    a second payment for a registration that already has its seat, or a payment for a
    registration in a state that cannot take one: waitlisted, ...), "already_fulfilled"
    (another call did it), "unpaid" (not paid yet), "mismatch" (amount, currency or
    reference differ from our Payment; nothing changed, audited) or "unknown" (not ours).
    Flushes. Raises GatewayError when the session cannot be fetched or a refund fails,
    OperationalError on a lock timeout; the caller rolls back.
    """
    payment = payment_for_session(session_id)
    if payment is None or payment.provider != gateway.provider:
        return "unknown"
    session = gateway.retrieve_session(session_id)
    if session.payment_status != "paid":
        return "unpaid"
    if (
        session.amount_total != payment.amount_cents
        or session.currency != payment.currency
        or session.client_reference_id != str(payment.registration_id)
    ):
        record(
            "payment.mismatch",
            payment,
            now=now,
            session_id=session_id,
            amount_total=session.amount_total,
            currency=session.currency,
            client_reference_id=session.client_reference_id,
        )
        return "mismatch"
    registration = payment.registration
    lock_event(registration.event_id)
    if not _move(
        payment, to="paid", allowed=_PAYABLE, paid_at=now, payment_intent_id=session.payment_intent
    ):
        return "already_fulfilled"
    if registration.booking_id is not None:  # the payment of a whole booking
        return bookings.booking_paid(payment, registration, now=now, gateway=gateway)
    if payment.ticket_type_id is not None:  # the difference for a dearer ticket type
        return type_changes.difference_paid(payment, registration, now=now, gateway=gateway)
    try:
        outcome = registrations.payment_succeeded(registration, now=now)
    except TransitionError:
        # a state in which no payment can have started: keep nothing we cannot deliver
        outcome = "unexpected_state"
    record("payment.paid", payment, now=now, registration_id=registration.id, outcome=outcome)
    if outcome == "confirmed":
        invoice = issue_invoice(registration, now=now)
        mail_invoice(invoice, registration, now=now)
        return "confirmed"
    # "refund": the registration service moved the state and told the registrant;
    # "noop": the registration already has its seat (or its money back): this payment is extra;
    # "unexpected_state": audited above, the money goes back and a human can follow up.
    reason = {"refund": "late_payment", "noop": "duplicate_payment"}.get(outcome, outcome)
    refund_payment(payment, now=now, gateway=gateway, reason=reason, notify=outcome != "refund")
    return "refunded"


def _current_hold(registration: Registration, payment: Payment) -> bool:
    """Whether `payment`'s session was opened for the registration's current seat hold."""
    if registration.state != RegState.PENDING_PAYMENT:
        return False
    hold = registration.hold_expires_at
    return hold is None or hold <= payment.expires_at


def _session_closed(session_id: str, *, now: datetime, to: str) -> str:
    payment = payment_for_session(session_id)
    if payment is None:
        return "unknown"
    registration = payment.registration
    lock_event(registration.event_id)
    if not _move(payment, to=to, allowed=("open",)):
        return "already_handled"
    record(f"payment.{to}", payment, now=now, registration_id=registration.id)
    if _current_hold(registration, payment) and registration.booking_id is not None:
        bookings.session_closed(registration, to=to, now=now)
    elif _current_hold(registration, payment):
        if to == "failed":
            registrations.payment_failed(registration, now=now)
        else:
            registrations.checkout_expired(registration, now=now)
    return to


def _payment_for_intent(payment_intent: str) -> Payment | None:
    return db.session.scalar(sa.select(Payment).where(Payment.payment_intent_id == payment_intent))


def _charge_refunded(charge: dict, *, now: datetime, gateway: PaymentGateway) -> str:
    """Place a `charge.refunded` event's charge on its Payment and book the refund.

    The payment intent is stored at fulfilment, but the provider may deliver the refund
    first. Then the intent is looked up at the provider: when it belongs to a checkout
    session of ours, that session is fulfilled now (what its `completed` event, still on
    its way, would do) and the refund is booked after it, so the end state is that of the
    natural order (paid, invoiced, refunded with a credit note). An intent that belongs to
    no session of ours can never be placed: "unknown" (recorded, not retried). A session the
    provider still reports unpaid raises EventNotPlaceable (the provider retries); one that
    does not match our Payment answers "mismatch" (audited for a human by `fulfil_session`).
    """
    intent = charge.get("payment_intent")
    amount = charge.get("amount_refunded")
    if not isinstance(intent, str) or not intent or not isinstance(amount, int):
        return "ignored"
    payment = _payment_for_intent(intent)
    if payment is None:
        session = gateway.session_for_payment_intent(intent)
        if session is None or payment_for_session(session.id) is None:
            return "unknown"
        outcome = fulfil_session(session.id, now=now, gateway=gateway)
        payment = _payment_for_intent(intent)
        if payment is None:
            if outcome == "unpaid":
                raise EventNotPlaceable()
            return outcome
    if payment.registration.booking_id is not None:
        return bookings.charge_refunded(payment, amount, now=now)
    return charge_refunded(payment, amount, now=now)


def handle_event(event: dict, *, now: datetime, gateway: PaymentGateway) -> str:
    """Act on a verified provider event (a dict as Stripe sends it); returns what happened.

    completed / async_payment_succeeded -> `fulfil_session`; async_payment_failed and
    expired -> the Payment is closed ("failed"/"expired") and, when it covered the current
    seat hold, the registration service acts: a failure keeps the seat held and mails the
    pay link (`registrations.payment_failed`), an expired session releases the seat; charge.refunded -> a refund made
    at the provider is booked (credit note), fulfilling its session first when the refund
    came before it (`_charge_refunded`); other types -> "ignored". Safe in any order and
    any number of times: a closed or paid Payment is never closed again, a payment arriving
    after its session expired is still fulfilled (confirmed or refunded), and a refund is
    never dropped for arriving first. Raises as `fulfil_session`, and EventNotPlaceable
    for a refund whose session the provider does not report paid yet.
    """
    kind = event["type"]
    obj = event["data"]["object"]
    if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        return fulfil_session(str(obj.get("id")), now=now, gateway=gateway)
    if kind == "checkout.session.async_payment_failed":
        return _session_closed(str(obj.get("id")), now=now, to="failed")
    if kind == "checkout.session.expired":
        return _session_closed(str(obj.get("id")), now=now, to="expired")
    if kind == "charge.refunded":
        return _charge_refunded(obj, now=now, gateway=gateway)
    return "ignored"
