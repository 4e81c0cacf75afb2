"""Delivering the outbox: claim due messages, send them over SMTP (or log them), record the result.

Nothing is lost: a message leaves "queued" only as "sent", "logged" or, after MAX_ATTEMPTS
failed attempts, "failed" (an admin can retry it), or at once "failed" when an attached
document's object is gone (DocumentGone, core/outbox/documents.py). Delivery is at-least-once: a worker that
dies between sending and committing leaves the message claimed; after LOCK_FOR it is due again.

Every status change goes through `_transition` and the TRANSITIONS table.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, scoped_session

from core.audit.services import record
from core.errors import DomainError
from core.extensions import db
from core.locking import write_transaction
from core.outbox.documents import DocumentGone
from core.outbox.models import MailMessage
from core.outbox.transport import ConnectionFailed, SMTPTransport, build_message

log = logging.getLogger("podium.mail")

BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
MAX_ATTEMPTS = 6
LOCK_FOR = timedelta(minutes=5)

# event: (statuses it may happen in, status afterwards)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "deliver": (frozenset({"queued"}), "sent"),
    "log": (frozenset({"queued"}), "logged"),
    "defer": (frozenset({"queued"}), "queued"),
    "give_up": (frozenset({"queued"}), "failed"),
    "retry": (frozenset({"failed", "logged"}), "queued"),
}


class NotRetryable(DomainError):
    code = "not_retryable"
    message = _l("Only failed or logged messages can be sent again.")


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    logged: int = 0

    def summary(self) -> str:
        return f"Outbox: {self.sent} sent, {self.failed} failed, {self.logged} logged."


def _transition(message: MailMessage, event: str) -> None:
    allowed, target = TRANSITIONS[event]
    if message.status not in allowed:
        raise NotRetryable() if event == "retry" else ValueError(f"{event} from {message.status}")
    message.status = target


def _due(now: datetime):
    return sa.and_(
        MailMessage.status == "queued",
        MailMessage.next_attempt_at <= now,
        sa.or_(MailMessage.locked_until.is_(None), MailMessage.locked_until < now),
    )


def claim_due(
    *, now: datetime, limit: int = 100, session: Session | scoped_session | None = None
) -> list[int]:
    """Lock up to `limit` due messages for this worker (locked_until = now + LOCK_FOR); their ids.

    Due: status "queued", next_attempt_at <= now, not locked by a live claim. On PostgreSQL
    the rows are picked with SELECT ... FOR UPDATE SKIP LOCKED, so concurrent workers pass each
    other's rows by; on SQLite the transaction takes the write lock first (BEGIN IMMEDIATE,
    core/locking.py), so workers queue, and each row is still taken by a conditional UPDATE
    that counts only when it changed a row. Does not commit: the caller does, at once.
    """
    session = session if session is not None else db.session
    until = now + LOCK_FOR
    pick = (
        sa.select(MailMessage.id)
        .where(_due(now))
        .order_by(MailMessage.next_attempt_at, MailMessage.id)
        .limit(limit)
    )
    lock = (
        sa.update(MailMessage)
        .values(locked_until=until)
        .execution_options(synchronize_session=False)
    )
    if session.get_bind().dialect.name == "postgresql":
        ids = list(session.scalars(pick.with_for_update(skip_locked=True)))
        if ids:
            session.execute(lock.where(MailMessage.id.in_(ids)))
        return ids
    if session is db.session:
        # take SQLite's write lock before reading, so a concurrent worker queues behind us
        # instead of failing with "database is locked" when both read, then write
        write_transaction()
    claimed = []
    for message_id in session.scalars(pick).all():
        # an UPDATE's result is a CursorResult, which has the row count
        result = cast(
            sa.CursorResult, session.execute(lock.where(MailMessage.id == message_id, _due(now)))
        )
        if result.rowcount == 1:
            claimed.append(message_id)
    return claimed


def _record_failure(message: MailMessage, error: str, now: datetime) -> None:
    message.attempts += 1
    message.last_error = error[:2000]
    message.locked_until = None
    if message.attempts >= MAX_ATTEMPTS:
        _transition(message, "give_up")
    else:
        _transition(message, "defer")
        message.next_attempt_at = now + BACKOFF[min(message.attempts, len(BACKOFF)) - 1]


def _record_gone(message: MailMessage, reason: str) -> None:
    """An attached document no longer exists: no retry can help, so the message is "failed"
    at once with the reason (an admin can still retry it once the cause is fixed)."""
    message.attempts += 1
    message.last_error = f"DocumentGone: {reason}"[:2000]
    message.locked_until = None
    _transition(message, "give_up")


def _record_sent(message: MailMessage, now: datetime) -> None:
    _transition(message, "deliver")
    message.attempts += 1
    message.sent_at = now
    message.locked_until = None
    message.last_error = None


def _log_message(message: MailMessage, mail_from: str) -> None:
    names = ", ".join(a.get("filename", "?") for a in message.attachments or []) or "-"
    log.info(
        "Mail logged, not sent (SMTP_HOST is not set)\nFrom: %s\nTo: %s\nSubject: %s\n"
        "Attachments: %s\n\n%s",
        mail_from,
        message.to_addr,
        message.subject,
        names,
        message.body_text,
    )
    _transition(message, "log")
    message.locked_until = None


def _send_one(transport: SMTPTransport, message: MailMessage, mail_from: str, now: datetime):
    """None when the server accepted the message, else the error text.

    Raises ConnectionFailed when the server cannot be reached at all, DocumentGone when an
    attached document's object no longer exists.
    """
    try:
        mime = build_message(message, mail_from=mail_from, now=now)
    except DocumentGone:
        raise
    except (ValueError, KeyError) as exc:
        return f"{type(exc).__name__}: {exc}"
    try:
        transport.send(mime)
    except (OSError, ValueError, KeyError) as exc:  # smtplib's errors are OSErrors
        return f"{type(exc).__name__}: {exc}"
    return None


def deliver_due(*, now: datetime, limit: int = 100) -> DeliveryReport:
    """Claim due messages (commit), then send each over SMTP and commit its result.

    Without SMTP_HOST each message is written to the "podium.mail" log and marked "logged".
    A failure (server unreachable, message refused) counts an attempt, stores the error and
    schedules the next attempt after BACKOFF; the MAX_ATTEMPTS-th failure marks it "failed".
    When the server cannot be reached, the rest of the batch is deferred without new tries.
    """
    report = DeliveryReport()
    ids = claim_due(now=now, limit=limit)
    db.session.commit()
    if not ids:
        return report
    config = current_app.config
    messages = db.session.scalars(
        sa.select(MailMessage)
        .where(MailMessage.id.in_(ids))
        .order_by(MailMessage.next_attempt_at, MailMessage.id)
    ).all()
    if not config.get("SMTP_HOST"):
        for message in messages:
            _log_message(message, config["MAIL_FROM"])
            db.session.commit()
            report.logged += 1
        return report
    transport = SMTPTransport(config)
    unreachable: str | None = None
    try:
        for message in messages:
            error = unreachable
            if error is None:
                try:
                    error = _send_one(transport, message, config["MAIL_FROM"], now)
                except ConnectionFailed as exc:
                    error = unreachable = str(exc)
                except DocumentGone as exc:
                    db.session.rollback()  # whatever a renderer half-stored
                    _record_gone(message, str(exc))
                    report.failed += 1
                    db.session.commit()
                    continue
            if error is None:
                _record_sent(message, now)
                report.sent += 1
            else:
                _record_failure(message, error, now)
                report.failed += 1
            db.session.commit()
    finally:
        transport.close()
    if report.failed:
        log.warning("%s Last error: %s", report.summary(), unreachable or "see the outbox")
    return report


def retry_message(message: MailMessage, *, actor, now: datetime) -> MailMessage:
    """Queue a "failed" or "logged" message again, due now, with its attempts reset.

    Raises NotRetryable for any other status. Flushes; the caller commits.
    """
    previous = message.status
    _transition(message, "retry")
    message.attempts = 0
    message.next_attempt_at = now
    message.locked_until = None
    db.session.flush()
    record("mail.retried", message, now=now, actor=actor, previous_status=previous)
    return message
