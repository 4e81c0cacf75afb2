"""The production stack as deploy/ runs it: two app hosts (the Procfile's `web`: gunicorn, each
with its own port and workers) and a Celery worker (its `worker`), all against one PostgreSQL
database and one Redis.

- rate limits are shared: 14 wrong log-ins from one client, alternating between the hosts,
  are answered 10 times (the limit) and refused 4 times;
- seat holds are shared: two people verify their registrations for the last seat at the same
  moment, one through each host; one gets it, the other the waiting list;
- the worker delivers the outbox (the hosts ask for it after their commits, and the test
  sends extra delivery tasks at once) to a real SMTP server (aiosmtpd): every message exactly
  once.

Runs only when TEST_DATABASE_URL is PostgreSQL and Redis answers on 127.0.0.1:6379 (CI has
both); every process is started with a deadline and stopped at the end.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from celery import Celery

from core.extensions import db
from core.outbox.models import MailMessage
from core.tasks import OUTBOX_TASK
from events.models import Registration
from tests.apps import PRODUCTION, redis_up
from tests.factories import make_event, register, verify_link
from tests.integration.test_outbox_delivery import Inbox, _free_port
from tests.unit.test_deploy_files import procfile

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
        reason="needs TEST_DATABASE_URL pointing at PostgreSQL (the hosts share one database)",
    ),
    pytest.mark.skipif(not redis_up(), reason="needs Redis on 127.0.0.1:6379"),
]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REDIS_URL = "redis://127.0.0.1:6379/5"
START_TIMEOUT = 60  # seconds for a host or the worker to come up
SECRET_KEY = PRODUCTION["SECRET_KEY"]


@contextmanager
def _process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    with log.open("wb") as out:
        process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _wait_for(what: str, ready, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{what} stopped ({process.returncode}):\n{log.read_text()[-3000:]}")
        if ready():
            return
        time.sleep(0.2)
    pytest.fail(f"{what} did not start within {START_TIMEOUT}s:\n{log.read_text()[-3000:]}")


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _request(port: int, path: str, *, address: str, cookie: str = "", data: bytes | None = None):
    """A request as the reverse proxy forwards it (https, the client's address)."""
    headers = {"X-Forwarded-For": address, "X-Forwarded-Proto": "https"}
    if cookie:
        headers["Cookie"] = cookie
    if data is not None:
        headers["Referer"] = f"https://127.0.0.1:{port}/login"  # CSRF's check over https
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=data,
        headers=headers,
        method="POST" if data else "GET",
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as answered:
        return answered.code, answered.headers, answered.read().decode()


@pytest.fixture
def stack(app, database_url, tmp_path):
    """Two gunicorn hosts and a Celery worker (production settings, this run's own broker
    queue), and the SMTP server the worker sends to: {"ports": [...], "inbox", "queue"}."""
    inbox, smtp_port = Inbox(), _free_port()
    queue = f"podium-test-{secrets.token_hex(4)}"
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("PODIUM_", "REDIS_"))}
    environ.update(
        PODIUM_ENV="production",
        SECRET_KEY=SECRET_KEY,
        STRIPE_SECRET_KEY=PRODUCTION["STRIPE_SECRET_KEY"],
        STRIPE_WEBHOOK_SECRET=PRODUCTION["STRIPE_WEBHOOK_SECRET"],
        DATABASE_URL=database_url,
        REDIS_URL=REDIS_URL,
        PODIUM_CELERY_QUEUE=queue,
        PODIUM_PROXIES="1",
        PODIUM_BASE_URL="https://podium.test",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(smtp_port),
        WEB_CONCURRENCY="2",
    )
    ports = [_free_port(), _free_port()]
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        with ExitStack() as processes:
            hosts = []
            for n, port in enumerate(ports):
                log = tmp_path / f"host{n}.log"
                env = {**environ, "PODIUM_BIND": f"127.0.0.1:{port}"}
                hosts.append(
                    (processes.enter_context(_process(_command("web"), env, log)), port, log)
                )
            log = tmp_path / "worker.log"
            # two worker processes, and a name of this run's own on the shared Redis
            extra = [
                "--concurrency=2",
                "--without-gossip",
                "--without-mingle",
                f"--hostname={queue}@%h",
            ]
            worker = processes.enter_context(_process(_command("worker") + extra, environ, log))
            for process, port, host_log in hosts:
                _wait_for(f"host :{port}", lambda p=port: _healthy(p), process, host_log)
            _wait_for("the worker", lambda: b" ready." in log.read_bytes(), worker, log)
            yield {"ports": ports, "inbox": inbox, "queue": queue, "worker_log": log}
    finally:
        controller.stop()
        client = redis.Redis.from_url(REDIS_URL)
        try:
            for key in client.scan_iter(match=f"*{queue}*"):
                client.delete(key)
        finally:
            client.close()


