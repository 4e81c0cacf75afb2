"""Writing to the audit log."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from core.audit.models import AuditEntry
from core.extensions import db


def record(
    action: str,
    obj,
    *,
    now: datetime,
    actor=None,
    scope=None,
    **data,
) -> AuditEntry:
    """Append one entry for `action` on `obj` (a model instance, flushed so it has an id).

    `scope` is the model instance the entry belongs to (a programme, an event: anything with
    an `id`, named by its `name` or `title` text or its `str()`); the audit page filters by it
    and shows that name as it was. `data` must be JSON-serialisable; it is stored as given. Flushes, never commits.
    """
    entry = _entry(action, obj, now=now, actor=actor, scope=scope, data=data)
    db.session.add(entry)
    db.session.flush()
    return entry


def record_all(
    action: str, items: Iterable[tuple[object, object, dict]], *, now: datetime, actor=None
) -> list[AuditEntry]:
    """`record` for many objects at once: one entry for `action` per (obj, scope, data) of
    `items`, written in one flush (a bulk INSERT) instead of one each."""
    entries = [
        _entry(action, obj, now=now, actor=actor, scope=scope, data=data)
        for obj, scope, data in items
    ]
    db.session.add_all(entries)
    db.session.flush()
    return entries


def _entry(action: str, obj, *, now: datetime, actor, scope, data: dict) -> AuditEntry:
    return AuditEntry(
        at=now,
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=type(obj).__name__,
        object_id=getattr(obj, "id", None),
        scope_type=type(scope).__name__ if scope is not None else None,
        scope_id=getattr(scope, "id", None),
        scope_label=_label(scope),
        data=data,
    )


def _label(scope) -> str | None:
    if scope is None:
        return None
    for attribute in ("name", "title"):
        label = getattr(scope, attribute, None)
        if label and isinstance(label, str):
            return label[:200]
    if type(scope).__str__ is not object.__str__:
        return str(scope)[:200]
    return None
