"""Several attendees in one booking: one booker, one payment, one invoice, one confirmation
per attendee.

A booking is made by a booker, who is its first attendee (the lead registration, the
booking's registration with the lowest id), for up to `MAX_ATTENDEES` people in all:

1. `start_booking` stores the `Booking` (the other attendees as typed) and the booker's own
   registration (pending_verification) and mails the booker the verification link
   (`event_booking_verify`; a logged-in user with a verified address skips it).
2. `verify_booking` (the link) decides the booker's membership from the proven address
   (`membership.audience_for`). When the booking must be paid and the billing details are
   not complete, it waits for `submit_booking_billing`.
3. `_place`, under ONE event lock, all or nothing: every other attendee becomes a
   `Registration` of the booking, priced by `attendee_audience` (a colleague at the booker's
   own registrable domain gets the booker's audience; anyone else is a non-member) with the
   booker's billing details — on an event selling ticket types, each attendee the cheapest
   type their address may have that is on sale with a seat left (`_ticket_for`; none:
   `NoTicketForAttendee`, nothing booked) —, and every attendee gets a seat at once: confirmed when the
   booking costs nothing, else pending_payment with one hold. If not every attendee fits,
   nothing is placed and the booking is refused (`BookingTooBig`, saying how many seats
   are left); a booking is never waitlisted, because a waiting group would need as many
   seats freed at once and one payment for a partial offer. Attendees whose address already
   has a registration for the event are left out (audited, and listed on the booking page
   as left out; their registration is theirs).
4. One checkout session for the total (`amount_due`, opened by `checkout.start_checkout`
   on the lead registration); `booking_paid` (called by `checkout.fulfil_session`) confirms
   every attendee (each gets their own confirmation with the calendar file), issues one
   invoice to the booker's billing details with a line per attendee and mails it with the
   booking summary. An expired or failed checkout closes the whole booking's seats
   (`session_closed`); a provider refund refunds them all (`charge_refunded`).
   A voucher code typed on the form (`Booking.voucher`) applies per attendee, as pretix
   applies one per ticket (`vouchers.for_booking`): to each attendee whose address is at
   its e-mail domain and whose ticket type is its own, one use each, all claimed at once
   (`vouchers.claim_uses`, one conditional UPDATE) under the same lock as the seats; a
   voucher that covers nobody, or fewer attendees than it is valid for, books nothing.
   Each of those attendees' registrations names the voucher (its discount on their invoice
   line) and gives its use back when it ends (cancelled, expired, refunded), as a single
   registration's does (`vouchers.after_transition`).
5. `cancel_booking`: the booker cancels every attendee at once, within the cancellation
   deadline (staff at any time); a paid booking is refunded in full with one credit note. One attendee of a
   paid booking cannot cancel alone (`waitlist.cancel_registration` refuses it): the booker
   cancels the booking; an attendee whose own seat was free may.

All functions flush only and raise DomainErrors.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l

from core.accounts.models import has_staff_rights
from core.audit.services import record
from core.clock import local
from core.emails import email_domain, is_public_mail_domain, registrable_domain
from core.errors import InvalidInput, NotFound
from core.extensions import db
from core.money import format_eur
from core.outbox.services import queue_mail
from events import payments, pricing
from events.documents import invoice_attachment
from events.gateway import PaymentGateway
from events.models import (
    Booking,
    Event,
    Invoice,
    MemberOrganisation,
    Payment,
    Registration,
    TicketType,
    Voucher,
)
from events.payments import RegEvent, RegState
from events.pricing import Audience, TaxedPrice
from events.services import notices, quotes, seats, ticket_choice, vouchers
from events.services.errors import AlreadyRegistered, NotAvailable, RegistrationClosed, TooLate
from events.services.event_questions import (
    check_answers,
    clean_answers,
    event_questions,
    store_answers,
)
from events.services.input import Applicant, Billing, clean_applicant, clean_billing, clean_email
from events.services.invoices import (
    INVOICE,
    customer_details,
    event_label,
    format_number,
    invoice_date,
    invoice_for,
    issue_credit_note,
    next_sequence,
    supplier_details,
    with_voucher,
)
from events.services.invoices import _prefix as invoice_prefix  # the one configured prefix
from events.services.membership import audience_for
from events.services.refunds import mail_invoice, refund_payment
from events.services.registrations import (
    active_registration,
    link_mailed_recently,
    new_registration,
    registration_window,
    send_link,
)
from events.services.seats import lock_event

#: attendees in one booking, the booker included
MAX_ATTENDEES = 10
#: the states a registration pays from (a payment may arrive after the hold ran out)
_PAYABLE = (RegState.PENDING_PAYMENT.value, RegState.EXPIRED.value)


class BookingTooBig(NotAvailable):
    """Not every attendee of the booking fits in the seats that are left: nothing booked."""

    code = "booking_too_big"
    message = _l("There are not enough seats left for everyone in this booking.")


class NoTicketForAttendee(NotAvailable):
    """An event selling ticket types has none on sale (with a seat left) that one attendee's
    address may have: nothing booked."""

    code = "no_ticket_for_attendee"


@dataclass(frozen=True)
class Attendee:
    """Another attendee as the booker typed them: `answers` to the event's questions by field
    name (as the registration form sends them); `row` their row on the form (from 1)."""

    name: str
    email: str
    answers: Mapping[str, object] = field(default_factory=dict)
    row: int = 0


def _attendee_answers(questions, others: list[Attendee]) -> list[dict[str, str]]:
    """Each attendee's answers to the event's `questions`, checked (`check_answers`), as the
    booking keeps them until their registration is made: {question id (text): value}.
    Raises InvalidInput with the errors on the form's fields ("attendee_<row>_q_<key>")."""
    kept, errors = [], {}
    for attendee in others:
        values, problems = check_answers(questions, attendee.answers)
        errors.update({f"attendee_{attendee.row}_{name}": m for name, m in problems.items()})
        kept.append({str(question_id): value for question_id, value in values.items()})
    if errors:
        raise InvalidInput(errors, code="bad_answers")
    return kept


