"""Staff manage an event's ticket types: create, change, deactivate / activate, delete, and the
list with what each sold (one counting query, `ticket_choice.holding_by_type`).

Rules: a key (lower-case letters, digits, "-"/"_") unique within the event, names in both
languages, a price in cents of at least 0, an own capacity (or none: the event's is shared)
never below the seats its registrations already hold, a sale window that ends after it
starts, an audience of `events.tickets.AUDIENCES`, e-mail domains that are domain names.
A type some registration uses, or a voucher is bound to, is never deleted (deactivate it: it
is no longer sold).
Everything is audited; a larger capacity offers its seats to the waiting list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core.accounts.models import has_staff_rights
from core.audit.services import record
from core.errors import DomainError, InvalidInput, NotAllowed, NotFound
from core.extensions import db
from events import tickets
from events.models import Event, Payment, Registration, TicketType, Voucher
from events.services import seats, ticket_choice

MAX_PRICE_CENTS = 10**8
MAX_CAPACITY = 100_000


class TicketTypeInUse(DomainError):
    code = "ticket_type_in_use"
    status = 409
    message = _l("Registrations use this ticket type, so it cannot be deleted; deactivate it.")


@dataclass(frozen=True)
class TicketTypeData:
    """A ticket type as staff typed it (prices in cents, times aware UTC or None)."""

    key: str
    name_nl: str
    name_en: str
    price_cents: int | None
    description_nl: str = ""
    description_en: str = ""
    capacity: int | None = None
    sale_starts_at: datetime | None = None
    sale_ends_at: datetime | None = None
    audience: str = tickets.ANYONE
    email_domains: tuple[str, ...] = field(default_factory=tuple)
    position: int = 0


def _require_staff(actor) -> None:
    """Staff or admin; None is a command (the demo loader), which runs as no one."""
    if actor is not None and not has_staff_rights(actor):
        raise NotAllowed()


def get_ticket_type(event: Event, ticket_type_id: int) -> TicketType:
    """The event's ticket type with this id; NotFound for another event's or none."""
    found = next((t for t in event.ticket_types if t.id == ticket_type_id), None)
    if found is None:
        raise NotFound()
    return found


@dataclass(frozen=True)
class Row:
    """A ticket type in the staff list, with the seats its registrations hold."""

    ticket_type: TicketType
    sold: int
    left: int | None


def list_types(event: Event) -> list[Row]:
    """The event's ticket types in order, with sold (seat-holding) and left (one query)."""
    holding = ticket_choice.holding_by_type(event.id) if event.ticket_types else {}
    return [
        Row(t, holding.get(t.id, 0), tickets.seats_left(t.capacity, holding.get(t.id, 0)))
        for t in event.ticket_types
    ]


