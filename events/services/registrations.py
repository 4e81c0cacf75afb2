"""Registering for an event: the form's data, e-mail verification, billing, price, payment hooks.

Flow (public, no account needed):

1. `start_registration` stores a `pending_verification` registration and queues the
   verification link (`event_verify`, valid 48 h). A logged-in user with a verified e-mail
   skips that step: their account address is used and verified at once. An address that is
   already registered gets the link to its registration by e-mail instead, and the page
   answers the same as for a new one (no enumeration of who registered).
2. `verify_registration` (the link) decides membership from the now-proven address
   (`membership.audience_for`), never from anything the registrant typed.
3. If the registrant must pay (the price for their audience is above zero) and did not give
   complete billing details on the form, the registration waits, verified, for
   `submit_billing` (the billing step). The form asks for billing details up front with the
   note "only needed if you are not a member", because membership is only known here.
4. The price is quoted (net, VAT, gross, rate, reverse charge; `events.pricing`) and a place
   is allocated under the event lock (`seats.allocate_seat`): confirmed, pending_payment
   (seat held; the view sends the browser to `events.pay`) or waitlisted.
   A voucher typed on the form is checked against the verified address first; when it no
   longer applies the registration waits for `choose_voucher` (another code or none), and
   its use is claimed just before the place is allocated (`events.services.vouchers`).

The payment engineer's code calls `payment_succeeded`, `payment_failed`, `checkout_expired`
and `after_seat_freed`. Cancelling and offers live in `events.services.waitlist` (and are
re-exported here: `cancel_registration`, `accept_offer`).
All functions flush only and raise DomainErrors from `events.services.errors`.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Literal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core.audit.services import record
from core.errors import NotFound
from core.extensions import db
from core.outbox.models import MailMessage
from events import payments
from events.models import Event, Registration, Voucher
from events.payments import RegEvent, RegState
from events.services import notices, quotes, seats, ticket_choice, vouchers
from events.services.errors import AlreadyRegistered, NotAvailable, RegistrationClosed
from events.services.event_questions import clean_answers, event_questions, store_answers
from events.services.funnel import THINK, count_step
from events.services.input import Applicant, Billing, clean_applicant, clean_billing
from events.services.membership import audience_for
from events.services.quotes import needs_billing
from events.services.seats import lock_event, offer_next_seat
from events.services.waitlist import accept_offer, cancel_registration

__all__ = [
    "Applicant",
    "Billing",
    "accept_offer",
    "after_seat_freed",
    "cancel_registration",
    "checkout_expired",
    "choose_ticket_type",
    "choose_voucher",
    "get_event",
    "get_registration",
    "link_mailed_recently",
    "needs_billing",
    "offer_next_seat",
    "payment_failed",
    "payment_succeeded",
    "registration_window",
    "send_link",
    "start_registration",
    "submit_billing",
    "verify_registration",
]


def get_event(slug: str) -> Event:
    """The published event with `slug`; NotFound for unknown or unpublished events."""
    event = db.session.scalar(_EVENT, {"slug": slug})
    if event is None or not event.published:
        raise NotFound()
    return event


#: `get_event`'s query, built once (every event page and registration step asks it)
_EVENT = sa.select(Event).where(Event.slug == sa.bindparam("slug"))


def get_registration(token: str) -> Registration:
    """The registration whose secret link token is `token`; NotFound otherwise."""
    if not token or len(token) > 64:
        raise NotFound()
    registration = db.session.scalar(_BY_TOKEN, {"token": token})
    if registration is None:
        raise NotFound()
    return registration


#: `get_registration`'s query, built once (every step of a registration asks it)
_BY_TOKEN = sa.select(Registration).where(Registration.token == sa.bindparam("token"))


@dataclass(frozen=True)
class Window:
    """Whether registration is open at a moment, and why not ("not_open"/"closed")."""

    is_open: bool
    reason: Literal["", "not_open", "closed"] = ""
    closes_at: datetime | None = field(default=None)


def registration_window(event: Event, now: datetime) -> Window:
    """Open from `registration_opens_at` until `registration_closes_at`, never past the start."""
    closes_at = min(event.registration_closes_at, event.starts_at)
    if now < event.registration_opens_at:
        return Window(False, "not_open", closes_at)
    if now >= closes_at:
        return Window(False, "closed", closes_at)
    return Window(True, "", closes_at)


def _require_open(event: Event, now: datetime) -> None:
    window = registration_window(event, now)
    if window.reason == "not_open":
        raise RegistrationClosed(
            _l("Registration for this event has not opened yet."), code="registration_not_open"
        )
    if window.reason == "closed":
        raise RegistrationClosed()


def active_registration(event_id: int, email: str) -> Registration | None:
    """The registration of `email` for the event that is not cancelled/expired/refunded."""
    return db.session.scalar(_ACTIVE, {"event_id": event_id, "email": email})


#: `active_registration`'s query, built once (for the `event_id` and `email` parameters)
_ACTIVE = (
    sa.select(Registration)
    .where(
        Registration.event_id == sa.bindparam("event_id"),
        Registration.email == sa.bindparam("email"),
        Registration.state.not_in(sorted(s.value for s in payments.TERMINAL)),
    )
    .limit(1)
)


LINK_MAILS = ("event_verify", "event_manage_link")
LINK_MAIL_INTERVAL = timedelta(minutes=1)  # at most one link mail per address per interval


def link_mailed_recently(email: str, *, now: datetime) -> bool:
    """Whether a registration link (`LINK_MAILS`) went to `email` within LINK_MAIL_INTERVAL."""
    recent = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(MailMessage)
        .where(
            MailMessage.to_addr == email,
            MailMessage.kind.in_(LINK_MAILS),
            MailMessage.created_at > now - LINK_MAIL_INTERVAL,
        )
    )
    return bool(recent)


def send_link(registration: Registration, *, now: datetime):
    """Mail the link a registrant needs now: a fresh `event_verify` link (48 h from now) while
    the address is unverified, else `event_manage_link` (status, cancel). Returns the mail."""
    if registration.state == RegState.PENDING_VERIFICATION.value and not registration.verified_at:
        return notices.send_verification(registration, now=now)
    return notices.send_manage_link(registration, now=now)


def start_registration(
    event: Event,
    applicant: Applicant,
    *,
    now: datetime,
    user=None,
    ticket_type_id: int | None = None,
    voucher: Voucher | None = None,
    answers: Mapping[str, object] | None = None,
) -> Registration | None:
    """Create a registration from the form's data and start verification; returns it.

    With `user` (logged in, verified e-mail) the account's address replaces the typed one
    and the registration is verified at once (see `verify_registration`). Otherwise the
    `event_verify` mail is queued. Takes the event lock (duplicates serialise).

    A registration of the address whose payment hold ran out (not yet expired by the
    scheduler) is expired first, its seat offered on (`waitlist.expire_holds` would do the
    same), so the person can register again.
    When the typed address already has an active registration for the event, nothing is
    created and None is returned: its owner gets the link to it by e-mail (`send_link`; not
    again within LINK_MAIL_INTERVAL of an earlier link), so the caller can answer exactly as
    for a new registration ("check your inbox") and no one learns who registered. For a
    logged-in `user` (their own address) it raises AlreadyRegistered instead.
    `voucher` (from `vouchers.lookup_for_event`) is stored on the new registration; it is
    checked against the verified address and claimed at verification (`_proceed`).
    Raises NotFound (unpublished), RegistrationClosed (outside the window) and InvalidInput
    (bad e-mail, name, consent missing, bad billing / VAT id), for either kind of address.
    An event with ticket types needs `ticket_type_id`, one of its types on sale now
    (`ticket_choice.check_choice`; whether this address may buy it is decided at verification).

    `answers` are the answers to the event's questions by field name (`event_questions`'
    `check_answers`): checked under the event lock before anything is written (InvalidInput
    with their field errors) and stored with a new registration.
    """
    if user is not None and not getattr(user, "is_verified", False):
        user = None
    if user is not None:
        applicant = replace(applicant, email=user.email)
    applicant = clean_applicant(applicant)
    event = lock_event(event.id)
    if not event.published:
        raise NotFound()
    _require_open(event, now)
    ticket_type_id = ticket_choice.check_choice(event, ticket_type_id, now=now)
    answered = clean_answers(event_questions(event), answers or {})  # under the lock
    existing = active_registration(event.id, applicant.email)
    if existing is not None and _hold_ran_out(existing, now):
        # the scheduler has not expired it yet: do it now, so the person can start again
        _release(existing, RegEvent.HOLD_EXPIRED, now=now)
        existing = None
    if existing is not None:
        if user is not None:
            raise AlreadyRegistered()
        if not link_mailed_recently(existing.email, now=now):
            send_link(existing, now=now)
        return None
    registration = new_registration(
        event,
        applicant,
        now=now,
        user=user,
        ticket_type_id=ticket_type_id,
        voucher_id=voucher.id if voucher is not None else None,
    )
    db.session.add(registration)
    db.session.flush()
    store_answers(registration, answered)
    record(
        "registration.created", registration, now=now, actor=user, scope=event, event_id=event.id
    )
    count_step(event.id, THINK, now=now)
    if user is not None:
        return verify_registration(registration, now=now, user=user)
    notices.send_verification(registration, now=now)
    return registration


def new_registration(
    event: Event, applicant: Applicant, *, now: datetime, user=None, **columns
) -> Registration:
    """A new registration (not added to the session) of the cleaned `applicant` for `event`,
    waiting for verification with a fresh link token: their details, consent and billing
    details as the form gave them; `columns` set the rest (ticket type, voucher, booking)."""
    billing = applicant.billing
    return Registration(
        event_id=event.id,
        user_id=user.id if user is not None else None,
        token=secrets.token_urlsafe(32),
        state=RegState.PENDING_VERIFICATION.value,
        email=applicant.email,
        name=applicant.name,
        organisation=applicant.organisation,
        job_title=applicant.job_title,
        locale=applicant.locale,
        privacy_consent_at=now,
        newsletter_opt_in=applicant.newsletter_opt_in,
        billing_company=billing.company,
        billing_address=billing.address,
        billing_postcode=billing.postcode,
        billing_city=billing.city,
        billing_country=billing.country or "NL",
        vat_id=billing.vat_id,
        created_at=now,
        updated_at=now,
        **columns,
    )


def _hold_ran_out(registration: Registration, now: datetime) -> bool:
    """Whether `registration` still holds a seat for payment whose hold has run out."""
    hold = registration.hold_expires_at
    return registration.state == RegState.PENDING_PAYMENT.value and hold is not None and hold <= now


def _proceed(registration: Registration, event: Event, *, now: datetime) -> Registration:
    if not ticket_choice.settle(registration, event, now=now):
        return registration  # the registrant chooses a ticket type first (`choose_ticket_type`)
    if vouchers.problem(registration, event, now=now) is not None:
        return registration  # waits on the voucher step (`choose_voucher`)
    if quotes.needs_billing(registration):
        return registration
    quotes.quote(registration, event)
    if not vouchers.claim(registration):
        return registration  # used up meanwhile: the voucher step, nothing charged
    seats.allocate_seat(registration, event, now=now)
    return registration


def choose_voucher(registration: Registration, voucher: Voucher | None, *, now: datetime):
    """The voucher step: a verified registration whose voucher no longer applies
    (`vouchers.waiting_for_voucher`) continues with another `voucher` (from
    `vouchers.lookup_for_event`) or none, then is priced and placed as at verification
    (or waits again when that voucher does not apply either).

    Takes the event lock. Raises NotAvailable when the registration is not on that step and
    RegistrationClosed once the event started."""
    event = lock_event(registration.event_id)
    if vouchers.waiting_for_voucher(registration, now=now) is None:
        raise NotAvailable(_l("Your voucher needs no choice now."), code="voucher_not_needed")
    if now >= event.starts_at:
        raise RegistrationClosed(_l("This event has already started."), code="event_started")
    old = registration.voucher
    registration.voucher = voucher
    registration.updated_at = now
    db.session.flush()
    record(
        "registration.voucher_changed",
        registration,
        now=now,
        scope=event,
        event_id=event.id,
        previous=old.code if old is not None else "",
        code=voucher.code if voucher is not None else "",
    )
    return _proceed(registration, event, now=now)


def verify_registration(registration: Registration, *, now: datetime, user=None):
    """The registrant proved their address: decide membership, then price and place.

    Idempotent: a registration that is already verified is returned unchanged. Takes the
    event lock. Raises RegistrationClosed once the event has started (no seat can be held).
    """
    event = lock_event(registration.event_id)
    if registration.state != RegState.PENDING_VERIFICATION.value or registration.verified_at:
        return registration
    _refuse_booking(registration)
    if now >= event.starts_at:
        raise RegistrationClosed(_l("This event has already started."), code="event_started")
    audience, organisation = audience_for(registration.email, user=user)
    registration.verified_at = now
    registration.audience = audience.value
    registration.member_organisation_id = organisation.id if organisation else None
    registration.updated_at = now
    record(
        "registration.verified",
        registration,
        now=now,
        scope=event,
        event_id=event.id,
        audience=audience.value,
        member_organisation_id=registration.member_organisation_id,
    )
    return _proceed(registration, event, now=now)


def _refuse_booking(registration: Registration) -> None:
    """A booking's registrations are verified and billed as one (`events.services.bookings`)."""
    if registration.booking_id is not None:
        raise NotAvailable(
            _l("This registration belongs to a booking: open the booking's own link."),
            code="part_of_booking",
        )


