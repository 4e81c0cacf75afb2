"""Changing the ticket type after booking: the registrant's page (blueprint
`events_type_changes`, /events/r/<token>/ticket-type, reached by the registration's secret
token) and the staff page (`events.views.type_changes_admin`). A POST shows what changes (the price
difference, the refund, the invoices) and asks to confirm; the confirmed POST changes it.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from core import confirmation
from core.clock import now
from core.extensions import limiter
from core.i18n import current_locale
from core.money import format_eur
from core.unit_of_work import refusal
from events.forms.type_changes import TypeChangeForm
from events.services import registrations, type_changes
from events.services.invoices import credit_note_for, invoice_for

bp = Blueprint("events_type_changes", __name__, url_prefix="/events")


@bp.app_context_processor
def _type_change_options() -> dict:
    """`type_change_refusal(registration, now)` for the registration page's changes block."""
    return {"type_change_refusal": type_changes.refusal_for}


def _details(registration, change: type_changes.Preview) -> tuple[str, ...]:
    locale = current_locale()
    out = [
        _("Your ticket becomes %(new)s. Price now %(old)s, after the change %(price)s.",
          new=change.ticket_type.name(locale),
          old=format_eur(change.old_gross_cents, locale),
          price=format_eur(change.new_gross_cents, locale))
    ]  # fmt: skip
    if change.difference_cents > 0:
        out.append(_("Complimentary upgrade: nothing is charged; the amount paid and the "
                     "invoice stay as they are."))  # fmt: skip
    elif change.refund_cents:
        out.append(_("%(amount)s is refunded to the card or account that paid.",
                     amount=format_eur(change.refund_cents, locale)))  # fmt: skip
    invoice = invoice_for(registration)
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
            "choices": type_changes.choices(registration, now=at, staff=staff),
            "refusals": type_changes.REFUSALS, "format_eur": format_eur}  # fmt: skip
    if form.validate_on_submit():
        with refusal(form) as refused:
            change = type_changes.preview(registration, form.chosen(), now=at, staff=staff)
            if not confirmation.confirmed():
                return confirmation.ask(
                    _("Change the ticket type?"),
                    details=_details(registration, change),
                    button=_("Change the ticket"),
                    back=back,
                    keep=("ticket_type",),
                )
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
