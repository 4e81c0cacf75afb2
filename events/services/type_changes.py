"""Changing the ticket type of a confirmed registration, with the price difference paid or refunded.

A confirmed registration (not part of a booking, not checked in, before the event starts)
may change to another active type of its event that is on sale now, that its verified
address may buy (`events.tickets`, through `ticket_choice.options`) and that has one of its
own seats left, decided under the event lock (`seats.lock_event`). The registration keeps
its seat in the event; only the type changes.

The new price is quoted again as at booking (`quotes.quote`: the event's VAT rate, reverse
charge by the same billing details). A voucher on the registration is applied again to the
new price (a percentage of it, a fixed amount, or free); a voucher for one ticket type only
refuses the change.

- Same price: the type changes; the invoice (if any) stays.
- Lower: the difference (gross) is refunded through the gateway (partial refunds of the
  registration's paid Payments, newest first, idempotency key "typechange-<payment id>-
  <refunded before>") and the invoice is credited (a credit note) and replaced by a new
  invoice at the new price (`invoices.reprice_invoice`); to a free type: the rest is
  refunded and the credit note is the last document.
- Higher, for the registrant: the difference (gross) is paid online first. A checkout
  session is opened for a Payment that names the new type (`Payment.ticket_type_id`; key
  "typechange-pay-<registration id>-<n>"; `events.services.checkout.start_difference_checkout`),
  and nothing changes until it is paid. Its fulfilment (`difference_paid`, called by
  `checkout.fulfil_session` under the event lock) checks everything again: when the change
  still holds at the price paid, the type changes and the invoice is credited and replaced
  by one at the new price (or, for a registration that had no invoice, a first invoice is
  issued); otherwise (sold out meanwhile, the sale ended, the price changed, the event
  started, another change came first) the payment is refunded in full and the registrant
  told. So what the registrant paid in all is what the live invoice says.
- Higher, by staff: a complimentary upgrade: the type changes, nothing is charged, the
  amounts and invoice stay as paid, audited with `complimentary`.

Each change records "registration.ticket_type_changed" and mails the registrant
("event_ticket_type_changed", with the credit note and new invoice when there are).
"""

from __future__ import annotations

from dataclasses import dataclass
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
from events import pricing
from events.documents import invoice_attachment
from events.gateway import PaymentGateway
from events.models import Invoice, Payment, Registration, TicketType
from events.payments import RegState
from events.providers import gateway_for, gateway_for_payment
from events.services import quotes, ticket_choice, vouchers
from events.services.invoices import (
    credit_note_for,
    invoice_for,
    issue_credit_note,
    issue_invoice,
    reprice_invoice,
)
from events.services.refunds import paid_payments, refund_payment
from events.services.seats import lock_event

REASON = "ticket_type_changed"

#: refusal code -> message
REFUSALS = {
    "no_types": _l("This event has no ticket types to choose from."),
    "not_confirmed": _l("Only a confirmed registration can change its ticket type."),
    "part_of_booking": _l(
        "This ticket is part of a booking paid in one go; please contact us to change it."
    ),
    "checked_in": _l("This ticket was used to check in already; its type cannot change."),
    "started": _l("The event has started; the ticket type can no longer change."),
    "same_type": _l("This is your ticket type already."),
    "unknown_type": _l("Choose one of the tickets you can change to."),
    "not_on_sale": _l("This ticket type is not on sale now."),
    "not_allowed": _l("This ticket type is not available for your e-mail address."),
    "sold_out": _l("This ticket type is sold out."),
    "voucher": _l(
        "Your voucher is for your current ticket type only; please contact us to change it."
    ),
    "higher_price": _l("This ticket costs more than yours: the difference is paid first."),
    "nothing_to_pay": _l("This ticket does not cost more than yours; there is nothing to pay."),
    "price_changed": _l("The price of this ticket changed; please choose it again."),
    "no_payment": _l("The payment of this ticket cannot be found; please contact us."),
}


class TypeChangeRefused(DomainError):
    """No change; `code` is a key of REFUSALS."""

    code = "not_confirmed"
    status = 409
    message = REFUSALS["not_confirmed"]


def _refuse(code: str) -> TypeChangeRefused:
    return TypeChangeRefused(REFUSALS[code], code=code)


