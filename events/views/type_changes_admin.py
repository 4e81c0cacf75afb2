"""Changing an attendee's ticket type, for staff (blueprint `events_type_changes_admin`,
/admin/events/<id>/registrations/<id>/ticket-type, `staff_required`; a registration of
another event is a 404). A dearer type is given as a complimentary upgrade."""

from __future__ import annotations

from flask import Blueprint, url_for
from flask_login import current_user

from core.accounts.auth import staff_required
from events.services import admin
from events.services import admin_registrations as regs
from events.views.type_changes import type_change_page

bp = Blueprint("events_type_changes_admin", __name__, url_prefix="/admin/events")


@bp.route(
    "/<int:event_id>/registrations/<int:registration_id>/ticket-type",
    methods=["GET", "POST"],
)
@staff_required
def change_ticket_type(event_id: int, registration_id: int):
    """Change an attendee's ticket type (a dearer one as a complimentary upgrade)."""
    event = admin.get_event(event_id)
    registration = regs.get_registration(event, registration_id)
    return type_change_page(
        registration,
        back=url_for("events_attendees.attendee_list", event_id=event.id),
        template="events/type_changes/admin_change.html",
        actor=current_user,
    )