def _too_big(left: int, needed: int) -> BookingTooBig:
    return BookingTooBig(
        _l(
            "Only %(left)s seats are left and this booking needs %(needed)s. Nothing was "
            "booked: book for fewer people.",
            left=left,
            needed=needed,
        )
    )


def clean_attendees(booker_email: str, attendees: list[Attendee]) -> list[Attendee]:
    """The other attendees, names trimmed and addresses normalised; at least one, at most
    MAX_ATTENDEES - 1, each address once and not the booker's; a row left empty is skipped.
    Raises InvalidInput with the field errors "attendee_<n>_name" / "attendee_<n>_email"
    (n from 1, the row's place)."""
    errors: dict[str, str] = {}
    cleaned: list[Attendee] = []
    seen = {booker_email}
    for n, attendee in enumerate(attendees, start=1):
        name = " ".join((attendee.name or "").split())
        if not name and not (attendee.email or "").strip():
            continue  # a row left empty
        if not name or len(name) > 200:
            errors[f"attendee_{n}_name"] = _l("Enter the attendee's name.")
        try:
            email = clean_email(attendee.email)
        except InvalidInput:
            errors[f"attendee_{n}_email"] = _l("That is not a valid e-mail address.")
            continue
        if email in seen:
            errors[f"attendee_{n}_email"] = _l("Each attendee needs an address of their own.")
        seen.add(email)
        cleaned.append(Attendee(name=name, email=email, answers=attendee.answers, row=n))
    if errors:
        raise InvalidInput(errors=errors, code="bad_attendee")
    if not cleaned:
        raise InvalidInput(message=_l("Add at least one other attendee."), code="no_attendees")
    if len(cleaned) + 1 > MAX_ATTENDEES:
        raise InvalidInput(
            message=_l("A booking holds at most %(max)s attendees.", max=MAX_ATTENDEES),
            code="too_many_attendees",
        )
    return cleaned


def attendee_audience(
    booker_email: str,
    booker_audience: Audience,
    booker_organisation: MemberOrganisation | None,
    attendee_email: str,
) -> tuple[Audience, MemberOrganisation | None]:
    """THE membership rule for another attendee: an address at the booker's own verified
    registrable domain (not a free-mail provider's) gets the booker's audience and member
    organisation; any other address is a non-member. Never decided from what was typed
    about membership: only from the booker's proven address and the attendee's domain."""
    mine = registrable_domain(email_domain(booker_email))
    theirs = registrable_domain(email_domain(attendee_email))
    if mine and mine == theirs and not is_public_mail_domain(mine):
        return booker_audience, booker_organisation
    return Audience.NON_MEMBER, None


def get_booking(token: str) -> Booking:
    """The booking whose secret link token is `token`; NotFound otherwise."""
    if not token or len(token) > 64:
        raise NotFound()
    booking = db.session.scalar(sa.select(Booking).where(Booking.token == token))
    if booking is None:
        raise NotFound()
    return booking


def booking_of_event(event: Event, booking_id: int) -> Booking:
    """The booking `booking_id` of `event` (staff pages); NotFound for another event's."""
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.event_id != event.id:
        raise NotFound()
    return booking


def lead_of(booking: Booking) -> Registration:
    """The booker's own registration (the booking's first)."""
    lead = db.session.scalar(
        sa.select(Registration)
        .where(Registration.booking_id == booking.id)
        .order_by(Registration.id)
        .limit(1)
    )
    if lead is None:
        raise NotFound()
    return lead


