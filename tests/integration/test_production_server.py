"""The production server named in wsgi.py: gunicorn starts the app with gunicorn.conf.py and
answers the health check on 127.0.0.1 (one worker, a scratch SQLite database, a few seconds).
With PODIUM_ENV=production it refuses rate limits kept per worker, and four workers sharing
Redis answer exactly the configured number of log-in attempts (hole 5)."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from tests.apps import PRODUCTION, REDIS_URL, forget_address, fresh_address, needs_redis

ROOT = Path(__file__).resolve().parents[2]
# the production settings as a deployment gives them, through the environment
PRODUCTION_ENV = {
    "PODIUM_ENV": "production",
    "SECRET_KEY": PRODUCTION["SECRET_KEY"],
    "STRIPE_SECRET_KEY": PRODUCTION["STRIPE_SECRET_KEY"],
    "STRIPE_WEBHOOK_SECRET": PRODUCTION["STRIPE_WEBHOOK_SECRET"],
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def _gunicorn(env: dict[str, str], log: list[bytes]) -> Iterator[tuple[subprocess.Popen, int]]:
    """gunicorn with the project's config and `env` on a free port; stopped on leaving, its
    stderr (the error log) and stdout (the access log) appended to `log`."""
    port = _free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("PODIUM_", "REDIS_"))}
    environ.update({"PODIUM_BIND": f"127.0.0.1:{port}", **env})
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "--config", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        yield server, port
    finally:
        server.terminate()
        out, errors = server.communicate(timeout=30)
        log += [errors, out]


def _wait_healthy(server: subprocess.Popen, port: int) -> tuple[int, bytes] | None:
    body, deadline = None, time.monotonic() + 30
    while body is None and time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                body = (r.status, r.read())
        except OSError:
            time.sleep(0.2)
    return body


def test_gunicorn_serves_the_app_with_the_project_config(tmp_path):
    """In development it starts without settings, and warns that two workers without Redis
    count rate limits twice."""
    log: list[bytes] = []
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'gunicorn.sqlite'}", "WEB_CONCURRENCY": "2"}
    with _gunicorn(env, log) as (server, port):
        assert _wait_healthy(server, port) == (200, b'{"checks":{"database":"ok"},"status":"ok"}\n')
    assert b"Booting worker" in log[0]
    assert b"REDIS_URL is not set: each of the 2 workers keeps its own rate limits" in log[0]


def test_production_gunicorn_refuses_rate_limits_kept_per_worker(tmp_path):
    log: list[bytes] = []
    env = {
        **PRODUCTION_ENV,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'gunicorn.sqlite'}",
        "WEB_CONCURRENCY": "4",
    }
    with _gunicorn(env, log) as (server, _port):
        server.wait(timeout=60)  # it stops by itself
        assert server.returncode != 0
    assert b"REDIS_URL is not set" in log[0]
    assert b"Worker failed to boot" in log[0]


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
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.headers, refused.read().decode()


@needs_redis
def test_four_production_workers_share_one_rate_limit_in_redis(database_url):
    """10 log-ins a minute: of 14 wrong passwords from one client, spread over 4 workers,
    exactly 10 are answered (in memory each worker would answer 10)."""
    address = fresh_address()
    log: list[bytes] = []
    env = {
        **PRODUCTION_ENV,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "PODIUM_PROXIES": "1",
        "WEB_CONCURRENCY": "4",
        # the access log names the worker (pid) that answered each request
        "GUNICORN_CMD_ARGS": "--access-logformat '%(p)s %(m)s %(U)s %(s)s'",
    }
    try:
        with _gunicorn(env, log) as (server, port):
            assert _wait_healthy(server, port) is not None, log
            status, headers, page = _request(port, "/login", address=address)
            assert status == 200
            cookie = headers["Set-Cookie"]
            assert "; Secure" in cookie  # the proxy said https
            session = cookie.split(";", 1)[0]
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
            assert token is not None, page
            form = f"csrf_token={token[1]}&email=nobody%40example.org&password=wrong+password"
            # all at once, so that the four (one-request-at-a-time) workers share them
            with ThreadPoolExecutor(max_workers=14) as pool:
                statuses = list(
                    pool.map(
                        lambda _: _request(
                            port, "/login", address=address, cookie=session, data=form.encode()
                        )[0],
                        range(14),
                    )
                )
    finally:
        forget_address(address)
    # "wrong e-mail or password" ten times, refused the other four
    assert sorted(statuses) == [401] * 10 + [429] * 4
    workers = {line.split()[0] for line in log[1].decode().splitlines() if " POST /login " in line}
    assert len(workers) >= 2, workers  # the attempts really were spread over several workers
    # production writes the app's lines as JSON, one per request, each with its request id
    lines = [json.loads(line) for line in log[0].decode().splitlines() if line.startswith("{")]
    posts = [line for line in lines if line.get("logger") == "podium.request"]
    posts = [line for line in posts if line["method"] == "POST" and line["route"] == "/login"]
    assert sorted(line["status"] for line in posts) == [401] * 10 + [429] * 4
    assert len({line["request_id"] for line in posts}) == 14
    assert all("nobody" not in json.dumps(line) for line in lines)
