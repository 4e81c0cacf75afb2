"""Vouchers and discount codes: staff create, generate, change, end and delete them; a
registrant types a code on the registration form; the use is claimed when the seat is given.

Rules, in the order a registration meets them:

- On the form (`lookup_for_event`): the code (case-insensitive, trimmed) must exist, be valid
  now (`valid_from` .. `valid_until`) and be for this event (its `event_id`, its series'
  `series_id`, or neither: every event). Anything else is a field error; nothing is stored.
- At verification (`problem`, from the verified address): also the e-mail domain (the
  address's domain or a sub-domain of it, `core.emails`), the ticket type (the voucher's
  `ticket_type_id` must be the registration's) and the uses left. When the voucher no
  longer applies the registration waits, verified, on the voucher step (another code or
  none) instead of silently losing it or being charged a price nobody quoted.
- The use is claimed (`claim`) by one conditional UPDATE just before the seat is given
  (under the event lock, `registrations._proceed`): ``used_count + 1`` only while below
  `max_uses`; the database CHECK backs it. A registration on the waiting list keeps its
  use, so an offered seat costs what was quoted.
- A registration holds its voucher's use from then on until it reaches a terminal state
  (cancelled, expired hold or offer, refunded): `after_transition` (called by
  `seats.transition`) gives the use back (and drops the voucher of a complimentary seat). So ``used_count`` equals the number of
  registrations with the voucher that left pending_verification and are not terminal.

A booking of several attendees (`events.services.bookings`) takes one code for the whole
booking, applied per attendee, as pretix applies a voucher per ticket:

- On the booking form (`check_booking_form`, under the event lock, before the attendees'
  tickets are known): as above, and the ticket type must be one of this event's, at least
  one attendee's address must be at the voucher's domain, and the uses left must cover
  every attendee at that domain (for a voucher of one ticket type: at least one). Anything
  else is a field error on `voucher_code`; nothing is stored.
- When the booking is placed (`for_booking`, under the event lock, every attendee's ticket
  type given): the voucher applies to each attendee whose address is at its domain and whose
  ticket type is its own; it must apply to one at least, and the uses left must cover them
  all, or nothing is booked (pretix refuses a voucher that cannot be redeemed as often as
  the order needs: "can only be redeemed %d more times"). Then `claim_for_booking` takes
  them all in one conditional UPDATE (`claim_uses`), and each of those attendees' registrations names the voucher,
  holding one use and giving it back on its own (`after_transition`) as a single
  registration does.

The discount arithmetic is `events.pricing.voucher_discount`; the quote subtracts it
(`quotes.voucher_discount`).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from core import emails
from core.audit.services import record
from core.errors import DomainError, InvalidInput, NotFound
from core.extensions import db
from core.i18n import format_number
from core.money import format_eur
from core.spreadsheets import Euros, Table
from events import payments, pricing
from events.models import Booking, Event, EventSeries, Registration, TicketType, Voucher
from events.payments import RegEvent, RegState

#: codes are made of these: no 0/O, 1/I/L, 5/S or 8/B to mistake for each other
ALPHABET = "ACDEFGHJKMNPQRTUVWXY234679"
CODE_LENGTH = 8  # random characters after the prefix
MAX_BULK = 1000
MAX_CODE = 40
_CODE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")

#: why a voucher does not apply (`problem`), for the registrant
PROBLEMS = {
    "unknown": _l("This voucher code is not known. Check the code, or leave the field empty."),
    "not_yet": _l("This voucher code is not valid yet."),
    "expired": _l("This voucher code is no longer valid."),
    "other_event": _l("This voucher code is not for this event."),
    "email_domain": _l("This voucher code is only for e-mail addresses at %(domain)s."),
    "ticket_type": _l("This voucher code is not for the ticket you chose."),
    "used_up": _l("This voucher code has been used as often as it may be."),
    "too_few_uses": _l(
        "Uses of this voucher code left: %(left)s; this booking needs %(needed)s (one for "
        "each attendee it is valid for). Nothing was booked: book for fewer people, or "
        "without the code."
    ),
}


class VoucherInUse(DomainError):
    code = "voucher_in_use"
    status = 409
    message = _l(
        "This voucher has been used by a registration and cannot be deleted. "
        "End its validity instead."
    )


@dataclass(frozen=True)
class VoucherData:
    """What staff fill in for a voucher (or for each voucher of a batch). Money in cents."""

    kind: str = "percent"
    percent: Decimal | None = None
    amount_cents: int | None = None
    event_id: int | None = None
    series_id: int | None = None
    ticket_type_id: int | None = None
    email_domain: str = ""
    max_uses: int | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    batch: str = ""
    note: str = ""
    code: str = ""


def normalise_code(text: str | None) -> str:
    """The code as stored and looked up: trimmed, upper case (" spk-ab12 " -> "SPK-AB12")."""
    return (text or "").strip().upper()


# --- staff: lookups ---------------------------------------------------------------------------


def get_voucher(voucher_id: int) -> Voucher:
    voucher = db.session.get(Voucher, voucher_id)
    if voucher is None:
        raise NotFound()
    return voucher


def list_vouchers(
    *, event_id: int | None = None, series_id: int | None = None, batch: str = ""
) -> list[Voucher]:
    """Vouchers, newest first, filtered by event, series and batch (one query, with their
    event, series and ticket type)."""
    query = sa.select(Voucher).options(
        selectinload(Voucher.event), selectinload(Voucher.series), selectinload(Voucher.ticket_type)
    )
    if event_id is not None:
        query = query.where(Voucher.event_id == event_id)
    if series_id is not None:
        query = query.where(Voucher.series_id == series_id)
    if batch:
        query = query.where(Voucher.batch == batch)
    return list(db.session.scalars(query.order_by(Voucher.created_at.desc(), Voucher.id.desc())))


def batch_names() -> list[str]:
    """The names of the batches, alphabetical."""
    return list(
        db.session.scalars(
            sa.select(Voucher.batch).where(Voucher.batch != "").distinct().order_by(Voucher.batch)
        )
    )


def scope_choices() -> tuple[list[Event], list[EventSeries], list[TicketType]]:
    """Events (newest first), series and ticket types a voucher may be bound to."""
    events = list(db.session.scalars(sa.select(Event).order_by(Event.starts_at.desc())))
    series = list(db.session.scalars(sa.select(EventSeries).order_by(EventSeries.id.desc())))
    types = list(
        db.session.scalars(
            sa.select(TicketType)
            .options(selectinload(TicketType.event))
            .order_by(TicketType.event_id.desc(), TicketType.position)
        )
    )
    return events, series, types


# --- staff: writing ---------------------------------------------------------------------------


def _clean(data: VoucherData) -> VoucherData:
    """`data` checked and tidied; InvalidInput names the fields."""
    errors: dict[str, str] = {}
    percent, amount = None, None
    if data.kind == "percent":
        if data.percent is None or not 0 < data.percent <= 100:
            errors["percent"] = _l("Enter a percentage above 0 and at most 100.")
        elif data.percent != data.percent.quantize(Decimal("0.01")):
            errors["percent"] = _l("Use at most two decimals.")
        else:
            percent = data.percent
    elif data.kind == "fixed":
        if data.amount_cents is None or data.amount_cents <= 0:
            errors["amount"] = _l("Enter an amount above zero.")
        else:
            amount = data.amount_cents
    elif data.kind != "free":
        errors["kind"] = _l("Choose a kind of voucher.")
    if data.event_id is not None and data.series_id is not None:
        errors["series_id"] = _l("Choose an event or a series, not both.")
    if data.event_id is not None and db.session.get(Event, data.event_id) is None:
        errors["event_id"] = _l("Choose an event from the list.")
    if data.series_id is not None and db.session.get(EventSeries, data.series_id) is None:
        errors["series_id"] = _l("Choose a series from the list.")
    if data.ticket_type_id is not None:
        ticket = db.session.get(TicketType, data.ticket_type_id)
        if ticket is None:
            errors["ticket_type_id"] = _l("Choose a ticket type from the list.")
        elif data.event_id is not None and ticket.event_id != data.event_id:
            errors["ticket_type_id"] = _l("This ticket type belongs to another event.")
    domain = data.email_domain.strip().lower().removeprefix("@").strip(".")
    if domain and (
        len(domain) > 253
        or "." not in domain
        or not all(label and label.replace("-", "").isalnum() for label in domain.split("."))
    ):
        errors["email_domain"] = _l("Enter a domain like ddma.nl (without @).")
    if data.max_uses is not None and data.max_uses < 1:
        errors["max_uses"] = _l("Enter at least 1, or leave empty for no limit.")
    if data.valid_from and data.valid_until and data.valid_until <= data.valid_from:
        errors["valid_until"] = _l("The end must come after the start.")
    if len(data.batch.strip()) > 40:
        errors["batch"] = _l("Use at most 40 characters.")
    if len(data.note.strip()) > 200:
        errors["note"] = _l("Use at most 200 characters.")
    if errors:
        raise InvalidInput(errors=errors)
    return replace(
        data,
        percent=percent,
        amount_cents=amount,
        email_domain=domain,
        batch=data.batch.strip(),
        note=data.note.strip(),
        code=normalise_code(data.code),
    )


def _check_code(code: str, *, field: str = "code", voucher: Voucher | None = None) -> None:
    if not code:
        raise InvalidInput(errors={field: _l("Enter a code.")})
    if len(code) > MAX_CODE or not set(code) <= _CODE_CHARS:
        raise InvalidInput(
            errors={field: _l("Use at most 40 letters, digits, hyphens and underscores.")}
        )
    other = find_code(code)
    if other is not None and other is not voucher:
        raise InvalidInput(errors={field: _l("Another voucher has this code.")})


def _apply(voucher: Voucher, data: VoucherData) -> None:
    voucher.kind = data.kind
    voucher.percent = data.percent
    voucher.amount_cents = data.amount_cents
    voucher.event_id = data.event_id
    voucher.series_id = data.series_id
    voucher.ticket_type_id = data.ticket_type_id
    voucher.email_domain = data.email_domain
    voucher.max_uses = data.max_uses
    voucher.valid_from = data.valid_from
    voucher.valid_until = data.valid_until
    voucher.batch = data.batch
    voucher.note = data.note


def create_voucher(data: VoucherData, *, now: datetime, actor) -> Voucher:
    """One voucher with the code staff chose (or a random one when empty). Raises
    InvalidInput for bad data or a code another voucher has."""
    data = _clean(data)
    code = data.code or _random_code("", taken=set())
    _check_code(code)
    voucher = Voucher(code=code, used_count=0, created_at=now)
    _apply(voucher, data)
    db.session.add(voucher)
    db.session.flush()
    record("voucher.created", voucher, now=now, actor=actor, scope=voucher.event, code=code)
    return voucher


def _random_code(prefix: str, *, taken: set[str]) -> str:
    while True:
        code = prefix + "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        if code not in taken:
            return code


def generate_vouchers(data: VoucherData, *, count: int, prefix: str, now: datetime, actor):
    """`count` vouchers with random codes `prefix` + 8 characters from ALPHABET (`secrets`),
    each with the same settings; unique against every existing code (checked in one query).
    Raises InvalidInput for a bad count, prefix or data."""
    prefix = normalise_code(prefix)
    errors: dict[str, str] = {}
    if not 1 <= count <= MAX_BULK:
        errors["count"] = _l("Enter a number from 1 to 1000.")
    if len(prefix) > MAX_CODE - CODE_LENGTH or not set(prefix) <= _CODE_CHARS:
        errors["prefix"] = _l("Use at most 32 letters, digits, hyphens and underscores.")
    if errors:
        raise InvalidInput(errors=errors)
    data = _clean(data)
    taken = set(db.session.scalars(sa.select(Voucher.code).where(Voucher.code.startswith(prefix))))
    vouchers = []
    for _i in range(count):
        code = _random_code(prefix, taken=taken)
        taken.add(code)
        voucher = Voucher(code=code, used_count=0, created_at=now)
        _apply(voucher, data)
        vouchers.append(voucher)
    db.session.add_all(vouchers)
    db.session.flush()
    first = vouchers[0]
    record(
        "voucher.generated",
        first,
        now=now,
        actor=actor,
        scope=first.event,
        count=count,
        batch=data.batch,
    )
    return vouchers


def update_voucher(voucher: Voucher, data: VoucherData, *, now: datetime, actor) -> Voucher:
    """Change a voucher's settings and code. Refused (InvalidInput) as `create_voucher`, and
    for a maximum below the uses it already has."""
    data = _clean(data)
    code = data.code or voucher.code
    _check_code(code, voucher=voucher)
    if data.max_uses is not None and data.max_uses < voucher.used_count:
        raise InvalidInput(
            errors={
                "max_uses": _l(
                    "It has been used %(count)s times already.", count=voucher.used_count
                )
            }
        )
    voucher.code = code
    _apply(voucher, data)
    db.session.flush()
    record("voucher.updated", voucher, now=now, actor=actor, scope=voucher.event, code=code)
    return voucher


def in_use(voucher: Voucher) -> bool:
    """Whether any registration (held, waiting or past) or booking names the voucher."""
    registrations = sa.select(Registration.id).where(Registration.voucher_id == voucher.id)
    bookings = sa.select(Booking.id).where(Booking.voucher_id == voucher.id)
    return bool(db.session.scalar(sa.select(sa.or_(sa.exists(registrations), sa.exists(bookings)))))


def delete_voucher(voucher: Voucher, *, now: datetime, actor) -> None:
    """Delete a voucher no registration has used. Raises VoucherInUse otherwise (end it
    with `end_voucher` instead)."""
    if voucher.used_count or in_use(voucher):
        raise VoucherInUse()
    record("voucher.deleted", voucher, now=now, actor=actor, scope=voucher.event, code=voucher.code)
    db.session.delete(voucher)
    db.session.flush()


def end_voucher(voucher: Voucher, *, now: datetime, actor) -> Voucher:
    """Deactivate: the voucher's validity ends now (uses already claimed stay)."""
    if voucher.valid_until is None or voucher.valid_until > now:
        voucher.valid_until = now
        if voucher.valid_from is not None and voucher.valid_from > now:
            voucher.valid_from = now
        db.session.flush()
        record(
            "voucher.ended", voucher, now=now, actor=actor, scope=voucher.event, code=voucher.code
        )
    return voucher


