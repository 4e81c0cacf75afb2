"""What an admin does to registrations: check-in at the door, complimentary seats, cancelling.

Every state change goes through the registration service's `seats.transition` (which uses
`events.payments.next_state` and audits); a comp takes a seat under the event's capacity lock
and is refused when the event is full (never oversold).
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core.audit.services import record
from core.emails import email_domain, normalise_email
from core.errors import DomainError, InvalidInput, NotFound
from core.extensions import db
from core.locking import lock_row
from events.models import Event, Registration
from events.payments import TERMINAL, RegEvent, RegState, seats_left
from events.pricing import Audience
from events.services import membership, seats, waitlist
from events.services.admin import seats_held
from events.services.funnel import CARE, count_step
from events.services.members import normalise_domain

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
_LIVE_STATES = tuple(s.value for s in RegState if s not in TERMINAL)


class SoldOut(DomainError):
    code = "sold_out"
    status = 409
    message = _l("The event is full: no seat is left for a complimentary registration.")


def get_registration(event: Event, registration_id: int) -> Registration:
    """The registration with this id of `event`; raises NotFound for another event's."""
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        raise NotFound()
    return registration


def set_checked_in(registration: Registration, *, checked_in: bool, now: datetime, actor) -> bool:
    """Mark a confirmed registration as arrived (`checked_in`) or undo that; audited. THE one
    write of `checked_in_at`: the attendee list's button, the check-in page and its offline
    batch (`events.services.checkin`) all come here.

    Locks the registration's row first and reads it afresh, so of two doors checking in the
    same ticket at once the first wins. Doing what is already done changes nothing (returns
    False; True when it changed). Raises DomainError("not_confirmed") for a registration that
    is not confirmed.
    """
    lock_row(Registration, registration.id)
    if registration.state != RegState.CONFIRMED:
        raise DomainError(
            _l("Only confirmed registrations can be checked in."), code="not_confirmed"
        )
    if (registration.checked_in_at is not None) == checked_in:
        return False
    # a check-in counts on its day; an undone one is taken back from the day it counted on
    count_step(
        registration.event_id,
        CARE,
        now=registration.checked_in_at or now,
        by=1 if checked_in else -1,
    )
    registration.checked_in_at = now if checked_in else None
    registration.updated_at = now
    db.session.flush()
    action = "registration.checked_in" if checked_in else "registration.check_in_undone"
    record(
        action,
        registration,
        now=now,
        actor=actor,
        scope=registration.event,
        event_id=registration.event_id,
    )
    return True


def _clean_comp_input(name: str, email: str, organisation: str) -> tuple[str, str, str]:
    errors: dict[str, list[str]] = {}
    name, email, organisation = name.strip(), normalise_email(email), organisation.strip()
    if not name or len(name) > 200:
        errors["name"] = [str(_l("Enter a name (at most 200 characters)."))]
    valid = bool(_EMAIL.fullmatch(email)) and len(email) <= 254
    if valid:
        try:
            normalise_domain(email_domain(email))
        except ValueError:
            valid = False
    if not valid:
        errors["email"] = [str(_l("That is not a valid e-mail address."))]
    if len(organisation) > 200:
        errors["organisation"] = [str(_l("At most %(n)s characters.", n=200))]
    if errors:
        raise InvalidInput(errors)
    return name, email, organisation


def add_comp(
    event: Event,
    *,
    name: str,
    email: str,
    organisation: str = "",
    now: datetime,
    actor,
    notify: bool = True,
) -> Registration:
    """Give `email` a free, confirmed, complimentary (comp=True) seat at `event`.

    A live registration of the same address is turned into the comp (pending_verification,
    waitlisted and offered allow it); otherwise a new one is made. The audience comes from the
    address's domain (`membership.member_organisation_for`). Under the event lock a seat must
    be free (an offered registration already holds one). The state changes through
    `seats.confirm` (next_state(COMP), audit, confirmation e-mail with the .ics) or, with
    `notify=False`, `seats.transition` (no e-mail; the demo uses it). Raises InvalidInput for a
    bad name/e-mail, DomainError("event_over") after the end, DomainError("already_confirmed")
    / ("payment_in_progress") for a confirmed or paying registration, and SoldOut when full.
    """
    name, email, organisation = _clean_comp_input(name, email, organisation)
    if now >= event.ends_at:
        raise DomainError(_l("This event is over."), code="event_over")
    seats.lock_event(event.id)
    registration = db.session.scalar(
        sa.select(Registration).where(
            Registration.event_id == event.id,
            sa.func.lower(Registration.email) == email,
            Registration.state.in_(_LIVE_STATES),
        )
    )
    if registration is not None and registration.state == RegState.CONFIRMED:
        raise DomainError(
            _l("%(email)s already has a seat.", email=email), code="already_confirmed"
        )
    if registration is not None and registration.state == RegState.PENDING_PAYMENT:
        raise DomainError(
            _l("%(email)s is paying right now; cancel that or let it expire first.", email=email),
            code="payment_in_progress",
        )
    needs_seat = registration is None or registration.state != RegState.OFFERED
    if needs_seat and seats_left(event.capacity, seats_held(event.id)) == 0:
        raise SoldOut()
    org = membership.member_organisation_for(email)
    if registration is None:
        registration = Registration(
            event=event,
            token=secrets.token_urlsafe(32),
            state=RegState.PENDING_VERIFICATION.value,
            email=email,
            name=name,
            organisation=organisation,
            privacy_consent_at=now,
            created_at=now,
            updated_at=now,
        )
        db.session.add(registration)
    registration.comp = True
    registration.audience = (Audience.MEMBER if org else Audience.NON_MEMBER).value
    registration.member_organisation_id = org.id if org else None
    registration.net_cents = registration.vat_cents = registration.gross_cents = 0
    registration.vat_rate = Decimal(0)
    registration.hold_expires_at = registration.offer_expires_at = None
    change = seats.confirm if notify else seats.transition
    change(registration, RegEvent.COMP, now=now, actor=actor)
    return registration


def admin_cancel(registration: Registration, *, now: datetime, actor):
    """Cancel a registration as an admin (no deadline applies; a paid one is refunded with a
    credit note) through `events.services.waitlist.cancel_registration`.

    Raises whatever that raises (DomainErrors, e.g. for a registration already over).
    """
    return waitlist.cancel_registration(registration, now=now, actor=actor)
