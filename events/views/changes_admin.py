"""Changes after booking for staff (blueprint `events_changes_admin`, /admin/events/<id>/
registrations/<id>/...): transfer an attendee's ticket to a colleague, and correct the
invoice address of a paid registration. Every view is `staff_required`; a registration is
looked up within its event (another event's gives 404).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.accounts.auth import staff_required
from core.clock import now
from core.unit_of_work import refusal
from events.forms.changes import TransferForm
from events.services import admin, transfers
from events.services import admin_registrations as regs
from events.views.changes import invoice_address_page

bp = Blueprint("events_changes_admin", __name__, url_prefix="/admin/events")


@bp.route("/<int:event_id>/registrations/<int:registration_id>/transfer", methods=["GET", "POST"])
@staff_required
def transfer(event_id: int, registration_id: int):
    """Name the colleague who takes an attendee's ticket over; they get the link."""
    event = admin.get_event(event_id)
    registration = regs.get_registration(event, registration_id)
    at = now()
    form = TransferForm()
    back = url_for("events_attendees.attendee_list", event_id=event.id)
    page = {"registration": registration, "event": event, "form": form, "back": back,
            "reason": transfers.refusal_for(registration, at),
            "pending": transfers.pending_transfer(registration)}  # fmt: skip
    status = 400 if form.is_submitted() else 200
    if form.validate_on_submit():
        with refusal(form) as refused:
            sent = transfers.request_transfer(
                registration, form.colleague(), now=at, actor=current_user
            )
            flash(_("We sent %(name)s the link to take over the ticket of %(holder)s.",
                    name=sent.name, holder=registration.name), "success")  # fmt: skip
            return redirect(back)
        status = refused.status
    return render_template("events/changes/admin_transfer.html", **page), status


@bp.route(
    "/<int:event_id>/registrations/<int:registration_id>/invoice-address",
    methods=["GET", "POST"],
)
@staff_required
def invoice_address(event_id: int, registration_id: int):
    """Correct the invoice address of an attendee's invoice (credit note, new invoice)."""
    event = admin.get_event(event_id)
    registration = regs.get_registration(event, registration_id)
    return invoice_address_page(
        registration,
        back=url_for("events_attendees.attendee_list", event_id=event.id),
        actor=current_user,
        template="events/changes/admin_invoice_address.html",
    )
