"""Events admin (blueprint `events_admin`, /admin/events): events, attendees, member organisations.

Every route is admin-only (checked once for the whole blueprint: anonymous users go to the
log-in page, others get 403). Views read the clock once, call services, commit once on
success and show DomainErrors as messages. The attendee and member organisation views live in
`views_admin_attendees.py` and `views_admin_members.py`; their URLs are registered here.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.clock import now
from core.errors import DomainError, InvalidInput
from core.extensions import db, login_manager
from events.views import admin_attendees as attendees
from events.views import admin_members as members
from events.forms.admin import EventForm
from events.services import admin

bp = Blueprint("events_admin", __name__, url_prefix="/admin/events")


@bp.before_request
def _admins_only():
    """Log in first (redirect), then 403 for anyone who is not an admin."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_admin:
        abort(403)
    return None


@bp.get("/")
def index():
    """Upcoming and past events with their registrations counted per state (one query)."""
    upcoming, past = admin.list_events(now=now())
    counts = admin.state_counts([e.id for e in upcoming + past])
    return render_template("events/admin/index.html", upcoming=upcoming, past=past, counts=counts)


def _save(form: EventForm, event=None):
    """Validate and save; returns the event, or None after putting the errors on the form."""
    if not form.validate_on_submit():
        return None
    try:
        saved = admin.save_event(form.to_data(), event=event, now=now(), actor=current_user)
    except InvalidInput as e:
        db.session.rollback()
        form.show_errors(e.errors)
        return None
    db.session.commit()
    return saved


@bp.route("/new", methods=["GET", "POST"])
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
def delete_event(event_id: int):
    """Delete an event nobody registered for; otherwise a message and nothing changes."""
    event = admin.get_event(event_id)
    try:
        admin.delete_event(event, now=now(), actor=current_user)
    except DomainError as e:
        db.session.rollback()
        flash(str(e.message), "error")
        return redirect(url_for("events_admin.edit_event", event_id=event_id))
    db.session.commit()
    flash(_("Event deleted."), "success")
    return redirect(url_for("events_admin.index"))


_ROUTES = (
    ("/<int:event_id>/attendees", attendees.attendee_list, ["GET"]),
    ("/<int:event_id>/attendees.csv", attendees.attendee_csv, ["GET"]),
    ("/<int:event_id>/check-in", attendees.checkin_list, ["GET"]),
    ("/<int:event_id>/registrations/<int:registration_id>/check-in", attendees.check_in, ["POST"]),
    ("/<int:event_id>/registrations/<int:registration_id>/cancel", attendees.cancel, ["POST"]),
    ("/<int:event_id>/comp", attendees.comp, ["GET", "POST"]),
    ("/members/", members.organisation_list, ["GET"]),
    ("/members/new", members.create_organisation, ["GET", "POST"]),
    ("/members/<int:org_id>/edit", members.edit_organisation, ["GET", "POST"]),
    ("/members/<int:org_id>/delete", members.delete_organisation, ["POST"]),
    ("/members/import", members.import_organisations, ["GET", "POST"]),
)
for rule, view, methods in _ROUTES:
    bp.add_url_rule(rule, view_func=view, methods=methods)