# --- registrants ------------------------------------------------------------------------------


def find_code(code: str) -> Voucher | None:
    """The voucher with `code` (case-insensitive, trimmed), or None."""
    code = normalise_code(code)
    if not code or len(code) > MAX_CODE:
        return None
    return db.session.scalar(sa.select(Voucher).where(Voucher.code == code))


def event_problem(voucher: Voucher, event: Event, *, now: datetime) -> str | None:
    """Why `voucher` cannot be used for `event` at `now` (a PROBLEMS key), or None: the
    validity window and the scope (event, the event's series, or every event)."""
    if voucher.valid_from is not None and now < voucher.valid_from:
        return "not_yet"
    if voucher.valid_until is not None and now >= voucher.valid_until:
        return "expired"
    if voucher.event_id is not None and voucher.event_id != event.id:
        return "other_event"
    if voucher.series_id is not None and voucher.series_id != event.series_id:
        return "other_event"
    return None


def message(code: str, voucher: Voucher | None = None, *, left: int = 0, needed: int = 0) -> str:
    """The registrant's text for a PROBLEMS key (`left` and `needed` uses: "too_few_uses")."""
    if code == "email_domain":
        return str(PROBLEMS[code]) % {"domain": voucher.email_domain if voucher else ""}
    if code == "too_few_uses":
        return str(PROBLEMS[code]) % {"left": left, "needed": needed}
    return str(PROBLEMS[code])


