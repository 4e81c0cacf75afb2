"""Public event pages and the registration flow (no account needed).

Pages: the list (`index`), an event (`show`) with prices as Dutch buyers expect them and
share links that load nothing from third parties, the public .ics (`ics`). Registration:
`register` -> e-mail link `verify` -> (`billing`) -> confirmed, payment (`events.pay`, the
payments engineer's endpoint) or the waiting list. A registrant's own pages are reached with
the secret token from their e-mails: `manage`, `attendee_ics`, `cancel`, `offer`; an unknown
token is a 404. Views read the clock once; the request is one unit of work
(`core.unit_of_work`): a refusal the page answers itself is caught with `refusal`, any other
DomainError shows the error page with its status.
"""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from core import caching
from core.clock import now
from core.emails import normalise_email
from core.extensions import limiter
from core.i18n import current_locale
from core.paging import paginate
from core.tokens import BadToken
from core.unit_of_work import refusal
from events.calendar import attendee_join_url
from events.forms.event_questions import with_questions
from events.forms.registration import BillingForm, RegistrationForm, ResendForm
from events.payments import RegState
from events.services import (
    invoices,
    mailings,
    notices,
    registrations,
    seats,
    ticket_choice,
    vouchers,
    waitlist,
)
from events.services.event_questions import event_questions, shown_answers
from events.services.page_views import count_visit
from events.views.presenters import (
    availability,
    billing_note,
    event_page_parts,
    event_rows,
    group_by_series,
    invoice_url,
    pay_url,
    price_lines,
    share_links,
    ticket_rows,
    upcoming_query,
)

bp = Blueprint("events", __name__, url_prefix="/events")
#: the states in which an attendee's calendar file removes the meeting again
CALENDAR_CANCELLED = frozenset((RegState.CANCELLED.value, RegState.REFUNDED.value))
#: events on one page of the list
EVENTS_PER_PAGE = 20


def _status(form) -> int:
    return 400 if form.is_submitted() and form.errors else 200


def _verified_user():
    """The logged-in user when their e-mail is verified, else None."""
    if getattr(current_user, "is_authenticated", False) and current_user.is_verified:
        return current_user._get_current_object()
    return None


@bp.get("/")
def index():
    """Upcoming published events (not yet ended), soonest first, with prices and seat signal;
    `EVENTS_PER_PAGE` a page (`?page=`, `core.paging`: 404 past the last page)."""
    page = paginate(upcoming_query(now()), size=EVENTS_PER_PAGE)
    rows = event_rows(page.items, current_locale())
    return render_template("events/index.html", rows=rows, groups=group_by_series(rows), page=page)


@bp.get("/<slug>")
def show(slug: str):
    """One published event (404 otherwise): text, speakers, practical info, prices, seats.
    The article is kept in the page cache under everything it shows (`event_page_parts`,
    the seat signal, the registration window, the language and the page's address)."""
    event = registrations.get_event(slug)
    at = now()
    locale = current_locale()
    page_url = url_for("events.show", slug=event.slug, _external=True)
    event_id = event.id
    seat_signal = availability(event, seats.counts(event.id)[0])
    window = registrations.registration_window(event, at)

    def render() -> str:
        return render_template(
            "events/_event_article.html",
            event=event,
            prices=price_lines(event, locale),
            seats=seat_signal,
            window=window,
            share=share_links(event, page_url, locale),
        )

    parts = (event_page_parts(event), seat_signal, window.is_open, window.reason, locale, page_url)
    article = Markup(caching.fragment("event-page", parts, render))
    page = render_template("events/show.html", event=event, article=article)
    count_visit(event_id, request.method, request.headers, current_user, now=at)  # last: a write
    return page


@bp.get("/<slug>/calendar.ics")
def ics(slug: str):
    """The public calendar file (no join link)."""
    event = registrations.get_event(slug)
    body = notices.calendar_file(event, locale=current_locale(), now=now())
    return _ics_response(body, f"{event.slug}.ics")


def _ics_response(body: bytes, filename: str) -> Response:
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _check_inbox(event, email: str):
    """The answer to a registration that waits for its e-mail: "check your inbox"."""
    flash(_("We sent a link to %(email)s. Open it to confirm your registration.",
            email=email), "success")  # fmt: skip
    return redirect(url_for("events.registered", slug=event.slug))


