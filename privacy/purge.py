"""Anonymising event registrations a while after their event (storage limitation, AVG art. 5).

A registration is needed to run the event, send its reminders and handle cancellations and
refunds; `PRIVACY_REGISTRATION_RETENTION_DAYS` (365 by default) after the event ended it is
anonymised the way an erasure does (`privacy.erasure.anonymise_registrations`: its answers to
the event's questions, such as dietary needs, are deleted). Its invoice
and credit note keep the data they were issued with (7 years, Dutch fiscal retention).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from core.audit.services import record
from core.extensions import db
from events.models import Event, Registration
from privacy.erasure import anonymise_registrations
from privacy.people import ERASED_DOMAIN

DEFAULT_RETENTION_DAYS = 365


@dataclass
class Purge:
    """One run of the purge: what it found (and, unless a dry run, anonymised)."""

    cutoff: datetime
    registrations: int = 0
    events: int = 0
    dry_run: bool = False
    id: None = None  # the audit log's object id: a run is no row


def _due(cutoff: datetime) -> sa.ColumnElement[bool]:
    ended = sa.select(Event.id).where(Event.ends_at < cutoff)
    return sa.and_(
        Registration.event_id.in_(ended),
        ~Registration.email.endswith("@" + ERASED_DOMAIN),
    )


def purge_registrations(*, now: datetime, retention_days: int, dry_run: bool = False) -> Purge:
    """Anonymise every registration whose event ended more than `retention_days` before
    `now` and that is not anonymised yet; with `dry_run` only count them. Idempotent: a second
    run finds nothing more. A real run records one "privacy.purged" entry with the counts.
    Raises ValueError for a negative `retention_days`. Flushes, never commits."""
    if retention_days < 0:
        raise ValueError("retention_days must not be negative")
    run = Purge(cutoff=now - timedelta(days=retention_days), dry_run=dry_run)
    condition = _due(run.cutoff)
    run.registrations, run.events = db.session.execute(
        sa.select(
            sa.func.count(Registration.id), sa.func.count(sa.distinct(Registration.event_id))
        ).where(condition)
    ).one()
    if dry_run:
        return run
    run.registrations = anonymise_registrations(condition, now=now)
    record(
        "privacy.purged",
        run,
        now=now,
        registrations=run.registrations,
        events=run.events,
        retention_days=retention_days,
        cutoff=run.cutoff.isoformat(),
    )
    return run
