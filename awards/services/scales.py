"""Criterion scales: the values a juror may choose (min..max by step) and reading a typed score.

Validation is `awards.scoring.validate_score`; this module only turns its verdict into a
message the juror understands.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from awards import scoring
from awards.models import Criterion

MAX_GRID = 1000


def show_value(value: Decimal) -> str:
    """A score as typed and shown: 7, 7.5 (no trailing zeros, never exponent notation)."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def grid(criterion: Criterion) -> list[str]:
    """The allowed values of a criterion, min..max by step (at most MAX_GRID), as shown."""
    values: list[str] = []
    value = criterion.min_score
    while value <= criterion.max_score and len(values) < MAX_GRID:
        values.append(show_value(value))
        value += criterion.step
    return values


def _scale(criterion: Criterion) -> scoring.Criterion:
    return scoring.Criterion(
        key=criterion.key,
        weight=criterion.weight,
        min=criterion.min_score,
        max=criterion.max_score,
        step=criterion.step,
    )


def parse_score(criterion: Criterion, raw) -> Decimal | None:
    """A submitted value as a Decimal on the criterion's scale, None when left empty.

    Raises ValueError with a user-facing message: not a number, outside the scale, off the grid.
    """
    text = str(raw if raw is not None else "").strip().replace(",", ".")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise ValueError(_l("Enter a number."))
    try:
        scoring.validate_score(_scale(criterion), value)
    except scoring.ScoringError as exc:
        lo, hi = show_value(criterion.min_score), show_value(criterion.max_score)
        if exc.code == "out_of_scale" and criterion.min_score <= value <= criterion.max_score:
            raise ValueError(
                _l(
                    "Use steps of %(step)s from %(min)s.",
                    step=show_value(criterion.step),
                    min=lo,
                )
            ) from exc
        raise ValueError(_l("Choose a score from %(min)s to %(max)s.", min=lo, max=hi)) from exc
    return value