def attendees_of(booking: Booking) -> list[Registration]:
    """Every registration of the booking, the lead first (one query)."""
    return list(
        db.session.scalars(
            sa.select(Registration)
            .where(Registration.booking_id == booking.id)
            .order_by(Registration.id)
        )
    )


def is_lead(registration: Registration) -> bool:
    """Whether `registration` is the lead (booker's) registration of its booking."""
    if registration.booking_id is None:
        return False
    booking = registration.booking
    assert booking is not None
    return lead_of(booking).id == registration.id


def _require_open(event: Event, now: datetime) -> None:
    window = registration_window(event, now)
    if window.reason == "not_open":
        raise RegistrationClosed(
            _l("Registration for this event has not opened yet."), code="registration_not_open"
        )
    if window.reason == "closed":
        raise RegistrationClosed()


def _abandon_unverified(existing: Registration, now: datetime) -> bool:
    """An earlier booking of the booker that was never verified (its link not opened, or
    refused for lack of seats) is cancelled, so the booker can book again. True if so."""
    if existing.booking_id is None or existing.verified_at is not None:
        return False
    if existing.state != RegState.PENDING_VERIFICATION.value:
        return False
    seats.transition(existing, RegEvent.CANCEL, now=now)
    return True


def start_booking(
    event: Event,
    applicant: Applicant,
    attendees: list[Attendee],
    *,
    now: datetime,
    user=None,
    answers: Mapping[str, object] | None = None,
    voucher: Voucher | None = None,
) -> Booking | None:
    """Create a booking from the form's data and start the booker's verification.

    With `user` (logged in, verified e-mail) the account's address is the booker's and the
    booking is verified (and placed) at once. Returns the booking, or None when the booker's
    address already has a registration for the event: its owner gets the link to it
    (`registrations.send_link`, as a single registration does) and the caller answers
    "check your inbox" all the same; a logged-in user gets AlreadyRegistered instead.
    `answers` are the booker's answers to the event's questions, each attendee's are theirs
    (`Attendee.answers`), all checked under the event lock before anything is written: the
    booker's are stored with their registration, the others' with the booking until their
    registrations are made (`_place`).
    `voucher` (from `vouchers.lookup_for_event`) is checked for the typed addresses
    (`vouchers.check_booking_form`) and kept with the booking; it is applied per attendee and
    its uses claimed when the booking is placed.
    Takes the event lock. Raises InvalidInput (booker's details, attendees, answers: the
    field errors of the form's rows; the voucher on `voucher_code`), NotFound,
    RegistrationClosed and BookingTooBig (more attendees than free seats right now).
    """
    if user is not None and not getattr(user, "is_verified", False):
        user = None
    if user is not None:
        applicant = replace(applicant, email=user.email)
    applicant = clean_applicant(applicant)
    others = clean_attendees(applicant.email, attendees)
    event = lock_event(event.id)
    if not event.published:
        raise NotFound()
    _require_open(event, now)
    questions = event_questions(event)
    mine = clean_answers(questions, answers or {})
    theirs = _attendee_answers(questions, others)
    if voucher is not None:
        vouchers.check_booking_form(
            voucher, event, [applicant.email, *(a.email for a in others)], now=now
        )
    left = seats.seats_free(event)
    if len(others) + 1 > left:
        raise _too_big(left, len(others) + 1)
    existing = active_registration(event.id, applicant.email)
    if existing is not None and _abandon_unverified(existing, now):
        existing = None
    if existing is not None:
        if user is not None:
            raise AlreadyRegistered()
        if not link_mailed_recently(existing.email, now=now):
            send_link(existing, now=now)
        return None
    booking = Booking(
        event_id=event.id,
        token=secrets.token_urlsafe(32),
        booker_name=applicant.name,
        booker_email=applicant.email,
        locale=applicant.locale,
        attendees=[
            {"name": a.name, "email": a.email, "answers": answered}
            for a, answered in zip(others, theirs, strict=True)
        ],
        voucher_id=voucher.id if voucher is not None else None,
        created_at=now,
    )
    db.session.add(booking)
    db.session.flush()
    lead = new_registration(event, applicant, now=now, user=user, booking_id=booking.id)
    db.session.add(lead)
    db.session.flush()
    store_answers(lead, mine)
    record(
        "booking.created",
        booking,
        now=now,
        actor=user,
        scope=event,
        event_id=event.id,
        attendees=len(others) + 1,
        **({"code": voucher.code} if voucher is not None else {}),
    )
    if user is not None:
        return verify_booking(booking, now=now, user=user)
    send_verification(booking, lead, now=now)
    return booking