def refusal_for(registration: Registration, now: datetime) -> str | None:
    """Why this registration cannot change type at all (a REFUSALS key), or None."""
    event = registration.event
    if not ticket_choice.has_types(event):
        return "no_types"
    if registration.state != RegState.CONFIRMED.value:
        return "not_confirmed"
    if registration.booking_id is not None:
        return "part_of_booking"
    if registration.checked_in_at is not None:
        return "checked_in"
    if now >= event.starts_at:
        return "started"
    return None


@dataclass(frozen=True)
class Preview:
    """What a change to `ticket_type` means: the gross now and after (cents), the refund."""

    ticket_type: TicketType
    old_gross_cents: int
    new_gross_cents: int
    net_cents: int
    vat_cents: int

    @property
    def difference_cents(self) -> int:
        """New minus old gross: above 0 costs more, below 0 is refunded."""
        return self.new_gross_cents - self.old_gross_cents

    @property
    def refund_cents(self) -> int:
        return max(-self.difference_cents, 0)


def _quoted(registration: Registration, ticket_type: TicketType) -> tuple[int, int, int]:
    """(net, VAT, gross) of the registration with `ticket_type`, as `quotes.quote` would
    store them (the voucher applied to the new price), without changing the registration."""
    voucher = registration.voucher
    price = 0 if registration.comp else ticket_type.price_cents
    if voucher is not None:
        price -= vouchers.discount(voucher, price)
    billing = quotes.billing_of(registration)
    buyer = None
    if price > 0 and billing.is_complete():
        buyer = pricing.Buyer(
            billing.country, vat_id=billing.vat_id or None, is_business=bool(billing.company)
        )
    rate, reverse = pricing.vat_treatment(
        online=registration.event.online, buyer=buyer, standard_rate=registration.event.vat_rate
    )
    taxed = pricing.taxed(price, rate, reverse_charge=reverse)
    return taxed.net_cents, taxed.vat_cents, taxed.gross_cents


def _options(registration: Registration, now: datetime) -> dict[int, ticket_choice.Option]:
    """The event's active types for this verified registrant, by id (one counting query)."""
    return {
        o.ticket_type.id: o
        for o in ticket_choice.options(
            registration.event, now=now, email=registration.email, audience=registration.audience
        )
    }


def _check_type(registration: Registration, ticket_type_id: int | None, *, now: datetime,
                options: dict[int, ticket_choice.Option] | None = None,
                ) -> Preview:  # fmt: skip
    why = refusal_for(registration, now)
    if why is not None:
        raise _refuse(why)
    if ticket_type_id == registration.ticket_type_id:
        raise _refuse("same_type")
    if options is None:
        options = _options(registration, now)
    option = options.get(ticket_type_id) if isinstance(ticket_type_id, int) else None
    if option is None:
        raise _refuse("unknown_type")
    if not option.sale.ok:
        raise _refuse("not_on_sale")
    if option.allowed is None or not option.allowed.ok:
        raise _refuse("not_allowed")
    if option.sold_out:
        raise _refuse("sold_out")
    voucher = registration.voucher
    if voucher is not None and voucher.ticket_type_id is not None:
        raise _refuse("voucher")
    net, vat, gross = _quoted(registration, option.ticket_type)
    return Preview(option.ticket_type, registration.gross_cents, gross, net, vat)


def choices(registration: Registration, *, now: datetime) -> list[Preview]:
    """The types this registration may change to now, each with its price difference (a
    dearer one is paid by the registrant, given by staff); empty when it cannot change
    (`refusal_for`)."""
    if refusal_for(registration, now) is not None:
        return []
    out = []
    options = _options(registration, now)
    for type_id, option in options.items():
        if type_id == registration.ticket_type_id or not option.open:
            continue
        try:
            out.append(_check_type(registration, type_id, now=now, options=options))
        except TypeChangeRefused:
            continue
    return out


def preview(registration: Registration, ticket_type_id: int | None, *, now: datetime) -> Preview:
    """What changing to `ticket_type_id` would cost or give back; raises TypeChangeRefused."""
    return _check_type(registration, ticket_type_id, now=now)


