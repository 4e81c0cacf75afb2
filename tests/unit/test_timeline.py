"""The programme timeline's phases (pure: no app)."""

from datetime import UTC, datetime, timedelta

import pytest

from awards.timeline import Timeline

T = Timeline(
    datetime(2025, 2, 1, tzinfo=UTC),
    datetime(2025, 4, 1, tzinfo=UTC),
    datetime(2025, 4, 10, tzinfo=UTC),
    datetime(2025, 5, 1, tzinfo=UTC),
    datetime(2025, 6, 1, tzinfo=UTC),
)
SECOND = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("at", "phase"),
    [
        (T.submissions_open_at - SECOND, "upcoming"),
        (T.submissions_open_at, "submissions"),
        (T.submissions_close_at - SECOND, "submissions"),
        (T.submissions_close_at, "screening"),
        (T.scoring_open_at, "scoring"),
        (T.scoring_close_at - SECOND, "scoring"),
        (T.scoring_close_at, "deliberation"),
        (T.publish_at - SECOND, "deliberation"),
        (T.publish_at, "published"),
    ],
)
def test_phase_at_each_boundary(at, phase):
    assert T.phase(at) == phase
    assert T.submissions_open(at) == (phase == "submissions")
    assert T.scoring_open(at) == (phase == "scoring")
    assert T.published(at) == (phase == "published")
    assert T.scoring_closed(at) == (phase in ("deliberation", "published"))