def _command(process: str) -> list[str]:
    """The Procfile's line for `process`, its program from this virtualenv."""
    program, *args = procfile()[process]
    return [str(BIN / program), *args]


def _forget(address: str) -> None:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        for key in client.scan_iter(match=f"*{address}*"):
            client.delete(key)
    finally:
        client.close()


def test_two_hosts_and_a_worker_share_limits_seats_and_the_outbox(app, clock, stack):
    ports, inbox = stack["ports"], stack["inbox"]
    # the registrations, as the hosts' own request would have made them (real time, and the
    # hosts' secret, which signs the verification links)
    clock.set(datetime.now(UTC).replace(microsecond=0))
    app.config["SECRET_KEY"] = SECRET_KEY
    event = make_event(
        capacity=1,
        price_non_member_cents=0,
        starts_at=clock() + timedelta(days=7),
        registration_opens_at=clock() - timedelta(days=1),
        registration_closes_at=clock() + timedelta(days=7),
    )
    for n in (0, 1):
        register(event, f"seat{n}@example.org", now=clock(), verify=False)
    mails = db.session.scalars(sa.select(MailMessage).order_by(MailMessage.id)).all()
    links = [verify_link(m) for m in mails if m.kind == "event_verify"]
    assert len(links) == 2
    db.session.commit()

    # rate limits: one client's 14 wrong log-ins, alternating between the hosts
    address = "127.{}.{}.{}".format(*secrets.token_bytes(3))
    try:
        statuses = []
        for n in range(14):
            port = ports[n % 2]
            status, headers, page = _request(port, "/login", address=address)
            assert status == 200, page
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
            assert token is not None, page
            form = f"csrf_token={token[1]}&email=nobody%40example.org&password=wrong+password"
            cookie = headers["Set-Cookie"].split(";", 1)[0]
            statuses.append(_request(port, "/login", address=address, cookie=cookie,
                                     data=form.encode())[0])  # fmt: skip
    finally:
        _forget(address)
    assert statuses[:10] == [401] * 10  # "wrong e-mail or password", through both hosts
    assert statuses[10:] == [429] * 4  # then one limit refuses both hosts

    # seat holds: the last seat, verified through both hosts at the same moment
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(
            pool.map(
                lambda pair: _request(pair[0], pair[1], address="10.0.0.1")[0],
                zip(ports, links, strict=True),
            )
        )
    assert all(status < 400 for status in answers), answers
    db.session.rollback()
    states = db.session.scalars(
        sa.select(Registration.state).where(Registration.event_id == event.id)
    ).all()
    assert sorted(states) == ["confirmed", "waitlisted"]

    # the outbox: the hosts asked the worker to deliver after their commits (no beat runs)
    rows = _wait_until_sent(timeout=60)
    assert {row.status for row in rows} == {"sent"}, (rows, stack["worker_log"].read_text())
    kinds = db.session.scalars(sa.select(MailMessage.kind)).all()
    assert sorted(kinds) == ["event_confirmed", "event_verify", "event_verify", "event_waitlisted"]
    # six more delivery tasks at once, on the worker's two processes: none sends again
    log = stack["worker_log"]
    done = _succeeded(log)
    sender = Celery(broker=REDIS_URL)
    try:
        for _ in range(6):
            sender.send_task(OUTBOX_TASK, queue=stack["queue"])
    finally:
        sender.close()
    deadline = time.monotonic() + 60
    while _succeeded(log) < done + 6 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _succeeded(log) >= done + 6, log.read_text()
    received = Counter((m["To"], str(m["Subject"])) for m in inbox.messages)
    assert received == Counter((row.to_addr, row.subject) for row in rows)
    assert set(received.values()) == {1}


def _wait_until_sent(timeout: float) -> list:
    deadline = time.monotonic() + timeout
    while True:
        db.session.rollback()
        rows = db.session.execute(sa.select(MailMessage.to_addr, MailMessage.subject,
                                            MailMessage.status)).all()  # fmt: skip
        if (rows and all(row.status == "sent" for row in rows)) or time.monotonic() > deadline:
            return list(rows)
        time.sleep(0.3)


def _succeeded(log: Path) -> int:
    """How many delivery tasks the worker has finished (its log's "succeeded" lines)."""
    return len(re.findall(rf"Task {re.escape(OUTBOX_TASK)}\[[^\]]+\] succeeded", log.read_text()))
