"""Events admin (blueprint `events_admin`, /admin/events): the events themselves.

Every view is for staff and admins (`staff_required`: anonymous users go to the log-in page,
others get 403). Views read the clock once and call services; the request is one unit of work, and a
refusal is answered on the page (`refusal`). The attendee and member organisation screens are
the blueprints of `admin_attendees.py` and `admin_members.py`.
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
from events.forms.admin import EventForm
from events.models import Event
from events.services import admin

bp = Blueprint("events_admin", __name__, url_prefix="/admin/events")


@bp.get("/")
@staff_required
def index():
    """Upcoming and past events with their registrations counted per state (one query)."""
    upcoming, past = admin.list_events(now=now())
    counts = admin.state_counts([e.id for e in upcoming + past])
    return render_template("events/admin/index.html", upcoming=upcoming, past=past, counts=counts)


def _save(form: EventForm, event: Event | None = None) -> Event | None:
    """Validate and save; returns the event, or None with the refusal bound to the form."""
    if not form.validate_on_submit():
        return None
    with refusal(form):
        return admin.save_event(form.to_data(), event=event, now=now(), actor=current_user)
    return None


@bp.route("/new", methods=["GET", "POST"])
@staff_required
def create_event():
    """Create an event; 400 with the messages on the form when anything is refused."""
    form = EventForm()
    event = _save(form)
    if event is not None:
        flash(_("Event created."), "success")
        return redirect(url_for("events_admin.edit_event", event_id=event.id))
    status = 400 if form.is_submitted() else 200
    return render_template("events/admin/event_form.html", form=form, event=None), status


@bp.route("/<int:event_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_event(event_id: int):
    """Change an event (404 for an unknown id); 400 with messages when refused."""
    event = admin.get_event(event_id)
    form = EventForm() if request.method == "POST" else EventForm.for_event(event)
    saved = _save(form, event)
    if saved is not None:
        flash(_("Event saved."), "success")
        return redirect(url_for("events_admin.edit_event", event_id=event_id))
    status = 400 if form.is_submitted() else 200
    held = admin.seats_held(event.id)
    return render_template(
        "events/admin/event_form.html", form=form, event=event, held=held
    ), status


@bp.post("/<int:event_id>/delete")
@staff_required
def delete_event(event_id: int):
    """Delete an event nobody registered for; otherwise a message and nothing changes."""
    event = admin.get_event(event_id)
    if not confirmation.confirmed():
        return confirmation.ask(
            _("Delete event %(title)s?", title=event.title(current_locale())),
            details=(_("The event and its texts are deleted for good."),),
            button=_("Delete event"),
            back=url_for("events_admin.edit_event", event_id=event_id),
        )
    with refusal():
        admin.delete_event(event, now=now(), actor=current_user)
        flash(_("Event deleted."), "success")
        return redirect(url_for("events_admin.index"))
    return redirect(url_for("events_admin.edit_event", event_id=event_id))
