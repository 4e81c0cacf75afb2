"""Reading values out of a decoded JSON document while collecting every problem by path.

Used by `awards.services.loader`; each reader returns the value (or None) and records
"path: reason" for anything wrong, so a document's problems are all reported at once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

LIMIT = Decimal(1_000_000)


class Checker:
    """Collects problems by JSON path while reading values."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def bad(self, path: str, reason: str) -> None:
        self.problems.append(f"{path}: {reason}")

    def obj(self, value, path: str, required: tuple, optional: tuple = ()) -> dict | None:
        if not isinstance(value, dict):
            self.bad(path or "(document)", "must be an object")
            return None
        prefix = f"{path}." if path else ""
        for key in required:
            if key not in value:
                self.bad(f"{prefix}{key}", "is required")
        for key in value:
            if key not in required and key not in optional:
                self.bad(f"{prefix}{key}", "unknown key")
        return value

    def items(self, parent: dict, key: str, path: str) -> list:
        value = parent.get(key)
        if key in parent and not isinstance(value, list):
            self.bad(path, "must be a list")
        return value if isinstance(value, list) else []

    def text(self, parent: dict, key: str, path: str, *, max_len: int, pattern=None, empty=False):
        value = parent.get(key)
        if key not in parent:
            return None
        if not isinstance(value, str):
            self.bad(path, "must be a string")
            return None
        value = value.strip()
        if not value and not empty:
            self.bad(path, "must not be empty")
        elif len(value) > max_len:
            self.bad(path, f"must be at most {max_len} characters")
        elif pattern is not None and value and not pattern.match(value):
            self.bad(path, f"must match {pattern.pattern}")
        else:
            return value
        return None

    def bilingual(self, parent: dict, key: str, path: str, *, max_len: int, empty=False):
        value = self.obj(parent.get(key), path, ("nl", "en")) if key in parent else None
        if value is None:
            return None
        nl = self.text(value, "nl", f"{path}.nl", max_len=max_len, empty=empty)
        en = self.text(value, "en", f"{path}.en", max_len=max_len, empty=empty)
        return None if nl is None or en is None else (nl, en)

    def decimal(self, parent: dict, key: str, path: str, *, places: int, positive: bool):
        value = parent.get(key)
        if key not in parent:
            return None
        what = "a positive decimal" if positive else "a decimal"
        try:
            if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
                raise InvalidOperation
            number = Decimal(str(value).strip())
        except InvalidOperation:
            self.bad(path, f"must be {what}")
            return None
        if not number.is_finite() or abs(number) > LIMIT:
            self.bad(path, f"must be {what} no larger than {LIMIT}")
            return None
        if positive and number <= 0:
            self.bad(path, f"must be {what}")
            return None
        if number != number.quantize(Decimal(1).scaleb(-places)):
            self.bad(path, f"must have at most {places} decimal places")
            return None
        return number

    def integer(self, parent: dict, key: str, path: str, *, minimum: int, maximum: int = 1000):
        value = parent.get(key)
        if key not in parent:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
            self.bad(path, f"must be a whole number from {minimum} to {maximum}")
            return None
        return value

    def choice(self, parent: dict, key: str, path: str, options: tuple, default=None):
        if key not in parent:
            return default
        value = parent[key]
        if value not in options:
            self.bad(path, f"must be one of {', '.join(options)}")
            return None
        return value

    def unique(self, values: list[tuple[str, object]], what: str) -> None:
        seen: dict[object, str] = {}
        for path, value in values:
            if value is None:
                continue
            if value in seen:
                self.bad(path, f"duplicate {what} {value!s} (also at {seen[value]})")
            else:
                seen[value] = path


def read_moment(check: Checker, raw, path: str, zone: ZoneInfo | None) -> datetime | None:
    """An ISO 8601 string as aware UTC; naive times are wall-clock time in `zone`."""
    if not isinstance(raw, str):
        check.bad(path, "must be an ISO 8601 date-time string")
        return None
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        check.bad(path, "must be an ISO 8601 date-time string")
        return None
    if value.tzinfo is None:
        if zone is None:
            return None  # the time zone problem is reported already
        value = value.replace(tzinfo=zone)
    try:
        return value.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+14:00
        check.bad(path, "is outside the range of dates that can be stored")
        return None


def read_zone(check: Checker, name: str | None) -> ZoneInfo | None:
    """The time zone called `name` (reported at `timezone` when unknown)."""
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
        check.bad("timezone", "unknown time zone")
        return None
