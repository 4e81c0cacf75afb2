"""A copy of an event: a new slug and titles, every date shifted by a whole number of days.

`copy_event` copies, in one transaction (it flushes; the request commits), one part per
function: the event's own fields (`_copy_event`: every column — texts, kind, prices, VAT,
capacity, online/location/join URL, hold/offer/cancel rules, its series — with the start,
end and registration window shifted), its speakers (`_copy_speakers`), its ticket types
(`_copy_ticket_types`: every field, the sale window shifted when it has one) and its
registration questions (`_copy_questions`, every field). Rows are built from the model's
columns, so a column added later is copied too. It does not copy registrations, answers,
vouchers, funnel counts or the reminder's "sent" mark: a copy starts with nobody on it.

The copy is NOT published: staff check it (a join link, a speaker) and publish it on its
admin page. The shift is applied to the Amsterdam wall clock (`events.recurrence.shift`): a
talk at 16:00 stays at 16:00 across a change of summer time.

Refusals (InvalidInput, nothing written; `copy_problems`, shared with the preview so the
preview never promises what the copy refuses): a bad or taken slug, an empty or too long
title (a slug a concurrent request took meanwhile too: `slug_taken_meanwhile`), a shift
beyond ±`MAX_SHIFT_DAYS`, a copy that would start, or close its registration,
at or before `now`, and dates no longer in order after the shift (summer time). Audits
`event.copied` on the copy. Like the other events admin services, the views check the actor
is staff (`staff_required`); `actor` is recorded.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from copy import deepcopy
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from core.audit.services import record
from core.errors import InvalidInput
from core.extensions import db
from events.models import Event, EventQuestion, Speaker, TicketType
from events.recurrence import shift
from events.services.admin import EventData, SpeakerData, validate_event

MAX_SHIFT_DAYS = 3660  # ten years, either way
MOMENTS = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at")
SALE_MOMENTS = ("sale_starts_at", "sale_ends_at")
MOMENT_LABELS = {
    "starts_at": _l("Starts"),
    "ends_at": _l("Ends"),
    "registration_opens_at": _l("Registration opens"),
    "registration_closes_at": _l("Registration closes"),
}
#: copy fields the service names in its refusals (others are the shift's)
OWN_FIELDS = ("slug", "title_nl", "title_en")


@dataclass(frozen=True)
class Moment:
    """One moment of the event before and after the shift (`label` says which)."""

    label: str
    before: datetime
    after: datetime


def shifted_moments(event: Event, days: int, locale: str = "nl") -> list[Moment]:
    """The event's start, end and registration window and each ticket type's sale window
    (types named in `locale`), before and after a shift of `days`, in time order."""
    moments = [
        Moment(str(MOMENT_LABELS[name]), getattr(event, name), shift(getattr(event, name), days))
        for name in MOMENTS
    ]
    for ticket in event.ticket_types:
        labels = (
            _l("%(ticket)s: sale starts", ticket=ticket.name(locale)),
            _l("%(ticket)s: sale ends", ticket=ticket.name(locale)),
        )
        for name, label in zip(SALE_MOMENTS, labels, strict=True):
            before = getattr(ticket, name)
            if before is not None:
                moments.append(Moment(str(label), before, shift(before, days)))
    return sorted(moments, key=lambda m: m.before)


def _data(event: Event, *, slug: str, title_nl: str, title_en: str, days: int) -> EventData:
    """The copy as the admin form would submit it: the event's values, moved by `days`."""
    return EventData(
        slug=slug,
        title_nl=title_nl,
        title_en=title_en,
        kind=event.kind,
        description_nl=event.description_nl,
        description_en=event.description_en,
        starts_at=shift(event.starts_at, days),
        ends_at=shift(event.ends_at, days),
        online=event.online,
        join_url=event.join_url,
        location=event.location,
        capacity=event.capacity,
        registration_opens_at=shift(event.registration_opens_at, days),
        registration_closes_at=shift(event.registration_closes_at, days),
        price_member_cents=event.price_member_cents,
        price_non_member_cents=event.price_non_member_cents,
        vat_rate=event.vat_rate,
        hold_minutes=event.hold_minutes,
        offer_hours=event.offer_hours,
        cancel_until_hours=event.cancel_until_hours,
        published=False,
        speakers=[SpeakerData(s.name, s.role, s.organisation) for s in event.speakers],
    )