def validate(
    event: Event, data: TicketTypeData, *, ticket_type: TicketType | None = None
) -> dict[str, list[str]]:
    """Every rule a ticket type must meet, as {field: [messages]} (empty when all is well)."""
    errors: dict[str, list[str]] = {}

    def add(key: str, message) -> None:
        errors.setdefault(key, []).append(str(message))

    if not tickets.KEY.fullmatch(data.key or "") or len(data.key) > 40:
        add("key", _l("Use lower-case letters, digits, - and _ (at most 40), e.g. student."))
    elif any(t.key == data.key and t is not ticket_type for t in event.ticket_types):
        add("key", _l("Another ticket type of this event already uses this key."))
    for key in ("name_nl", "name_en"):
        value = (getattr(data, key) or "").strip()
        if not value:
            add(key, _l("This field is required."))
        elif len(value) > 200:
            add(key, _l("At most %(n)s characters.", n=200))
    for key in ("description_nl", "description_en"):
        if len(getattr(data, key) or "") > 5_000:
            add(key, _l("At most %(n)s characters.", n=5_000))
    price = data.price_cents
    if not isinstance(price, int) or isinstance(price, bool):
        add("price", _l("Enter an amount."))
    elif not 0 <= price <= MAX_PRICE_CENTS:
        add("price", _l("Enter an amount from 0 to %(n)s euros.", n=MAX_PRICE_CENTS // 100))
    capacity = data.capacity
    if capacity is not None:
        if not 0 <= capacity <= MAX_CAPACITY:
            add("capacity", _l("Capacity must be between 0 and %(n)s.", n=MAX_CAPACITY))
        elif ticket_type is not None:
            held = ticket_choice.holding_by_type(event.id).get(ticket_type.id, 0)
            if capacity < held:
                add("capacity", _l("%(n)s of these tickets are taken; capacity cannot be lower.",
                                   n=held))  # fmt: skip
    starts, ends = data.sale_starts_at, data.sale_ends_at
    for key, value in (("sale_starts_at", starts), ("sale_ends_at", ends)):
        if value is not None and value.tzinfo is None:
            add(key, _l("Enter a date and time."))
    if starts and ends and starts.tzinfo and ends.tzinfo and ends <= starts:
        add("sale_ends_at", _l("The sale must end after it starts."))
    if data.audience not in tickets.AUDIENCES:
        add("audience", _l("Choose who may buy this ticket."))
    if any(not tickets.DOMAIN.fullmatch(d) for d in data.email_domains):
        add("email_domains", _l("Enter domain names such as student.uva.nl."))
    elif len(data.email_domains) > 50:
        add("email_domains", _l("At most %(n)s domains.", n=50))
    if not 0 <= data.position <= 1000:
        add("position", _l("Use a position from 0 to 1000."))
    return errors


_FIELDS = (
    "key", "name_nl", "name_en", "description_nl", "description_en", "price_cents", "capacity",
    "sale_starts_at", "sale_ends_at", "audience", "position",
)  # fmt: skip


def save_ticket_type(
    event: Event, data: TicketTypeData, *, ticket_type: TicketType | None = None,
    now: datetime, actor,
) -> TicketType:  # fmt: skip
    """Create (`ticket_type` None) or change one of the event's ticket types; audited
    ("ticket_type.created" / "ticket_type.updated" with what changed). Locks the event first
    (the sold count cannot move while a new capacity is checked); a larger capacity offers
    the freed seats to the waiting list. Raises NotAllowed for a non-staff actor and
    InvalidInput ({field: [messages]}), writing nothing, when a rule is broken. Flushes."""
    _require_staff(actor)
    event = seats.lock_event(event.id)
    data = TicketTypeData(
        **{
            **data.__dict__,
            "key": (data.key or "").strip(),
            "name_nl": (data.name_nl or "").strip(),
            "name_en": (data.name_en or "").strip(),
            "description_nl": (data.description_nl or "").strip(),
            "description_en": (data.description_en or "").strip(),
        }
    )
    errors = validate(event, data, ticket_type=ticket_type)
    if errors:
        raise InvalidInput(errors)
    created = ticket_type is None
    if ticket_type is None:
        ticket_type = TicketType(event_id=event.id, created_at=now, active=True)
        event.ticket_types.append(ticket_type)
    changed: dict[str, object] = {}
    for key in _FIELDS:
        value = getattr(data, key)
        if created or getattr(ticket_type, key) != value:
            changed[key] = value if value is None or isinstance(value, int | str) else str(value)
            setattr(ticket_type, key, value)
    domains = list(data.email_domains)
    if created or list(ticket_type.email_domains or []) != domains:
        changed["email_domains"] = domains
        ticket_type.email_domains = domains
    db.session.flush()
    if changed:
        record("ticket_type.created" if created else "ticket_type.updated", ticket_type, now=now,
               actor=actor, scope=event, event_id=event.id, key=ticket_type.key,
               changed=changed)  # fmt: skip
    if not created and "capacity" in changed:
        seats.offer_next_seat(event, now=now)  # more of these tickets: the waiting list moves
    return ticket_type


def set_active(ticket_type: TicketType, active: bool, *, now: datetime, actor) -> None:
    """Deactivate (no longer sold; who has one keeps it) or activate again; audited."""
    _require_staff(actor)
    seats.lock_event(ticket_type.event_id)
    if ticket_type.active == active:
        return
    ticket_type.active = active
    db.session.flush()
    record("ticket_type.activated" if active else "ticket_type.deactivated", ticket_type,
           now=now, actor=actor, scope=ticket_type.event, event_id=ticket_type.event_id,
           key=ticket_type.key)  # fmt: skip


def delete_ticket_type(ticket_type: TicketType, *, now: datetime, actor) -> None:
    """Delete a ticket type no registration (in any state) uses, no payment of a type change
    names and no voucher is bound to; audited. Raises TicketTypeInUse otherwise (deactivate it instead) and NotAllowed for
    non-staff."""
    _require_staff(actor)
    event = seats.lock_event(ticket_type.event_id)
    used = db.session.scalar(
        sa.select(sa.func.count(Registration.id)).where(
            Registration.ticket_type_id == ticket_type.id
        )
    ) or db.session.scalar(
        sa.select(sa.func.count(Payment.id)).where(Payment.ticket_type_id == ticket_type.id)
    )
    if used:
        raise TicketTypeInUse()
    vouchers = db.session.scalar(
        sa.select(sa.func.count(Voucher.id)).where(Voucher.ticket_type_id == ticket_type.id)
    )
    if vouchers:  # they would go with it (ON DELETE CASCADE)
        raise TicketTypeInUse(
            _l("Vouchers are bound to this ticket type, so it cannot be deleted; deactivate it."),
            code="ticket_type_has_vouchers",
        )
    record("ticket_type.deleted", ticket_type, now=now, actor=actor, scope=event,
           event_id=event.id, key=ticket_type.key)  # fmt: skip
    event.ticket_types.remove(ticket_type)
    db.session.flush()
