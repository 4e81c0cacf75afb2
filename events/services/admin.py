"""Events admin: create, change and delete events, with every rule checked in one place.

The admin form and `flask events load` both build an `EventData` and call `save_event`, so an
event is held to the same rules whichever way it comes in. Seat counting and locking used by
the admin side live here too. Check-in, comps and admin cancel: `admin_registrations.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core.audit.services import record
from core.errors import DomainError, InvalidInput, NotFound
from core.extensions import db
from events.models import Event, Registration, Speaker
from events.payments import MAX_HOLD_MINUTES, MIN_HOLD_MINUTES
from events.services import seats

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
DEFAULT_OPENS_BEFORE = timedelta(days=30)
MAX_CAPACITY = 100_000
MAX_HOURS = 24 * 365


@dataclass
class SpeakerData:
    name: str
    role: str = ""
    organisation: str = ""


@dataclass
class EventData:
    """An event as submitted: aware datetimes (None: missing), cents, a VAT rate like 0.21.

    Registration window bounds left None get the defaults: opens 30 days before the start,
    closes at the start.
    """

    slug: str
    title_nl: str
    title_en: str
    kind: str
    starts_at: datetime | None
    ends_at: datetime | None
    capacity: int | None
    price_member_cents: int | None
    price_non_member_cents: int | None
    vat_rate: Decimal | None
    description_nl: str = ""
    description_en: str = ""
    online: bool = True
    join_url: str = ""
    location: str = ""
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    hold_minutes: int | None = 30
    offer_hours: int | None = 24
    cancel_until_hours: int | None = 24
    published: bool = True
    speakers: list[SpeakerData] = field(default_factory=list)

    def with_default_window(self) -> EventData:
        """A copy whose empty registration window bounds are filled with the defaults."""
        opens, closes = self.registration_opens_at, self.registration_closes_at
        if self.starts_at is not None:
            opens = opens or self.starts_at - DEFAULT_OPENS_BEFORE
            closes = closes or self.starts_at
        return EventData(**{**self.__dict__, "registration_opens_at": opens,
                            "registration_closes_at": closes})  # fmt: skip


def seats_held(event_id: int) -> int:
    """Registrations of the event in a seat-holding state (pending_payment, confirmed, offered),
    counted by the registration service (`seats.counts`)."""
    return seats.counts(event_id)[0]


def state_counts(event_ids: list[int]) -> dict[int, dict[str, int]]:
    """{event id: {state: number of registrations}} in one grouped query."""
    counts: dict[int, dict[str, int]] = {event_id: {} for event_id in event_ids}
    if not event_ids:
        return counts
    rows = db.session.execute(
        sa.select(Registration.event_id, Registration.state, sa.func.count(Registration.id))
        .where(Registration.event_id.in_(event_ids))
        .group_by(Registration.event_id, Registration.state)
    )
    for event_id, state, n in rows:
        counts[event_id][state] = n
    return counts


def list_events(*, now: datetime) -> tuple[list[Event], list[Event]]:
    """(upcoming: not yet ended, soonest first; past: latest first), in one query."""
    events = db.session.scalars(sa.select(Event).order_by(Event.starts_at)).all()
    upcoming = [e for e in events if e.ends_at > now]
    past = [e for e in reversed(events) if e.ends_at <= now]
    return upcoming, past


def get_event(event_id: int) -> Event:
    """The event with this id; raises NotFound."""
    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFound()
    return event


def _text(errors, key, value, *, required=True, limit=200):
    if required and not (value or "").strip():
        errors.setdefault(key, []).append(str(_l("This field is required.")))
    elif len(value or "") > limit:
        errors.setdefault(key, []).append(str(_l("At most %(n)s characters.", n=limit)))


def _range(errors, key, value, low, high, message):
    if value is None or isinstance(value, bool) or not isinstance(value, int):
        errors.setdefault(key, []).append(str(_l("Enter a whole number.")))
    elif not low <= value <= high:
        errors.setdefault(key, []).append(str(message))


def validate_event(data: EventData, *, event: Event | None = None) -> dict[str, list[str]]:
    """Every rule an event must meet, as {field: [messages]} (empty when all is well).

    `data` must already have its default window. `event` is the event being changed: its slug
    may stay, and its capacity may not drop below the seats it already holds.
    """
    errors: dict[str, list[str]] = {}

    def add(key, message):
        errors.setdefault(key, []).append(str(message))

    if not SLUG.fullmatch(data.slug or "") or len(data.slug) > 80:
        add("slug", _l("Use lower-case letters, digits and single hyphens (at most 80)."))
    else:
        other = db.session.scalar(sa.select(Event).where(Event.slug == data.slug))
        if other is not None and other is not event:
            add("slug", _l("Another event already uses this slug."))
    _text(errors, "title_nl", data.title_nl)
    _text(errors, "title_en", data.title_en)
    _text(errors, "kind", data.kind, limit=60)
    _text(errors, "description_nl", data.description_nl, required=False, limit=20_000)
    _text(errors, "description_en", data.description_en, required=False, limit=20_000)
    for key in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
        value = getattr(data, key)
        if value is None or value.tzinfo is None:
            add(key, _l("Enter a date and time."))
    starts, ends = data.starts_at, data.ends_at
    if starts and ends and not errors.get("starts_at") and not errors.get("ends_at"):
        if ends <= starts:
            add("ends_at", _l("The end must be after the start."))
        opens, closes = data.registration_opens_at, data.registration_closes_at
        if opens and closes and opens.tzinfo and closes.tzinfo:
            if closes <= opens:
                add("registration_closes_at", _l("Registration must close after it opens."))
            elif closes > ends:
                add("registration_closes_at", _l("Registration must close by the end."))
    if data.online:
        if data.location.strip():
            add("location", _l("An online event has no address; untick “online” to set one."))
        if data.join_url:
            parts = urlsplit(data.join_url)
            if (
                parts.scheme not in ("http", "https")
                or not parts.netloc
                or len(data.join_url) > 500
            ):
                add("join_url", _l("Enter a web address starting with https://."))
    else:
        if data.join_url.strip():
            add("join_url", _l("An event in person has no join URL; tick “online” to set one."))
        _text(errors, "location", data.location, limit=2_000)
    _range(errors, "capacity", data.capacity, 0, MAX_CAPACITY,
           _l("Capacity must be between 0 and %(n)s.", n=MAX_CAPACITY))  # fmt: skip
    if event is not None and "capacity" not in errors:
        held = seats_held(event.id)
        if data.capacity is not None and data.capacity < held:
            add("capacity", _l("%(n)s seats are already taken; capacity cannot be lower.", n=held))
    for key in ("price_member_cents", "price_non_member_cents"):
        _range(errors, key, getattr(data, key), 0, 10**9, _l("A price cannot be negative."))
    rate = data.vat_rate
    if not isinstance(rate, Decimal) or not rate.is_finite() or not 0 <= rate < 1:
        add("vat_rate", _l("The VAT rate must be at least 0% and below 100%."))
    elif not isinstance(exponent := rate.as_tuple().exponent, int) or exponent < -4:
        add("vat_rate", _l("The VAT rate has too many decimals."))
    _range(errors, "hold_minutes", data.hold_minutes, MIN_HOLD_MINUTES, MAX_HOLD_MINUTES,
           _l("Hold seats between %(a)s and %(b)s minutes.", a=MIN_HOLD_MINUTES,
              b=MAX_HOLD_MINUTES))  # fmt: skip
    _range(errors, "offer_hours", data.offer_hours, 1, MAX_HOURS,
           _l("An offer lasts at least one hour."))  # fmt: skip
    _range(errors, "cancel_until_hours", data.cancel_until_hours, 0, MAX_HOURS,
           _l("Cancellation hours cannot be negative."))  # fmt: skip
    for i, speaker in enumerate(data.speakers):
        _text(errors, f"speakers[{i}].name", speaker.name)
        _text(errors, f"speakers[{i}].role", speaker.role, required=False)
        _text(errors, f"speakers[{i}].organisation", speaker.organisation, required=False)
    return errors


_FIELDS = (
    "slug", "title_nl", "title_en", "kind", "description_nl", "description_en", "starts_at",
    "ends_at", "online", "join_url", "location", "capacity", "registration_opens_at",
    "registration_closes_at", "price_member_cents", "price_non_member_cents", "vat_rate",
    "hold_minutes", "offer_hours", "cancel_until_hours", "published",
)  # fmt: skip


def save_event(data: EventData, *, event: Event | None = None, now: datetime, actor) -> Event:
    """Create (`event` None) or change an event and replace its speakers; audited.

    When changing, the event is locked first so its seat count cannot move while the new
    capacity is checked; seats a larger capacity frees are offered to the waiting list. Raises InvalidInput ({field: [messages]}) and writes nothing when a
    rule of `validate_event` is broken. Flushes.
    """
    data = data.with_default_window()
    if event is not None:
        seats.lock_event(event.id)
    errors = validate_event(data, event=event)
    if errors:
        raise InvalidInput(errors)
    created = event is None
    if event is None:
        event = Event(created_at=now)
        db.session.add(event)
    changed: dict[str, object] = {}
    for key in _FIELDS:
        value = getattr(data, key)
        if key in ("join_url", "location"):
            value = value.strip()
        if created or getattr(event, key) != value:
            changed[key] = value if isinstance(value, bool | int | str) else str(value)
            setattr(event, key, value)
    speakers = [(s.name.strip(), s.role.strip(), s.organisation.strip()) for s in data.speakers]
    if created or speakers != [(s.name, s.role, s.organisation) for s in event.speakers]:
        event.speakers = [
            Speaker(name=name, role=role, organisation=org, position=i)
            for i, (name, role, org) in enumerate(speakers)
        ]
        changed["speakers"] = [" | ".join(s) for s in speakers]
    db.session.flush()
    if changed:
        record("event.created" if created else "event.updated", event, now=now, actor=actor,
               slug=event.slug, changed=changed)  # fmt: skip
    if not created and "capacity" in changed:
        seats.offer_next_seat(event, now=now)  # more seats: the waiting list moves up
    return event


def delete_event(event: Event, *, now: datetime, actor) -> None:
    """Delete an event that nobody ever registered for (speakers go with it); audited.

    Raises DomainError("event_has_registrations") otherwise: unpublish it instead.
    """
    has_any = db.session.scalar(
        sa.select(sa.func.count(Registration.id)).where(Registration.event_id == event.id)
    )
    if has_any:
        raise DomainError(
            _l("This event has registrations and cannot be deleted; unpublish it instead."),
            code="event_has_registrations",
        )
    record("event.deleted", event, now=now, actor=actor, slug=event.slug)
    db.session.delete(event)
    db.session.flush()
