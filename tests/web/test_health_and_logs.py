"""`/healthz` asks the database and Redis; every request gets an id and one structured log line
(core/health.py, core/request_log.py)."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest

from core import request_log
from tests.apps import another_app, needs_redis
from tests.factories import make_event, make_registration


def test_health_is_ok_while_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok"}}


@needs_redis
def test_health_asks_redis_when_it_is_configured(app, client):
    app.config["REDIS_URL"] = "redis://127.0.0.1:6379/11"
    assert client.get("/healthz").get_json()["checks"] == {"database": "ok", "redis": "ok"}


def test_health_is_503_when_redis_does_not_answer(app, client, caplog):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "error",
        "checks": {"database": "ok", "redis": "error"},
    }
    assert "redis unavailable" in caplog.text


def test_health_is_503_when_the_database_does_not_answer(app, tmp_path, caplog):
    missing = tmp_path / "no-such-folder" / "podium.sqlite"
    with another_app(app, SQLALCHEMY_DATABASE_URI=f"sqlite:///{missing}") as broken:
        response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "checks": {"database": "error"}}
    assert "database unavailable" in caplog.text


def test_every_response_carries_a_request_id(client):
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{16}", first) and first != second


def test_a_proxys_request_id_is_kept_and_a_hostile_one_replaced(client):
    kept = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.91_c"})
    assert kept.headers["X-Request-ID"] == "lb-7f3a.91_c"
    for hostile in ("short", "has space in it", "x" * 65, "a\u00e9bcdefgh", "<script>x</script>"):
        replaced = client.get("/healthz", headers={"X-Request-ID": hostile})
        assert re.fullmatch(r"[0-9a-f]{16}", replaced.headers["X-Request-ID"])


@pytest.fixture
def json_lines():
    """Every line the "podium" loggers write during the test, as the JSON handler writes it."""
    stream = io.StringIO()
    handler = request_log.handler("json")
    handler.setStream(stream)
    logger = logging.getLogger("podium")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)  # (the suite's app logs warnings only)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def test_each_request_is_one_json_line_without_the_paths_secrets(client, json_lines):
    registration = make_registration(make_event(), email="vera@example.com")
    response = client.get(f"/events/r/{registration.token}?lang=nl")
    assert response.status_code == 200
    [line] = [line for line in json_lines() if line["logger"] == "podium.request"]
    assert line["message"] == "request" and line["level"] == "INFO"
    assert line["method"] == "GET" and line["status"] == 200
    assert line["route"] == "/events/r/<token>"
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["time"]
    written = json.dumps(line)
    assert registration.token not in written and "vera" not in written and "lang" not in written


def test_lines_logged_while_handling_a_request_carry_its_id(app, client, json_lines):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    lines = json_lines()
    failure = next(line for line in lines if line["logger"] == "podium.health")
    assert failure["level"] == "ERROR"
    assert failure["request_id"] == response.headers["X-Request-ID"]
    assert {line["request_id"] for line in lines} == {response.headers["X-Request-ID"]}


def test_a_line_outside_a_request_has_no_id(json_lines):
    logging.getLogger("podium.mail").info("sent")
    assert json_lines()[-1]["request_id"] == "-"