def send_verification(booking: Booking, lead: Registration, *, now: datetime):
    """`event_booking_verify`: the link (48 hours) that proves the booker's address."""
    token = notices.verification_token(lead, now=now)
    return queue_mail(
        lead.email,
        "event_booking_verify",
        now=now,
        locale=booking.locale,
        booking=booking,
        registration=lead,
        event=booking.event,
        title=booking.event.title(booking.locale),
        people=len(booking.attendees) + 1,
        verify_url=url_for("bookings.verify", token=token, _external=True),
        hours=48,
    )


def needs_billing(booking: Booking, *, now: datetime) -> bool:
    """Verified, the booking will cost money, and the booker's billing details are not
    complete. Unknown until the booker is verified (their membership decides it)."""
    lead = lead_of(booking)
    if lead.state != RegState.PENDING_VERIFICATION.value:
        return False
    if lead.verified_at is None or lead.audience is None:
        return False
    if quotes.billing_of(lead).is_complete():
        return False
    event = booking.event
    prices = {
        Audience.MEMBER: event.price_member_cents,
        Audience.NON_MEMBER: event.price_non_member_cents,
    }
    audience = Audience(lead.audience)
    people = [(lead.email, audience)] + [
        (typed["email"], attendee_audience(lead.email, audience, None, typed["email"])[0])
        for typed in booking.attendees
    ]
    voucher = booking.voucher

    def to_pay(email: str, net_cents: int, ticket: TicketType | None) -> int:
        """The attendee's net after the booking's voucher, if it is for them."""
        ticket_id = ticket.id if ticket is not None else None
        if voucher is None or vouchers.attendee_problem(voucher, email, ticket_id) is not None:
            return net_cents
        return net_cents - vouchers.discount(voucher, net_cents)

    if ticket_choice.has_types(event):  # each attendee's ticket (`_ticket_for`), no reserving
        chosen = [(e, _ticket_for(event, e, a, Counter(), now=now)) for e, a in people]
        return any(t is not None and to_pay(e, t.price_cents, t) > 0 for e, t in chosen)
    return any(to_pay(e, pricing.price_for(a, prices), None) > 0 for e, a in people)


def _ticket_for(
    event: Event, email: str, audience: Audience, taken: Counter[int], *, now: datetime
) -> TicketType | None:
    """The ticket type an attendee of a booking gets on an event selling types: the cheapest
    (then the first in the event's order) that is on sale, that their address may have
    (`ticket_choice.options`: the rules of `events.tickets`) and that has a seat left after
    the `taken` ones of this booking; None when there is none."""
    found = [
        o
        for o in ticket_choice.options(event, now=now, email=email, audience=audience.value)
        if o.sale.ok
        and o.allowed is not None
        and o.allowed.ok
        and (o.left is None or o.left - taken[o.ticket_type.id] > 0)
    ]
    found.sort(key=lambda o: (o.ticket_type.price_cents, o.ticket_type.position))
    return found[0].ticket_type if found else None


def _give_tickets(people: list[Registration], event: Event, *, now: datetime) -> None:
    """Under the event lock: every attendee's ticket type (`_ticket_for`), each type's own
    seats counted with those this booking takes. NoTicketForAttendee when one gets none."""
    taken: Counter[int] = Counter()
    for registration in people:
        ticket = _ticket_for(
            event,
            registration.email,
            Audience(registration.audience or Audience.NON_MEMBER.value),
            taken,
            now=now,
        )
        if ticket is None:
            raise NoTicketForAttendee(
                _l(
                    "No ticket on sale now can be given to %(email)s: nobody in this booking "
                    "is registered. Book without them, or let them register themselves.",
                    email=registration.email,
                )
            )
        taken[ticket.id] += 1
        registration.ticket_type_id = ticket.id
        registration.ticket_type = ticket


def verify_booking(booking: Booking, *, now: datetime, user=None) -> Booking:
    """The booker proved their address: decide their membership, then (with complete billing
    details, or nothing to pay) place the whole booking. Idempotent: a verified booking is
    returned unchanged. Takes the event lock. Raises RegistrationClosed once the event
    started and BookingTooBig when not every attendee fits (nothing changes)."""
    event = lock_event(booking.event_id)
    lead = lead_of(booking)
    if lead.state != RegState.PENDING_VERIFICATION.value or lead.verified_at is not None:
        return booking
    if now >= event.starts_at:
        raise RegistrationClosed(_l("This event has already started."), code="event_started")
    audience, organisation = audience_for(lead.email, user=user)
    lead.verified_at = now
    lead.audience = audience.value
    lead.member_organisation_id = organisation.id if organisation else None
    lead.updated_at = now
    record(
        "registration.verified",
        lead,
        now=now,
        scope=event,
        event_id=event.id,
        audience=audience.value,
        member_organisation_id=lead.member_organisation_id,
        booking_id=booking.id,
    )
    if not needs_billing(booking, now=now):
        _place(booking, lead, event, now=now)
    return booking


