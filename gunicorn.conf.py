"""gunicorn settings for production: `gunicorn wsgi:app` reads this file from the working
directory. Every value can be set from the environment; the defaults suit one small host
behind a reverse proxy (which terminates TLS and forwards to 127.0.0.1).

With PODIUM_ENV=production every worker's `create_app` refuses unsafe settings (among them
rate limits without REDIS_URL, which would be counted per worker), so gunicorn stops with
"Worker failed to boot" and the reasons in its log. In development it starts and warns.
Behind the proxy, set PODIUM_PROXIES=1 so the app sees each client's own address (the rate
limits) and the https scheme; gunicorn's `forwarded_allow_ips` only covers the scheme."""

import gc
import multiprocessing
import os

bind = os.environ.get("PODIUM_BIND", "127.0.0.1:8000")
# the usual (2 x cores) + 1 synchronous workers; requests are short and database-bound
workers = int(os.environ.get("WEB_CONCURRENCY", str(multiprocessing.cpu_count() * 2 + 1)))
threads = int(os.environ.get("PODIUM_THREADS", "1"))
timeout = int(os.environ.get("PODIUM_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# recycle workers now and then so a slow leak never grows without bound; not too often: a
# new worker imports the app again (about 2 s of CPU, taken from the others while they
# serve), which at every 2,000 requests cost about 1 ms of each request's share of the CPU
# and at 20,000 about 0.1 ms (the app is not preloaded, so `systemctl reload` (HUP) starts
# workers on the new code)
max_requests = 20000
max_requests_jitter = 2000
# the proxy's address, whose X-Forwarded-* headers are trusted
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("PODIUM_LOG_LEVEL", "info")


def _warnings() -> list[str]:
    """What this configuration gets wrong without being refused."""
    found = []
    if workers > 1 and not os.environ.get("REDIS_URL"):
        found.append(
            f"REDIS_URL is not set: each of the {workers} workers keeps its own rate limits, "
            f"so a client gets {workers} times the configured attempts"
        )
    production = os.environ.get("PODIUM_ENV", "").strip().lower() == "production"
    behind_proxy = bind.startswith(("127.0.0.1:", "localhost:"))
    if production and behind_proxy and not os.environ.get("PODIUM_PROXIES"):
        found.append(
            "PODIUM_PROXIES is not set: behind a reverse proxy every visitor shares the "
            "proxy's address and so one rate limit"
        )
    return found


def when_ready(server) -> None:
    """gunicorn's hook once it listens: log `_warnings()`."""
    for warning in _warnings():
        server.log.warning("podium: %s", warning)


def post_worker_init(worker) -> None:
    """gunicorn's hook once a worker has loaded the app: what is alive now (modules, the app,
    its settings and compiled templates) moves out of the garbage collector's reach
    (`gc.freeze`), so the full collections that requests trigger no longer walk it each
    time (about a tenth of a page's time here)."""
    gc.freeze()
