"""Telling the winners and nominees at the announcement moment, once.

`announce(now)` is a scheduled job (`flask awards announce`, every few minutes, on any number
of hosts): for every ratified category whose programme's `publish_at` has passed and whose
people have not been told yet, it queues `entry_won` for the entrant of the winning entry and
`entry_nominated` for the entrant of every other nominee, each in the recipient's language,
and records `results.announced`. Who won and who was nominated is
`ratification.published_results`, the winners page's own function, so a mail never says
anything the page does not, and nothing is read or queued before the moment.

Once per category: the run claims the ratification with ``UPDATE ... SET announced_at = now
WHERE id = :id AND announced_at IS NULL`` and queues its mails only when that changed one
row, in the same transaction. A second run, or a second host running at once, queues
nothing more (on PostgreSQL the second UPDATE waits for the first transaction, then matches
no row; on SQLite the job starts with the write lock, `write_transaction`).

Why at the moment and not at ratification (with a later due time in the outbox): the
ratified result is frozen, but `publish_at` is not: an admin may move the announcement
after the chair ratified, and mail queued for the old moment would go out before the new one.
Reading the result when the moment has come tells the final result, at the final moment.
Entries without an entrant (loaded from a file, or the entrant's account erased) get no mail.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa

from awards.models import Category, Programme, Ratification
from awards.services.ratification import PublishedCategory, published_results
from core.audit.services import record
from core.extensions import db
from core.locking import write_transaction
from core.outbox.services import queue_mail


def announce(now: datetime) -> int:
    """Queue the winner's and nominees' e-mails of every category published by `now` and not
    yet announced; returns how many e-mails were queued. Flushes; the caller commits."""
    write_transaction()
    programmes = db.session.scalars(
        sa.select(Programme)
        .where(
            Programme.publish_at <= now,
            sa.exists().where(
                Category.programme_id == Programme.id,
                Ratification.category_id == Category.id,
                Ratification.announced_at.is_(None),
            ),
        )
        .order_by(Programme.publish_at, Programme.id)
    ).all()
    queued = 0
    for programme in programmes:
        for published in published_results(programme, now) or ():
            if _claim(published.ratification, now):
                queued += _tell(programme, published, now=now)
    return queued


def _claim(ratification: Ratification, now: datetime) -> bool:
    """True when this run marked the category announced (it was not yet)."""
    result = cast(
        "sa.CursorResult[Any]",
        db.session.execute(
            sa.update(Ratification)
            .where(Ratification.id == ratification.id, Ratification.announced_at.is_(None))
            .values(announced_at=now)
            .execution_options(synchronize_session=False)
        ),
    )
    if result.rowcount != 1:
        return False
    db.session.expire(ratification, ["announced_at"])
    return True


def _tell(programme: Programme, published: PublishedCategory, *, now: datetime) -> int:
    """Queue the category's e-mails and record the announcement; how many were queued."""
    told = [(published.winner, "entry_won")]
    told += [(entry, "entry_nominated") for entry in published.nominees]
    queued = 0
    for entry, template in told:
        owner = entry.owner
        if owner is None:
            continue
        queue_mail(
            owner.email,
            template,
            now=now,
            locale=owner.locale,
            owner=owner,
            entry=entry,
            programme=programme,
            category=published.category,
            ratification=published.ratification,
            winner=published.winner,
        )
        queued += 1
    record(
        "results.announced",
        published.ratification,
        now=now,
        scope=programme,
        category=published.category.slug,
        winner=published.winner.ref,
        nominees=[entry.ref for entry in published.nominees],
        mails=queued,
    )
    return queued
