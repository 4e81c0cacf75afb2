"""Background work (core/tasks.py, core/outbox/dispatch.py, podium/tasks.py) in one process:
without a broker the tasks run eagerly, so a commit that queued mail delivers it at once to a
real SMTP server (aiosmtpd); once per commit; nothing for a rolled-back one. The periodic
jobs do what their commands do, and on PostgreSQL a run skips while another holds its lock.
The same with two app hosts and a worker process: tests/integration/test_multi_process.py.
"""

from __future__ import annotations

import os
import time
import zlib
from datetime import timedelta

import pytest
import sqlalchemy as sa

from core.clock import now
from core.extensions import db
from core.outbox import dispatch
from core.outbox.delivery import retry_message
from core.outbox.models import MailMessage
from core.tasks import OUTBOX_TASK, celery_settings
from events.models import Registration
from podium.tasks import EXPIRE_TASK, PURGE_TASK, SCHEDULE
from tests.apps import another_app
from tests.factories import make_event, make_registration
from tests.integration.test_outbox_delivery import smtp_server  # noqa: F401  (a fixture)

postgres_only = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="needs TEST_DATABASE_URL pointing at PostgreSQL",
)


@pytest.fixture
def on_commit(app, smtp_server):  # noqa: F811
    """Delivery on commit turned on, to a real SMTP server; returns its inbox."""
    inbox, port = smtp_server()
    app.config.update(OUTBOX_DELIVER_ON_COMMIT=True, SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    return inbox


def _queue(to: str = "ann@example.org") -> MailMessage:
    """A message queued as `queue_mail` queues one (flushed, not committed)."""
    at = now()
    message = MailMessage(
        to_addr=to, subject="Hello", body_text="Hi.", kind="test", status="queued",
        attempts=0, next_attempt_at=at, created_at=at, attachments=[],
    )  # fmt: skip
    db.session.add(message)
    db.session.flush()
    return message


def _statuses() -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(MailMessage.status).order_by(MailMessage.id)))


def test_without_a_broker_the_tasks_run_eagerly_and_with_one_they_are_sent(app):
    assert celery_settings({"CELERY_BROKER_URL": ""}, {})["task_always_eager"] is True
    sent = celery_settings({"CELERY_BROKER_URL": "redis://127.0.0.1:6379/5"}, {})
    assert sent["task_always_eager"] is False
    assert sent["broker_url"] == "redis://127.0.0.1:6379/5"
    assert app.extensions["celery"].conf.task_always_eager is True  # the tests have no broker


def test_every_scheduled_job_is_a_registered_task(app):
    tasks = app.extensions["celery"].tasks
    names = {entry["task"] for entry in SCHEDULE.values()}
    assert names == {
        OUTBOX_TASK,
        EXPIRE_TASK,
        PURGE_TASK,
        "podium.events.reminders",
        "podium.awards.announce",
    }
    assert all(name in tasks for name in names)


def test_a_commit_that_queued_mail_delivers_it_once(app, on_commit):
    _queue()
    assert _statuses() == []  # a flush is not a commit: nothing delivered (rolled back here)
    assert on_commit.messages == []
    _queue()
    _queue("bob@example.org")
    db.session.commit()
    assert _statuses() == ["sent", "sent"]
    assert sorted(m["To"] for m in on_commit.messages) == ["ann@example.org", "bob@example.org"]
    db.session.commit()  # a later commit with no new mail sends nothing again
    assert len(on_commit.messages) == 2


def test_one_task_per_commit_and_none_for_a_rollback(app, on_commit, monkeypatch):
    calls = []
    task = app.extensions["celery"].tasks[OUTBOX_TASK]
    monkeypatch.setattr(task, "apply_async", lambda *a, **kw: calls.append(1))
    _queue()
    _queue("bob@example.org")
    db.session.commit()
    assert calls == [1]  # two messages, one commit: one task
    _queue("carol@example.org")
    db.session.rollback()
    db.session.commit()
    assert calls == [1]  # the rolled-back mail asked for nothing
    assert _statuses() == ["queued", "queued"]


