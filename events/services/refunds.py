"""Giving money back: refunds through the gateway, credit notes, and the e-mails about them.

A Payment is refunded once: a conditional UPDATE (paid -> refunded) decides which call does
it, and the gateway refund carries the idempotency key "refund-<payment id>", so a retried
request never refunds twice. Services flush, never commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

from core.audit.services import record
from core.errors import DomainError
from core.extensions import db
from core.money import format_eur
from core.outbox.services import queue_mail
from events.documents import invoice_attachment
from events.gateway import AlreadyRefunded, PaymentGateway
from events.models import Invoice, Payment, Registration
from events.payments import RegEvent, RegState, TransitionError, next_state
from events.providers import gateway_for, gateway_for_payment
from events.services import seats
from events.services.invoices import credit_note_for, invoice_for, issue_credit_note
from events.services.seats import lock_event


class RefundError(DomainError):
    """No refund possible: codes "nothing_to_refund", "bad_transition", "provider_unavailable"."""

    code = "nothing_to_refund"
    status = 409
    message = _l("There is no payment to refund for this registration.")


def _document_url(registration: Registration, invoice: Invoice) -> str:
    return url_for(
        "payments.invoice", token=registration.token, number=invoice.number, _external=True
    )


def mail_invoice(invoice: Invoice, registration: Registration, *, now: datetime) -> None:
    """Queue the "event_invoice" e-mail with the invoice PDF attached."""
    queue_mail(
        registration.email,
        "event_invoice",
        now=now,
        locale=registration.locale,
        attachments=[invoice_attachment(invoice)],
        registration=registration,
        event=registration.event,
        invoice=invoice,
        invoice_url=_document_url(registration, invoice),
        amount=format_eur(invoice.gross_cents, registration.locale),
    )


def _mail_refund(
    registration: Registration,
    payment: Payment,
    note: Invoice | None,
    *,
    now: datetime,
    reason: str,
    amount_cents: int | None = None,
) -> None:
    """The "event_refund" e-mail: `amount_cents` refunded now (default: the whole payment)."""
    if amount_cents is None:
        amount_cents = payment.amount_cents
    credited = invoice_for(registration) if note is not None else None
    queue_mail(
        registration.email,
        "event_refund",
        now=now,
        locale=registration.locale,
        attachments=[invoice_attachment(note)] if note is not None else [],
        registration=registration,
        event=registration.event,
        payment=payment,
        credit_note=note,
        credit_note_url=_document_url(registration, note) if note is not None else None,
        credited_number=credited.number if note is not None and credited is not None else None,
        amount=format_eur(amount_cents, registration.locale),
        reason=reason,
    )


def _gateway_for_payment(payment: Payment, gateway: PaymentGateway) -> PaymentGateway:
    provider = gateway_for_payment(payment.provider, gateway, current_app)
    if provider is None:
        raise RefundError(
            _l("This payment was made with another payment provider; refund it there."),
            code="provider_unavailable",
        )
    return provider


def refund_payment(
    payment: Payment,
    *,
    now: datetime,
    gateway: PaymentGateway,
    reason: str,
    notify: bool = False,
) -> bool:
    """Refund what is left of a paid Payment through the gateway; True if this call did it.

    Marks it refunded first (conditional UPDATE, so concurrent calls refund once), then asks
    the gateway with idempotency key "refund-<payment id>". With `notify`, queues the
    "event_refund" e-mail (no credit note: used when no invoice was issued). A payment the
    provider says was refunded in full already (AlreadyRefunded: in its dashboard, its event
    still on the way) is booked as refunded without a refund id. Flushes; records
    "payment.refunded". Raises GatewayError or RefundError("provider_unavailable").
    """
    remaining = payment.amount_cents - payment.refunded_cents
    provider = _gateway_for_payment(payment, gateway)
    result = cast(
        "sa.CursorResult[Any]",
        db.session.execute(
            sa.update(Payment)
            .where(Payment.id == payment.id, Payment.status == "paid")
            .values(status="refunded", refunded_cents=payment.amount_cents)
            .execution_options(synchronize_session=False)
        ),
    )
    db.session.refresh(payment)
    if result.rowcount != 1 or remaining <= 0:
        return False
    try:
        refund_id: str | None = provider.refund(
            payment_intent=payment.payment_intent_id or "",
            amount_cents=remaining,
            idempotency_key=f"refund-{payment.id}",
            metadata={
                "payment_id": str(payment.id),
                "registration_id": str(payment.registration_id),
                "reason": reason,
            },
        ).id
    except AlreadyRefunded:
        # refunded at the provider before its event reached us: the money is back already
        refund_id = None
    payment.refund_id = refund_id
    db.session.flush()
    record(
        "payment.refunded",
        payment,
        now=now,
        registration_id=payment.registration_id,
        amount_cents=remaining,
        refund_id=refund_id,
        reason=reason,
        at_provider_already=refund_id is None,
    )
    if notify:
        _mail_refund(payment.registration, payment, None, now=now, reason=reason)
    return True


def _book_refund(
    registration: Registration,
    payment: Payment,
    *,
    now: datetime,
    reason: str,
    amount_cents: int | None = None,
) -> Invoice | None:
    """State -> refunded, credit note for the invoice (if any), e-mail (`amount_cents`
    refunded, default the whole payment), audit entry."""
    try:
        registration.state = next_state(registration.state, RegEvent.REFUND)
    except TransitionError as exc:
        raise RefundError(
            _l("This registration cannot be refunded in its current state."), code="bad_transition"
        ) from exc
    registration.updated_at = now
    invoice = invoice_for(registration)
    note = issue_credit_note(invoice, now=now, reason=reason) if invoice is not None else None
    db.session.flush()
    _mail_refund(registration, payment, note, now=now, reason=reason, amount_cents=amount_cents)
    record(
        "registration.refunded",
        registration,
        now=now,
        scope=registration.event,
        reason=reason,
        credit_note=note.number if note is not None else None,
    )
    return note


def paid_payments(registration: Registration) -> list[Payment]:
    """The registration's Payments with money kept (paid, possibly partly refunded), newest
    first: the payment of the registration and those of a dearer ticket type's difference."""
    return list(
        db.session.scalars(
            sa.select(Payment)
            .where(Payment.registration_id == registration.id, Payment.status == "paid")
            .order_by(Payment.id.desc())
        )
    )