def submit_booking_billing(booking: Booking, billing: Billing, *, now: datetime) -> Booking:
    """The billing step of a booking: the booker's billing details (for the one invoice),
    then place the booking. Raises NotAvailable when they are not needed now, InvalidInput
    and BookingTooBig."""
    billing = clean_billing(billing, required=True)
    event = lock_event(booking.event_id)
    lead = lead_of(booking)
    if lead.state != RegState.PENDING_VERIFICATION.value or not needs_billing(booking, now=now):
        raise NotAvailable(_l("Billing details are not needed now."), code="billing_not_needed")
    if now >= event.starts_at:
        raise RegistrationClosed(_l("This event has already started."), code="event_started")
    lead.billing_company = billing.company
    lead.billing_address = billing.address
    lead.billing_postcode = billing.postcode
    lead.billing_city = billing.city
    lead.billing_country = billing.country
    lead.vat_id = billing.vat_id
    lead.updated_at = now
    _place(booking, lead, event, now=now)
    return booking


def _apply_voucher(
    booking: Booking, people: list[Registration], event: Event, *, now: datetime
) -> int:
    """Under the event lock, every attendee's ticket type given: the booking's voucher on
    each attendee it applies to (`vouchers.for_booking`, which raises InvalidInput on
    `voucher_code` when it applies to nobody or has too few uses left). Returns the uses
    needed (0 without a voucher); the caller claims them (`vouchers.claim_for_booking`)."""
    voucher = booking.voucher
    if voucher is None:
        return 0
    applies = vouchers.for_booking(voucher, event, [(r.email, r.ticket_type_id) for r in people],
                                   now=now)  # fmt: skip
    for registration, applied in zip(people, applies, strict=True):
        registration.voucher = voucher if applied else None
    return sum(applies)


def _place(booking: Booking, lead: Registration, event: Event, *, now: datetime) -> None:
    """Create the other attendees' registrations and give every attendee a seat at once."""
    event = lock_event(event.id)
    audience = Audience(lead.audience or Audience.NON_MEMBER.value)
    organisation = lead.member_organisation
    people: list[Registration] = [lead]
    skipped: list[dict] = []
    answered: list[tuple[Registration, dict]] = []
    for typed in booking.attendees:
        if active_registration(event.id, typed["email"]) is not None:
            skipped.append({**typed, "skipped": True})
            record(
                "booking.attendee_skipped",
                booking,
                now=now,
                scope=event,
                reason="already_registered",
            )
            continue
        theirs, org = attendee_audience(lead.email, audience, organisation, typed["email"])
        registration = Registration(
            event_id=event.id,
            booking_id=booking.id,
            token=secrets.token_urlsafe(32),
            state=RegState.PENDING_VERIFICATION.value,
            email=typed["email"],
            name=typed["name"],
            organisation=lead.organisation if org is not None else "",
            locale=booking.locale,
            audience=theirs.value,
            member_organisation_id=org.id if org is not None else None,
            privacy_consent_at=now,
            billing_company=lead.billing_company,
            billing_address=lead.billing_address,
            billing_postcode=lead.billing_postcode,
            billing_city=lead.billing_city,
            billing_country=lead.billing_country,
            vat_id=lead.vat_id,
            created_at=now,
            updated_at=now,
        )
        db.session.add(registration)
        people.append(registration)
        answered.append((registration, typed.get("answers") or {}))
    db.session.flush()
    for registration, values in answered:
        store_answers(registration, {int(key): value for key, value in values.items()})
    holding, waiting = seats.counts(event.id)
    if waiting and payments.seats_left(event.capacity, holding):
        seats.offer_next_seat(event, now=now)  # nobody jumps the queue
        holding, _waiting = seats.counts(event.id)
    left = payments.seats_left(event.capacity, holding)
    if len(people) > left:
        raise _too_big(left, len(people))
    if ticket_choice.has_types(event):
        _give_tickets(people, event, now=now)
    voucher, uses = booking.voucher, _apply_voucher(booking, people, event, now=now)
    for registration in people:
        if registration is not lead:
            record(
                "registration.created",
                registration,
                now=now,
                scope=event,
                event_id=event.id,
                booking_id=booking.id,
            )
        quotes.quote(registration, event)
    if voucher is not None and uses:
        vouchers.claim_for_booking(voucher, uses)
    total = sum(r.gross_cents for r in people)
    for registration in people:
        if total == 0:
            seats.confirm(registration, RegEvent.VERIFIED_FREE, now=now)
        else:
            seats.hold(registration, RegEvent.VERIFIED_PAID, event, now=now)
    booking.attendees = skipped  # only those left out stay listed, to tell the booker
    db.session.flush()
    record(
        "booking.placed",
        booking,
        now=now,
        scope=event,
        event_id=event.id,
        attendees=len(people),
        gross_cents=total,
        **({"code": voucher.code, "voucher_uses": uses} if voucher is not None else {}),
    )
    if total == 0:
        send_summary(booking, people, now=now)


