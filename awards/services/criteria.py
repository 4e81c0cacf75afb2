"""A programme's criteria: key, names, rubrics, weight and scale.

Once any scorecard exists in a programme its scoring scheme is locked: criteria cannot be
added or deleted and their key, weight and scale cannot change (names and rubrics can).
Functions take the acting admin and `now`, flush, audit, and raise NotAllowed, InvalidInput
(field -> message) or CriteriaLocked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from awards.models import Criterion, Entry, Programme, Scorecard
from awards.services.programmes import require_admin, taken, write_fields
from awards.services.rounds import rounds_of
from core.audit.services import record
from core.errors import DomainError, InvalidInput
from core.extensions import db

KEY = re.compile(r"^[a-z0-9_]+$")
SCALE_FIELDS = ("key", "weight", "min_score", "max_score", "step", "round_no")
LIMIT = Decimal(1_000_000)


class CriteriaLocked(DomainError):
    code = "criteria_locked"
    status = 409
    message = _l(
        "Scoring has started in this programme: criteria can no longer be added or deleted, "
        "and their key, weight and scale can no longer change. Names and rubrics still can."
    )


@dataclass(frozen=True)
class CriterionData:
    key: str
    name_nl: str
    name_en: str
    rubric_nl: str = ""
    rubric_en: str = ""
    weight: Decimal = Decimal(1)
    min_score: Decimal = Decimal(1)
    max_score: Decimal = Decimal(10)
    step: Decimal = Decimal(1)
    position: int = 0
    round_no: int | None = None  # asked only in this round (`awards.services.rounds`)


def scoring_started(programme: Programme) -> bool:
    """True once any scorecard (draft or submitted) exists for an entry of `programme`."""
    return bool(
        db.session.scalar(
            sa.select(
                sa.exists().where(
                    Scorecard.entry_id == Entry.id, Entry.programme_id == programme.id
                )
            )
        )
    )


def save_criterion(
    programme: Programme,
    data: CriterionData,
    *,
    actor,
    now: datetime,
    criterion: Criterion | None = None,
    audit: bool = True,
    rescale: bool = False,
) -> Criterion:
    """Create a criterion in `programme` or update `criterion`; audited unless `audit` is
    False. With `rescale` (the loader, which has checked that every stored score fits the
    new scale) the key, weight and scale may change after scoring started.

    Raises NotAllowed, InvalidInput (bad or taken key, missing names, weight not > 0 or with
    more than 3 decimals, min >= max, step <= 0, a scale that is not a whole number of steps),
    CriteriaLocked (scoring started and the key, weight or scale would change, or a new one),
    ConcurrentChange (the key was taken meanwhile).
    """
    require_admin(actor)
    errors = {}
    if not KEY.match(data.key) or len(data.key) > 40:
        errors["key"] = _l("Use lowercase letters, digits and underscores.")
    elif taken(
        Criterion, (Criterion.programme_id == programme.id) & (Criterion.key == data.key), criterion
    ):
        errors["key"] = _l("Another criterion in this programme already uses this key.")
    for name in ("name_nl", "name_en"):
        if not getattr(data, name).strip():
            errors[name] = _l("This field is required.")
    errors.update(_scale_errors(data))
    if data.round_no is not None and data.round_no not in {
        r.position for r in rounds_of(programme)
    }:
        errors["round_no"] = _l("The programme has no such round.")
    if errors:
        raise InvalidInput(errors, code="invalid_criterion")
    if (
        not rescale
        and scoring_started(programme)
        and (
            criterion is None
            or any(getattr(criterion, name) != getattr(data, name) for name in SCALE_FIELDS)
        )
    ):
        raise CriteriaLocked()
    action = "criterion.updated" if criterion else "criterion.created"
    criterion = write_fields(criterion, data, lambda: Criterion(programme=programme))
    if not audit:
        return criterion
    record(
        action,
        criterion,
        now=now,
        actor=actor,
        scope=programme,
        key=data.key,
        weight=str(data.weight),
        scale=[str(data.min_score), str(data.max_score), str(data.step)],
    )
    return criterion


def delete_criterion(criterion: Criterion, *, actor, now: datetime) -> None:
    """Delete a criterion before scoring starts. Raises NotAllowed, CriteriaLocked."""
    require_admin(actor)
    if scoring_started(criterion.programme):
        raise CriteriaLocked()
    record(
        "criterion.deleted",
        criterion,
        now=now,
        actor=actor,
        scope=criterion.programme,
        key=criterion.key,
    )
    db.session.delete(criterion)
    db.session.flush()


def _scale_errors(data: CriterionData) -> dict:
    errors = {}
    numbers = {}
    for name, places in (("weight", 3), ("min_score", 2), ("max_score", 2), ("step", 2)):
        value = getattr(data, name)
        if value is None or not value.is_finite() or abs(value) >= LIMIT:
            errors[name] = _l("Enter a number.")
        elif value != value.quantize(Decimal(1).scaleb(-places)):
            errors[name] = _l("At most %(n)s decimals.", n=places)
        else:
            numbers[name] = value
    if "weight" in numbers and numbers["weight"] <= 0:
        errors["weight"] = _l("The weight must be greater than 0.")
    if "step" in numbers and numbers["step"] <= 0:
        errors["step"] = _l("The step must be greater than 0.")
    if "min_score" in numbers and "max_score" in numbers:
        low, high = numbers["min_score"], numbers["max_score"]
        if low >= high:
            errors["max_score"] = _l("The maximum must be greater than the minimum.")
        elif "step" not in errors and "step" in numbers and (high - low) % numbers["step"]:
            errors["step"] = _l(
                "The scale from minimum to maximum must be a whole number of steps."
            )
    return errors
