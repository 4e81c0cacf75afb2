"""Booking several attendees at once (`events.services.bookings`): the public pages.

- `bookings.book` (GET/POST /events/<slug>/book): the booker's details and rows for the other
  attendees; "Add another attendee" posts back with one row more (no JavaScript needed); an
  optional voucher code for the whole booking (`vouchers.lookup_for_event`, then
  `bookings.start_booking`), applied per attendee.
- `bookings.verify` (GET /events/b/verify/<token>): the booker's verification link.
- `bookings.billing` (GET/POST /events/b/<token>/billing): the booker's billing details.
- `bookings.show` (GET /events/b/<token>): the booking page of the booker (the secret token
  from their e-mails): the attendees and their states, the total, Pay, the invoice, Cancel.
- `bookings.pay` (POST /events/b/<token>/pay): one checkout session for the whole booking.
- `bookings.paid` (GET /events/b/<token>/paid?session_id=...): back from the checkout; runs
  the same fulfilment as the webhook, then shows the booking page.
- `bookings.cancel` (GET/POST /events/b/<token>/cancel): cancels every attendee (asks first).
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core import confirmation, locking
from core.clock import now
from core.emails import normalise_email
from core.errors import DomainError
from core.extensions import db, limiter
from core.i18n import current_locale
from core.money import format_eur
from core.tokens import BadToken
from core.unit_of_work import refusal
from events.forms.bookings import booking_form
from events.forms.registration import BillingForm
from events.payments import RegState
from events.providers import gateway_for
from events.services import bookings, notices, registrations, seats, vouchers
from events.services.checkout import fulfil_session, payment_for_session, start_checkout
from events.services.event_questions import event_questions
from events.services.invoices import credit_note_for, invoice_for
from events.views.presenters import availability, billing_note

bp = Blueprint("bookings", __name__, url_prefix="/events")
log = logging.getLogger(__name__)


def _verified_user():
    if getattr(current_user, "is_authenticated", False) and current_user.is_verified:
        return current_user._get_current_object()
    return None


def _check_inbox(event, email: str):
    flash(_("We sent a link to %(email)s. Open it to confirm your address and your booking.",
            email=email), "success")  # fmt: skip
    return redirect(url_for("events.registered", slug=event.slug))


def _next_page(booking):
    """Where the booker goes once the booking moved on."""
    lead = bookings.lead_of(booking)
    if lead.state == RegState.PENDING_VERIFICATION.value and lead.verified_at is None:
        return _check_inbox(booking.event, lead.email)
    if bookings.needs_billing(booking, now=now()):
        return redirect(url_for("bookings.billing", token=booking.token))
    if lead.state == RegState.CONFIRMED.value:
        flash(_("Everyone is booked. Each attendee gets their own confirmation by e-mail."),
              "success")  # fmt: skip
    return redirect(url_for("bookings.show", token=booking.token))


@bp.route("/<slug>/book", methods=["GET", "POST"])
@limiter.limit("10 per minute;60 per hour", methods=["POST"])
def book(slug: str):
    """The booking form; closed outside the registration window (400 on POST)."""
    event = registrations.get_event(slug)
    at = now()
    window = registrations.registration_window(event, at)
    user = _verified_user()
    form = booking_form(event_questions(event), current_locale())()
    if user is not None:
        form.email.data = user.email
        if not form.is_submitted():
            form.name.data = user.name
    shown = form.shown_rows()
    adding = bool(form.add.data)
    form.rows.data, form.rows.raw_data = shown, [str(shown)]  # the page shows this many rows
    form.add.data = False
    page = {"event": event, "form": form, "window": window, "user": user,
            "seats": availability(event, seats.counts(event.id)[0]),
            "billing_note": billing_note(event, current_locale()),
            "max_attendees": bookings.MAX_ATTENDEES}  # fmt: skip
    if not window.is_open:
        if form.is_submitted():
            flash(_("Registration for this event is closed."), "error")
            return render_template("events/booking_form.html", **page), 400
        return render_template("events/booking_form.html", **page)
    if adding:
        return render_template("events/booking_form.html", **page)
    if form.validate_on_submit():
        with refusal(form) as refused:
            voucher = vouchers.lookup_for_event(form.voucher_code.data, event, now=at)
            booking = bookings.start_booking(
                event,
                form.applicant(locale=current_locale()),
                form.attendees(),
                now=at,
                user=user,
                answers=form.answers(),
                voucher=voucher,
            )
            if booking is None:
                return _check_inbox(event, normalise_email(form.email.data))
            return _next_page(booking)
        return render_template("events/booking_form.html", **page), refused.status
    status = 400 if form.is_submitted() else 200
    return render_template("events/booking_form.html", **page), status


@bp.get("/b/verify/<token>")
def verify(token: str):
    """The link in `event_booking_verify` (48 hours): membership, price and seats for all."""
    at = now()
    try:
        lead_token = notices.read_verification_token(token, now=at)
    except BadToken as e:
        return render_template("events/link_invalid.html", message=e.message,
                               registration=None, resend=None), 400  # fmt: skip
    lead = registrations.get_registration(lead_token)
    if lead.booking is None:
        abort(404)
    booking = lead.booking
    with refusal():
        bookings.verify_booking(booking, now=at)
        return _next_page(booking)
    return redirect(url_for("bookings.show", token=booking.token))


@bp.route("/b/<token>/billing", methods=["GET", "POST"])
def billing(token: str):
    """The booker's billing details, for the one invoice of a paid booking."""
    booking = bookings.get_booking(token)
    at = now()
    if not bookings.needs_billing(booking, now=at):
        return redirect(url_for("bookings.show", token=booking.token))
    form = BillingForm()
    status = 200
    if form.validate_on_submit():
        with refusal(form) as refused:
            bookings.submit_booking_billing(booking, form.billing(), now=at)
            return _next_page(booking)
        status = refused.status
    elif form.is_submitted():
        status = 400
    return render_template("events/booking_billing.html", booking=booking, form=form), status


