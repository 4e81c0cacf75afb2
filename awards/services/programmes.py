"""The admin's programme set-up: programmes with their timeline, and their categories.

Every function takes the acting admin and `now`, checks the rules, flushes and writes an audit
row; it raises NotAllowed for a non-admin and InvalidInput (field -> message) for refused
values. Criteria are in `awards.services.criteria`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from awards.models import Category, Criterion, Entry, Programme
from awards.scoring import METHODS
from awards.timeline import Timeline
from core.audit.services import record
from core.errors import DomainError, InvalidInput, NotAllowed
from core.extensions import db

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
RESERVED_SLUGS = frozenset({"mine", "new"})  # /awards/mine, /admin/programmes/new
DEFAULT_CRITERIA = (
    ("impact", "Impact", "Impact"),
    ("innovation", "Innovatie", "Innovation"),
    ("scalability", "Schaalbaarheid", "Scalability"),
    ("customer_focus", "Klantgerichtheid", "Customer focus"),
)
TIMELINE_FIELDS = (
    "submissions_open_at",
    "submissions_close_at",
    "scoring_open_at",
    "scoring_close_at",
    "publish_at",
)
TIMELINE_PROBLEMS = {  # Timeline.problems() code -> (field, message)
    "submissions_order": ("submissions_close_at", _l("Submissions must close after they open.")),
    "scoring_before_close": (
        "scoring_open_at",
        _l("Scoring cannot open before submissions close."),
    ),
    "scoring_order": ("scoring_close_at", _l("Scoring must close after it opens.")),
    "publish_before_scoring_close": (
        "publish_at",
        _l("Results cannot be published before scoring closes."),
    ),
}

_Row = TypeVar("_Row")


class ConcurrentChange(DomainError):
    """A unique slug or key was taken by a concurrent request between the check and the write."""

    code = "concurrent_change"
    status = 409
    message = _l("Someone else changed this at the same time. Check the values and save again.")


def write_fields(row: _Row | None, data, create: Callable[[], _Row]) -> _Row:
    """Copy the dataclass `data` onto `row` (text stripped), or onto a new row from `create`
    added to the session, and flush, all in `unique_writes`. Returns the row; raises
    ConcurrentChange as that does."""
    with unique_writes():
        if row is None:
            row = create()
            db.session.add(row)
        for name, value in asdict(data).items():
            setattr(row, name, value.strip() if isinstance(value, str) else value)
        db.session.flush()
    return row


@contextmanager
def unique_writes() -> Iterator[None]:
    """Run the block's writes in a savepoint: when a flush in it breaks a unique constraint
    (a concurrent request took the slug or key), they are undone and ConcurrentChange is
    raised; the rest of the transaction stays."""
    try:
        with db.session.begin_nested():
            yield
    except IntegrityError as error:
        raise ConcurrentChange() from error


@dataclass(frozen=True)
class ProgrammeData:
    slug: str
    name: str
    submissions_open_at: datetime | None
    submissions_close_at: datetime | None
    scoring_open_at: datetime | None
    scoring_close_at: datetime | None
    publish_at: datetime | None
    quorum: int
    trim: int
    method: str
    jury_terms_nl: str = ""
    jury_terms_en: str = ""
    timezone: str | None = None  # None: keep (a new programme gets Europe/Amsterdam)


@dataclass(frozen=True)
class CategoryData:
    slug: str
    name_nl: str
    name_en: str
    description_nl: str = ""
    description_en: str = ""
    shortlist_size: int = 3
    position: int = 0


def save_programme(
    data: ProgrammeData,
    *,
    actor,
    now: datetime,
    programme: Programme | None = None,
    default_criteria: bool = True,
    audit: bool = True,
) -> Programme:
    """Create a programme (with the four default criteria unless `default_criteria` is
    False) or update `programme`. Audits `programme.created`/`programme.updated` (unless
    `audit` is False: the loader writes one summary entry) and, always, setting or moving
    the embargo as `results.publication_scheduled`.

    Raises NotAllowed, InvalidInput (bad or taken slug, incoherent timeline, quorum < 1,
    trim < 0, unknown method), ConcurrentChange (the slug was taken meanwhile).
    """
    require_admin(actor)
    errors = {}
    if not SLUG.match(data.slug) or len(data.slug) > 80 or data.slug in RESERVED_SLUGS:
        errors["slug"] = _l("Use lowercase letters, digits and dashes (for example cda-2025).")
    elif taken(Programme, Programme.slug == data.slug, programme):
        errors["slug"] = _l("Another programme already uses this slug.")
    if not data.name.strip():
        errors["name"] = _l("This field is required.")
    missing = [name for name in TIMELINE_FIELDS if getattr(data, name) is None]
    errors.update({name: _l("This field is required.") for name in missing})
    if not missing:
        timeline = Timeline(*(getattr(data, name) for name in TIMELINE_FIELDS))
        for code in timeline.problems():
            field, message = TIMELINE_PROBLEMS[code]
            errors.setdefault(field, message)
    if data.quorum is None or data.quorum < 1:
        errors["quorum"] = _l("The quorum must be at least 1.")
    if data.trim is None or data.trim < 0:
        errors["trim"] = _l("Trim cannot be negative.")
    if data.method not in METHODS:
        errors["method"] = _l("Choose one of the aggregation methods.")
    if errors:
        raise InvalidInput(errors, code="invalid_programme")
    values = asdict(data)
    values["name"] = data.name.strip()
    if data.timezone is None:
        del values["timezone"]
    action = "programme.updated" if programme else "programme.created"
    with unique_writes():
        if programme is None:
            programme = Programme(created_at=now, timezone="Europe/Amsterdam")
            if default_criteria:
                programme.criteria = [
                    Criterion(
                        key=key,
                        name_nl=nl,
                        name_en=en,
                        position=i,
                        weight=Decimal(1),
                        min_score=Decimal(1),
                        max_score=Decimal(10),
                        step=Decimal(1),
                    )
                    for i, (key, nl, en) in enumerate(DEFAULT_CRITERIA, start=1)
                ]
            db.session.add(programme)
        previous_publish_at = programme.publish_at
        for name, value in values.items():
            setattr(programme, name, value)
        db.session.flush()
    if audit:
        record(action, programme, now=now, actor=actor, scope=programme, slug=data.slug)
    if previous_publish_at != programme.publish_at:
        record_publication(programme, previous_publish_at, actor=actor, now=now)
    return programme


def record_publication(
    programme: Programme, previous: datetime | None, *, actor, now: datetime
) -> None:
    """Audit setting or moving the embargo (`previous`: the moment before, None for a new
    programme) as `results.publication_scheduled`."""
    record(
        "results.publication_scheduled",
        programme,
        now=now,
        actor=actor,
        scope=programme,
        publish_at=programme.publish_at.isoformat(),
        previous=previous.isoformat() if previous else None,
    )


def save_category(
    programme: Programme,
    data: CategoryData,
    *,
    actor,
    now: datetime,
    category: Category | None = None,
    audit: bool = True,
) -> Category:
    """Create a category in `programme` or update `category`; audited unless `audit` is False.

    Raises NotAllowed, InvalidInput (bad or taken slug, missing names, shortlist size < 1),
    ConcurrentChange (the slug was taken meanwhile).
    """
    require_admin(actor)
    errors = {}
    if not SLUG.match(data.slug) or len(data.slug) > 80:
        errors["slug"] = _l("Use lowercase letters, digits and dashes.")
    elif taken(
        Category, (Category.programme_id == programme.id) & (Category.slug == data.slug), category
    ):
        errors["slug"] = _l("Another category in this programme already uses this slug.")
    for name in ("name_nl", "name_en"):
        if not getattr(data, name).strip():
            errors[name] = _l("This field is required.")
    if data.shortlist_size is None or data.shortlist_size < 1:
        errors["shortlist_size"] = _l("The shortlist needs at least 1 place.")
    if errors:
        raise InvalidInput(errors, code="invalid_category")
    action = "category.updated" if category else "category.created"
    category = write_fields(category, data, lambda: Category(programme=programme))
    if audit:
        record(action, category, now=now, actor=actor, scope=programme, slug=data.slug)
    return category


def delete_category(category: Category, *, actor, now: datetime) -> None:
    """Delete a category that has no entries. Raises NotAllowed, DomainError("category_in_use")."""
    require_admin(actor)
    used = db.session.scalar(sa.select(sa.func.count()).where(Entry.category_id == category.id))
    if used:
        raise DomainError(
            _l("This category has entries and cannot be deleted."), code="category_in_use"
        )
    record(
        "category.deleted",
        category,
        now=now,
        actor=actor,
        scope=category.programme,
        slug=category.slug,
    )
    db.session.delete(category)
    db.session.flush()


def entry_counts(programme: Programme) -> dict[int, dict[str, int]]:
    """category id -> status -> number of entries, in one query."""
    counts: dict[int, dict[str, int]] = {}
    rows = db.session.execute(
        sa.select(Entry.category_id, Entry.status, sa.func.count())
        .where(Entry.programme_id == programme.id)
        .group_by(Entry.category_id, Entry.status)
    )
    for category_id, status, n in rows:
        counts.setdefault(category_id, {})[status] = n
    return counts


def taken(model, condition, current) -> bool:
    """True when another row than `current` matches `condition`."""
    query = sa.select(model.id).where(condition)
    if current is not None:
        query = query.where(model.id != current.id)
    return db.session.scalar(query.limit(1)) is not None


def require_admin(actor) -> None:
    """Raises NotAllowed unless `actor` is an admin or None (a command-line operator: the
    loader and the demo; a request always has a user, anonymous or not)."""
    if actor is not None and not getattr(actor, "is_admin", False):
        raise NotAllowed()