def lookup_for_event(code: str | None, event: Event, *, now: datetime) -> Voucher | None:
    """The voucher a registrant typed on the form, or None for an empty field. Raises
    InvalidInput on field `voucher_code` for an unknown code, one outside its validity
    window or one for another event."""
    if not normalise_code(code):
        return None
    voucher = find_code(code or "")
    why = "unknown" if voucher is None else event_problem(voucher, event, now=now)
    if why is not None:
        raise InvalidInput(errors={"voucher_code": message(why, voucher)}, code=f"voucher_{why}")
    return voucher


def domain_matches(email: str, domain: str) -> bool:
    """Whether `email` is at `domain` or a sub-domain of it ("x@pers.ddma.nl", "ddma.nl")."""
    return domain in emails.candidate_domains(emails.email_domain(email))


def problem(registration: Registration, event: Event, *, now: datetime) -> str | None:
    """Why the registration's voucher does not apply now (a PROBLEMS key), or None (also
    without a voucher). Checked on the verified address, so call it at or after
    verification: `event_problem`, the e-mail domain, the ticket type and the uses left."""
    voucher = registration.voucher
    if voucher is None:
        return None
    why = event_problem(voucher, event, now=now) or attendee_problem(
        voucher, registration.email, registration.ticket_type_id
    )
    if why is not None:
        return why
    if uses_left(voucher) == 0:
        return "used_up"
    return None