def submit_billing(registration: Registration, billing: Billing, *, now: datetime):
    """The billing step: store complete billing details, then price and place.

    Raises NotAvailable unless the registration is verified and waiting for billing,
    RegistrationClosed once the event started, InvalidInput for incomplete details or a
    bad VAT id.
    """
    billing = clean_billing(billing, required=True)
    event = lock_event(registration.event_id)
    _refuse_booking(registration)
    if registration.state != RegState.PENDING_VERIFICATION.value or not quotes.needs_billing(
        registration
    ):
        raise NotAvailable(_l("Billing details are not needed now."), code="billing_not_needed")
    if now >= event.starts_at:
        raise RegistrationClosed(_l("This event has already started."), code="event_started")
    registration.billing_company = billing.company
    registration.billing_address = billing.address
    registration.billing_postcode = billing.postcode
    registration.billing_city = billing.city
    registration.billing_country = billing.country
    registration.vat_id = billing.vat_id
    registration.updated_at = now
    return _proceed(registration, event, now=now)


def choose_ticket_type(registration: Registration, ticket_type_id: int | None, *, now: datetime):
    """The "choose your ticket" step (an event with ticket types, after verification): take
    one of the types this verified address may buy (`ticket_choice.choose`), then billing,
    price and place as after verification.

    Raises NotAvailable unless the registration waits for this choice, RegistrationClosed
    once the event started, InvalidInput for a type it may not take.
    """
    event = lock_event(registration.event_id)
    if not ticket_choice.needs_choice(registration, now=now):
        raise NotAvailable(_l("There is no ticket to choose now."), code="no_ticket_choice")
    if now >= event.starts_at:
        raise RegistrationClosed(_l("This event has already started."), code="event_started")
    ticket_choice.choose(registration, event, ticket_type_id, now=now)
    return _proceed(registration, event, now=now)


