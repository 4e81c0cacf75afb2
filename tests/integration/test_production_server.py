"""The production server named in wsgi.py: gunicorn starts the app with gunicorn.conf.py and
answers the health check on 127.0.0.1 (one worker, a scratch SQLite database, a few seconds)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_serves_the_app_with_the_project_config(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'gunicorn.sqlite'}",
        "PODIUM_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "--config", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        body, deadline = None, time.monotonic() + 30
        while body is None and time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    body = (r.status, r.read())
            except OSError:
                time.sleep(0.2)
        assert body == (200, b'{"status":"ok"}\n'), server.stderr
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=30)
    assert b"Booting worker" in errors
