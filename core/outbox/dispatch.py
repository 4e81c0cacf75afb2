"""Deliver the outbox after the commit that queued mail: once per commit, never before it.

The rows stay the source of truth (`core.outbox.services.queue_mail` writes them in the
request's transaction); this only asks for delivery. A flush that inserts a `MailMessage`, or
queues one again (an admin's retry), marks its session; when that session commits, one
`core.tasks.deliver_outbox` task is sent to the broker (or, without one, run at once in an
app context of its own, `core.tasks`). A rollback forgets the mark, so mail that was never
committed asks for nothing. When the broker cannot be reached the mail simply waits for the
periodic delivery (celery beat, every minute) or `flask outbox send`.

`OUTBOX_DELIVER_ON_COMMIT` (default on) turns it off; the test suite does, as its tests look
at the queued rows (tests/integration/test_tasks.py turns it on).
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session, UOWTransaction

from core.outbox.models import MailMessage
from core.tasks import OUTBOX_TASK

log = logging.getLogger("podium.mail")
_MARK = "podium.outbox.deliver_after_commit"


def _queues_mail(instance: object, new: bool) -> bool:
    if not isinstance(instance, MailMessage):
        return False
    if new:
        return True
    added = sa.inspect(instance).attrs.status.history.added
    return "queued" in added and instance.status == "queued" and not instance.attempts


def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    # in after_flush `new` and `dirty` still list what this flush wrote, with its history
    if any(_queues_mail(o, True) for o in session.new) or any(
        _queues_mail(o, False) for o in session.dirty
    ):
        session.info[_MARK] = True


def _after_commit(session: Session) -> None:
    if session.info.pop(_MARK, False):
        dispatch()


def _after_rollback(session: Session) -> None:
    session.info.pop(_MARK, None)


def register() -> None:
    """Listen on every session's flush, commit and rollback (idempotent)."""
    for name, listener in (
        ("after_flush", _after_flush),
        ("after_commit", _after_commit),
        ("after_rollback", _after_rollback),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


def dispatch() -> bool:
    """Send one "deliver the outbox" task for the current app (eagerly without a broker);
    False when nothing was sent: no app, turned off, or the broker unreachable (logged)."""
    if not has_app_context() or not current_app.config.get("OUTBOX_DELIVER_ON_COMMIT", True):
        return False
    celery = current_app.extensions.get("celery")
    if celery is None:
        return False
    try:
        celery.tasks[OUTBOX_TASK].apply_async()
    except Exception:  # the commit stands; the periodic delivery sends the mail
        log.exception("outbox: could not ask for delivery; the periodic run will send it")
        return False
    return True
