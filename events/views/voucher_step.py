"""The voucher step of the registration flow (blueprint `events_voucher_step`,
/events/r/<token>/voucher): a verified registration whose voucher no longer applies (not for
this address or ticket, used up, expired) waits here; the registrant continues with another
code or without one. Reached by the registration's secret token; nothing is charged before.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.clock import now
from core.i18n import current_locale
from core.unit_of_work import refusal
from events.forms.registration import VoucherStepForm
from events.payments import RegState
from events.services import quotes, registrations, vouchers
from events.views.presenters import pay_url

bp = Blueprint("events_voucher_step", __name__, url_prefix="/events")


def _onward(registration):
    """Where the registrant goes once the voucher is settled (as `events.verify` sends them)."""
    state = registration.state
    if state == RegState.PENDING_VERIFICATION.value and registrations.needs_billing(registration):
        return redirect(url_for("events.billing", token=registration.token))
    if state == RegState.PENDING_PAYMENT.value:
        return redirect(pay_url(registration))
    if state == RegState.CONFIRMED.value:
        flash(_("You are registered. The confirmation is on its way to your inbox."), "success")
    if state == RegState.WAITLISTED.value:
        flash(_("The event is full: you are on the waiting list."), "info")
    return redirect(url_for("events.manage", token=registration.token))


@bp.route("/r/<token>/voucher", methods=["GET", "POST"])
def choose(token: str):
    """GET: why the voucher cannot be used, the price without it, and the choice; POST with
    `without`: continue without a voucher; POST with a code: continue with that one (a field
    error for an unknown code, one out of its validity or for another event). Either way
    the registration is then priced and placed as at verification. A registration not on
    this step is sent on."""
    registration = registrations.get_registration(token)
    at = now()
    why = vouchers.waiting_for_voucher(registration, now=at)
    if why is None:
        return _onward(registration)
    event = registration.event
    form = VoucherStepForm()
    status = 200
    if form.validate_on_submit():
        without = "without" in request.form
        if without or form.voucher_code.data:
            with refusal(form) as refused:
                voucher = None
                if not without:
                    voucher = vouchers.lookup_for_event(form.voucher_code.data, event, now=at)
                registrations.choose_voucher(registration, voucher, now=at)
                return redirect(url_for(".choose", token=registration.token))
            status = refused.status
        else:
            form.voucher_code.errors = [_("Enter a code, or continue without a voucher.")]
            status = 400
    elif form.is_submitted():
        status = 400
    locale = current_locale()
    return render_template(
        "events/voucher_step.html",
        registration=registration,
        event=event,
        form=form,
        problem=vouchers.message(why, registration.voucher),
        code=registration.voucher.code if registration.voucher else "",
        price=quotes.price_label(quotes.net_price(registration, event), event.vat_rate, locale),
    ), status
