"""Changing the ticket type after booking: the registrant's page (blueprint
`events_type_changes`, /events/r/<token>/ticket-type, reached by the registration's secret
token) and the staff page (`events.views.type_changes_admin`). A POST shows what changes (the price
difference, the refund, the invoices) and asks to confirm; the confirmed POST changes it, or,
for a dearer type chosen by the registrant, opens the checkout for the difference (303 to
it). The checkout sends the payer back to `difference_paid`
(/events/r/<token>/ticket-type/paid?session_id=...), which fulfils the payment as the
webhook does and says what happened.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core import confirmation, locking
from core.clock import now
from core.errors import DomainError
from core.extensions import db, limiter
from core.i18n import current_locale
from core.money import format_eur
from core.unit_of_work import refusal
from events.forms.type_changes import TypeChangeForm
from events.providers import gateway_for
from events.services import registrations, type_changes
from events.services.checkout import (
    fulfil_session,
    payment_for_session,
    start_difference_checkout,
)
from events.services.invoices import credit_note_for, invoice_for

bp = Blueprint("events_type_changes", __name__, url_prefix="/events")
log = logging.getLogger(__name__)


@bp.app_context_processor
def _type_change_options() -> dict:
    """`type_change_refusal(registration, now)` for the registration page's changes block."""
    return {"type_change_refusal": type_changes.refusal_for}


def _details(registration, change: type_changes.Preview, *, staff: bool) -> tuple[str, ...]:
    locale = current_locale()
    out = [
        _("Your ticket becomes %(new)s. Price now %(old)s, after the change %(price)s.",
          new=change.ticket_type.name(locale),
          old=format_eur(change.old_gross_cents, locale),
          price=format_eur(change.new_gross_cents, locale))
    ]  # fmt: skip
    invoice = invoice_for(registration)
    if change.difference_cents > 0 and staff:
        out.append(_("Complimentary upgrade: nothing is charged; the amount paid and the "
                     "invoice stay as they are."))  # fmt: skip
    elif change.difference_cents > 0:
        out.append(_("You pay the difference of %(amount)s online now; your ticket changes "
                     "once it is paid.",
                     amount=format_eur(change.difference_cents, locale)))  # fmt: skip
        if invoice is not None and credit_note_for(invoice) is None:
            out.append(_("Invoice %(number)s is then cancelled with a credit note and replaced "
                         "by a new invoice at the new price; both are e-mailed as PDFs.",
                         number=invoice.number))  # fmt: skip
        else:
            out.append(_("An invoice at the new price is e-mailed as a PDF."))
    elif change.refund_cents:
        out.append(_("%(amount)s is refunded to the card or account that paid.",
                     amount=format_eur(change.refund_cents, locale)))  # fmt: skip
    if change.difference_cents < 0 and invoice is not None and credit_note_for(invoice) is None:
        if change.new_gross_cents > 0:
            out.append(_("Invoice %(number)s is cancelled with a credit note and replaced by a "
                         "new invoice at the new price; both are e-mailed as PDFs.",
                         number=invoice.number))  # fmt: skip
        else:
            out.append(_("Invoice %(number)s is cancelled with a credit note, e-mailed as a "
                         "PDF.", number=invoice.number))  # fmt: skip
    return tuple(out)


def type_change_page(registration, *, back: str, template: str, actor=None):
    """The page for either blueprint: the types it may change to; a POST asks to confirm
    with the price difference, the confirmed POST changes the type."""
    at = now()
    staff = actor is not None
    form = TypeChangeForm()
    page = {"registration": registration, "event": registration.event, "form": form,
            "back": back, "reason": type_changes.refusal_for(registration, at),
            "choices": type_changes.choices(registration, now=at), "staff": staff,
            "refusals": type_changes.REFUSALS, "format_eur": format_eur}  # fmt: skip
    if form.validate_on_submit():
        with refusal(form) as refused:
            change = type_changes.preview(registration, form.chosen(), now=at)
            pays = change.difference_cents > 0 and not staff
            if not confirmation.confirmed():
                return confirmation.ask(
                    _("Change the ticket type?"),
                    details=_details(registration, change, staff=staff),
                    button=_("Pay the difference") if pays else _("Change the ticket"),
                    back=back,
                    keep=("ticket_type",),
                )
            if pays:
                payment = start_difference_checkout(
                    registration, form.chosen(), now=at, gateway=gateway_for(current_app)
                )
                return redirect(payment.checkout_url, 303)
            type_changes.change_type(registration, form.chosen(), now=at, actor=actor)
            flash(_("The ticket is now %(name)s. A confirmation is on its way by e-mail.",
                    name=change.ticket_type.name(current_locale())), "success")  # fmt: skip
            return redirect(back)
        return render_template(template, **page), refused.status
    return render_template(template, **page), 400 if form.is_submitted() else 200


@bp.route("/r/<token>/ticket-type", methods=["GET", "POST"])
@limiter.limit("10 per minute;60 per hour", methods=["POST"])
def change_ticket_type(token: str):
    """Change the ticket type of one's own registration (a lower price is refunded)."""
    registration = registrations.get_registration(token)
    return type_change_page(
        registration,
        back=url_for("events.manage", token=registration.token),
        template="events/type_changes/change.html",
    )


@bp.get("/r/<token>/ticket-type/paid")
def difference_paid(token: str):
    """Where the checkout of a dearer type's difference sends the payer back. The session
    must be one of this registration's type-change payments (else 404); it is fulfilled here
    too, since the webhook may come later. When the provider or the database is busy, the
    page says the payment is being processed."""
    registration = registrations.get_registration(token)
    session_id = request.args.get("session_id", "")
    payment = payment_for_session(session_id) if 0 < len(session_id) <= 255 else None
    if payment is None or payment.registration_id != registration.id:
        abort(404)
    if payment.ticket_type_id is None:
        abort(404)
    try:
        locking.write_transaction()  # before the savepoint (see payments.success)
        with db.session.begin_nested():
            outcome = fulfil_session(session_id, now=now(), gateway=gateway_for(current_app))
    except (DomainError, sa.exc.OperationalError) as exc:
        log.warning("fulfilment of %s postponed: %r", session_id, exc)
        outcome = "pending"
    db.session.expire_all()  # a concurrent webhook may have fulfilled it: show what is committed
    registration = registrations.get_registration(token)
    payment = payment_for_session(session_id)
    if outcome == "already_fulfilled" and payment is not None:
        outcome = type_changes.difference_outcome(registration, payment)
    return render_template(
        "events/type_changes/paid.html",
        registration=registration,
        event=registration.event,
        outcome=outcome,
        payment=payment,
        invoice=invoice_for(registration),
        format_eur=format_eur,
    )
