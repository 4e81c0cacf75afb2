"""CSRF: every state-changing route refuses a request without a valid token, and changes nothing.

The routes are read from the app's url_map when the tests are collected, so a route another
engineer adds later is covered without touching this file. URL arguments get dummy values
(int -> 1, string/path -> "x"); the seed data below makes those point at real objects (user 1,
programme "x", entry 1, mail message 1, ...) so that, without CSRF protection, the request
would reach a view that changes something.

Skipped on purpose: endpoints whose name ends with "webhook". A payment provider's webhook
cannot carry our token; it is authenticated by verifying the provider's signature over the raw
body instead (tested with the webhook itself).
"""

from __future__ import annotations

import re
import uuid

import pytest
from flask import url_for
from werkzeug.routing.converters import (
    AnyConverter,
    FloatConverter,
    IntegerConverter,
    UUIDConverter,
)

from core.extensions import db
from core.outbox.models import MailMessage
from podium import create_app
from tests.factories import PASSWORD

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
CSRF_MESSAGE = b"The form expired or was not sent from this site."
EN = {"Accept-Language": "en"}


def _unsafe_routes() -> list[tuple[str, str, str]]:
    """(endpoint, rule, method) for every rule accepting an unsafe method, webhooks excepted."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True})
    return sorted(
        (rule.endpoint, rule.rule, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods & UNSAFE_METHODS
        if not rule.endpoint.endswith("webhook")
    )


ROUTES = _unsafe_routes()


def _dummy(converter):
    if isinstance(converter, IntegerConverter):
        return 1
    if isinstance(converter, FloatConverter):
        return 1.0
    if isinstance(converter, UUIDConverter):
        return uuid.UUID(int=1)
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    return "x"


def _url(app, endpoint: str, rule_text: str, method: str) -> str:
    [rule] = [r for r in app.url_map.iter_rules(endpoint) if r.rule == rule_text]
    values = {name: _dummy(conv) for name, conv in rule._converters.items()}
    with app.test_request_context():
        return url_for(endpoint, _method=method, **values)


def _snapshot() -> dict[str, list[str]]:
    """Every committed row of every table."""
    with db.engine.connect() as conn:
        return {
            table.name: sorted(repr(tuple(row)) for row in conn.execute(table.select()))
            for table in db.metadata.sorted_tables
        }


@pytest.fixture
def csrf_app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app


@pytest.fixture
def seeded(csrf_app, client, login, make_user, make_programme, make_entry, make_juror, clock):
    """An admin (id 1, logged in) and objects with id 1 / slug "x" for the dummy URL values."""
    admin = make_user("admin@example.org", admin=True)
    programme = make_programme(slug="x")
    make_entry(programme, owner=admin)
    make_juror(programme, admin, role="chair")
    db.session.add(
        MailMessage(
            to_addr="ann@example.org",
            subject="Failed",
            body_text="x",
            attachments=[],
            kind="test",
            status="failed",
            attempts=6,
            next_attempt_at=clock(),
            created_at=clock(),
        )
    )
    db.session.commit()
    login(admin)
    return admin


def test_routes_were_collected():
    endpoints = {endpoint for endpoint, _rule, _method in ROUTES}
    assert {"accounts.login", "accounts.logout", "outbox.retry"} <= endpoints


@pytest.mark.parametrize(
    ("endpoint", "rule", "method"), ROUTES, ids=[f"{m} {r}" for _e, r, m in ROUTES]
)
def test_unsafe_request_without_token_is_refused(csrf_app, client, seeded, endpoint, rule, method):
    url = _url(csrf_app, endpoint, rule, method)
    before = _snapshot()
    response = client.open(
        url,
        method=method,
        data={"email": "admin@example.org", "password": PASSWORD, "name": "x", "reason": "x"},
        headers=EN,
    )
    assert response.status_code == 400, (url, response.status_code)
    assert CSRF_MESSAGE in response.data
    assert _snapshot() == before


def test_wrong_token_is_refused(csrf_app, client, make_user):
    make_user("bob@example.org")
    response = client.post(
        "/login",
        data={"email": "bob@example.org", "password": PASSWORD, "csrf_token": "forged"},
        headers=EN,
    )
    assert response.status_code == 400 and CSRF_MESSAGE in response.data
    with client.session_transaction() as session:
        assert "_user_id" not in session


def _token(page: bytes) -> str:
    match = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        rb'type="hidden" name="csrf_token" value="([^"]+)"', page
    )
    assert match, page
    return match.group(1).decode()


def test_login_and_logout_with_the_token_from_the_form(csrf_app, client, make_user):
    user = make_user("bob@example.org")
    token = _token(client.get("/login").data)
    response = client.post(
        "/login", data={"email": "bob@example.org", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert session["_user_id"] == user.get_id()

    token = _token(client.get("/account").data)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    with client.session_transaction() as session:
        assert "_user_id" not in session