def copy_problems(
    event: Event,
    *,
    slug: str,
    title_nl: str,
    title_en: str,
    days: int | None,
    now: datetime,
    taken_slugs: Collection[str] = (),
) -> dict[str, list[str]]:
    """Field -> messages for everything that stops the copy (empty: it may go ahead). The
    copy is held to every rule of an event (`admin.validate_event`); `taken_slugs` are slugs
    other copies made in the same go will take."""
    errors: dict[str, list[str]] = {}

    def add(key: str, message) -> None:
        errors.setdefault(key, []).append(str(message))

    if days is None or isinstance(days, bool) or not -MAX_SHIFT_DAYS <= days <= MAX_SHIFT_DAYS:
        add("shift_days", _l("Move the dates by at most %(n)s days.", n=MAX_SHIFT_DAYS))
        days = 0
    data = _data(event, slug=slug, title_nl=title_nl, title_en=title_en, days=days)
    for key, messages in validate_event(data).items():
        if key in OWN_FIELDS:
            errors.setdefault(key, []).extend(messages)
        elif key in MOMENTS:
            if "shift_days" not in errors:
                add("shift_days", _l("With this shift the dates would no longer be in order "
                                     "(summer time). Choose another date."))  # fmt: skip
        elif "event" not in errors:
            add("event", _l("The event to copy breaks a rule of its own: correct it on its "
                            "page first."))  # fmt: skip
    if slug in taken_slugs and "slug" not in errors:
        add("slug", _l("Another event already uses this slug."))
    if "shift_days" not in errors:
        assert data.starts_at is not None and data.registration_closes_at is not None
        if data.starts_at <= now:
            add("shift_days", _l("The copy would start in the past. Choose a later date."))
        elif data.registration_closes_at <= now:
            add("shift_days", _l("Registration for the copy would already be closed. "
                                 "Choose a later date."))  # fmt: skip
    return errors


def copy_event(
    event: Event,
    *,
    slug: str,
    title_nl: str,
    title_en: str,
    days: int,
    actor,
    now: datetime,
    taken_slugs: Collection[str] = (),
    audit: bool = True,
) -> Event:
    """The copy of `event` (see the module's docstring), unpublished. Flushes; audits
    `event.copied` (unless `audit` is off: a series made in one go audits once). Raises
    InvalidInput (`copy_problems`) and writes nothing then."""
    slug, title_nl, title_en = slug.strip(), title_nl.strip(), title_en.strip()
    errors = copy_problems(event, slug=slug, title_nl=title_nl, title_en=title_en, days=days,
                           now=now, taken_slugs=taken_slugs)  # fmt: skip
    if errors:
        raise InvalidInput(errors, code="invalid_copy")
    copy = _copy_event(event, slug=slug, title_nl=title_nl, title_en=title_en, days=days, now=now)
    speakers = _copy_speakers(event, copy)
    tickets = _copy_ticket_types(event, copy, days=days, now=now)
    questions = _copy_questions(event, copy, now=now)
    if audit:
        record("event.copied", copy, now=now, actor=actor, scope=copy, slug=copy.slug,
               source=event.slug, shift_days=days, speakers=speakers, ticket_types=tickets,
               questions=questions)  # fmt: skip
    return copy


def _columns(row, *, skip: Collection[str] = ()) -> dict[str, object]:
    """Every column of `row` but its primary key, its event and the `skip` ones: so a column
    added to a model later is copied too."""
    return {
        column.key: deepcopy(getattr(row, column.key))  # JSON lists: never shared
        for column in sa.inspect(type(row)).columns
        if not column.primary_key and column.key not in {"event_id", *skip}
    }


def _copy_event(
    event: Event, *, slug: str, title_nl: str, title_en: str, days: int, now: datetime
) -> Event:
    """The new event row: every field of `event`, the dates shifted, not published, no
    reminder sent."""
    skip = ("slug", "title_nl", "title_en", "created_at", "published", "reminder_sent_at")
    values = _columns(event, skip=(*skip, *MOMENTS))
    moments = {name: shift(getattr(event, name), days) for name in MOMENTS}
    copy = Event(slug=slug, title_nl=title_nl, title_en=title_en, published=False,
                 reminder_sent_at=None, created_at=now, **values, **moments)  # fmt: skip
    with slug_taken_meanwhile(Event):
        db.session.add(copy)
        db.session.flush()
    return copy


@contextmanager
def slug_taken_meanwhile(model) -> Iterator[None]:
    """Run the block's writes in a savepoint: when a concurrent request took the slug between
    the check and the flush (the unique constraint says no), they are undone and the slug is
    refused as InvalidInput, as the check would have."""
    try:
        with db.session.begin_nested():
            yield
    except IntegrityError as error:
        message = (_l("Another event already uses this slug.") if model is Event
                   else _l("Another series already uses this slug."))  # fmt: skip
        raise InvalidInput({"slug": message}, code="slug_taken") from error


def _copy_speakers(event: Event, copy: Event) -> int:
    """Every speaker with every field, in the same order; returns how many."""
    for speaker in event.speakers:
        db.session.add(Speaker(event_id=copy.id, **_columns(speaker)))
    db.session.flush()
    return len(event.speakers)


def _copy_ticket_types(event: Event, copy: Event, *, days: int, now: datetime) -> int:
    """Every ticket type with every field (prices, capacity, audience, domains, active), its
    sale window shifted where it has one; returns how many."""
    for ticket in event.ticket_types:
        values = _columns(ticket, skip=("created_at", *SALE_MOMENTS))
        window = {
            name: None if getattr(ticket, name) is None else shift(getattr(ticket, name), days)
            for name in SALE_MOMENTS
        }
        db.session.add(TicketType(event_id=copy.id, created_at=now, **values, **window))
    db.session.flush()
    return len(event.ticket_types)


def _copy_questions(event: Event, copy: Event, *, now: datetime) -> int:
    """Every registration question with every field (answers belong to registrations: not
    copied); returns how many."""
    for question in event.questions:
        db.session.add(EventQuestion(event_id=copy.id, created_at=now, **_columns(question,
                                     skip=("created_at",))))  # fmt: skip
    db.session.flush()
    return len(event.questions)
