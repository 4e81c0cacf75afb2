"""Background work on Celery with Redis as the broker (as pretix and indico do).

`init_celery(app, schedule)` builds the Celery app from the Flask app's config (the app
factory calls it; `podium/celery_app.py` is what `celery -A` loads) and keeps it in
``app.extensions["celery"]``. Every task runs in an app context of its own (so a session of
its own), whether a worker runs it or, without a broker, the process that asked for it:
with no `CELERY_BROKER_URL` (nor `REDIS_URL`) the tasks run eagerly (``task_always_eager``),
so development and the tests need nothing but Python.

The database stays the source of truth: the outbox's rows are the mail to send, a task only
delivers them (`deliver_outbox`, sent after each commit that queued mail by
`core.outbox.dispatch`, and every minute by celery beat for retries and anything missed).

The periodic jobs (`podium/tasks.py`) run under `job_transaction`: one transaction,
committed at the end, holding the job's lock (`try_job_lock`), so when several workers get
the same job at once (two beats by mistake, a slow run overtaken by the next) one does the
work and the others skip it.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from celery import Celery, Task, shared_task
from flask import Flask

from core.clock import now
from core.extensions import db
from core.locking import write_transaction
from core.outbox.delivery import deliver_due

#: the name of the task that delivers due mail (`core.outbox.dispatch` sends it)
OUTBOX_TASK = "podium.outbox.deliver"
#: how many messages one delivery task sends at most (the next task sends the rest)
OUTBOX_BATCH = 100


def celery_settings(config: Mapping[str, Any], schedule: Mapping[str, dict]) -> dict[str, Any]:
    """Celery's settings for the Flask `config` and the beat `schedule`."""
    broker = str(config.get("CELERY_BROKER_URL") or "")
    return {
        # without a broker nothing is sent anywhere: the task runs at once, in the caller
        "broker_url": broker or "memory://",
        "task_always_eager": not broker,
        # an eager task's error is logged, not raised into the commit that asked for it
        "task_eager_propagates": False,
        "task_default_queue": config.get("CELERY_QUEUE") or "podium",
        "task_ignore_result": True,
        # a task is taken off the queue when it ends, so a worker that dies mid-task leaves
        # it to another (each task is safe to run twice: the rows are claimed under locks)
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        # the app's commit must not hang on a broker that is down: one quick retry, then
        # the mail waits for the periodic delivery
        "broker_connection_timeout": 2,
        "broker_connection_retry_on_startup": True,
        "task_publish_retry_policy": {
            "max_retries": 1,
            "interval_start": 0,
            "interval_step": 0.2,
            "interval_max": 0.5,
        },
        "worker_hijack_root_logger": False,
        "timezone": "UTC",
        "enable_utc": True,
        "beat_schedule": dict(schedule),
    }


def init_celery(app: Flask, schedule: Mapping[str, dict]) -> Celery:
    """The Celery app for `app` (also in ``app.extensions["celery"]``): its tasks run in an
    app context of `app`, configured by `celery_settings`."""

    class AppTask(Task):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.import_name, task_cls=AppTask)
    celery.conf.update(celery_settings(app.config, schedule))
    app.extensions["celery"] = celery
    return celery


def try_job_lock(name: str) -> bool:
    """Take the lock of the job `name` for the rest of the transaction; False when another
    transaction holds it. PostgreSQL: a transaction-level advisory lock
    (``pg_try_advisory_xact_lock``, released at commit or rollback). SQLite: the write lock
    (BEGIN IMMEDIATE, `write_transaction`), waited for, so jobs run one after the other."""
    if db.session.get_bind().dialect.name != "postgresql":
        write_transaction()
        return True
    key = zlib.crc32(f"podium.job.{name}".encode())  # a stable 32-bit number per job
    return bool(db.session.scalar(sa.text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key}))


@contextmanager
def job_transaction(name: str) -> Iterator[bool]:
    """One run of the job `name` as one transaction: yields whether it holds the job's lock
    (`try_job_lock`; when it does not, the block should do nothing); commits at the end, rolls
    back and re-raises when anything escapes."""
    try:
        yield try_job_lock(name)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


@shared_task(name=OUTBOX_TASK, bind=True)
def deliver_outbox(self: Task, limit: int = OUTBOX_BATCH) -> dict[str, int]:
    """Deliver due mail (`core.outbox.delivery.deliver_due`, which claims each row under a
    lock, so workers running this at once never send a message twice); its counts. A full
    batch sends another task for the rest."""
    report = deliver_due(now=now(), limit=limit)
    done = report.sent + report.failed + report.logged
    if done >= limit:
        self.apply_async(kwargs={"limit": limit})
    return {"sent": report.sent, "failed": report.failed, "logged": report.logged}