def attendee_problem(voucher: Voucher, email: str, ticket_type_id: int | None) -> str | None:
    """Why `voucher` is not for one attendee (a PROBLEMS key), or None: "email_domain" when
    `email` is not at the voucher's domain, "ticket_type" when `ticket_type_id` is not the
    voucher's ticket type. The same rule for a registration (`problem`) and for each
    attendee of a booking (`for_booking`)."""
    if voucher.email_domain and not domain_matches(email, voucher.email_domain):
        return "email_domain"
    if voucher.ticket_type_id is not None and voucher.ticket_type_id != ticket_type_id:
        return "ticket_type"
    return None


def uses_left(voucher: Voucher) -> int | None:
    """How many more times `voucher` may be used (as last read); None: no limit."""
    if voucher.max_uses is None:
        return None
    return max(voucher.max_uses - voucher.used_count, 0)


def booking_refused(why: str, voucher: Voucher, *, needed: int = 0) -> InvalidInput:
    """The refusal of a booking's voucher, on the form's `voucher_code` field (and as the
    message, for the verification link that has no form), code "voucher_<why>"."""
    text = message(why, voucher, left=uses_left(voucher) or 0, needed=needed)
    return InvalidInput(errors={"voucher_code": text}, message=text, code=f"voucher_{why}")