def _next_page(registration, at=None):
    """Where the browser goes once a registration changed state."""
    if registration.state == RegState.PENDING_VERIFICATION.value:
        if registration.verified_at is None:
            return _check_inbox(registration.event, registration.email)
        if ticket_choice.needs_choice(registration, now=at or now()):
            return redirect(url_for("events_ticket_choice.choose", token=registration.token))
        if registration.voucher_id is not None:  # the voucher step passes on to billing
            return redirect(url_for("events_voucher_step.choose", token=registration.token))
        return redirect(url_for("events.billing", token=registration.token))
    if registration.state == RegState.PENDING_PAYMENT.value:
        return redirect(pay_url(registration))
    if registration.state == RegState.CONFIRMED.value:
        flash(_("You are registered. The confirmation is on its way to your inbox."), "success")
    if registration.state == RegState.WAITLISTED.value:
        flash(_("The event is full: you are on the waiting list."), "info")
    return redirect(url_for("events.manage", token=registration.token))


@bp.route("/<slug>/register", methods=["GET", "POST"])
@limiter.limit("10 per minute;60 per hour", methods=["POST"])
def register(slug: str):
    """The registration form; closed outside the registration window (400 on POST).

    Without a verified log-in the answer is always "check your inbox" (the same redirect and
    message, with the address as normalised): for a new registration the mail has the
    verification link, for an address already registered the link to that registration.
    A logged-in user is told about their own existing registration (409)."""
    event = registrations.get_event(slug)
    at = now()
    window = registrations.registration_window(event, at)
    user = _verified_user()
    form = _registration_form(event)
    resend = ResendForm(formdata=None)
    if user is not None:
        form.email.data = user.email  # fixed: the verified account address is used
        if not form.is_submitted():
            form.name.data = user.name
    page = {"event": event, "form": form, "window": window, "user": user, "resend": resend,
            "seats": availability(event, seats.counts(event.id)[0]),
            "billing_note": billing_note(event, current_locale())}  # fmt: skip
    if ticket_choice.has_types(event):  # the ticket types on sale now, to choose from
        page["tickets"] = ticket_rows(
            ticket_choice.on_sale_now(event, now=at), event, current_locale()
        )
    if not window.is_open:
        if form.is_submitted():
            flash(_("Registration for this event is closed."), "error")
            return render_template("events/register.html", **page), 400
        return render_template("events/register.html", **page)
    if form.validate_on_submit():
        with refusal(form) as refused:
            voucher = vouchers.lookup_for_event(form.voucher_code.data, event, now=at)
            registration = registrations.start_registration(
                event,
                form.applicant(locale=current_locale()),
                now=at,
                user=user,
                ticket_type_id=form.chosen_ticket_type(),
                voucher=voucher,
                answers=form.answers(),
            )
            if registration is None or registration.verified_at is None:
                return _check_inbox(event, normalise_email(form.email.data))
            return _next_page(registration)
        resend.email.data = form.email.data
        page["already"] = refused.error is not None and refused.error.code == "already_registered"
        return render_template("events/register.html", **page), refused.status
    return render_template("events/register.html", **page), _status(form)


def _registration_form(event):
    """The registration form with a field per question of the event (its own fieldset)."""
    questions = event_questions(event)
    return with_questions(RegistrationForm, questions, current_locale())()


@bp.get("/<slug>/registered")
def registered(slug: str):
    """The "check your inbox" page after registering."""
    event = registrations.get_event(slug)
    return render_template("events/registered.html", event=event, resend=ResendForm(formdata=None))


@bp.post("/<slug>/resend")
def resend(slug: str):
    """Send the link of an existing registration again; the same answer whether or not one exists."""
    event = registrations.get_event(slug)
    form = ResendForm()
    if not form.validate_on_submit():
        flash(_("Enter a valid e-mail address."), "error")
        return redirect(url_for("events.register", slug=event.slug))
    with refusal() as refused:
        mailings.resend_link(event, form.email.data, now=now())
    if refused:
        return redirect(url_for("events.registered", slug=event.slug))
    flash(_("If %(email)s is registered for this event, we have sent the link again.",
            email=form.email.data), "success")  # fmt: skip
    return redirect(url_for("events.registered", slug=event.slug))


