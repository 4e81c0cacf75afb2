"""`flask outbox send` against a real SMTP server (aiosmtpd on 127.0.0.1), and without one.

Concurrency: on PostgreSQL two workers claim with FOR UPDATE SKIP LOCKED; the test holds one
claim open in a second connection and shows the other worker gets nothing. SQLite has one
writer at a time, so there the claims are shown in sequence: the second gets nothing.
"""

from __future__ import annotations

import base64
import email
import logging
import socket
import threading
import time
from datetime import timedelta
from email import policy

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from sqlalchemy.orm import Session

from core.extensions import db
from core.outbox.delivery import BACKOFF, LOCK_FOR, NotRetryable, claim_due, retry_message
from core.outbox.models import MailMessage
from core.outbox.services import queue_mail


class Inbox:
    """An aiosmtpd handler that keeps every accepted message; refuses `refuse` recipients."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    """Start a real SMTP server on a free port; returns a starter so a test can pick the moment."""
    controllers = []

    def _start(port: int | None = None) -> tuple[Inbox, int]:
        inbox = Inbox()
        port = port or _free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        controllers.append(controller)
        return inbox, port

    yield _start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def send(app):
    """send(*args) runs `flask outbox send` and returns its stdout (asserting exit code 0)."""
    runner = app.test_cli_runner()

    def _send(*args: str) -> str:
        result = runner.invoke(args=["outbox", "send", *args])
        assert result.exit_code == 0, result.output
        db.session.expire_all()
        return result.stdout

    return _send


@pytest.fixture
def make_message(app, clock):
    def _make(to="ann@example.org", subject="Hello", **kw) -> MailMessage:
        message = MailMessage(
            to_addr=to,
            subject=subject,
            body_text=kw.pop("body_text", "Plain text body."),
            body_html=kw.pop("body_html", None),
            attachments=kw.pop("attachments", []),
            kind=kw.pop("kind", "test"),
            status=kw.pop("status", "queued"),
            attempts=kw.pop("attempts", 0),
            next_attempt_at=kw.pop("next_attempt_at", clock()),
            created_at=clock(),
            **kw,
        )
        db.session.add(message)
        db.session.commit()
        return message

    return _make


def _use_smtp(app, port: int) -> None:
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)


PDF = b"%PDF-1.4 tiny invoice"
ATTACHMENT = {
    "filename": "invoice-2025-0001.pdf",
    "content_type": "application/pdf",
    "data_b64": base64.b64encode(PDF).decode(),
}


def test_sends_over_smtp_with_html_and_attachment(app, send, smtp_server, make_message, clock):
    inbox, port = smtp_server()
    _use_smtp(app, port)
    message = make_message(
        subject="Your invoice", body_html="<p>Your <b>invoice</b></p>", attachments=[ATTACHMENT]
    )
    assert send() == "Outbox: 1 sent, 0 failed, 0 logged.\n"

    [received] = inbox.messages
    assert inbox.envelopes[0].rcpt_tos == ["ann@example.org"]
    assert received["Subject"] == "Your invoice"
    assert received["To"] == "ann@example.org"
    assert received["From"] == app.config["MAIL_FROM"]
    assert received.get_body(("plain",)).get_content().strip() == "Plain text body."
    assert "<b>invoice</b>" in received.get_body(("html",)).get_content()
    [part] = list(received.iter_attachments())
    assert part.get_filename() == "invoice-2025-0001.pdf"
    assert part.get_content_type() == "application/pdf"
    assert part.get_content() == PDF

    message = db.session.get(MailMessage, message.id)
    assert (message.status, message.sent_at, message.locked_until) == ("sent", clock(), None)
    assert send() == "Outbox: 0 sent, 0 failed, 0 logged.\n"
    assert len(inbox.messages) == 1


def test_queued_template_mail_is_delivered(app, send, smtp_server, make_user, clock):
    inbox, port = smtp_server()
    _use_smtp(app, port)
    user = make_user("bea@example.org", verified=False)
    with app.test_request_context():  # for url_for(..., _external=True) in the template
        queue_mail(user.email, "account_verify", now=clock(), locale="en", user=user, token="t0k")
        db.session.commit()  # before the request's teardown rolls back
    assert "1 sent" in send()
    [received] = inbox.messages
    assert received["Subject"] == "Confirm your e-mail address"
    assert "http://localhost/verify/t0k" in received.get_body(("plain",)).get_content()


def test_smtp_down_then_up(app, send, smtp_server, make_message, clock):
    port = _free_port()  # nothing listens here
    _use_smtp(app, port)
    message, other = make_message(), make_message()
    assert send() == "Outbox: 0 sent, 2 failed, 0 logged.\n"
    message = db.session.get(MailMessage, message.id)
    assert message.status == "queued" and message.attempts == 1
    assert db.session.get(MailMessage, other.id).attempts == 1
    assert message.next_attempt_at == clock() + timedelta(minutes=1)
    assert "ConnectionRefusedError" in message.last_error
    assert message.locked_until is None

    inbox, _ = smtp_server(port)
    assert send() == "Outbox: 0 sent, 0 failed, 0 logged.\n"  # not due yet
    clock.advance(minutes=1)
    assert send() == "Outbox: 2 sent, 0 failed, 0 logged.\n"
    assert db.session.get(MailMessage, message.id).status == "sent"
    assert len(inbox.messages) == 2


def test_backoff_then_failed_after_six_attempts_then_admin_retry(
    app, send, make_message, clock, make_user
):
    _use_smtp(app, _free_port())
    message = make_message()
    start = clock()
    for attempt, delay in enumerate(BACKOFF, start=1):
        send()
        message = db.session.get(MailMessage, message.id)
        assert (message.status, message.attempts) == ("queued", attempt)
        assert message.next_attempt_at == clock() + delay
        clock.set(message.next_attempt_at)
    assert clock() - start == timedelta(hours=14, minutes=36)
    assert "1 failed" in send()
    message = db.session.get(MailMessage, message.id)
    assert (message.status, message.attempts) == ("failed", 6)
    assert "0 failed" in send()  # a failed message is left alone

    admin = make_user(admin=True)
    retry_message(message, actor=admin, now=clock())
    db.session.commit()
    assert (message.status, message.attempts, message.next_attempt_at) == ("queued", 0, clock())
    with app.test_request_context(), pytest.raises(NotRetryable):  # its message needs a locale
        retry_message(message, actor=admin, now=clock())


def test_refused_recipient_fails_alone(app, send, smtp_server, make_message):
    inbox, port = smtp_server()
    inbox.refuse.add("gone@example.org")
    _use_smtp(app, port)
    gone = make_message(to="gone@example.org")
    fine = make_message(to="fine@example.org")
    assert send() == "Outbox: 1 sent, 1 failed, 0 logged.\n"
    gone, fine = db.session.get(MailMessage, gone.id), db.session.get(MailMessage, fine.id)
    assert (gone.status, gone.attempts) == ("queued", 1)
    assert "550" in gone.last_error
    assert fine.status == "sent"
    assert [e.rcpt_tos for e in inbox.envelopes] == [["fine@example.org"]]


def test_unbuildable_message_is_recorded_not_crashing(app, send, smtp_server, make_message):
    inbox, port = smtp_server()
    _use_smtp(app, port)
    broken = make_message(subject="Injected\r\nBcc: victim@example.org")
    fine = make_message()
    assert send() == "Outbox: 1 sent, 1 failed, 0 logged.\n"
    broken = db.session.get(MailMessage, broken.id)
    assert broken.status == "queued" and broken.attempts == 1
    assert "ValueError" in broken.last_error
    assert db.session.get(MailMessage, fine.id).status == "sent"
    assert len(inbox.messages) == 1


def test_without_smtp_host_messages_are_logged(app, send, make_message, caplog, monkeypatch):
    app.config["SMTP_HOST"] = ""
    # the migrations run at session start call logging.config.fileConfig (alembic's env.py),
    # which disables loggers that already exist, "podium.mail" among them
    monkeypatch.setattr(logging.getLogger("podium.mail"), "disabled", False)
    message = make_message(subject="Welcome", body_text="Body to read.", attachments=[ATTACHMENT])
    with caplog.at_level(logging.INFO, logger="podium.mail"):
        assert send() == "Outbox: 0 sent, 0 failed, 1 logged.\n"
    [record] = [r for r in caplog.records if r.name == "podium.mail"]
    text = record.getMessage()
    assert "ann@example.org" in text and "Welcome" in text and "Body to read." in text
    assert "invoice-2025-0001.pdf" in text
    message = db.session.get(MailMessage, message.id)
    assert message.status == "logged" and message.body_text == "Body to read."
    assert send() == "Outbox: 0 sent, 0 failed, 0 logged.\n"


def test_limit_and_order(app, send, make_message, clock):
    app.config["SMTP_HOST"] = ""
    later = make_message(subject="later", next_attempt_at=clock() - timedelta(minutes=1))
    first = make_message(subject="first", next_attempt_at=clock() - timedelta(minutes=5))
    third = make_message(subject="third")
    assert "2 logged" in send("--limit", "2")
    statuses = {m.id: db.session.get(MailMessage, m.id).status for m in (first, later, third)}
    assert statuses == {first.id: "logged", later.id: "logged", third.id: "queued"}
    result = app.test_cli_runner().invoke(args=["outbox", "send", "--limit", "0"])
    assert result.exit_code != 0


def test_claim_only_due_unlocked_queued(make_message, clock):
    now = clock()
    due = make_message()
    make_message(next_attempt_at=now + timedelta(seconds=1))
    make_message(status="sent")
    make_message(status="failed")
    make_message(status="logged")
    make_message(locked_until=now + timedelta(minutes=1))
    assert claim_due(now=now) == [due.id]


def test_second_claim_in_sequence_gets_nothing_until_the_lock_expires(make_message, clock):
    message = make_message()
    assert claim_due(now=clock()) == [message.id]
    db.session.commit()
    assert claim_due(now=clock()) == []
    db.session.commit()
    # a worker that died holding the claim: after LOCK_FOR the message is due again
    assert db.session.get(MailMessage, message.id).locked_until == clock() + LOCK_FOR
    assert claim_due(now=clock() + LOCK_FOR + timedelta(seconds=1)) == [message.id]


def test_concurrent_claims_on_sqlite_queue_and_never_share_a_row(app, make_message, clock):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("on PostgreSQL the picked rows are locked (FOR UPDATE SKIP LOCKED); see below")
    ids = {make_message().id for _ in range(10)}
    barrier = threading.Barrier(2)
    claimed: list[list[int]] = []
    errors: list[BaseException] = []

    def worker():
        try:
            with app.app_context():
                barrier.wait()
                got = claim_due(now=clock())
                time.sleep(0.05)  # hold the claim's transaction open for a moment
                db.session.commit()
                claimed.append(got)
                db.session.remove()
        except BaseException as exc:  # reported below; a thread's exception is otherwise lost
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    first, second = claimed
    assert not set(first) & set(second)
    assert set(first) | set(second) == ids


def test_concurrent_claims_skip_locked_rows_on_postgresql(app, make_message, clock):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED needs PostgreSQL; SQLite serialises writers (see the test above)")
    first, second = make_message(), make_message()
    with Session(db.engine) as worker_a:
        claimed_a = claim_due(now=clock(), limit=1, session=worker_a)  # open transaction
        assert claimed_a == [first.id]
        with Session(db.engine) as worker_b:
            assert claim_due(now=clock(), session=worker_b) == [second.id]
            worker_b.commit()
        worker_a.commit()
    assert claim_due(now=clock()) == []
    locked = db.session.scalars(
        sa.select(MailMessage.locked_until).where(MailMessage.id.in_([first.id, second.id]))
    ).all()
    assert all(lock == clock() + LOCK_FOR for lock in locked)
