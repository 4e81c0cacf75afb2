"""Which ticket type a registrant gets: the types on sale, who may buy them, how many are left
(per type, counted in one query) and the choice at verification.

The rules are the pure `events.tickets`; this module feeds them the rows. An event without
ticket types is untouched by all of it (`has_types` False: the audience prices apply).
Membership comes from the verified address only, so whether a registrant may buy the type
they picked on the form is decided at verification (`settle`), under the event lock, as is
whether one of its own seats is left (`type_has_room`, called by `seats.allocate_seat`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core.audit.services import record
from core.emails import email_domain
from core.errors import InvalidInput
from core.extensions import db
from events import payments, tickets
from events.models import Event, Registration, TicketType
from events.payments import RegState

HOLDING_STATES = tuple(sorted(s.value for s in payments.HOLDS_SEAT))


def has_types(event: Event) -> bool:
    """Whether the event sells ticket types (else: one ticket per audience, as always)."""
    return bool(event.ticket_types)


def rule_of(ticket_type: TicketType) -> tickets.TicketRule:
    return tickets.TicketRule(
        active=ticket_type.active,
        audience=ticket_type.audience,
        email_domains=tuple(ticket_type.email_domains or ()),
        sale_starts_at=ticket_type.sale_starts_at,
        sale_ends_at=ticket_type.sale_ends_at,
    )


def holding_by_type(event_id: int) -> dict[int | None, int]:
    """Seat-holding registrations of the event per ticket type id (None: no type), in one
    GROUP BY query. Exact only under the event lock."""
    rows = db.session.execute(_HOLDING_BY_TYPE, {"event_id": event_id})
    return {type_id: int(count) for type_id, count in rows}


#: `holding_by_type`'s query, built once: a registration asks it several times
_HOLDING_BY_TYPE = (
    sa.select(Registration.ticket_type_id, sa.func.count())
    .where(
        Registration.event_id == sa.bindparam("event_id"),
        Registration.state.in_(HOLDING_STATES),
    )
    .group_by(Registration.ticket_type_id)
)


def full_type_ids(event: Event) -> set[int]:
    """The ids of the event's types with their own capacity that is used up (one query)."""
    limited = [t for t in event.ticket_types if t.capacity is not None]
    if not limited:
        return set()
    holding = holding_by_type(event.id)
    return {t.id for t in limited if tickets.seats_left(t.capacity, holding.get(t.id, 0)) == 0}


@dataclass(frozen=True)
class Option:
    """A ticket type as a registrant sees it: on sale or why not, may they buy it (None while
    their address is unverified), how many are left (None: no own limit)."""

    ticket_type: TicketType
    sale: tickets.Decision
    allowed: tickets.Decision | None
    left: int | None

    @property
    def sold_out(self) -> bool:
        return self.left == 0

    @property
    def open(self) -> bool:
        """On sale, allowed (or not yet known) and not sold out."""
        return self.sale.ok and (self.allowed is None or self.allowed.ok) and not self.sold_out


def options(
    event: Event, *, now: datetime, email: str | None = None, audience: str | None = None
) -> list[Option]:
    """The event's active types in their order, each as an `Option` (one counting query).
    With a verified `email` and its `audience`, also whether that registrant may buy it."""
    active = [t for t in event.ticket_types if t.active]
    holding = holding_by_type(event.id) if active else {}
    domain = email_domain(email or "")
    out = []
    for t in active:
        rule = rule_of(t)
        sale = tickets.on_sale(
            rule, now, opens_at=event.registration_opens_at, closes_at=event.registration_closes_at
        )
        allowed = None
        if audience is not None:
            allowed = tickets.may_buy(rule, audience=audience, email_domain=domain)
        out.append(Option(t, sale, allowed, tickets.seats_left(t.capacity, holding.get(t.id, 0))))
    return out


def on_sale_now(event: Event, *, now: datetime) -> list[Option]:
    """The options the public registration form offers: active and on sale at `now`."""
    return [o for o in options(event, now=now) if o.sale.ok]


