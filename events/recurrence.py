"""Dates of recurring talks and shifted moments, on the Amsterdam wall clock (pure: plain
values in, plain values out; no Flask, no database).

A shift is a whole number of days applied to the wall-clock time in the event's zone
(Europe/Amsterdam): a talk at 16:00 stays at 16:00 across a change of summer time, and its
registration window, ticket sale windows and end move with it (`shift`).

A series of recurring talks falls on dates `recurring_dates(first, count, interval)` makes:
"weekly" (every 7 days), "biweekly" (every 14 days) or "monthly" — on the same weekday and
its rank in the month as `first` (the second Thursday stays the second Thursday), where a
fifth weekday (which not every month has) means the last one of the month. The Digital Talks
of the seed run monthly or every few weeks; these three cover what their staff plan.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

INTERVALS = ("weekly", "biweekly", "monthly")
AMSTERDAM = "Europe/Amsterdam"


def shift(moment: datetime, days: int, tz: str = AMSTERDAM) -> datetime:
    """`moment` (aware) `days` later on the wall clock of `tz`, as aware UTC."""
    wall = moment.astimezone(ZoneInfo(tz)).replace(tzinfo=None) + timedelta(days=days)
    return wall.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC)


def days_until(moment: datetime, day: date, tz: str = AMSTERDAM) -> int:
    """How many days from `moment`'s date (in `tz`) to `day`: the shift that moves `moment`
    onto `day` at the same wall-clock time."""
    return (day - moment.astimezone(ZoneInfo(tz)).date()).days


def rank_in_month(day: date) -> int:
    """Which of its weekday in the month `day` is: 1 for the first Thursday, ... 5 for a
    fifth."""
    return (day.day - 1) // 7 + 1


def same_weekday_in_month(first: date, months: int) -> date:
    """The day `months` months after `first`'s month with `first`'s weekday and rank in the
    month; a fifth weekday is the last of the month."""
    index = first.year * 12 + first.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    rank = rank_in_month(first)
    last_day = calendar.monthrange(year, month)[1]
    if rank >= 5:
        day = date(year, month, last_day)
        return day - timedelta(days=(day.weekday() - first.weekday()) % 7)
    start = date(year, month, 1)
    offset = (first.weekday() - start.weekday()) % 7
    return start + timedelta(days=offset + 7 * (rank - 1))


def recurring_dates(first: date, count: int, interval: str) -> list[date]:
    """`count` dates from `first` on, `interval` apart ("weekly", "biweekly", "monthly": see
    the module's docstring). Raises ValueError for another interval."""
    if interval == "weekly":
        return [first + timedelta(weeks=i) for i in range(count)]
    if interval == "biweekly":
        return [first + timedelta(weeks=2 * i) for i in range(count)]
    if interval == "monthly":
        return [first] + [same_weekday_in_month(first, i) for i in range(1, count)]
    raise ValueError(f"unknown interval {interval!r}")


def next_date(day: date, interval: str) -> date:
    """The date after `day` in a series at `interval` (the suggested first date of a series
    made from a talk on `day`)."""
    return recurring_dates(day, 2, interval)[1]