def _refund_difference(registration: Registration, amount: int, *, now: datetime,
                       gateway: PaymentGateway) -> list[str]:  # fmt: skip
    """Refund `amount` cents from the registration's paid Payments, newest first (a paid
    difference before the registration's own payment); returns the refund ids."""
    refund_ids = []
    for payment in paid_payments(registration):
        part = min(amount, payment.amount_cents - payment.refunded_cents)
        if part > 0:
            refund_ids.append(_refund_part(payment, part, now=now, gateway=gateway))
            amount -= part
        if amount == 0:
            return refund_ids
    raise _refuse("no_payment")


def _refund_part(payment: Payment, amount: int, *, now: datetime, gateway: PaymentGateway) -> str:
    """Refund `amount` cents of a paid Payment through the gateway; returns the refund id.

    A conditional UPDATE on the refunded amount read decides that this call refunds it (a
    second call at once refuses); the idempotency key names the amount refunded before, so
    a retried request refunds once."""
    provider = gateway_for_payment(payment.provider, gateway, current_app)
    if provider is None:
        raise DomainError(
            _l("This payment was made with another payment provider; please contact us."),
            code="provider_unavailable",
        )
    before = payment.refunded_cents
    after = before + amount
    if after > payment.amount_cents:
        raise _refuse("no_payment")
    result = cast(
        "sa.CursorResult[Any]",
        db.session.execute(
            sa.update(Payment)
            .where(
                Payment.id == payment.id,
                Payment.status == "paid",
                Payment.refunded_cents == before,
            )
            .values(
                refunded_cents=after,
                status="refunded" if after == payment.amount_cents else "paid",
            )
            .execution_options(synchronize_session=False)
        ),
    )
    db.session.refresh(payment)
    if result.rowcount != 1:
        raise _refuse("no_payment")
    refund_id = provider.refund(
        payment_intent=payment.payment_intent_id or "",
        amount_cents=amount,
        idempotency_key=f"typechange-{payment.id}-{before}",
        metadata={
            "payment_id": str(payment.id),
            "registration_id": str(payment.registration_id),
            "reason": REASON,
        },
    ).id
    payment.refund_id = refund_id
    db.session.flush()
    record(
        "payment.partially_refunded" if after < payment.amount_cents else "payment.refunded",
        payment,
        now=now,
        registration_id=payment.registration_id,
        amount_cents=amount,
        refund_id=refund_id,
        reason=REASON,
    )
    return refund_id


def change_type(
    registration: Registration,
    ticket_type_id: int | None,
    *,
    now: datetime,
    actor=None,
    gateway: PaymentGateway | None = None,
) -> Preview:
    """Change the registration's ticket type (see the module docstring); `actor` is staff
    (who may give a dearer type as a complimentary upgrade) or None for the registrant (for
    whom a dearer type is refused here: "higher_price"; it is paid first,
    `checkout.start_difference_checkout`). Takes the event lock; flushes. Returns what
    changed. Raises TypeChangeRefused and GatewayError (nothing changed then: the caller
    rolls back)."""
    lock_event(registration.event_id)
    db.session.refresh(registration)
    change = _check_type(registration, ticket_type_id, now=now)
    if change.difference_cents > 0 and actor is None:
        raise _refuse("higher_price")
    _apply(registration, change, now=now, actor=actor, gateway=gateway)
    return change


def check_difference(registration: Registration, ticket_type_id: int | None, *,
                     now: datetime) -> Preview:  # fmt: skip
    """The change to a dearer `ticket_type_id` that the registrant pays for; raises
    TypeChangeRefused (also "nothing_to_pay" when it does not cost more)."""
    change = _check_type(registration, ticket_type_id, now=now)
    if change.difference_cents <= 0:
        raise _refuse("nothing_to_pay")
    return change