def check_choice(event: Event, ticket_type_id: int | None, *, now: datetime) -> int | None:
    """The ticket type picked on the registration form, checked: None for an event without
    types (anything sent is ignored); else one of its types on sale now. Who may buy it is
    decided at verification. Raises InvalidInput({"ticket_type": ...}) otherwise."""
    if not has_types(event):
        return None
    chosen = next(
        (o for o in on_sale_now(event, now=now) if o.ticket_type.id == ticket_type_id), None
    )
    if chosen is None:
        raise InvalidInput(
            {"ticket_type": [str(_l("Choose one of the tickets on sale."))]},
            code="bad_ticket_type",
        )
    return chosen.ticket_type.id


def _eligible(registration: Registration, event: Event, *, now: datetime) -> list[Option]:
    """The options this verified registrant may take now: on sale, allowed, and (while the
    event has free seats) not sold out; when the event is full, the waiting list takes any
    allowed type."""
    holding = holding_by_type(event.id)
    event_full = payments.seats_left(event.capacity, sum(holding.values())) == 0
    return [
        o
        for o in options(event, now=now, email=registration.email, audience=registration.audience)
        if o.sale.ok and o.allowed is not None and o.allowed.ok and (event_full or not o.sold_out)
    ]


def choices_for(registration: Registration, *, now: datetime) -> list[Option]:
    """What the "choose your ticket" step offers a verified registrant (see `_eligible`)."""
    return _eligible(registration, registration.event, now=now)


def needs_choice(registration: Registration, *, now: datetime) -> bool:
    """Verified, not placed yet, and its ticket type is not one it may take now."""
    if registration.state != RegState.PENDING_VERIFICATION.value or not registration.verified_at:
        return False
    event = registration.event
    if not has_types(event):
        return False
    ids = {o.ticket_type.id for o in _eligible(registration, event, now=now)}
    return registration.ticket_type_id not in ids


def settle(registration: Registration, event: Event, *, now: datetime) -> bool:
    """At verification (and before each later step), under the event lock: True when the
    registration may go on with its ticket type; when its type may not be bought by this
    verified address (or is sold out) and exactly one other type may, that one is chosen
    (audited "registration.ticket_type_chosen" with `automatic`) and True; False when the
    registrant must choose (`choose`). An event without types: always True."""
    if not has_types(event):
        return True
    eligible = _eligible(registration, event, now=now)
    if registration.ticket_type_id in {o.ticket_type.id for o in eligible}:
        return True
    if len(eligible) != 1:
        return False
    _set_type(registration, eligible[0].ticket_type, now=now, automatic=True)
    return True


def _set_type(registration: Registration, ticket_type: TicketType, *, now: datetime,
              automatic: bool) -> None:  # fmt: skip
    previous = registration.ticket_type_id
    registration.ticket_type_id = ticket_type.id
    registration.ticket_type = ticket_type
    registration.updated_at = now
    db.session.flush()
    record(
        "registration.ticket_type_chosen",
        registration,
        now=now,
        scope=registration.event,
        event_id=registration.event_id,
        ticket_type=ticket_type.key,
        previous=previous,
        automatic=automatic,
    )


def choose(registration: Registration, event: Event, ticket_type_id: int | None, *,
           now: datetime) -> None:  # fmt: skip
    """The registrant's pick on the "choose your ticket" step, under the event lock: one of
    `choices_for`. Raises InvalidInput({"ticket_type": ...}) otherwise."""
    eligible = {o.ticket_type.id: o for o in _eligible(registration, event, now=now)}
    chosen = eligible.get(ticket_type_id) if isinstance(ticket_type_id, int) else None
    if chosen is None:
        raise InvalidInput(
            {"ticket_type": [str(_l("Choose one of the tickets you can buy."))]},
            code="bad_ticket_type",
        )
    _set_type(registration, chosen.ticket_type, now=now, automatic=False)


def type_has_room(registration: Registration) -> bool:
    """Whether the registration's ticket type has one of its own seats left for it (always
    for no type or a type without its own capacity). Call under the event lock; the
    registration must not hold a seat itself."""
    ticket_type = registration.ticket_type
    if ticket_type is None or ticket_type.capacity is None:
        return True
    holding = holding_by_type(registration.event_id).get(ticket_type.id, 0)
    return tickets.seats_left(ticket_type.capacity, holding) != 0


def type_name(registration: Registration, locale: str) -> str:
    """The registration's ticket type's name, or "" without one."""
    ticket_type = registration.ticket_type
    return ticket_type.name(locale) if ticket_type is not None else ""