def _page(booking, status: int = 200):
    at = now()
    people = bookings.attendees_of(booking)
    lead = people[0]
    invoice = invoice_for(lead)
    pending = [r for r in people if r.state == RegState.PENDING_PAYMENT.value]
    hold = lead.hold_expires_at
    locale = current_locale()
    return render_template(
        "events/booking.html",
        booking=booking,
        event=booking.event,
        people=people,
        waiting=booking.attendees,
        prices={r.id: notices.price_text(r) for r in people},
        discounts={r.id: vouchers.discount_text(r, locale) for r in people},
        total=format_eur(sum(r.gross_cents for r in people), locale),
        due=format_eur(sum(r.gross_cents for r in pending), locale),
        payable=bool(pending) and hold is not None and hold > at,
        hold=hold,
        invoice=invoice,
        credit_note=credit_note_for(invoice) if invoice is not None else None,
        lead=lead,
        needs_billing=bookings.needs_billing(booking, now=at),
        cancellation=bookings.cancellation(booking, at),
        now=at,
    ), status


@bp.get("/b/<token>")
def show(token: str):
    """The booking page: every attendee with their state, what is due, the links that fit."""
    return _page(bookings.get_booking(token))


@bp.post("/b/<token>/pay")
def pay(token: str):
    """Open (or reuse) the one checkout session of the booking and go there (303)."""
    locking.write_transaction()
    booking = bookings.get_booking(token)
    lead = bookings.lead_of(booking)
    with refusal() as refused:
        payment = start_checkout(
            lead,
            now=now(),
            gateway=gateway_for(current_app),
            success_url=url_for("bookings.paid", token=booking.token, _external=True)
            + "?session_id={CHECKOUT_SESSION_ID}",
            cancel_url=url_for("bookings.show", token=booking.token, _external=True),
        )
        return redirect(payment.checkout_url, 303)
    return _page(bookings.get_booking(token), refused.status)


@bp.get("/b/<token>/paid")
def paid(token: str):
    """Back from the checkout: the session must be this booking's (else 404); fulfilled here
    as the webhook would (which may come later)."""
    booking = bookings.get_booking(token)
    lead = bookings.lead_of(booking)
    session_id = request.args.get("session_id", "")
    payment = payment_for_session(session_id) if 0 < len(session_id) <= 255 else None
    if payment is None or payment.registration_id != lead.id:
        abort(404)
    try:
        locking.write_transaction()
        with db.session.begin_nested():
            outcome = fulfil_session(session_id, now=now(), gateway=gateway_for(current_app))
    except (DomainError, sa.exc.OperationalError) as exc:
        log.warning("fulfilment of %s postponed: %r", session_id, exc)
        outcome = "pending"
    db.session.expire_all()
    if outcome in ("confirmed", "already_fulfilled"):
        flash(_("Thank you, your payment has been received. Each attendee gets their own "
                "confirmation by e-mail; the invoice is on its way to you."), "success")  # fmt: skip
    elif outcome == "refunded":
        flash(_("Your payment came too late for these seats and is refunded."), "info")
    else:
        flash(_("Your payment is being processed. This page shows when it is done."), "info")
    return _page(bookings.get_booking(token))


@bp.route("/b/<token>/cancel", methods=["GET", "POST"])
def cancel(token: str):
    """Cancel the whole booking (a paid one is refunded with a credit note); asks first."""
    booking = bookings.get_booking(token)
    back = url_for("bookings.show", token=booking.token)
    if request.method == "GET" or not confirmation.confirmed():
        rule = bookings.cancellation(booking, now())
        details = [_("Every attendee of this booking is cancelled and told by e-mail.")]
        if rule.refund:
            details.append(_("The payment is refunded in full, with a credit note."))
        return confirmation.ask(
            _("Cancel the whole booking?"),
            details=tuple(details),
            back=back,
            button=_("Cancel the booking"),
        )
    with refusal() as refused:
        bookings.cancel_booking(booking, now=now(), gateway=gateway_for(current_app))
        flash(_("The booking is cancelled."), "success")
        return redirect(back)
    return _page(bookings.get_booking(token), refused.status)
