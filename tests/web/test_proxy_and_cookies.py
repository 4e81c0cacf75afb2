"""Cookies, HTTPS and proxies: the remember cookie is Lax, HttpOnly and lasts 30 days; in
production every cookie is Secure and HTTPS responses carry HSTS; behind PODIUM_PROXIES=n
proxies the client's address (the rate-limit key), scheme and host come from X-Forwarded-*,
and without it those headers are ignored. The local test checkout is never reachable in
production."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from core.extensions import db
from events.models import Payment, Registration
from tests.apps import PRODUCTION, another_app, forget_address, fresh_address, needs_redis
from tests.factories import PASSWORD

PROXY = "10.0.0.2"  # the reverse proxy's own address, the peer the app sees


def _cookie(response, name: str) -> dict[str, str]:
    """The attributes of the Set-Cookie header for `name` (lower-case keys, "" for flags)."""
    for header in response.headers.getlist("Set-Cookie"):
        first, *attributes = (part.strip() for part in header.split(";"))
        if first.startswith(f"{name}="):
            pairs = (attribute.partition("=") for attribute in attributes)
            return {key.lower(): value for key, _, value in pairs}
    raise AssertionError(f"no {name} cookie in {response.headers.getlist('Set-Cookie')}")


def _log_in(client, email: str, password: str = PASSWORD, **kw):
    return client.post("/login", data={"email": email, "password": password, "remember": "y"}, **kw)


def test_the_remember_cookie_is_lax_httponly_and_lasts_30_days(client, make_user):
    user = make_user()
    response = _log_in(client, user.email)
    assert response.status_code == 302
    remember = _cookie(response, "remember_token")
    assert remember["samesite"] == "Lax"
    assert "httponly" in remember
    lasts = parsedate_to_datetime(remember["expires"]) - datetime.now(UTC)
    assert timedelta(days=29) < lasts <= timedelta(days=30)
    # development over http://127.0.0.1: not Secure, or the browser would drop them
    assert "secure" not in remember
    assert "secure" not in _cookie(response, "session")


@needs_redis
def test_in_production_the_session_and_remember_cookies_are_secure(session_app, make_user):
    user = make_user()
    db.session.commit()  # the other app's requests must see the account
    address = fresh_address()
    try:
        with another_app(session_app, **PRODUCTION) as production:
            client = production.test_client()
            response = _log_in(
                client,
                user.email,
                base_url="https://podium.example",
                environ_base={"REMOTE_ADDR": address},
            )
            assert response.status_code == 302
            for name in ("session", "remember_token"):
                cookie = _cookie(response, name)
                assert "secure" in cookie
                assert "httponly" in cookie
                assert cookie["samesite"] == "Lax"
    finally:
        forget_address(address)


def test_hsts_only_in_production_over_https(session_app, client):
    assert (
        "Strict-Transport-Security"
        not in client.get("/healthz", base_url="https://localhost").headers
    )
    with another_app(session_app, **PRODUCTION) as production:
        secure = production.test_client().get("/healthz", base_url="https://podium.example")
        assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
        plain = production.test_client().get("/healthz", base_url="http://podium.example")
        assert "Strict-Transport-Security" not in plain.headers


def test_behind_a_proxy_the_forwarded_scheme_makes_https(session_app):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"}
    with another_app(session_app, **PRODUCTION, PROXIES=1) as production:
        response = production.test_client().get(
            "/healthz",
            headers=forwarded,
            base_url="http://podium.example",
            environ_base={"REMOTE_ADDR": PROXY},
        )
        assert "Strict-Transport-Security" in response.headers
    with another_app(session_app, **PRODUCTION) as unproxied:  # the header is not trusted
        response = unproxied.test_client().get(
            "/healthz",
            headers=forwarded,
            base_url="http://podium.example",
            environ_base={"REMOTE_ADDR": PROXY},
        )
        assert "Strict-Transport-Security" not in response.headers


def test_behind_a_proxy_links_use_the_forwarded_host_and_scheme(session_app, make_event):
    event = make_event("proxied-talk")
    db.session.commit()
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "podium.example"}
    page = "https://podium.example/events/proxied-talk"
    with another_app(session_app, PROXIES=1) as proxied:
        html = proxied.test_client().get(f"/events/{event.slug}", headers=forwarded).text
        assert quote(page, safe="") in html
    with another_app(session_app) as unproxied:
        html = unproxied.test_client().get(f"/events/{event.slug}", headers=forwarded).text
        assert quote(page, safe="") not in html
        assert quote("http://localhost/events/proxied-talk", safe="") in html


def _attempts(client, forwarded_for: str, n: int) -> list[int]:
    """Statuses of `n` log-in posts through the proxy (no password: every post counts against
    the limit, and the test is spared the password hashing)."""
    return [
        client.post(
            "/login",
            data={"email": "nobody@example.org"},
            headers={"X-Forwarded-For": forwarded_for},
            environ_base={"REMOTE_ADDR": PROXY},
        ).status_code
        for _ in range(n)
    ]


def test_behind_one_proxy_each_client_has_its_own_limit(session_app):
    with another_app(session_app, PROXIES=1) as proxied:
        client = proxied.test_client()
        assert 429 not in _attempts(client, "198.51.100.7", 10)
        assert _attempts(client, "198.51.100.7", 1) == [429]
        assert 429 not in _attempts(client, "198.51.100.8", 10)  # a budget of its own
        # a client cannot choose its address: the proxy appends the one it saw, which counts
        spoofed = [_attempts(client, f"203.0.113.{n}, 198.51.100.8", 1)[0] for n in range(3)]
        assert spoofed == [429] * 3


def test_without_proxies_x_forwarded_for_is_ignored(client):
    assert 429 not in _attempts(client, "198.51.100.7", 10)
    # another "client" through the same peer: the header cannot buy a fresh budget
    assert _attempts(client, "198.51.100.8", 1) == [429]


def test_an_ipv6_client_is_limited_by_its_64_network(client):
    def attempt(address):
        return client.post(
            "/login", data={"email": "nobody@example.org"}, environ_base={"REMOTE_ADDR": address}
        ).status_code

    statuses = [attempt(f"2001:db8:1:2::{n:x}") for n in range(1, 11)]
    assert 429 not in statuses
    assert attempt("2001:db8:1:2::ffff") == 429  # same /64, new address
    assert attempt("2001:db8:1:3::1") != 429  # another network


@pytest.mark.parametrize(
    "settings",
    [
        {
            **PRODUCTION,
            "STRIPE_SECRET_KEY": "",
            "STRIPE_WEBHOOK_SECRET": "",
            "WITHOUT_PAYMENTS": True,
        },
        {**PRODUCTION, "STRIPE_SECRET_KEY": "sk_live_real_money"},
        {**PRODUCTION},
    ],
    ids=["production without payments", "production with a live key", "production with Stripe"],
)
def test_the_local_test_checkout_is_404_in_production(
    session_app, client, make_registration, settings
):
    registration = make_registration(paying=True)
    started = client.post(f"/events/r/{registration.token}/pay")  # a test session, in development
    checkout = started.headers["Location"]
    assert "/events/test-checkout/cs_test_local_" in checkout
    with another_app(session_app, **settings) as production:
        visitor = production.test_client()
        assert visitor.get(checkout).status_code == 404
        assert visitor.post(checkout, data={"action": "pay"}).status_code == 404
    db.session.rollback()
    assert db.session.get(Registration, registration.id).state == "pending_payment"
    assert db.session.scalar(sa.select(Payment.payment_intent_id)) is None


def test_production_without_payments_refuses_to_take_one(session_app, make_registration):
    registration = make_registration(paying=True)
    db.session.commit()
    unpaid = {**PRODUCTION, "STRIPE_SECRET_KEY": "", "STRIPE_WEBHOOK_SECRET": ""}
    with another_app(session_app, **unpaid, WITHOUT_PAYMENTS=True) as production:
        response = production.test_client().post(f"/events/r/{registration.token}/pay?lang=en")
    assert response.status_code == 503
    assert "Payments are not available on this site" in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 0
