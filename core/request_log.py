"""Structured logs: a request id on every request and every log line, one line per request.

- The id is the `X-Request-ID` the proxy sent when it is a short token of safe characters
  (so a proxy's id follows the request through), else a new random one. It is on `g` as
  `request_id` and goes back to the client in the `X-Request-ID` header.
- Every record logged while a request is handled carries `request_id` (`RequestIdFilter`, on
  the app's handler); outside a request it is "-".
- `podium.request` logs one line per request: method, the route's rule (never the path,
  which can hold a registration's link token), status and duration in milliseconds. No
  address, no query string, no user: nothing that identifies a person.
- `LOG_FORMAT` "json" (production's default) writes every line to stderr as one JSON object
  (python-json-logger); "text" (development's) keeps readable lines.
"""

from __future__ import annotations

import logging
import re
import secrets
import sys
import time

from flask import Flask, Response, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

HEADER = "X-Request-ID"
_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
log = logging.getLogger("podium.request")


def request_id() -> str:
    """The current request's id, or "-" outside a request."""
    return g.get("request_id", "-") if has_request_context() else "-"


class RequestIdFilter(logging.Filter):
    """Puts `request_id` on every record that passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id()
        return True


def handler(fmt: str) -> logging.Handler:
    """A stderr handler writing JSON objects ("json") or text lines ("text")."""
    out = logging.StreamHandler(sys.stderr)
    out.addFilter(RequestIdFilter())
    if fmt == "json":
        out.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        out.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
    return out


def register(app: Flask) -> None:
    """Give `app`'s requests their ids and lines, and the "podium" loggers (the app's own,
    `podium.request`, `podium.mail`) one handler in the configured format, once per process
    (the first app's format and `LOG_LEVEL` win)."""
    podium = logging.getLogger("podium")  # also `app.logger`: Flask adds no handler of its own
    if not any(getattr(h, "podium_format", None) for h in podium.handlers):
        fmt = app.config.get("LOG_FORMAT", "text")
        out = handler(fmt)
        out.podium_format = fmt  # type: ignore[attr-defined]
        podium.addHandler(out)
        podium.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    app.before_request(_start)
    app.after_request(_finish)


def _start() -> None:
    given = request.headers.get(HEADER, "")
    g.request_id = given if _SAFE_ID.fullmatch(given) else secrets.token_hex(8)
    g.request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    response.headers[HEADER] = request_id()
    started = g.get("request_started")
    log.info(
        "request",
        extra={
            "method": request.method,
            "route": request.url_rule.rule if request.url_rule is not None else None,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
        },
    )
    return response