def _require_uses(voucher: Voucher, needed: int) -> None:
    left = uses_left(voucher)
    if left is not None and needed > left:
        raise booking_refused("used_up" if left == 0 else "too_few_uses", voucher, needed=needed)


def check_booking_form(
    voucher: Voucher, event: Event, emails: Sequence[str], *, now: datetime
) -> None:
    """The booking form's voucher, for the attendees' typed `emails` (the booker's first),
    before their tickets are known (call under the event lock): valid now and for `event`
    (`event_problem`), a ticket type of this event when it names one, for the address of at
    least one attendee, and with uses left for every attendee at its domain (for a voucher
    of one ticket type, who gets that type is decided when the booking is placed: at least
    one use). Raises InvalidInput on field `voucher_code` ("voucher_<why>")."""
    why = event_problem(voucher, event, now=now)
    if why is None and voucher.ticket_type_id is not None:
        ticket = voucher.ticket_type
        if ticket is None or ticket.event_id != event.id:
            why = "ticket_type"
    if why is not None:
        raise booking_refused(why, voucher)
    matching = [e for e in emails if attendee_problem(voucher, e, voucher.ticket_type_id) is None]
    if not matching:
        raise booking_refused("email_domain", voucher)
    _require_uses(voucher, len(matching) if voucher.ticket_type_id is None else 1)