def amount_due(registration: Registration) -> int:
    """What a checkout for `registration` charges: its own gross price, or for the lead of a
    booking the gross of every attendee waiting for the booking's payment. Raises
    NotAvailable("paid_by_booking") for another attendee of a booking (the booker pays)."""
    if registration.booking_id is None:
        return registration.gross_cents
    if not is_lead(registration):
        raise NotAvailable(
            _l("This seat is paid with the booking it belongs to; the booker pays for it."),
            code="paid_by_booking",
        )
    booking = registration.booking
    assert booking is not None
    people = attendees_of(booking)
    return sum(r.gross_cents for r in people if r.state == RegState.PENDING_PAYMENT.value)


def checkout_description(registration: Registration) -> str:
    """The checkout line's description for a booking: the attendees' names."""
    booking = registration.booking
    assert booking is not None
    names = [r.name for r in attendees_of(booking)]
    return f"{len(names)} × " + ", ".join(names)[:400]


def _ticket_label(registration: Registration, locale: str) -> str:
    """The event's label, and the attendee's ticket type when the event sells types."""
    label = event_label(registration.event, locale)
    ticket = registration.ticket_type
    return f"{label} — {ticket.name(locale)}" if ticket is not None else label


def _invoice_line(registration: Registration, locale: str) -> dict:
    event = registration.event
    day = invoice_date(local(event.starts_at).date(), locale)
    price = TaxedPrice(
        registration.net_cents,
        registration.vat_cents,
        registration.gross_cents,
        Decimal(registration.vat_rate),
        bool(registration.reverse_charge),
    )
    description = f"{_ticket_label(registration, locale)} ({day}), {registration.name}"
    return {
        "description": with_voucher(description, registration, locale),
        "quantity": 1,
        "unit_cents": price.net_cents,
        "net_cents": price.net_cents,
        "vat_rate": str(price.rate),
        "vat_cents": price.vat_cents,
        "gross_cents": price.gross_cents,
    }


def issue_booking_invoice(lead: Registration, people: list[Registration], *, now: datetime):
    """THE one invoice of a paid booking, on the lead registration, to the booker's billing
    details: one line per attendee (their name on it, VAT per line as quoted), the totals
    the sums of the lines (= what was charged). Once only (a second call returns it); the
    gap-free number as every invoice (`invoices.next_sequence`). Records "invoice.issued"."""
    existing = invoice_for(lead)
    if existing is not None:
        return existing
    locale = lead.locale if lead.locale in ("nl", "en") else "nl"
    lines = [_invoice_line(r, locale) for r in people]
    year = local(now).year
    sequence = next_sequence(INVOICE, year)
    invoice = Invoice(
        series=INVOICE,
        year=year,
        sequence=sequence,
        number=format_number(INVOICE, year, sequence, invoice_prefix()),
        registration_id=lead.id,
        issued_at=now,
        supplier=supplier_details(),
        customer=customer_details(lead),
        lines=lines,
        net_cents=sum(line["net_cents"] for line in lines),
        vat_cents=sum(line["vat_cents"] for line in lines),
        gross_cents=sum(line["gross_cents"] for line in lines),
        reverse_charge=bool(lead.reverse_charge),
        locale=locale,
    )
    db.session.add(invoice)
    db.session.flush()
    record(
        "invoice.issued",
        invoice,
        now=now,
        number=invoice.number,
        gross_cents=invoice.gross_cents,
        booking_id=lead.booking_id,
    )
    return invoice


def booking_url(booking: Booking) -> str:
    """The booker's booking page (absolute)."""
    return url_for("bookings.show", token=booking.token, _external=True)


def send_summary(
    booking: Booking,
    people: list[Registration],
    *,
    now: datetime,
    invoice: Invoice | None = None,
):
    """`event_booking_summary` to the booker: who is booked, the total, the booking page
    (and the invoice attached, when there is one)."""
    locale = booking.locale if booking.locale in ("nl", "en") else "nl"
    attachments = [invoice_attachment(invoice)] if (invoice is not None) else []
    return queue_mail(
        booking.booker_email,
        "event_booking_summary",
        now=now,
        locale=locale,
        attachments=attachments,
        booking=booking,
        event=booking.event,
        title=booking.event.title(locale),
        people=people,
        total=format_eur(sum(r.gross_cents for r in people), locale),
        invoice=invoice,
        booking_url=booking_url(booking),
    )