def refund_registration(
    registration: Registration,
    *,
    now: datetime,
    reason: str,
    gateway: PaymentGateway | None = None,
) -> Invoice | None:
    """Refund a paid registration (confirmed, or cancelled after paying) in full.

    Refunds what is left of every paid Payment (the registration's, and the difference paid
    for a dearer ticket type) through the gateway (idempotency key "refund-<payment id>"),
    issues a credit note
    for the invoice (negative amounts, referencing it), moves the state to refunded
    (`next_state(..., RegEvent.REFUND)`), e-mails the registrant ("event_refund", credit note
    attached) and records "registration.refunded". Returns the credit note (None when no
    invoice was issued). Calling it for an already refunded registration returns its credit
    note and changes nothing. Takes the event lock (`seats.lock_event`; cheap when the caller holds it). Flushes.
    Raises RefundError ("nothing_to_refund", "bad_transition", "provider_unavailable") and
    GatewayError.
    """
    lock_event(registration.event_id)
    if registration.state == RegState.REFUNDED:
        invoice = invoice_for(registration)
        return credit_note_for(invoice) if invoice is not None else None
    if registration.booking_id is not None:
        raise RefundError(
            _l("This seat was paid with a booking: cancel the booking as a whole."),
            code="part_of_booking",
        )
    payments = paid_payments(registration)
    if not payments:
        raise RefundError()
    if registration.state not in (RegState.CONFIRMED, RegState.CANCELLED):
        raise RefundError(
            _l("This registration cannot be refunded in its current state."), code="bad_transition"
        )
    refunded = 0
    for payment in payments:  # the registration's payment and any paid difference
        left = payment.amount_cents - payment.refunded_cents
        if refund_payment(
            payment, now=now, gateway=gateway or gateway_for(current_app), reason=reason
        ):
            refunded += left
    return _book_refund(registration, payments[-1], now=now, reason=reason, amount_cents=refunded)


def charge_refunded(payment: Payment, amount_refunded: int, *, now: datetime) -> str:
    """Book a refund made at the provider: `amount_refunded` (cents, the charge's total so
    far) of a placed `payment` (one the provider reported paid, with its payment intent).

    Our own refunds come back here too and change nothing ("already_handled"). A partial
    refund only updates the refunded amount and is audited for a human ("partial_refund").
    A full refund marks the Payment refunded and, when no other Payment of the registration
    keeps money (else it is audited as a partial refund), for a confirmed or cancelled
    registration refunds it (credit note, state, e-mail); a confirmed one's seat goes to the waiting list:
    "refunded". Takes the event lock. Flushes.
    """
    registration = payment.registration
    lock_event(registration.event_id)
    db.session.refresh(payment)
    if amount_refunded <= payment.refunded_cents:
        return "already_handled"
    if amount_refunded < payment.amount_cents:
        payment.refunded_cents = amount_refunded
        db.session.flush()
        record("payment.partially_refunded", payment, now=now, amount_refunded=amount_refunded)
        return "partial_refund"
    payment.status = "refunded"
    payment.refunded_cents = payment.amount_cents
    db.session.flush()
    record("payment.refunded", payment, now=now, amount_cents=amount_refunded, reason="provider")
    if paid_payments(registration):
        # another payment of the registration keeps its money (the difference for a dearer
        # ticket type, or the registration's own): the ticket stays; a human follows up
        record("payment.partially_refunded", payment, now=now, amount_refunded=amount_refunded,
               other_payments_kept=True)  # fmt: skip
        return "partial_refund"
    held_a_seat = registration.state == RegState.CONFIRMED
    if registration.state in (RegState.CONFIRMED, RegState.CANCELLED):
        _book_refund(registration, payment, now=now, reason="provider")
    if held_a_seat:
        seats.offer_next_seat(registration.event, now=now)
    return "refunded"