@bp.get("/r/<token>/verify")
def verify(token: str):
    """The link in `event_verify` (48 hours): decides membership, price and place."""
    at = now()
    try:
        reg_token = notices.read_verification_token(token, now=at)
    except BadToken as e:
        registration = None
        if e.code == "expired_token":
            registration = registrations.get_registration(
                notices.expired_verification_token(token, now=at)
            )
        form = ResendForm(formdata=None, data={"email": getattr(registration, "email", "")})
        return render_template(
            "events/link_invalid.html", message=e.message, registration=registration, resend=form
        ), 400
    registration = registrations.get_registration(reg_token)
    if registration.booking_id is not None:  # a booker's link: the booking is verified as one
        return redirect(url_for("bookings.verify", token=token))
    with refusal():
        picked = registration.ticket_type_id
        registrations.verify_registration(registration, now=at)
        if picked is not None and registration.ticket_type_id != picked:
            flash(_("The ticket you chose is not open to your address or sold out; you "
                    "have the only ticket that is: %(name)s.",
                    name=ticket_choice.type_name(registration, current_locale())), "info")  # fmt: skip
        return _next_page(registration, at)
    return redirect(url_for("events.manage", token=registration.token))


@bp.route("/r/<token>/billing", methods=["GET", "POST"])
def billing(token: str):
    """The billing step for a verified non-member of a paid event."""
    registration = registrations.get_registration(token)
    if ticket_choice.needs_choice(registration, now=now()):
        return redirect(url_for("events_ticket_choice.choose", token=registration.token))
    if not registrations.needs_billing(registration):
        return redirect(url_for("events.manage", token=registration.token))
    form = BillingForm()
    if form.validate_on_submit():
        with refusal(form) as refused:
            registrations.submit_billing(registration, form.billing(), now=now())
            return _next_page(registration)
        return render_template(
            "events/billing.html", registration=registration, form=form
        ), refused.status
    return render_template("events/billing.html", registration=registration, form=form), _status(
        form
    )


@bp.get("/r/<token>")
def manage(token: str):
    """The registrant's status page: state, price, and the links that fit the state (after a
    refund the credit note, and the invoice it credits labelled as the original)."""
    registration = registrations.get_registration(token)
    at = now()
    invoice = invoices.invoice_for(registration)
    credit_note = invoices.credit_note_for(invoice) if invoice is not None else None
    return render_template(
        "events/manage.html",
        invoice=invoice,
        credit_note=credit_note,
        registration=registration,
        event=registration.event,
        now=at,
        cancellation=registration.cancellation(at),
        offer_state=waitlist.offer_state(registration, at),
        waitlist_position=seats.waitlist_position(registration),
        price=notices.price_text(registration),
        join_url=attendee_join_url(registration.event, registration),
        pay_url=pay_url(registration),
        invoice_url=invoice_url(registration),
        needs_billing=registrations.needs_billing(registration),
        needs_ticket_choice=ticket_choice.needs_choice(registration, now=at),
        voucher_step=vouchers.waiting_for_voucher(registration, now=at),
        voucher_text=vouchers.discount_text(registration, current_locale()),
        answers=shown_answers(registration, current_locale()),
    )


@bp.get("/r/<token>/calendar.ics")
def attendee_ics(token: str):
    """The attendee's calendar file (with the join link once confirmed); once the
    registration is cancelled (or refunded), the cancellation (METHOD:CANCEL) that removes
    the meeting from their calendar, as the cancellation e-mail carries it."""
    registration = registrations.get_registration(token)
    event = registration.event
    body = notices.calendar_file(
        event,
        locale=registration.locale,
        now=now(),
        registration=registration,
        cancelled=registration.state in CALENDAR_CANCELLED,
    )
    return _ics_response(body, f"{event.slug}.ics")


@bp.route("/r/<token>/cancel", methods=["GET", "POST"])
def cancel(token: str):
    """GET asks to confirm; POST cancels (refund for a paid seat) up to the deadline."""
    registration = registrations.get_registration(token)
    at = now()
    page = {"registration": registration, "event": registration.event}
    status = 200
    if request.method == "POST":
        with refusal() as refused:
            waitlist.cancel_registration(registration, now=at)
            flash(_("Your registration is cancelled."), "success")
            return redirect(url_for("events.manage", token=registration.token))
        status = refused.status
    return render_template(
        "events/cancel.html", **page, cancellation=registration.cancellation(at)
    ), status


@bp.route("/r/<token>/offer", methods=["GET", "POST"])
def offer(token: str):
    """A waiting-list offer: GET shows it, POST accepts it (once, before it expires)."""
    registration = registrations.get_registration(token)
    at = now()
    page = {"registration": registration, "event": registration.event,
            "price": notices.price_text(registration)}  # fmt: skip
    status = 200
    if request.method == "POST":
        with refusal() as refused:
            waitlist.accept_offer(registration, now=at)
            return _next_page(registration)
        status = refused.status
    return render_template(
        "events/offer.html", **page, status=waitlist.offer_state(registration, at)
    ), status