def difference_paid(payment: Payment, registration: Registration, *, now: datetime,
                    gateway: PaymentGateway) -> str:  # fmt: skip
    """Fulfil a paid Payment of a dearer type's difference (`payment.ticket_type_id`); the
    caller (`checkout.fulfil_session`) holds the event lock and marked it paid.

    Checks the change again, now: when it still holds and costs what was paid, the type
    changes ("type_changed": new invoice, audit, e-mail); otherwise the payment is refunded
    in full and the registrant told ("refunded", audited with the reason)."""
    db.session.refresh(registration)
    try:
        change = check_difference(registration, payment.ticket_type_id, now=now)
        if change.difference_cents != payment.amount_cents:
            raise _refuse("price_changed")
    except TypeChangeRefused as refused:
        record("payment.paid", payment, now=now, registration_id=registration.id,
               outcome="refund", reason=REASON, refused=refused.code)  # fmt: skip
        refund_payment(payment, now=now, gateway=gateway, reason=REASON, notify=True)
        return "refunded"
    record("payment.paid", payment, now=now, registration_id=registration.id,
           outcome="type_changed")  # fmt: skip
    _apply(registration, change, now=now, actor=None, gateway=gateway, paid=payment)
    return "type_changed"


def difference_outcome(registration: Registration, payment: Payment) -> str:
    """What came of a difference payment fulfilled earlier (by another request): as
    `difference_paid` answered ("type_changed", "refunded"), or "pending"."""
    if payment.status == "refunded":
        return "refunded"
    if registration.ticket_type_id == payment.ticket_type_id:
        return "type_changed"
    return "pending"


def _documents(registration: Registration, invoice: Invoice | None, *,
               now: datetime) -> tuple[Invoice | None, Invoice | None]:  # fmt: skip
    """(credit note, new invoice) for a change of price: the live invoice is credited; the
    new price, when not free, gets an invoice replacing the credited one (or a first one)."""
    note = None
    if invoice is not None and credit_note_for(invoice) is None:
        note = issue_credit_note(invoice, now=now, reason=REASON)
    if registration.gross_cents <= 0:
        return note, None
    if invoice is None:
        return note, issue_invoice(registration, now=now)
    return note, reprice_invoice(invoice, registration, now=now)


def _apply(
    registration: Registration,
    change: Preview,
    *,
    now: datetime,
    actor,
    gateway: PaymentGateway | None,
    paid: Payment | None = None,
) -> None:
    """Make the change checked under the event lock: the type, the price (unless a staff
    upgrade is complimentary), the refund of a lower price, the documents, audit and mail."""
    old_type = registration.ticket_type
    old_gross = registration.gross_cents
    complimentary = change.difference_cents > 0 and paid is None
    invoice = invoice_for(registration)
    note = new = None
    refund_ids: list[str] = []
    registration.ticket_type = change.ticket_type
    registration.ticket_type_id = change.ticket_type.id
    registration.updated_at = now
    if not complimentary:
        quotes.quote(registration, registration.event)
    db.session.flush()
    if change.refund_cents > 0:
        refund_ids = _refund_difference(
            registration, change.refund_cents, now=now, gateway=gateway or gateway_for(current_app)
        )
    if not complimentary and change.difference_cents != 0:
        note, new = _documents(registration, invoice, now=now)
    record(
        "registration.ticket_type_changed",
        registration,
        now=now,
        actor=actor,
        scope=registration.event,
        previous=old_type.key if old_type is not None else None,
        ticket_type=change.ticket_type.key,
        gross_cents=registration.gross_cents,
        previous_gross_cents=old_gross,
        refund_cents=change.refund_cents,
        refund_id=refund_ids[0] if refund_ids else None,
        paid_cents=paid.amount_cents if paid is not None else 0,
        payment_id=paid.id if paid is not None else None,
        complimentary=complimentary,
        credit_note=note.number if note is not None else None,
        number=new.number if new is not None else None,
    )
    locale = registration.locale
    queue_mail(
        registration.email,
        "event_ticket_type_changed",
        now=now,
        locale=locale,
        attachments=[invoice_attachment(doc) for doc in (note, new) if doc is not None],
        registration=registration,
        event=registration.event,
        title=registration.event.title(locale),
        old_type=old_type.name(locale) if old_type is not None else "",
        new_type=change.ticket_type.name(locale),
        refund=format_eur(change.refund_cents, locale) if change.refund_cents else "",
        paid=format_eur(paid.amount_cents, locale) if paid is not None else "",
        credit_note=note,
        invoice=new,
        invoice_url=(
            url_for("payments.invoice", token=registration.token, number=new.number, _external=True)
            if new is not None
            else ""
        ),
        manage_url=url_for("events.manage", token=registration.token, _external=True),
    )
