"""The clock is passed in: views read it here once per request and hand `now` to services."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def system_clock() -> datetime:
    """The real time, aware UTC."""
    return datetime.now(UTC)


def now() -> datetime:
    """The app's current time (aware UTC); tests swap `CLOCK` in the config for a fixed clock."""
    return current_app.config["CLOCK"]()


def local(dt: datetime, tz: str = "Europe/Amsterdam") -> datetime:
    """`dt` (aware) shown in the given zone, Europe/Amsterdam by default."""
    return dt.astimezone(ZoneInfo(tz))


def from_local(naive: datetime, tz: str = "Europe/Amsterdam") -> datetime:
    """A wall-clock time in `tz` (as typed in a form) as aware UTC."""
    return naive.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC)
