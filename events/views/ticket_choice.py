"""The registrant's "choose your ticket" step (blueprint `events_ticket_choice`): after the
e-mail link, when the ticket type picked on the form is not open to the verified address (or
sold out while the event is not), the registrant picks one of the types they may buy. Reached
with the secret token from the e-mails, like the billing step; an unknown token is a 404.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for

from core.clock import now
from core.i18n import current_locale
from core.unit_of_work import refusal
from events.forms.tickets import ChooseTicketForm
from events.services import registrations, ticket_choice
from events.views.presenters import ticket_rows
from events.views.public import _next_page

bp = Blueprint("events_ticket_choice", __name__, url_prefix="/events")


@bp.route("/r/<token>/ticket", methods=["GET", "POST"])
def choose(token: str):
    """The types this verified registrant may buy; POST takes one and goes on (billing,
    payment, confirmation or the waiting list). Nothing to choose: the status page."""
    registration = registrations.get_registration(token)
    at = now()
    if not ticket_choice.needs_choice(registration, now=at):
        return redirect(url_for("events.manage", token=registration.token))
    form = ChooseTicketForm()
    status = 200
    if form.validate_on_submit():
        with refusal(form) as refused:
            registrations.choose_ticket_type(registration, form.ticket_type.data, now=at)
            return _next_page(registration, at)
        status = refused.status
    elif form.is_submitted():
        status = 400
    options = ticket_choice.choices_for(registration, now=at)
    page = {
        "registration": registration,
        "event": registration.event,
        "form": form,
        "tickets": ticket_rows(options, registration.event, current_locale()),
        "previous": ticket_choice.type_name(registration, current_locale()),
    }
    return render_template("events/tickets/choose.html", **page), status