# --- called by the payments side (events/services/checkout.py, the webhook) -----------------


def payment_succeeded(registration: Registration, *, now: datetime) -> str:
    """A completed payment arrived: "confirmed", "refund" or "noop" (duplicate delivery).

    Under the event lock, `events.payments.late_payment_decision` decides: within the hold
    (or after it with a seat still free) the registration is confirmed and the confirmation
    with .ics is queued; when the hold expired and the event filled up, or the registration
    was cancelled, it moves to refunded and `event_late_payment_refunded` is queued. The
    caller issues the invoice and performs the refund. Raises TransitionError for states in
    which no payment can have started (pending_verification, waitlisted, offered).
    """
    event = lock_event(registration.event_id)
    state = RegState(registration.state)
    free = payments.seats_left(event.capacity, seats.counts(event.id)[0])
    if state is RegState.EXPIRED and not ticket_choice.type_has_room(registration):
        free = 0  # its ticket type sold out meanwhile: refunded like a full event
    decision = payments.late_payment_decision(state=state, seats_available=free)
    if decision == "noop":
        return "noop"
    if decision == "confirm":
        seats.confirm(registration, RegEvent.PAID, now=now)
        return "confirmed"
    late = RegEvent.LATE_PAYMENT_REFUNDED if state is RegState.EXPIRED else RegEvent.REFUND
    seats.transition(registration, late, now=now)
    notices.send_late_payment_refunded(registration, now=now)
    return "refund"


