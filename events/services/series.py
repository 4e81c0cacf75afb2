"""Event series: recurring talks under one name (the Digital Talks), and a series made in one go.

A series has a unique slug, Dutch and English titles and descriptions (Markdown). Staff
create, change and delete one (`save_series`, `delete_series`: deleting detaches its talks
first — `events.series_id` has no ON DELETE — and is refused while vouchers are valid for the
series, which would otherwise go with it), and put an event in or take it out (`set_series`).

`make_recurring` makes a series of recurring talks in one go from a template event: `count`
copies (`events.services.copies.copy_event`: speakers, prices, texts, ticket types and
questions, every date shifted on the Amsterdam wall clock) on the dates
`events.recurrence.recurring_dates(first, count, interval)` gives (weekly, every two weeks,
or monthly on the same weekday of the month), at the template's time of day. Each copy's slug
is `<prefix>-<yyyy-mm-dd>` and its titles are the template's with the date, "(8 januari 2026)"
in Dutch and "(8 January 2026)" in English. The template and every copy join the series (an
existing one, or a new one made in the same go). All in one transaction: every problem is
found first (`recurring_problems`: the number of talks out of 1..`MAX_TALKS`, a slug already
taken, a date at or before `now`, a bad new series) and raised as one InvalidInput with
nothing written. The copies are not published: staff publish each when its topic and
speakers are known (the series page's list links to each). Audits `series.created`,
`series.event_added` (the template) and one `series.recurring_made` naming the copies.

Like the other events admin services, the views check the actor is staff (`staff_required`);
`actor` is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from babel.dates import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from core.audit.services import record
from core.errors import DomainError, InvalidInput, NotFound
from core.extensions import db
from events.models import Event, EventSeries, Voucher
from events.recurrence import INTERVALS, days_until, recurring_dates, shift
from events.services.admin import SLUG
from events.services.copies import copy_event, copy_problems, slug_taken_meanwhile

MAX_TALKS = 52
_FIELDS = ("slug", "title_nl", "title_en", "description_nl", "description_en")


@dataclass(frozen=True)
class SeriesData:
    slug: str
    title_nl: str
    title_en: str
    description_nl: str = ""
    description_en: str = ""

    def cleaned(self) -> SeriesData:
        return SeriesData(*(getattr(self, f).strip() for f in _FIELDS))


@dataclass(frozen=True)
class Planned:
    """One talk of a series to be made: its date, how far the template moves, slug, titles
    and start."""

    day: date
    days: int
    slug: str
    title_nl: str
    title_en: str
    starts_at: datetime


def list_series() -> list[tuple[EventSeries, int]]:
    """Every series by title with its number of events, in one query."""
    rows = db.session.execute(
        sa.select(EventSeries, sa.func.count(Event.id))
        .outerjoin(Event, Event.series_id == EventSeries.id)
        .group_by(EventSeries.id)
        .order_by(EventSeries.title_nl, EventSeries.id)
    )
    return [(series, n) for series, n in rows]


def get_series(series_id: int) -> EventSeries:
    """The series with this id; raises NotFound."""
    series = db.session.get(EventSeries, series_id)
    if series is None:
        raise NotFound()
    return series


def talks(series: EventSeries) -> list[Event]:
    """Every event of the series (published or not), soonest first: one query."""
    return list(
        db.session.scalars(
            sa.select(Event).where(Event.series_id == series.id).order_by(Event.starts_at, Event.id)
        )
    )


def public_series(slug: str, *, now: datetime) -> tuple[EventSeries, list[Event], list[Event]]:
    """The series with `slug` and its published talks: (series, upcoming soonest first, past
    latest first), in three queries (the series, its talks, their ticket types). NotFound for an unknown series or one without a published
    talk (a series shows once one of its talks is announced)."""
    series = db.session.scalar(sa.select(EventSeries).where(EventSeries.slug == slug))
    if series is None:
        raise NotFound()
    events = db.session.scalars(
        sa.select(Event)
        .where(Event.series_id == series.id, Event.published.is_(True))
        .order_by(Event.starts_at, Event.id)
        .options(selectinload(Event.ticket_types))  # (their prices, in one more query)
    ).all()
    if not events:
        raise NotFound()
    upcoming = [e for e in events if e.ends_at > now]
    past = [e for e in reversed(events) if e.ends_at <= now]
    return series, upcoming, past


def series_problems(
    data: SeriesData, *, series: EventSeries | None = None, prefix: str = ""
) -> dict[str, list[str]]:
    """Every rule a series must meet, as {field: [messages]} (fields named `prefix` + name).
    `series` is the one being changed: its slug may stay."""
    errors: dict[str, list[str]] = {}

    def add(key: str, message) -> None:
        errors.setdefault(prefix + key, []).append(str(message))

    if not SLUG.fullmatch(data.slug or "") or len(data.slug) > 80:
        add("slug", _l("Use lower-case letters, digits and single hyphens (at most 80)."))
    else:
        other = db.session.scalar(sa.select(EventSeries).where(EventSeries.slug == data.slug))
        if other is not None and other is not series:
            add("slug", _l("Another series already uses this slug."))
    for key in ("title_nl", "title_en"):
        value = getattr(data, key)
        if not value:
            add(key, _l("This field is required."))
        elif len(value) > 200:
            add(key, _l("At most %(n)s characters.", n=200))
    for key in ("description_nl", "description_en"):
        if len(getattr(data, key)) > 20_000:
            add(key, _l("At most %(n)s characters.", n=20_000))
    return errors


def save_series(
    data: SeriesData, *, series: EventSeries | None = None, actor, now: datetime
) -> EventSeries:
    """Create (`series` None) or change a series; audited `series.created` / `series.updated`
    with what changed. Raises InvalidInput (`series_problems`), nothing written. Flushes."""
    data = data.cleaned()
    errors = series_problems(data, series=series)
    if errors:
        raise InvalidInput(errors, code="invalid_series")
    created = series is None
    if series is None:
        series = EventSeries(created_at=now)
    changed = {}
    for key in _FIELDS:
        value = getattr(data, key)
        if created or getattr(series, key) != value:
            changed[key] = value
            setattr(series, key, value)
    with slug_taken_meanwhile(EventSeries):
        db.session.add(series)
        db.session.flush()
    if changed:
        record("series.created" if created else "series.updated", series, now=now,
               actor=actor, scope=series, slug=series.slug, changed=changed)  # fmt: skip
    return series


def delete_series(series: EventSeries, *, actor, now: datetime) -> int:
    """Delete a series; its events stay, detached (returns how many). Audited. Raises
    DomainError("series_has_vouchers") while vouchers are valid for the series."""
    vouchers = db.session.scalar(
        sa.select(sa.func.count(Voucher.id)).where(Voucher.series_id == series.id)
    )
    if vouchers:
        raise DomainError(
            _l("Vouchers are valid for this series; delete them before the series."),
            code="series_has_vouchers",
        )
    detached = len(talks(series))
    db.session.execute(sa.update(Event).where(Event.series_id == series.id).values(series_id=None))
    db.session.expire_all()  # the events' `series` as the database now has it
    record("series.deleted", series, now=now, actor=actor, scope=series, slug=series.slug,
           events=detached)  # fmt: skip
    db.session.delete(series)
    db.session.flush()
    return detached


def set_series(event: Event, series: EventSeries | None, *, actor, now: datetime) -> None:
    """Put `event` in `series` (out of any other), or take it out with None; audited
    `series.event_added` / `series.event_removed` on the series. Nothing when unchanged."""
    before = event.series
    if before is series:
        return
    if before is not None:
        record("series.event_removed", event, now=now, actor=actor, scope=before,
               slug=event.slug)  # fmt: skip
    event.series = series
    db.session.flush()
    if series is not None:
        record("series.event_added", event, now=now, actor=actor, scope=series,
               slug=event.slug)  # fmt: skip


def _dated(title: str, day: date, locale: str) -> str:
    return f"{title} ({format_date(day, 'd MMMM y', locale=locale)})"


def plan(
    template: Event, *, first: date, count: int, interval: str, slug_prefix: str
) -> list[Planned]:
    """The talks `make_recurring` would make (module docstring), in date order."""
    planned = []
    for day in recurring_dates(first, count, interval):
        days = days_until(template.starts_at, day)
        planned.append(
            Planned(
                day=day,
                days=days,
                slug=f"{slug_prefix}-{day.isoformat()}",
                title_nl=_dated(template.title_nl, day, "nl"),
                title_en=_dated(template.title_en, day, "en"),
                starts_at=shift(template.starts_at, days),
            )
        )
    return planned


def recurring_problems(
    template: Event,
    *,
    first: date | None,
    count: int | None,
    interval: str,
    slug_prefix: str,
    new_series: SeriesData | None,
    now: datetime,
) -> dict[str, list[str]]:
    """Field -> messages for everything that stops `make_recurring` (empty: it may go
    ahead); the preview asks the same. Fields: `count`, `interval`, `first_date`,
    `slug_prefix`, and `series_` + a series field for a new series."""
    errors: dict[str, list[str]] = {}

    def add(key: str, message) -> None:
        if key not in errors:
            errors[key] = [str(message)]

    if count is None or isinstance(count, bool) or not 1 <= count <= MAX_TALKS:
        add("count", _l("Make between 1 and %(n)s talks.", n=MAX_TALKS))
    if interval not in INTERVALS:
        add("interval", _l("Choose how often the talks take place."))
    if first is None:
        add("first_date", _l("Enter a date."))
    prefix = (slug_prefix or "").strip()
    if not SLUG.fullmatch(prefix) or len(prefix) > 69:
        add("slug_prefix", _l("Use lower-case letters, digits and single hyphens (at most 69)."))
    if new_series is not None:
        errors.update(series_problems(new_series.cleaned(), prefix="series_"))
    if errors:
        return errors
    assert first is not None and count is not None
    planned = plan(template, first=first, count=count, interval=interval, slug_prefix=prefix)
    if planned[0].starts_at <= now:
        add("first_date", _l("The first talk would start in the past. Choose a later date."))
    taken: set[str] = set()
    for talk in planned:
        problems = copy_problems(template, slug=talk.slug, title_nl=talk.title_nl,
                                 title_en=talk.title_en, days=talk.days, now=now,
                                 taken_slugs=taken)  # fmt: skip
        taken.add(talk.slug)
        if "slug" in problems:
            add("slug_prefix", _l("The slug %(slug)s is already taken: choose another "
                                  "prefix or date.", slug=talk.slug))  # fmt: skip
        for key in ("shift_days", "title_nl", "title_en", "event"):
            if key in problems:
                add("first_date" if key == "shift_days" else key,
                    _l("%(day)s: %(problem)s", day=talk.day.isoformat(),
                       problem=problems[key][0]))  # fmt: skip
    return errors


def make_recurring(
    template: Event,
    *,
    series: EventSeries | None,
    new_series: SeriesData | None,
    first: date | None,
    count: int | None,
    interval: str,
    slug_prefix: str,
    actor,
    now: datetime,
) -> tuple[EventSeries, list[Event]]:
    """Make a series of recurring talks from `template` in one go (module docstring): into
    `series`, or a new series from `new_series` when `series` is None. Returns the series
    and the copies (date order). Raises InvalidInput (`recurring_problems`), nothing
    written. Flushes."""
    if series is None and new_series is None:
        raise InvalidInput({"series": _l("Choose a series or describe a new one.")},
                           code="invalid_recurring")  # fmt: skip
    errors = recurring_problems(template, first=first, count=count, interval=interval,
                                slug_prefix=slug_prefix,
                                new_series=new_series if series is None else None,
                                now=now)  # fmt: skip
    if errors:
        raise InvalidInput(errors, code="invalid_recurring")
    assert first is not None and count is not None
    if series is None:
        assert new_series is not None
        series = save_series(new_series, actor=actor, now=now)
    set_series(template, series, actor=actor, now=now)
    copies = []
    planned = plan(template, first=first, count=count, interval=interval,
                   slug_prefix=slug_prefix.strip())  # fmt: skip
    for talk in planned:
        copy = copy_event(template, slug=talk.slug, title_nl=talk.title_nl,
                          title_en=talk.title_en, days=talk.days, actor=actor, now=now,
                          audit=False)  # fmt: skip
        copies.append(copy)
    record("series.recurring_made", series, now=now, actor=actor, scope=series,
           slug=series.slug, source=template.slug, interval=interval,
           events=[c.slug for c in copies])  # fmt: skip
    return series, copies