def for_booking(
    voucher: Voucher,
    event: Event,
    attendees: Sequence[tuple[str, int | None]],
    *,
    now: datetime,
) -> list[bool]:
    """Which attendees of a booking being placed `voucher` applies to: for each attendee
    (their address and ticket type id, in the booking's order) whether `attendee_problem`
    finds nothing. Call under the event lock once every attendee's ticket type is given; the
    uses are read again first. Raises InvalidInput on `voucher_code` when the voucher is not
    valid now or for the event, applies to nobody ("email_domain" when no address is at its
    domain, else "ticket_type"), or needs more uses than are left ("used_up",
    "too_few_uses"); the caller then books nothing. `claim_uses` takes the uses."""
    db.session.refresh(voucher)
    why = event_problem(voucher, event, now=now)
    if why is not None:
        raise booking_refused(why, voucher)
    reasons = [attendee_problem(voucher, email, ticket) for email, ticket in attendees]
    applies = [reason is None for reason in reasons]
    if not any(applies):
        domain = all(reason == "email_domain" for reason in reasons)
        raise booking_refused("email_domain" if domain else "ticket_type", voucher)
    _require_uses(voucher, sum(applies))
    return applies


def claim_for_booking(voucher: Voucher, count: int) -> None:
    """Claim the `count` uses a booking being placed needs (`claim_uses`, all or none).
    Raises InvalidInput on `voucher_code` ("used_up", "too_few_uses") when fewer are left,
    which a parallel claim may have taken since `for_booking` read them."""
    if claim_uses(voucher, count):
        return
    _require_uses(voucher, count)  # the voucher as re-read: says how many are left
    raise booking_refused("too_few_uses", voucher, needed=count)


def discount(voucher: Voucher, net_cents: int) -> int:
    """The discount in cents `voucher` gives on a net price (`pricing.voucher_discount`)."""
    return pricing.voucher_discount(
        voucher.kind, net_cents, percent=voucher.percent, amount_cents=voucher.amount_cents
    )


def waiting_for_voucher(registration: Registration, *, now: datetime) -> str | None:
    """The PROBLEMS key when the verified registration waits on the voucher step, else None."""
    if registration.state != RegState.PENDING_VERIFICATION.value or not registration.verified_at:
        return None
    return problem(registration, registration.event, now=now)


def claim(registration: Registration) -> bool:
    """Claim one use of the registration's voucher (`claim_uses`). True when claimed (or no
    voucher); False when used up. Call under the event lock, just before the seat is given."""
    voucher = registration.voucher
    if voucher is None:
        return True
    return claim_uses(voucher, 1)


