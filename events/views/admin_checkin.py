"""The door (blueprint `events_checkin`, /admin/events/<id>/check-in/...): staff check people
in by the code on their ticket, typed or scanned, on a phone.

- `events_checkin.scan` (GET/POST .../check-in/scan): the form to type a code (works without
  JavaScript; `?code=` fills it in, as the ticket's QR code opens it) and the "Scan with
  camera" button of `static/checkin.js`. POST checks in: success redirects back with
  "Checked in: name (type)"; a refusal shows why (409; an unknown code 404) and changes
  nothing.
- `events_checkin.tickets` (GET .../check-in/tickets.json): the event's tickets (code, name,
  type, state, when checked in) for the script to keep, so a scan is answered offline.
- `events_checkin.batch` (POST .../check-in/batch, JSON `{"codes": [...]}`): the check-ins
  made online by the camera or queued offline, each applied once (the server decides: an
  already checked-in or cancelled ticket is reported back, not applied); posting the same
  batch again changes nothing.

Every view is for staff and admins (`staff_required`); every check-in is written by
`events.services.checkin` through `admin_registrations.set_checked_in`.
"""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from core.accounts.auth import staff_required
from core.clock import now
from core.i18n import current_locale
from core.labels import label
from events.forms.checkin import CheckInForm
from events.services import admin, checkin
from events.services.checkin import CheckIn, Outcome

bp = Blueprint("events_checkin", __name__, url_prefix="/admin/events")
#: the HTTP status of each answer of the typed form
STATUS = {
    Outcome.CHECKED_IN: 200,
    Outcome.ALREADY: 409,
    Outcome.CANCELLED: 409,
    Outcome.NOT_CONFIRMED: 409,
    Outcome.OTHER_EVENT: 409,
    Outcome.UNKNOWN: 404,
}


def _who(result: CheckIn) -> str:
    registration = result.registration
    if registration is None:
        return ""
    kind = registration.ticket_type
    if kind is None:
        return registration.name
    return f"{registration.name} ({kind.name(current_locale())})"


def message(result: CheckIn) -> str:
    """What the door says, in the reader's language."""
    who = _who(result)
    if result.outcome is Outcome.CHECKED_IN:
        return _("Checked in: %(who)s", who=who)
    if result.outcome is Outcome.ALREADY and result.checked_in_at is not None:
        return _(
            "Already checked in at %(time)s: %(who)s",
            time=format_datetime(result.checked_in_at, "HH:mm"),
            who=who,
        )
    if result.outcome is Outcome.CANCELLED:
        return _("This ticket is cancelled: %(who)s", who=who)
    if result.outcome is Outcome.NOT_CONFIRMED and result.registration is not None:
        return _(
            "This ticket is not confirmed (%(state)s): %(who)s",
            state=label(result.registration.state, "registration"),
            who=who,
        )
    if result.outcome is Outcome.OTHER_EVENT:
        return _("Not a ticket for this event.")
    return _("Unknown code: %(code)s", code=result.code)


def _counts(event) -> tuple[int, int]:
    tickets = [
        t for t in checkin.door_list(event, locale=current_locale()) if t.state == "confirmed"
    ]
    return sum(1 for t in tickets if t.checked_in_at is not None), len(tickets)


@bp.route("/<int:event_id>/check-in/scan", methods=["GET", "POST"])
@staff_required
def scan(event_id: int):
    """The check-in page: type (or scan) a ticket's code."""
    event = admin.get_event(event_id)
    form = CheckInForm(data={"code": request.args.get("code", "")[:500]})
    result, status = None, 200
    if form.validate_on_submit():
        result = checkin.check_in(event, form.code.data, now=now(), actor=current_user)
        if result.ok:
            flash(message(result), "success")
            return redirect(url_for(".scan", event_id=event.id))
        status = STATUS[result.outcome]
        form.code.data = ""
    elif form.is_submitted():
        status = 400
    arrived, total = _counts(event)
    return render_template(
        "events/admin/checkin_scan.html",
        event=event,
        form=form,
        result=result,
        result_message=message(result) if result is not None else "",
        arrived=arrived,
        total=total,
    ), status


@bp.get("/<int:event_id>/check-in/tickets.json")
@staff_required
def tickets(event_id: int):
    """The event's tickets for the door's offline list (never cached: staff only)."""
    event = admin.get_event(event_id)
    at = now()
    return jsonify(
        {
            "event": event.id,
            "at": at.isoformat(),
            "tickets": [
                {
                    "code": t.code,
                    "name": t.name,
                    "type": t.ticket_type,
                    "state": "cancelled" if t.state in checkin.CANCELLED_STATES else t.state,
                    "checked_in_at": t.checked_in_at.isoformat() if t.checked_in_at else None,
                    "time": format_datetime(t.checked_in_at, "HH:mm") if t.checked_in_at else "",
                }
                for t in checkin.door_list(event, locale=current_locale())
            ],
        }
    )


def _codes(body) -> list[str] | None:
    if not isinstance(body, dict):
        return None
    codes = body.get("codes")
    if not isinstance(codes, list) or not 0 < len(codes) <= checkin.MAX_BATCH:
        return None
    if not all(isinstance(code, str) and len(code) <= 100 for code in codes):
        return None
    return codes


@bp.post("/<int:event_id>/check-in/batch")
@staff_required
def batch(event_id: int):
    """Apply check-ins sent by the script (`{"codes": [...]}`, at most MAX_BATCH); answers
    each one's outcome and message. A body that is not such a list is refused (400)."""
    event = admin.get_event(event_id)
    codes = _codes(request.get_json(silent=True))
    if codes is None:
        error = _("Send a JSON object with a list of at most %(n)s codes.", n=checkin.MAX_BATCH)
        return jsonify({"error": error}), 400
    results = checkin.check_in_batch(event, codes, now=now(), actor=current_user)
    return jsonify(
        {
            "results": [
                {
                    "code": r.code,
                    "outcome": r.outcome.value,
                    "ok": r.ok,
                    "message": message(r),
                    "checked_in_at": r.checked_in_at.isoformat() if r.checked_in_at else None,
                    "time": format_datetime(r.checked_in_at, "HH:mm") if r.checked_in_at else "",
                }
                for r in results
            ]
        }
    )