def _release(registration: Registration, what: RegEvent, *, now: datetime) -> bool:
    event = lock_event(registration.event_id)
    if registration.state != RegState.PENDING_PAYMENT.value:
        return False
    seats.transition(registration, what, now=now)
    seats.offer_next_seat(event, now=now)
    return True


def payment_failed(registration: Registration, *, now: datetime) -> bool:
    """A payment failed (an asynchronous one such as iDEAL/SEPA, or the test checkout's Fail):
    the registration stays payable. Under the event lock, while the hold runs, it keeps its
    seat in pending_payment (audited "registration.payment_failed") and `event_payment_failed`
    is queued with the pay link, where a new checkout session can be opened; it expires only
    when the hold does (`waitlist.expire_holds`). A hold that has already run out is expired
    now and its seat offered to the waiting list. Returns True when the failure was recorded;
    no-op (False) in other states."""
    event = lock_event(registration.event_id)
    if registration.state != RegState.PENDING_PAYMENT.value:
        return False
    hold = registration.hold_expires_at
    if hold is None or hold <= now:
        seats.transition(registration, RegEvent.HOLD_EXPIRED, now=now)
        seats.offer_next_seat(event, now=now)
        return False
    seats.transition(registration, RegEvent.PAYMENT_FAILED, now=now)
    notices.send_payment_failed(registration, now=now)
    return True


def checkout_expired(registration: Registration, *, now: datetime) -> bool:
    """The Checkout session expired unpaid: pending_payment -> expired, the seat goes to the
    waiting list. No-op (False) in other states."""
    return _release(registration, RegEvent.SESSION_EXPIRED, now=now)


def after_seat_freed(event: Event, *, now: datetime) -> list[Registration]:
    """Offer free seats to the next in line (see `seats.offer_next_seat`)."""
    return seats.offer_next_seat(event, now=now)
