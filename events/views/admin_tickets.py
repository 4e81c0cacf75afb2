"""Ticket types of an event for staff (blueprint `events_tickets`, /admin/events/<id>/tickets):
the list with what each sold against its capacity, add, edit, deactivate / activate, and
delete (asked first; refused while registrations use the type). Rules in
`events/services/tickets.py`.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core import confirmation
from core.accounts.auth import staff_required
from core.clock import now
from core.i18n import current_locale
from core.unit_of_work import refusal
from events.forms.tickets import TicketTypeForm
from events.services import admin, tickets
from events.services.quotes import price_label

bp = Blueprint("events_tickets", __name__, url_prefix="/admin/events")


def _list_url(event_id: int) -> str:
    return url_for("events_tickets.type_list", event_id=event_id)


@bp.get("/<int:event_id>/tickets/")
@staff_required
def type_list(event_id: int):
    """The event's ticket types: price, who may buy, sale window, sold / capacity."""
    event = admin.get_event(event_id)
    return render_template(
        "events/tickets/admin_list.html",
        event=event,
        rows=tickets.list_types(event),
        price_label=price_label,
    )


@bp.route("/<int:event_id>/tickets/new", methods=["GET", "POST"])
@staff_required
def create_type(event_id: int):
    """Add a ticket type; 400 with the messages on the form when refused."""
    event = admin.get_event(event_id)
    form = TicketTypeForm()
    if form.validate_on_submit():
        with refusal(form):
            tickets.save_ticket_type(event, form.to_data(), now=now(), actor=current_user)
            flash(_("Ticket type added."), "success")
            return redirect(_list_url(event.id))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "events/tickets/admin_form.html", event=event, form=form, ticket_type=None
    ), status


@bp.route("/<int:event_id>/tickets/<int:type_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_type(event_id: int, type_id: int):
    """Change a ticket type (404 for another event's); 400 with messages when refused."""
    event = admin.get_event(event_id)
    ticket_type = tickets.get_ticket_type(event, type_id)
    form = TicketTypeForm() if request.method == "POST" else TicketTypeForm.for_type(ticket_type)
    if request.method == "POST" and form.validate_on_submit():
        with refusal(form):
            tickets.save_ticket_type(
                event, form.to_data(), ticket_type=ticket_type, now=now(), actor=current_user
            )
            flash(_("Ticket type saved."), "success")
            return redirect(_list_url(event.id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "events/tickets/admin_form.html", event=event, form=form, ticket_type=ticket_type
    ), status


@bp.post("/<int:event_id>/tickets/<int:type_id>/deactivate")
@staff_required
def deactivate_type(event_id: int, type_id: int):
    """Stop selling a ticket type (who has one keeps it)."""
    event = admin.get_event(event_id)
    ticket_type = tickets.get_ticket_type(event, type_id)
    tickets.set_active(ticket_type, False, now=now(), actor=current_user)
    flash(_("Ticket type %(name)s is no longer sold.", name=ticket_type.name(current_locale())),
          "success")  # fmt: skip
    return redirect(_list_url(event.id))


@bp.post("/<int:event_id>/tickets/<int:type_id>/activate")
@staff_required
def activate_type(event_id: int, type_id: int):
    """Sell a deactivated ticket type again."""
    event = admin.get_event(event_id)
    ticket_type = tickets.get_ticket_type(event, type_id)
    tickets.set_active(ticket_type, True, now=now(), actor=current_user)
    flash(_("Ticket type %(name)s is sold again.", name=ticket_type.name(current_locale())),
          "success")  # fmt: skip
    return redirect(_list_url(event.id))


@bp.post("/<int:event_id>/tickets/<int:type_id>/delete")
@staff_required
def delete_type(event_id: int, type_id: int):
    """Delete a ticket type nobody registered with (asked first); else a message."""
    event = admin.get_event(event_id)
    ticket_type = tickets.get_ticket_type(event, type_id)
    if not confirmation.confirmed():
        return confirmation.ask(
            _("Delete ticket type %(name)s?", name=ticket_type.name(current_locale())),
            details=(
                _(
                    "The ticket type is deleted for good. One that registrations use cannot be deleted: deactivate it instead."
                ),
            ),
            button=_("Delete ticket type"),
            back=_list_url(event.id),
        )
    with refusal():
        tickets.delete_ticket_type(ticket_type, now=now(), actor=current_user)
        flash(_("Ticket type deleted."), "success")
    return redirect(_list_url(event.id))
