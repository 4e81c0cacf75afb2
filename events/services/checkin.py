"""The door: checking in by ticket code (typed, scanned, or queued offline), and the list of
an event's tickets the check-in page keeps for when the network drops.

Every check-in is written by `admin_registrations.set_checked_in` (the one write path; it
locks the registration's row, so of two doors the first wins). A refusal changes nothing:
an unknown code, another event's ticket, a cancelled (or refunded, expired…) registration,
or one already checked in, which is answered with the time it was.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from core.errors import DomainError
from core.extensions import db
from events.models import Event, Registration
from events.payments import RegState
from events.services import admin_registrations, ticket_codes

#: how many check-ins one offline batch may carry
MAX_BATCH = 500
#: registration states whose ticket the door calls cancelled
CANCELLED_STATES = frozenset({RegState.CANCELLED.value, RegState.REFUNDED.value})


class Outcome(StrEnum):
    CHECKED_IN = "checked_in"  # done now
    ALREADY = "already"  # checked in before (at `checked_in_at`): nothing changed
    CANCELLED = "cancelled"  # the registration was cancelled or refunded
    NOT_CONFIRMED = "not_confirmed"  # not (or no longer) confirmed for another reason
    OTHER_EVENT = "other_event"  # a ticket, but for another event
    UNKNOWN = "unknown"  # no ticket has this code


@dataclass(frozen=True)
class CheckIn:
    """What the door says about one code. `registration` is None for an unknown code and
    another event's ticket (the door learns nothing about other events)."""

    code: str
    outcome: Outcome
    registration: Registration | None = None

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.CHECKED_IN

    @property
    def checked_in_at(self) -> datetime | None:
        return self.registration.checked_in_at if self.registration is not None else None


def _refusal(registration: Registration) -> Outcome:
    if registration.state in CANCELLED_STATES:
        return Outcome.CANCELLED
    return Outcome.NOT_CONFIRMED


def check_in(event: Event, text: str, *, now: datetime, actor) -> CheckIn:
    """Check in the ticket whose code `text` is (as `ticket_codes.normalise` reads it) at
    `event`. Refusals change nothing and say why (`CheckIn.outcome`)."""
    code = ticket_codes.normalise(text)
    if code is None:
        return CheckIn((text or "").strip()[:40], Outcome.UNKNOWN)
    registration = db.session.scalar(
        sa.select(Registration).where(Registration.ticket_code == code)
    )
    if registration is None:
        return CheckIn(code, Outcome.UNKNOWN)
    if registration.event_id != event.id:
        return CheckIn(code, Outcome.OTHER_EVENT)
    if registration.state != RegState.CONFIRMED:
        return CheckIn(code, _refusal(registration), registration)
    try:
        changed = admin_registrations.set_checked_in(
            registration, checked_in=True, now=now, actor=actor
        )
    except DomainError as refused:  # cancelled between the read and the row lock
        if refused.code != "not_confirmed":
            raise
        return CheckIn(code, _refusal(registration), registration)
    return CheckIn(code, Outcome.CHECKED_IN if changed else Outcome.ALREADY, registration)


def check_in_batch(event: Event, texts: Iterable[str], *, now: datetime, actor) -> list[CheckIn]:
    """The check-ins a door made offline, applied in order, each once: a code sent twice (or
    posted again) is answered `ALREADY` the second time, a cancelled ticket `CANCELLED`."""
    return [check_in(event, text, now=now, actor=actor) for text in texts]


@dataclass(frozen=True)
class Ticket:
    """One line of the door's offline list."""

    code: str
    name: str
    ticket_type: str
    state: str
    checked_in_at: datetime | None


def door_list(event: Event, *, locale: str) -> list[Ticket]:
    """Every ticket of `event` the door may meet, by name: the confirmed registrations (each
    given its code first if it has none) and the cancelled ones that had a code (so a
    cancelled ticket is refused offline too). Two queries, whatever the size."""
    ticket_codes.assign_codes(event)
    rows = db.session.scalars(
        sa.select(Registration)
        .options(selectinload(Registration.ticket_type))
        .where(
            Registration.event_id == event.id,
            Registration.ticket_code.is_not(None),
            Registration.state.in_([RegState.CONFIRMED.value, *CANCELLED_STATES]),
        )
        .order_by(sa.func.lower(Registration.name), Registration.id)
    ).all()
    return [
        Ticket(
            code=r.ticket_code or "",
            name=r.name,
            ticket_type=r.ticket_type.name(locale) if r.ticket_type is not None else "",
            state=r.state,
            checked_in_at=r.checked_in_at,
        )
        for r in rows
    ]
