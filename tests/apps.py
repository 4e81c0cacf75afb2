"""Apps of their own for the tests of settings (production mode, proxies): `another_app`
builds one on the test database next to the session's app, and `PRODUCTION` is a production
configuration that starts. Redis (127.0.0.1:6379, running here and in CI) keeps their rate
limits in database 11, under a client address of the test's own (`fresh_address`), which
`forget_address` deletes afterwards."""

from __future__ import annotations

import secrets
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis
from flask import Flask

from core.extensions import db
from podium import create_app

REDIS_URL = "redis://127.0.0.1:6379/11"
PRODUCTION = {
    "PODIUM_ENV": "production",
    "SECRET_KEY": "a production secret of forty-odd characters",
    "RATELIMIT_STORAGE_URI": REDIS_URL,
    "STRIPE_SECRET_KEY": "sk_test_podium",
    "STRIPE_WEBHOOK_SECRET": "whsec_podium",
}


def redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


needs_redis = pytest.mark.skipif(not redis_up(), reason="needs Redis on 127.0.0.1:6379")


def fresh_address() -> str:
    """A client address no other run uses (Redis keeps counts between runs and helpers)."""
    return "127.{}.{}.{}".format(*secrets.token_bytes(3))


def forget_address(address: str) -> None:
    """Delete the rate-limit counts that `address` left in Redis."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        for key in client.scan_iter(match=f"*{address}*"):
            client.delete(key)
    finally:
        client.close()


@contextmanager
def another_app(session_app: Flask, **overrides) -> Iterator[Flask]:
    """A second app on the session app's database and clock, with `overrides`; afterwards
    its engine is disposed (the `app` fixture puts the global limiter back before each test)."""
    settings = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": session_app.config["SQLALCHEMY_DATABASE_URI"],
        "WTF_CSRF_ENABLED": False,
        "CLOCK": session_app.config["CLOCK"],
        "UPLOAD_DIR": session_app.config["UPLOAD_DIR"],
        "SMTP_HOST": "",
        **overrides,
    }
    other = create_app(settings)
    try:
        yield other
    finally:
        with other.app_context():
            db.engine.dispose()
