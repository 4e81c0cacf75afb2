"""What `/healthz` checks: the database always, Redis when `REDIS_URL` is set.

Each check is "ok" or "error" (the reason goes to the log, never to the response). A load
balancer takes a host out of service on a 503. The database is asked on a connection of its
own, outside the request's session, so a failed check leaves nothing to roll back.
"""

from __future__ import annotations

import logging

import redis
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from core.extensions import db

log = logging.getLogger("podium.health")
#: seconds a check may take before it counts as failed
TIMEOUT = 2


def checks() -> dict[str, str]:
    """{"database": "ok" | "error", "redis": ... (only when configured)}."""
    found = {"database": _database()}
    url = current_app.config.get("REDIS_URL")
    if url:
        found["redis"] = _redis(url)
    return found


def _database() -> str:
    try:
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except SQLAlchemyError as error:
        log.error("health: database unavailable: %s", error)
        return "error"
    return "ok"


def _redis(url: str) -> str:
    client = redis.Redis.from_url(url, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT)
    try:
        client.ping()
    except (redis.RedisError, OSError) as error:
        log.error("health: redis unavailable: %s", error)
        return "error"
    finally:
        client.close()
    return "ok"