def _refund_mail(
    booking: Booking, payment: Payment, note: Invoice | None, *, now: datetime, reason: str
):
    lead = payment.registration
    credited = invoice_for(lead) if note is not None else None
    return queue_mail(
        lead.email,
        "event_refund",
        now=now,
        locale=lead.locale,
        attachments=[invoice_attachment(note)] if note is not None else [],
        registration=lead,
        event=booking.event,
        payment=payment,
        credit_note=note,
        credit_note_url=url_for(
            "payments.invoice", token=lead.token, number=note.number, _external=True
        )
        if note is not None
        else None,
        credited_number=credited.number if credited is not None else None,
        amount=format_eur(payment.amount_cents, lead.locale),
        reason=reason,
    )


def booking_paid(
    payment: Payment, lead: Registration, *, now: datetime, gateway: PaymentGateway
) -> str:
    """The booking's payment was received (`payment` just moved to paid by
    `checkout.fulfil_session`, under the event lock): "confirmed" or "refunded".

    All or nothing, like a single registration's `payments.late_payment_decision`: the
    attendees waiting for it (pending_payment, or expired when the hold ran out) are all
    confirmed (each with their own confirmation and calendar file), while the hold runs or
    when seats are still free for all of them; then the one invoice is issued and mailed to
    the booker with the summary. Otherwise (too few seats after the hold ran out, the booking
    cancelled while paying, or already paid by another payment) every waiting attendee's
    state moves to refunded and the whole payment goes back."""
    booking = lead.booking
    assert booking is not None
    event = lock_event(lead.event_id)
    people = attendees_of(booking)
    waiting = [r for r in people if r.state in _PAYABLE]
    expired = [r for r in waiting if r.state == RegState.EXPIRED.value]
    free = seats.seats_free(event)
    if waiting and len(expired) <= free:
        for registration in waiting:
            seats.confirm(registration, RegEvent.PAID, now=now)
        record("payment.paid", payment, now=now, registration_id=lead.id, outcome="confirmed")
        invoice = issue_booking_invoice(lead, waiting, now=now)
        mail_invoice(invoice, lead, now=now)
        send_summary(booking, waiting, now=now, invoice=invoice)
        return "confirmed"
    for registration in waiting:
        if registration.state == RegState.PENDING_PAYMENT.value:
            seats.transition(registration, RegEvent.HOLD_EXPIRED, now=now)
        seats.transition(registration, RegEvent.LATE_PAYMENT_REFUNDED, now=now)
    for registration in people:
        if registration.state == RegState.CANCELLED.value and registration.confirmed_at is None:
            seats.transition(registration, RegEvent.REFUND, now=now)
    reason = "late_payment" if waiting else "duplicate_payment"
    record("payment.paid", payment, now=now, registration_id=lead.id, outcome=reason)
    refund_payment(payment, now=now, gateway=gateway, reason=reason)
    _refund_mail(booking, payment, None, now=now, reason=reason)
    if waiting:
        seats.offer_next_seat(event, now=now)
    return "refunded"


def session_closed(lead: Registration, *, to: str, now: datetime) -> None:
    """The booking's checkout session failed ("failed") or expired ("expired"), and it
    covered the current hold: an expired session frees every attendee's seat; a failed
    payment keeps them held while the hold runs (the booker is mailed the booking page to
    try again) and frees them once it has run out."""
    booking = lead.booking
    assert booking is not None
    event = lock_event(lead.event_id)
    waiting = [r for r in attendees_of(booking) if r.state == RegState.PENDING_PAYMENT.value]
    if not waiting:
        return
    hold = lead.hold_expires_at
    if to == "failed" and hold is not None and hold > now:
        for registration in waiting:
            seats.transition(registration, RegEvent.PAYMENT_FAILED, now=now)
        queue_mail(
            booking.booker_email,
            "event_booking_payment_failed",
            now=now,
            locale=booking.locale,
            booking=booking,
            event=event,
            title=event.title(booking.locale),
            booking_url=booking_url(booking),
        )
        return
    what = RegEvent.SESSION_EXPIRED if to == "expired" else RegEvent.HOLD_EXPIRED
    for registration in waiting:
        seats.transition(registration, what, now=now)
    seats.offer_next_seat(event, now=now)


