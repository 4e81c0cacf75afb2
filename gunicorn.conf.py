"""gunicorn settings for production: `gunicorn wsgi:app` reads this file from the working
directory. Every value can be set from the environment; the defaults suit one small host
behind a reverse proxy (which terminates TLS and forwards to 127.0.0.1)."""

import multiprocessing
import os

bind = os.environ.get("PODIUM_BIND", "127.0.0.1:8000")
# the usual (2 x cores) + 1 synchronous workers; requests are short and database-bound
workers = int(os.environ.get("WEB_CONCURRENCY", str(multiprocessing.cpu_count() * 2 + 1)))
threads = int(os.environ.get("PODIUM_THREADS", "1"))
timeout = int(os.environ.get("PODIUM_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# recycle workers now and then so a slow leak never grows without bound
max_requests = 2000
max_requests_jitter = 200
# the proxy's address, whose X-Forwarded-* headers are trusted
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("PODIUM_LOG_LEVEL", "info")
