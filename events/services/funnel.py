"""Consent-free funnel figures: how often each step of an event's funnel happened per day.

The steps (the seed's See/Think/Do/Care): "see" a visitor opened the public event page,
"think" a registration was started, "do" a registration became confirmed (free after
verification, or paid), "care" an attendee was checked in. `count_step` is the one write: it adds
one (or takes one back: an undone check-in) to the row (event, Amsterdam day of `now`,
stage) with a single upsert (`INSERT ... ON CONFLICT DO UPDATE SET count = count + 1`).

Nothing else is stored: no IP address, no cookie, no user id, no time finer than the day,
no User-Agent. `is_visit` decides whether a page view counts (a GET by someone who is not
staff, not a prefetch, not an obvious robot) from the request's method and headers and
forgets them at once; views are tallied in the worker and written in batches
(`events.services.page_views`).

The read side (`daily`, `totals`, `comparison`) answers the staff pages in one aggregate
query each.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from werkzeug.datastructures import Headers

from core.clock import local
from core.extensions import db
from events.models import Event, FunnelCount

SEE, THINK, DO, CARE = "see", "think", "do", "care"
STAGES = (SEE, THINK, DO, CARE)
#: a User-Agent that says it is a robot (decided per request, never stored)
_ROBOT = re.compile(r"bot|crawl|spider|slurp", re.IGNORECASE)


def count_step(event_id: int, stage: str, *, now: datetime, by: int = 1) -> None:
    """Add `by` (1, or -1 to take one back) to the count of `stage` for the event on the
    Amsterdam day of `now`, in one upsert; a count never drops below 0."""
    add_counts([(event_id, local(now).date(), stage, by)])


def add_counts(counts: Iterable[tuple[int, date, str, int]]) -> None:
    """Add each (event id, day, stage, by) to its row: one upsert a row."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    column = FunnelCount.__table__.c.count
    for event_id, day, stage, by in counts:
        if stage not in STAGES:
            raise ValueError(f"unknown funnel stage {stage!r}")
        statement = insert(FunnelCount).values(
            event_id=event_id, day=day, stage=stage, count=max(by, 0)
        )
        statement = statement.on_conflict_do_update(
            index_elements=["event_id", "day", "stage"],
            set_={"count": sa.case((column + by < 0, 0), else_=column + by)},
        )
        db.session.execute(statement)


def is_visit(method: str, headers: Headers | Mapping[str, str], *, staff: bool) -> bool:
    """Whether a request for a public event page counts as a view ("see"): a GET (not a
    HEAD), not by staff, not a browser's prefetch (`Sec-Purpose` / `Purpose: prefetch`),
    not a User-Agent that names itself a robot (bot, crawler, spider, ...)."""
    if method != "GET" or staff:
        return False
    purpose = f"{headers.get('Sec-Purpose', '')} {headers.get('Purpose', '')}".lower()
    if "prefetch" in purpose or "prerender" in purpose:
        return False
    return not _ROBOT.search(headers.get("User-Agent", "") or "")


# --- read side ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Funnel:
    """The four counts of one event (or one event over a range of days)."""

    see: int = 0
    think: int = 0
    do: int = 0
    care: int = 0

    def count(self, stage: str) -> int:
        return int(getattr(self, stage))

    def steps(self) -> list[tuple[str, int, Decimal | None]]:
        """(stage, count, percentage of the step before; None for the first or after 0)."""
        out: list[tuple[str, int, Decimal | None]] = []
        previous: int | None = None
        for stage in STAGES:
            n = self.count(stage)
            out.append((stage, n, percentage(n, previous) if previous is not None else None))
            previous = n
        return out

    def overall(self) -> Decimal | None:
        """Confirmed registrations as a percentage of page views."""
        return percentage(self.do, self.see)


def percentage(part: int, whole: int | None) -> Decimal | None:
    """`part` of `whole` in percent with one decimal; None when `whole` is 0 or None."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _funnel(counts: Mapping[str, int]) -> Funnel:
    return Funnel(**{stage: int(counts.get(stage, 0)) for stage in STAGES})


def data_range(event_id: int) -> tuple[date, date] | None:
    """The first and last day with a count for the event, or None."""
    first, last = db.session.execute(
        sa.select(sa.func.min(FunnelCount.day), sa.func.max(FunnelCount.day)).where(
            FunnelCount.event_id == event_id
        )
    ).one()
    return (first, last) if first is not None else None


def daily(event_id: int, first: date, last: date) -> list[tuple[date, Funnel]]:
    """Per day with a count between `first` and `last` (inclusive), oldest first: its
    funnel (one query)."""
    rows = db.session.execute(
        sa.select(FunnelCount.day, FunnelCount.stage, FunnelCount.count)
        .where(
            FunnelCount.event_id == event_id,
            FunnelCount.day >= first,
            FunnelCount.day <= last,
        )
        .order_by(FunnelCount.day, FunnelCount.stage)
    ).all()
    days: dict[date, dict[str, int]] = {}
    for day, stage, n in rows:
        days.setdefault(day, {})[stage] = n
    return [(day, _funnel(counts)) for day, counts in days.items()]


def totals(event_id: int, first: date, last: date) -> Funnel:
    """The event's four counts summed over the days `first` to `last` (one query)."""
    rows = db.session.execute(
        sa.select(FunnelCount.stage, sa.func.sum(FunnelCount.count))
        .where(
            FunnelCount.event_id == event_id,
            FunnelCount.day >= first,
            FunnelCount.day <= last,
        )
        .group_by(FunnelCount.stage)
    ).all()
    return _funnel({stage: n for stage, n in rows})


@dataclass(frozen=True)
class ComparisonRow:
    event: Event
    funnel: Funnel


def comparison(events: Iterable[Event]) -> list[ComparisonRow]:
    """Each event's four counts over all its days (one query for all events)."""
    events = list(events)
    ids = [event.id for event in events]
    rows = db.session.execute(
        sa.select(FunnelCount.event_id, FunnelCount.stage, sa.func.sum(FunnelCount.count))
        .where(FunnelCount.event_id.in_(ids))
        .group_by(FunnelCount.event_id, FunnelCount.stage)
    ).all()
    counts: dict[int, dict[str, int]] = {}
    for event_id, stage, n in rows:
        counts.setdefault(event_id, {})[stage] = n
    return [ComparisonRow(event, _funnel(counts.get(event.id, {}))) for event in events]
