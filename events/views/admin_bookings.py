"""Staff: cancelling a whole booking (several attendees, one payment) from the attendee list.

One attendee of a paid booking cannot be cancelled alone (`waitlist.cancel_registration`
refuses it); staff cancel the booking as a whole here, with one refund and one credit note,
not bound by the cancellation deadline (the audit entry names them).
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core import confirmation
from core.accounts.auth import staff_required
from core.clock import now
from core.unit_of_work import refusal
from events.providers import gateway_for
from events.services import admin, bookings

bp = Blueprint("events_bookings_admin", __name__, url_prefix="/admin/events")


@bp.post("/<int:event_id>/bookings/<int:booking_id>/cancel")
@staff_required
def cancel(event_id: int, booking_id: int):
    """Asks first; then cancels every attendee of the booking (a paid one is refunded)."""
    event = admin.get_event(event_id)
    booking = bookings.booking_of_event(event, booking_id)
    back = url_for("events_attendees.attendee_list", event_id=event_id)
    if not confirmation.confirmed():
        rule = bookings.cancellation(booking, now(), by_admin=True)
        details = [
            _(
                "Every attendee of the booking by %(name)s is cancelled and told by e-mail.",
                name=booking.booker_name,
            )
        ]
        if rule.refund:
            details.append(_("The payment is refunded in full, with a credit note."))
        return confirmation.ask(
            _("Cancel the whole booking?"),
            details=tuple(details),
            button=_("Cancel the booking"),
            back=back,
        )
    with refusal():
        bookings.cancel_booking(
            booking, now=now(), gateway=gateway_for(current_app), actor=current_user
        )
        flash(_("The booking is cancelled."), "success")
    return redirect(back)