def _book_refund(booking: Booking, payment: Payment, *, now: datetime, reason: str):
    """Every paid, live attendee of the booking -> refunded; one credit note for the one
    invoice; the refund mail to the booker. Returns the credit note (None without invoice)."""
    for registration in attendees_of(booking):
        if registration.state in (RegState.CONFIRMED.value, RegState.CANCELLED.value) and (
            registration.confirmed_at is not None
        ):
            seats.transition(registration, RegEvent.REFUND, now=now)
    invoice = invoice_for(payment.registration)
    note = issue_credit_note(invoice, now=now, reason=reason) if invoice is not None else None
    _refund_mail(booking, payment, note, now=now, reason=reason)
    record(
        "booking.refunded",
        booking,
        now=now,
        scope=booking.event,
        reason=reason,
        credit_note=note.number if note is not None else None,
    )
    return note


def charge_refunded(payment: Payment, amount_refunded: int, *, now: datetime) -> str:
    """A refund made at the provider for the booking's payment (`refunds.charge_refunded` for
    a booking): a partial one is only noted for a human; a full one refunds every attendee
    (credit note, states) and offers the freed seats. Our own refunds come back here and
    change nothing ("already_handled")."""
    lead = payment.registration
    booking = lead.booking
    assert booking is not None
    event = lock_event(lead.event_id)
    db.session.refresh(payment)
    if amount_refunded <= payment.refunded_cents:
        return "already_handled"
    if amount_refunded < payment.amount_cents:
        payment.refunded_cents = amount_refunded
        db.session.flush()
        record("payment.partially_refunded", payment, now=now, amount_refunded=amount_refunded)
        return "partial_refund"
    payment.status = "refunded"
    payment.refunded_cents = payment.amount_cents
    db.session.flush()
    record("payment.refunded", payment, now=now, amount_cents=amount_refunded, reason="provider")
    _book_refund(booking, payment, now=now, reason="provider")
    seats.offer_next_seat(event, now=now)
    return "refunded"


def _paid_payment(lead: Registration) -> Payment | None:
    return db.session.scalar(
        sa.select(Payment)
        .where(Payment.registration_id == lead.id, Payment.status == "paid")
        .order_by(Payment.id.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class BookingCancellation:
    """Whether the booker may cancel the booking now, whether that refunds, the deadline."""

    allowed: bool
    refund: bool
    live: bool
    deadline: datetime | None


def cancellation(booking: Booking, now: datetime, *, by_admin: bool = False) -> BookingCancellation:
    """The booking's cancellation rule: the attendees' own rule (`Registration.cancellation`)
    must allow every live attendee (so a confirmed booking until the event's deadline; an
    admin or staff member with `by_admin` is not bound by the deadlines); it refunds when the
    booking's payment was received."""
    people = attendees_of(booking)
    rules = [(r, r.cancellation(now, by_admin=by_admin)) for r in people]
    live = [rule for _r, rule in rules if rule.live]
    deadline = live[0].deadline if live else None
    if not live:
        return BookingCancellation(False, False, False, deadline)
    paid = _paid_payment(people[0]) is not None
    return BookingCancellation(all(rule.allowed for rule in live), paid, True, deadline)


def cancel_booking(
    booking: Booking, *, now: datetime, gateway: PaymentGateway, actor=None
) -> Booking:
    """The booker cancels the whole booking: every live attendee is cancelled (each gets
    `event_cancelled` with the calendar cancellation), a paid booking is refunded in full
    through the gateway with one credit note for the one invoice, and the freed seats go to
    the waiting list. A staff `actor` (the attendee list) is not bound by the deadlines.
    Takes the event lock. Raises NotAvailable("not_cancellable") when
    nothing is live, TooLate("cancel_too_late") after the deadline, GatewayError."""
    event = lock_event(booking.event_id)
    rule = cancellation(booking, now, by_admin=has_staff_rights(actor))
    if not rule.live:
        raise NotAvailable(_l("This booking is already cancelled."), code="not_cancellable")
    if not rule.allowed:
        raise TooLate(
            _l("Cancelling is no longer possible: the deadline has passed."),
            code="cancel_too_late",
        )
    people = attendees_of(booking)
    cancelled = [r for r in people if payments.cancellable_state(r.state)]
    for registration in cancelled:
        seats.transition(registration, RegEvent.CANCEL, now=now, actor=actor)
    record(
        "booking.cancelled",
        booking,
        now=now,
        actor=actor,
        scope=event,
        attendees=len(cancelled),
        refund=rule.refund,
    )
    payment = _paid_payment(people[0])
    if payment is not None:
        refund_payment(payment, now=now, gateway=gateway, reason="cancelled")
        _book_refund(booking, payment, now=now, reason="cancelled")
    for registration in cancelled:
        notices.send_cancelled(
            registration, now=now, refunded=registration.state == RegState.REFUNDED.value
        )
    seats.offer_next_seat(event, now=now)
    return booking
