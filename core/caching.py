"""The cache of frozen page parts: what a ratified result shows never changes, so its
rendering is kept under a key made of everything it depends on (the ratification's id and
time, the language, ...). A key names its content; nothing is ever invalidated by hand, and a
changed input simply asks for another key. Anything that can still change (the publication
moment, who may see the page, live scores) is checked on every request before the cache is
read.

Flask-Caching (`cache`): one process's memory (`SimpleCache`, bounded to
`CACHE_THRESHOLD` items) by default, Redis shared by every worker and host when `REDIS_URL`
is set. A cache that fails (Redis down) is a miss, never an error page.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_caching import Cache

log = logging.getLogger("podium.cache")
cache = Cache()
#: how long a frozen fragment is kept (seconds); it stays right forever, this only frees room
TIMEOUT = 24 * 3600


def init_app(app: Flask) -> None:
    """Bind `cache` to the app: Redis when REDIS_URL is set, else this process's memory."""
    redis_url = app.config.get("REDIS_URL") or ""
    settings: dict[str, Any] = {
        "CACHE_DEFAULT_TIMEOUT": TIMEOUT,
        "CACHE_KEY_PREFIX": "podium:page:",
    }
    if redis_url:
        settings.update(CACHE_TYPE="RedisCache", CACHE_REDIS_URL=redis_url)
    else:
        settings.update(CACHE_TYPE="SimpleCache", CACHE_THRESHOLD=2000)
    cache.init_app(app, config=settings)


def key(*parts: Any) -> str:
    """A cache key naming `parts` (JSON-able values: ids, times as text, language codes)."""
    text = json.dumps(parts, default=str, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def columns(obj: Any) -> tuple:
    """Every column value of a loaded model object, in the mapper's order: a key part that
    changes with any of its fields, a field added later included."""
    return tuple(getattr(obj, attr.key) for attr in sa.inspect(type(obj)).column_attrs)


def fragment(name: str, parts: tuple, render: Callable[[], str]) -> str:
    """The cached text under (`name`, `parts`), else `render()`'s, stored for next time."""
    k = f"{name}:{key(*parts)}"
    try:
        found = cache.get(k)
    except Exception:  # a cache that is down is a miss
        log.warning("cache read failed", exc_info=True)
        found = None
    if isinstance(found, str):
        return found
    text = render()
    try:
        cache.set(k, text)
    except Exception:
        log.warning("cache write failed", exc_info=True)
    return text
