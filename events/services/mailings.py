"""Mail jobs: sending a registration's link again on request, and reminders before the start."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa

from core.extensions import db
from core.locking import write_transaction
from events.models import Event, Registration
from events.payments import RegState
from events.services import notices
from events.services.errors import TooSoon
from events.services.input import clean_email
from events.services.registrations import active_registration, link_mailed_recently, send_link

REMINDER_WINDOW = timedelta(hours=24)


def resend_link(event: Event, email: str, *, now: datetime) -> Registration | None:
    """Send the link of the address's active registration for `event` again.

    Still unverified: a fresh `event_verify` link (valid 48 h from now); otherwise the
    `event_manage_link` mail. Nothing is sent (None) when there is no active registration;
    the caller answers the same either way, so the page does not reveal who registered.
    Raises InvalidInput for a bad address and TooSoon when a link went to the address less
    than a minute ago.
    """
    email = clean_email(email)
    registration = active_registration(event.id, email)
    if registration is None:
        return None
    if link_mailed_recently(email, now=now):
        raise TooSoon()
    send_link(registration, now=now)
    return registration


def send_reminders(now: datetime) -> int:
    """Queue `event_reminder` for confirmed registrations of published events starting within
    the next 24 hours, once per registration. Returns how many were queued.

    Each registration is claimed with ``UPDATE ... SET reminder_sent_at = now WHERE id = :id
    AND state = 'confirmed' AND reminder_sent_at IS NULL``; only when that changed one row is the mail queued, in the
    same transaction. Two hosts running this at once therefore never both send: on
    PostgreSQL the second UPDATE waits for the first transaction and then matches nothing;
    on SQLite the job starts with the write lock (`write_transaction`).
    """
    write_transaction()
    candidates = db.session.scalars(
        sa.select(Registration)
        .join(Event, Event.id == Registration.event_id)
        .where(
            Registration.state == RegState.CONFIRMED.value,
            Registration.reminder_sent_at.is_(None),
            Event.published.is_(True),
            Event.starts_at > now,
            Event.starts_at <= now + REMINDER_WINDOW,
        )
        .order_by(Registration.id)
    ).all()
    sent = 0
    for registration in candidates:
        claimed = cast(
            "sa.CursorResult[Any]",
            db.session.execute(
                sa.update(Registration)
                .where(
                    Registration.id == registration.id,
                    Registration.state == RegState.CONFIRMED.value,
                    Registration.reminder_sent_at.is_(None),
                )
                .values(reminder_sent_at=now)
                .execution_options(synchronize_session=False)
            ),
        )
        if claimed.rowcount != 1:
            continue
        notices.send_reminder(registration, now=now)
        sent += 1
    return sent
