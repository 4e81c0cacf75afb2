"""The dates of recurring talks and the wall-clock shift (events/recurrence.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from events.recurrence import (
    days_until,
    next_date,
    rank_in_month,
    recurring_dates,
    same_weekday_in_month,
    shift,
)

AMS = ZoneInfo("Europe/Amsterdam")


def test_a_talk_at_16_stays_at_16_across_summer_time():
    talk = datetime(2025, 3, 20, 15, 0, tzinfo=UTC)  # 16:00 CET
    moved = shift(talk, 14)
    assert moved == datetime(2025, 4, 3, 14, 0, tzinfo=UTC)  # 16:00 CEST
    assert moved.astimezone(AMS).hour == 16
    back = shift(datetime(2025, 10, 23, 14, 0, tzinfo=UTC), 7)  # 16:00 CEST -> CET
    assert back == datetime(2025, 10, 30, 15, 0, tzinfo=UTC)


# moments whose wall-clock time exists on every day (talks are never at 02:00-03:00)
moments = (
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31))
    .filter(lambda d: not 2 <= d.hour < 3)
    .map(lambda d: d.replace(tzinfo=AMS).astimezone(UTC))
)


@given(moments, st.integers(min_value=-3660, max_value=3660))
def test_a_shift_keeps_the_wall_clock_time_and_moves_the_date(moment, days):
    moved = shift(moment, days)
    assert moved.tzinfo == UTC
    before, after = moment.astimezone(AMS), moved.astimezone(AMS)
    assert (after.hour, after.minute) == (before.hour, before.minute)
    assert after.date() - before.date() == timedelta(days=days)
    assert days_until(moment, after.date()) == days
    assert shift(moved, -days) == moment


def test_monthly_keeps_the_weekday_and_its_rank():
    # the third Thursday of March 2025 -> of April, May, June
    assert recurring_dates(date(2025, 3, 20), 4, "monthly") == [
        date(2025, 3, 20), date(2025, 4, 17), date(2025, 5, 15), date(2025, 6, 19)
    ]  # fmt: skip


def test_a_fifth_weekday_becomes_the_last_of_the_month():
    # Thursday 29 May 2025 is the fifth Thursday; June's last Thursday is the 26th
    assert recurring_dates(date(2025, 5, 29), 3, "monthly") == [
        date(2025, 5, 29), date(2025, 6, 26), date(2025, 7, 31)
    ]  # fmt: skip


def test_weekly_and_every_two_weeks():
    assert recurring_dates(date(2025, 12, 25), 3, "weekly") == [
        date(2025, 12, 25), date(2026, 1, 1), date(2026, 1, 8)
    ]  # fmt: skip
    assert recurring_dates(date(2025, 3, 20), 2, "biweekly") == [date(2025, 3, 20),
                                                                  date(2025, 4, 3)]  # fmt: skip
    assert next_date(date(2025, 3, 20), "monthly") == date(2025, 4, 17)


def test_an_unknown_interval_is_refused():
    with pytest.raises(ValueError):
        recurring_dates(date(2025, 3, 20), 2, "daily")


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
       st.integers(min_value=1, max_value=60))  # fmt: skip
def test_monthly_dates_share_the_weekday_one_per_month(first, months):
    later = same_weekday_in_month(first, months)
    assert later.weekday() == first.weekday()
    assert (later.year * 12 + later.month) - (first.year * 12 + first.month) == months
    rank = rank_in_month(first)
    if rank < 5:
        assert rank_in_month(later) == rank
    else:  # the last one of its month
        assert (later + timedelta(days=7)).month != later.month


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
       st.integers(min_value=1, max_value=52), st.sampled_from(["weekly", "biweekly", "monthly"]))  # fmt: skip
def test_dates_are_increasing_and_as_many_as_asked(first, count, interval):
    dates = recurring_dates(first, count, interval)
    assert len(dates) == count and dates[0] == first
    assert all(a < b for a, b in pairwise(dates))
    assert len({d.weekday() for d in dates}) == 1
