"""An append-only log of the decisions that matter.

Each entry names its object (`object_type`, `object_id`) and, optionally, the scope it
belongs to (`scope_type`, `scope_id`, and the scope's name when it was recorded), such as
the programme of a scorecard. Core knows no domain: the types are the models' class names.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UTCDateTime
from core.extensions import Model


class AuditEntry(Model):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[int | None]
    scope_type: Mapped[str | None] = mapped_column(sa.String(40))
    scope_id: Mapped[int | None]
    scope_label: Mapped[str | None] = mapped_column(sa.String(200))
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    actor = sa.orm.relationship("User", lazy="joined")

    __table_args__ = (sa.Index("ix_audit_entries_scope", "scope_type", "scope_id"),)

    @property
    def scope_key(self) -> str | None:
        """ "Programme:3": the scope as one value (the audit page's filter), or None."""
        return f"{self.scope_type}:{self.scope_id}" if self.scope_type else None
