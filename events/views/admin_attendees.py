"""Attendee views of the events admin: list, CSV, printable check-in list, check-in, comp, cancel.

Routed (admin-only) by `events/views_admin.py`. A registration is always looked up within its
event: another event's registration id gives 404.
"""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from core.clock import now
from core.errors import DomainError, InvalidInput
from core.extensions import db
from events.forms.admin import CompForm
from events.payments import RegState, seats_left
from events.pricing import format_eur
from events.services import admin, attendees
from events.services import admin_registrations as regs

STATES = [s.value for s in RegState]


def _filter_states() -> list[str]:
    return [s for s in request.args.getlist("state") if s in STATES]


def attendee_list(event_id: int):
    """The registrations of an event, filtered by `?state=` (repeatable; unknown ones ignored)."""
    event = admin.get_event(event_id)
    states = _filter_states()
    rows = attendees.attendee_rows(event, states=states)
    return render_template(
        "events/admin/attendees.html",
        event=event,
        rows=rows,
        states=STATES,
        selected=states,
        held=admin.seats_held(event.id),
        format_eur=format_eur,
    )


def attendee_csv(event_id: int):
    """The (filtered) attendee list as a UTF-8 CSV download with a header line."""
    event = admin.get_event(event_id)
    rows = attendees.attendee_rows(event, states=_filter_states())
    body = attendees.to_csv(rows, locale=str(get_locale()))
    return Response(
        body.encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{event.slug}-attendees.csv"',
            "Content-Type": "text/csv; charset=utf-8",
        },
    )


def checkin_list(event_id: int):
    """A printable list of the confirmed attendees with a check-in / undo button each."""
    event = admin.get_event(event_id)
    rows = attendees.attendee_rows(event, states=[RegState.CONFIRMED.value])
    return render_template(
        "events/admin/checkin.html",
        event=event,
        rows=rows,
        arrived=sum(1 for r in rows if r.checked_in),
    )


def check_in(event_id: int, registration_id: int):
    """POST `checked_in=1` marks the attendee as arrived, `checked_in=0` undoes it."""
    event = admin.get_event(event_id)
    registration = regs.get_registration(event, registration_id)
    arrived = request.form.get("checked_in", "1") == "1"
    try:
        regs.set_checked_in(registration, checked_in=arrived, now=now(), actor=current_user)
    except DomainError as e:
        db.session.rollback()
        flash(str(e.message), "error")
        return redirect(url_for("events_admin.checkin_list", event_id=event_id))
    db.session.commit()
    if arrived:
        flash(_("%(name)s checked in.", name=registration.name), "success")
    else:
        flash(_("Check-in of %(name)s undone.", name=registration.name), "info")
    return redirect(
        url_for("events_admin.checkin_list", event_id=event_id) + f"#r{registration.id}"
    )


def comp(event_id: int):
    """Give someone a free complimentary seat; refused (409) when the event is full."""
    event = admin.get_event(event_id)
    form = CompForm()
    status = 200
    if form.validate_on_submit():
        try:
            registration = regs.add_comp(
                event,
                name=form.name.data,
                email=form.email.data,
                organisation=form.organisation.data or "",
                now=now(),
                actor=current_user,
            )
        except InvalidInput as e:
            db.session.rollback()
            for key, messages in e.errors.items():
                getattr(form, key).errors = [*getattr(form, key).errors, *messages]
            status = 400
        except DomainError as e:
            db.session.rollback()
            flash(str(e.message), "error")
            status = e.status
        else:
            db.session.commit()
            flash(_("Complimentary seat given to %(name)s.", name=registration.name), "success")
            return redirect(url_for("events_admin.attendee_list", event_id=event_id))
    elif form.is_submitted():
        status = 400
    held = admin.seats_held(event.id)
    return render_template(
        "events/admin/comp.html", event=event, form=form, left=seats_left(event.capacity, held)
    ), status


def cancel(event_id: int, registration_id: int):
    """Cancel a registration through the registration service (which refunds where it does)."""
    event = admin.get_event(event_id)
    registration = regs.get_registration(event, registration_id)
    try:
        regs.admin_cancel(registration, now=now(), actor=current_user)
    except DomainError as e:
        db.session.rollback()
        flash(str(e.message), "error")
        return redirect(url_for("events_admin.attendee_list", event_id=event_id))
    db.session.commit()
    flash(_("Registration of %(name)s cancelled.", name=registration.name), "success")
    return redirect(url_for("events_admin.attendee_list", event_id=event_id))
