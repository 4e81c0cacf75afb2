"""The programme timeline as pure rules: which phase is open at `now` (`Timeline.phase`, the
one rule the home page, the programme pages and the services all use).

Pure: takes the programme's times (aware UTC) and `now`; no Flask or SQLAlchemy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class PhaseClosed(ValueError):
    """The phase an action needs is not open at `now`. `.code` says which."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class HasTimeline(Protocol):
    """Anything with the five timeline attributes (a Programme row, for one)."""

    submissions_open_at: datetime
    submissions_close_at: datetime
    scoring_open_at: datetime
    scoring_close_at: datetime
    publish_at: datetime


@dataclass(frozen=True)
class Timeline:
    submissions_open_at: datetime
    submissions_close_at: datetime
    scoring_open_at: datetime
    scoring_close_at: datetime
    publish_at: datetime

    @classmethod
    def of(cls, programme: HasTimeline) -> Timeline:
        return cls(
            programme.submissions_open_at,
            programme.submissions_close_at,
            programme.scoring_open_at,
            programme.scoring_close_at,
            programme.publish_at,
        )

    def problems(self) -> list[str]:
        """Codes of ordering mistakes: each step must start after the one before it."""
        found = []
        if not self.submissions_open_at < self.submissions_close_at:
            found.append("submissions_order")
        if not self.submissions_close_at <= self.scoring_open_at:
            found.append("scoring_before_close")
        if not self.scoring_open_at < self.scoring_close_at:
            found.append("scoring_order")
        if not self.scoring_close_at <= self.publish_at:
            found.append("publish_before_scoring_close")
        return found

    def submissions_open(self, now: datetime) -> bool:
        return self.phase(now) == "submissions"

    def scoring_open(self, now: datetime) -> bool:
        return self.phase(now) == "scoring"

    def scoring_closed(self, now: datetime) -> bool:
        """True from the end of scoring on (deliberation and after)."""
        return self.phase(now) in ("deliberation", "published")

    def published(self, now: datetime) -> bool:
        return self.phase(now) == "published"

    def require_submissions_open(self, now: datetime) -> None:
        if not self.submissions_open(now):
            raise PhaseClosed("submissions_closed")

    def require_scoring_open(self, now: datetime) -> None:
        if not self.scoring_open(now):
            raise PhaseClosed("scoring_closed")

    def phase(self, now: datetime) -> str:
        """One of: upcoming, submissions, screening, scoring, deliberation, published."""
        if now < self.submissions_open_at:
            return "upcoming"
        if now < self.submissions_close_at:
            return "submissions"
        if now < self.scoring_open_at:
            return "screening"
        if now < self.scoring_close_at:
            return "scoring"
        if now < self.publish_at:
            return "deliberation"
        return "published"
