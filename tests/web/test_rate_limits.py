"""Rate limits on the forms that attract abuse: a clear 429 page, and nothing happens.

Limits live in memory per process by default; with REDIS_URL they are shared by every
app host, which the last test shows with two app instances and the running Redis server.
"""

from __future__ import annotations

import secrets
import socket

import pytest

from core.extensions import db
from podium import create_app


def _login(client, password="wrong password!", address="127.0.0.1"):
    return client.post(
        "/login",
        data={"email": "ann@example.org", "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_the_eleventh_login_attempt_in_a_minute_is_refused(client, make_user):
    make_user("ann@example.org")
    for _ in range(10):
        assert _login(client).status_code != 429
    response = _login(client, password="correct horse battery")  # even the right password
    assert response.status_code == 429
    assert "Too many requests; please wait a moment." in response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_signup_is_limited_and_the_refused_one_creates_nothing(client, outbox):
    def sign_up(n):
        return client.post(
            "/signup",
            data={
                "name": "Bot",
                "email": f"bot{n}@example.org",
                "password": "a long enough password",
                "confirm": "a long enough password",
                "locale": "en",
            },
        )

    for n in range(5):
        assert sign_up(n).status_code != 429
    assert sign_up(99).status_code == 429
    assert all(m.to_addr != "bot99@example.org" for m in outbox())


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _redis_up(), reason="needs the Redis server on 127.0.0.1:6379")
def test_limits_in_redis_are_shared_by_all_app_hosts(database_url):
    settings = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
    }
    # Redis keeps counts between runs: a client address of this run only (it is only a
    # key in the limiter, no traffic goes there)
    address = "127.{}.{}.{}".format(*secrets.token_bytes(3))
    host_a, host_b = create_app(settings), create_app(settings)
    attempts = [host_a, host_b] * 5
    statuses = [_login(host.test_client(), address=address).status_code for host in attempts]
    assert 429 not in statuses  # 10 attempts spread over two hosts
    assert _login(host_a.test_client(), address=address).status_code == 429
    assert _login(host_b.test_client(), address=address).status_code == 429
    for host in (host_a, host_b):
        with host.app_context():
            db.engine.dispose()
