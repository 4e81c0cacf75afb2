"""The cache of frozen page parts: what a ratified result shows never changes, so its
rendering is kept under a key made of everything it depends on (the ratification's id and
time, the language, ...). A key names its content; nothing is ever invalidated by hand, and a
changed input simply asks for another key. Anything that can still change (the publication
moment, who may see the page, live scores) is checked on every request before the cache is
read.

Flask-Caching (`cache`): one process's memory (`SimpleCache`, bounded to
`CACHE_THRESHOLD` items) by default, Redis shared by every worker and host when `REDIS_URL`
is set. A cache that fails (Redis down) is a miss, never an error page. Every key starts
with the release (`release_fingerprint`: the code, templates and catalogues that render the
fragments), so a deployment never serves what the release before it rendered from Redis.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from flask_caching import Cache

from core.config import ROOT

log = logging.getLogger("podium.cache")
cache = Cache()
#: how long a frozen fragment is kept (seconds); it stays right forever, this only frees room
TIMEOUT = 24 * 3600


def init_app(app: Flask) -> None:
    """Bind `cache` to the app: Redis when REDIS_URL is set, else this process's memory;
    CACHE_RELEASE (the first part of every key) is this release's `release_fingerprint`."""
    redis_url = app.config.get("REDIS_URL") or ""
    settings: dict[str, Any] = {
        "CACHE_DEFAULT_TIMEOUT": TIMEOUT,
        "CACHE_KEY_PREFIX": "podium:page:",
    }
    app.config.setdefault("CACHE_RELEASE", release_fingerprint(RELEASE_PARTS))
    if redis_url:
        settings.update(CACHE_TYPE="RedisCache", CACHE_REDIS_URL=redis_url)
    else:
        settings.update(CACHE_TYPE="SimpleCache", CACHE_THRESHOLD=2000)
    cache.init_app(app, config=settings)


#: what renders the cached fragments: the packages' code, the templates and the catalogues
RELEASE_PARTS = (
    *(ROOT / package for package in ("core", "awards", "events", "privacy", "podium")),
    ROOT / "templates",
    ROOT / "translations",
)
#: the files of `RELEASE_PARTS` that count
RELEASE_SUFFIXES = (".py", ".html", ".txt", ".mo")


def release_fingerprint(roots: Iterable[Path]) -> str:
    """A short hash of every code, template and catalogue file under `roots` (name and
    content, in a fixed order): the same for every worker and host of one release, another
    for the next release."""
    digest = hashlib.sha256()
    for root in roots:
        files = sorted(p for p in root.rglob("*") if p.suffix in RELEASE_SUFFIXES and p.is_file())
        for path in files:
            digest.update(str(path.relative_to(root.parent)).encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


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
    k = f"{current_app.config['CACHE_RELEASE']}:{name}:{key(*parts)}"
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