def claim_uses(voucher: Voucher, count: int) -> bool:
    """Claim `count` uses of `voucher` at once: ONE conditional UPDATE (``used_count +
    count`` while that stays within `max_uses`), so parallel claims never exceed it. True
    when claimed; False when fewer are left (nothing claimed). The voucher is re-read."""
    result = db.session.execute(
        sa.update(Voucher)
        .where(
            Voucher.id == voucher.id,
            sa.or_(Voucher.max_uses.is_(None), Voucher.used_count + count <= Voucher.max_uses),
        )
        .values(used_count=Voucher.used_count + count)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(voucher)
    return bool(getattr(result, "rowcount", 0) == 1)


def _give_back(voucher_id: int) -> None:
    db.session.execute(
        sa.update(Voucher)
        .where(Voucher.id == voucher_id, Voucher.used_count > 0)
        .values(used_count=Voucher.used_count - 1)
        .execution_options(synchronize_session=False)
    )


def after_transition(registration: Registration, what: str, old_state: str, new_state: str):
    """Keep the voucher's count true after a state change (`seats.transition` calls it with
    the event `what` and the states before and after). A registration holds a use from the
    moment it left pending_verification (`claim`) until it reaches a terminal state:

    - reaching a terminal state gives the use back;
    - a complimentary seat (`what` "comp") needs no voucher: a held use is given back and the
      voucher dropped from the registration;
    - a late payment that confirms an expired registration again takes a use again while one
      is left (the price paid stands either way: the money was taken at the quoted price).

    Returns "released", "dropped", "claimed" or "" (nothing to do)."""
    if registration.voucher_id is None:
        return ""
    terminal = {s.value for s in payments.TERMINAL}
    held = old_state != RegState.PENDING_VERIFICATION.value and old_state not in terminal
    if what == RegEvent.COMP.value:
        if held:
            _give_back(registration.voucher_id)
        registration.voucher = None
        registration.discount_cents = 0
        return "dropped"
    if held and new_state in terminal:
        _give_back(registration.voucher_id)
        if registration.voucher is not None:
            db.session.refresh(registration.voucher)
        return "released"
    if old_state in terminal and new_state not in terminal:
        claim(registration)
        return "claimed"
    return ""


def discount_text(registration: Registration, locale: str) -> str:
    """What the invoice line and the registrant's page say about the voucher, in `locale`:
    "voucher SPK-AB12: korting €50,00 op €50,00 excl. btw"; "" without a voucher."""
    voucher = registration.voucher
    if voucher is None or not registration.discount_cents:
        return ""
    list_cents = registration.net_cents + registration.discount_cents
    with force_locale(locale):
        return _(
            "voucher %(code)s: discount %(discount)s on %(price)s excl. VAT",
            code=voucher.code,
            discount=format_eur(registration.discount_cents, locale),
            price=format_eur(list_cents, locale),
        )


# --- export -----------------------------------------------------------------------------------


def scope_text(voucher: Voucher, locale: str) -> str:
    if voucher.event is not None:
        return voucher.event.title(locale)
    if voucher.series is not None:
        return voucher.series.title(locale)
    return _("All events")


def value_text(voucher: Voucher, locale: str) -> str:
    if voucher.kind == "free":
        return _("Free")
    if voucher.kind == "fixed":
        return format_eur(voucher.amount_cents or 0, locale)
    return f"{format_number(voucher.percent or Decimal(0), locale, trim=True)}%"


def spreadsheet(vouchers: Sequence[Voucher], *, locale: str) -> Table:
    """The vouchers as an export `Table` (code, kind, value, scope, uses, validity, ...)."""
    header = [
        _("Code"),
        _("Kind"),
        _("Percentage"),
        _("Amount"),
        _("Valid for"),
        _("Ticket type"),
        _("E-mail domain"),
        _("Used"),
        _("Maximum uses"),
        _("Valid from"),
        _("Valid until"),
        _("Batch"),
        _("Note"),
    ]
    rows = [
        [
            v.code,
            v.kind,
            v.percent,
            Euros(v.amount_cents) if v.amount_cents is not None else None,
            scope_text(v, locale),
            v.ticket_type.name(locale) if v.ticket_type is not None else "",
            v.email_domain,
            v.used_count,
            v.max_uses,
            v.valid_from,
            v.valid_until,
            v.batch,
            v.note,
        ]
        for v in vouchers
    ]
    return Table(header=header, rows=rows, title="vouchers")
