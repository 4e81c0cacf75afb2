"""Attendee views of the events admin (blueprint `events_attendees`, /admin/events/<id>/...):
list, CSV/XLSX, printable check-in list, check-in, comp, cancel.

Every view is for staff and admins (`staff_required`). A registration is always looked up within its
event: another event's registration id gives 404. A refusal is flashed (`refusal`).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core import confirmation, spreadsheets
from core.accounts.auth import staff_required
from core.clock import now
from core.i18n import current_locale
from core.money import format_eur
from core.paging import paginate_list
from core.unit_of_work import refusal
from events.forms.admin import CompForm
from events.payments import RegState, seats_left
from events.services import admin, attendees
from events.services import admin_registrations as regs
from events.services.event_questions import answer_text, answers_by_registration, event_questions

bp = Blueprint("events_attendees", __name__, url_prefix="/admin/events")
#: registrations on one page of the attendee list
ATTENDEES_PER_PAGE = 100
STATES = [s.value for s in RegState]


def _filter_states() -> list[str]:
    return [s for s in request.args.getlist("state") if s in STATES]


@bp.get("/<int:event_id>/attendees")
@staff_required
def attendee_list(event_id: int):
    """The registrations of an event, filtered by `?state=` (repeatable; unknown ones
    ignored), `ATTENDEES_PER_PAGE` a page (`?page=`, 404 past the last page; the downloads and
    the check-in list hold them all)."""
    event = admin.get_event(event_id)
    states = _filter_states()
    page = paginate_list(attendees.attendee_rows(event, states=states), size=ATTENDEES_PER_PAGE)
    rows = page.items
    questions = event_questions(event)
    return render_template(
        "events/admin/attendees.html",
        event=event,
        rows=rows,
        page=page,
        questions=questions,
        answers=answers_by_registration(r.registration.id for r in rows),
        answer_text=answer_text,
        states=STATES,
        selected=states,
        held=admin.seats_held(event.id),
        format_eur=format_eur,
    )


def _attendee_export(event_id: int, fmt: str):
    event = admin.get_event(event_id)
    rows = attendees.attendee_rows(event, states=_filter_states())
    return spreadsheets.download(
        attendees.spreadsheet(rows, event_questions(event)),
        fmt,
        filename=f"{event.slug}-attendees",
        locale=current_locale(),
    )


@bp.get("/<int:event_id>/attendees.csv")
@staff_required
def attendee_csv(event_id: int):
    """The (filtered) attendee list as CSV in the reader's spreadsheet format (UTF-8 with a
    byte-order mark, ";" in Dutch, "," in English: `core.spreadsheets`)."""
    return _attendee_export(event_id, "csv")


@bp.get("/<int:event_id>/attendees.xlsx")
@staff_required
def attendee_xlsx(event_id: int):
    """The (filtered) attendee list as an XLSX workbook with typed cells."""
    return _attendee_export(event_id, "xlsx")


@bp.get("/<int:event_id>/check-in")
@staff_required
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


@bp.post("/<int:event_id>/registrations/<int:registration_id>/check-in")
@staff_required
def check_in(event_id: int, registration_id: int):
    """POST `checked_in=1` marks the attendee as arrived, `checked_in=0` undoes it."""
    event = admin.get_event(event_id)
    registration = regs.get_registration(event, registration_id)
    arrived = request.form.get("checked_in", "1") == "1"
    with refusal() as refused:
        regs.set_checked_in(registration, checked_in=arrived, now=now(), actor=current_user)
    if refused:
        return redirect(url_for("events_attendees.checkin_list", event_id=event_id))
    if arrived:
        flash(_("%(name)s checked in.", name=registration.name), "success")
    else:
        flash(_("Check-in of %(name)s undone.", name=registration.name), "info")
    return redirect(
        url_for("events_attendees.checkin_list", event_id=event_id) + f"#r{registration.id}"
    )


@bp.route("/<int:event_id>/comp", methods=["GET", "POST"])
@staff_required
def comp(event_id: int):
    """Give someone a free complimentary seat; refused (409) when the event is full."""
    event = admin.get_event(event_id)
    form = CompForm()
    status = 200
    if form.validate_on_submit():
        with refusal(form) as refused:
            registration = regs.add_comp(
                event,
                name=form.name.data,
                email=form.email.data,
                organisation=form.organisation.data or "",
                now=now(),
                actor=current_user,
            )
            flash(_("Complimentary seat given to %(name)s.", name=registration.name), "success")
            return redirect(url_for("events_attendees.attendee_list", event_id=event_id))
        status = refused.status
    elif form.is_submitted():
        status = 400
    held = admin.seats_held(event.id)
    return render_template(
        "events/admin/comp.html", event=event, form=form, left=seats_left(event.capacity, held)
    ), status


@bp.post("/<int:event_id>/registrations/<int:registration_id>/cancel")
@staff_required
def cancel(event_id: int, registration_id: int):
    """Cancel a registration through the registration service (which refunds where it does)."""
    event = admin.get_event(event_id)
    registration = regs.get_registration(event, registration_id)
    back = url_for("events_attendees.attendee_list", event_id=event_id)
    if not confirmation.confirmed():
        if registration.cancellation(now(), by_admin=True).refund:
            amount = format_eur(registration.gross_cents, current_locale())
            what = _(
                "The registration of %(name)s is cancelled and %(amount)s is refunded with a "
                "credit note.",
                name=registration.name,
                amount=amount,
            )
        else:
            what = _("The registration of %(name)s is cancelled.", name=registration.name)
        return confirmation.ask(
            _("Cancel the registration of %(name)s?", name=registration.name),
            details=(
                what,
                _("Their seat goes to the next person on the waiting list."),
            ),
            button=_("Cancel registration"),
            back=back,
        )
    with refusal():
        regs.admin_cancel(registration, now=now(), actor=current_user)
        flash(_("Registration of %(name)s cancelled.", name=registration.name), "success")
    return redirect(back)