def test_an_admins_retry_is_delivered_after_its_commit(app, on_commit):
    app.config["OUTBOX_DELIVER_ON_COMMIT"] = False
    message = _queue()
    message.status, message.attempts = "failed", 6
    db.session.commit()
    app.config["OUTBOX_DELIVER_ON_COMMIT"] = True
    retry_message(message, actor=None, now=now())
    db.session.commit()
    assert _statuses() == ["sent"]
    assert len(on_commit.messages) == 1


def test_turned_off_the_mail_stays_queued(app, on_commit):
    app.config["OUTBOX_DELIVER_ON_COMMIT"] = False
    _queue()
    db.session.commit()
    assert _statuses() == ["queued"]
    assert on_commit.messages == []


def test_a_full_batch_asks_for_the_rest(app, on_commit):
    app.config["OUTBOX_DELIVER_ON_COMMIT"] = False
    for n in range(5):
        _queue(f"p{n}@example.org")
    db.session.commit()
    result = app.extensions["celery"].tasks[OUTBOX_TASK].apply(kwargs={"limit": 2})
    assert result.get() == {"sent": 2, "failed": 0, "logged": 0}
    assert _statuses() == ["sent"] * 5  # the follow-up tasks sent the other three
    assert len(on_commit.messages) == 5


def test_an_unreachable_broker_keeps_the_commit_and_the_mail_queued(session_app, app):
    unreachable = "redis://127.0.0.1:9/0"  # the discard port: nothing listens
    with another_app(session_app, CELERY_BROKER_URL=unreachable) as host, host.app_context():
        assert host.extensions["celery"].conf.task_always_eager is False
        _queue()
        started = time.monotonic()
        db.session.commit()
        assert time.monotonic() - started < 15  # the commit does not hang on the broker
        assert dispatch.dispatch() is False
    assert _statuses() == ["queued"]


def test_the_expire_task_expires_a_hold_that_ran_out(app, clock):
    app.config["BASE_URL"] = "https://podium.test"
    registration = make_registration(make_event(capacity=1), paying=True)
    db.session.commit()
    clock.advance(minutes=31)
    result = app.extensions["celery"].tasks[EXPIRE_TASK].apply().get()
    assert result == {"holds": 1, "offers": 0, "new_offers": 0}
    db.session.rollback()
    assert db.session.get(Registration, registration.id).state == "expired"


def test_the_purge_task_anonymises_old_registrations(app, clock):
    event = make_event(starts_at=clock() - timedelta(days=400))
    registration = make_registration(event, email="old@example.org")
    db.session.commit()
    result = app.extensions["celery"].tasks[PURGE_TASK].apply().get()
    assert result == {"registrations": 1, "events": 1}
    db.session.rollback()
    assert db.session.get(Registration, registration.id).email != "old@example.org"


@postgres_only
@pytest.mark.parametrize("task", [EXPIRE_TASK, PURGE_TASK])
def test_a_job_skips_while_another_run_holds_its_lock(app, clock, task):
    app.config["BASE_URL"] = "https://podium.test"
    make_registration(make_event(capacity=1), paying=True)
    old = make_event("old-talk", starts_at=clock() - timedelta(days=400))
    make_registration(old, email="old@example.org")
    db.session.commit()
    clock.advance(minutes=31)
    job = {EXPIRE_TASK: "events.expire", PURGE_TASK: "privacy.purge"}[task]
    with db.engine.connect() as other:  # another worker's run, in its transaction
        other.execute(
            sa.text("SELECT pg_advisory_xact_lock(:key)"),
            {"key": _key(job)},
        )
        assert app.extensions["celery"].tasks[task].apply().get() == {"skipped": 1}
        other.rollback()
    done = app.extensions["celery"].tasks[task].apply().get()
    assert done != {"skipped": 1} and 1 in done.values()


def _key(job: str) -> int:
    return zlib.crc32(f"podium.job.{job}".encode())  # as core.tasks.try_job_lock
