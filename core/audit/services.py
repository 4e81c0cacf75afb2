"""Writing to the audit log."""

from __future__ import annotations

from datetime import datetime

from core.audit.models import AuditEntry
from core.extensions import db


def record(
    action: str,
    obj,
    *,
    now: datetime,
    actor=None,
    programme_id: int | None = None,
    **data,
) -> AuditEntry:
    """Append one entry for `action` on `obj` (a model instance, flushed so it has an id).

    `data` must be JSON-serialisable; it is stored as given. Flushes, never commits.
    """
    entry = AuditEntry(
        at=now,
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=type(obj).__name__,
        object_id=getattr(obj, "id", None),
        programme_id=programme_id,
        data=data,
    )
    db.session.add(entry)
    db.session.flush()
    return entry
