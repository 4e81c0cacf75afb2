"""Sessions end when they should: a session cookie or a remember cookie captured before a
log-out, a password change or a password reset no longer opens `/account` afterwards, on any
device (`User.session_token`, checked by `core.accounts.auth.load_user`)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from core.accounts.auth import load_user
from core.accounts.models import User
from core.audit.models import AuditEntry
from core.extensions import db
from tests.factories import PASSWORD

EN = {"Accept-Language": "en"}
EMAIL = "mia@example.org"
NEW_PASSWORD = "a brand new secret"


def _session_cookie(app) -> str:
    return app.config["SESSION_COOKIE_NAME"]


def _remember_cookie(app) -> str:
    return app.config.get("REMEMBER_COOKIE_NAME", "remember_token")


def _logged_in_client(app, *, remember: bool = False):
    """A browser that logged in through the log-in form (not the test shortcut)."""
    browser = app.test_client()
    data = {"email": EMAIL, "password": PASSWORD, **({"remember": "y"} if remember else {})}
    assert browser.post("/login", data=data).status_code == 302
    return browser


def _capture(browser, name: str) -> str:
    cookie = browser.get_cookie(name)
    assert cookie is not None and cookie.value, f"no {name} cookie"
    return cookie.value


def _replay(app, name: str, value: str):
    """GET /account in a fresh browser that holds only the captured cookie."""
    thief = app.test_client()
    thief.set_cookie(name, value)
    return thief.get("/account", headers=EN)


def _opens_account(response) -> bool:
    return response.status_code == 200 and b"Your account" in response.data


def _sent_to_login(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def _captured(app, which: str) -> tuple[object, str, str]:
    """Log in (with "stay logged in" for the remember cookie) and capture `which` cookie;
    the captured cookie opens /account on its own before anything happens."""
    browser = _logged_in_client(app, remember=which == "remember")
    name = _session_cookie(app) if which == "session" else _remember_cookie(app)
    value = _capture(browser, name)
    assert _opens_account(_replay(app, name, value))
    return browser, name, value


def _log_out(app, browser, client, outbox):
    assert browser.post("/logout").status_code == 302


def _change_password(app, browser, client, outbox):
    response = browser.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/account"


def _reset_password(app, browser, client, outbox):
    client.post("/password/forgot", data={"email": EMAIL})
    [mail] = outbox(kind="account_reset")
    link = re.search(r"http://localhost(/reset/\S+)", mail.body_text).group(1)
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302


ACTIONS = {"log-out": _log_out, "password change": _change_password, "reset": _reset_password}


@pytest.mark.parametrize("which", ["session", "remember"])
@pytest.mark.parametrize("action", ACTIONS)
def test_a_captured_cookie_no_longer_opens_the_account(
    app, client, make_user, outbox, which, action
):
    make_user(EMAIL)
    db.session.commit()
    browser, name, value = _captured(app, which)
    other_device = _logged_in_client(app)
    assert _opens_account(other_device.get("/account", headers=EN))

    ACTIONS[action](app, browser, client, outbox)

    assert _sent_to_login(_replay(app, name, value))
    assert _sent_to_login(other_device.get("/account", headers=EN))


def test_the_password_change_keeps_this_browser_logged_in_with_its_remember_cookie(app, make_user):
    make_user(EMAIL)
    db.session.commit()
    browser = _logged_in_client(app, remember=True)
    _change_password(app, browser, None, None)
    page = browser.get("/account", headers=EN)
    assert _opens_account(page)
    assert b"You are logged out on every other device." in page.data
    # the browser got a new remember cookie that works on its own
    name = _remember_cookie(app)
    assert _opens_account(_replay(app, name, _capture(browser, name)))
    db.session.expire_all()
    user = db.session.scalar(sa.select(User).where(User.email == EMAIL))
    assert user.check_password(NEW_PASSWORD)
    assert db.session.scalars(sa.select(AuditEntry.action)).all() == ["account.password_changed"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"current_password": "not my password"}, b"That is not your current password."),
        ({"password": "short", "confirm": "short"}, b"at least 10 characters"),
        ({"confirm": "something else entirely"}, b"not the same"),
        ({"current_password": ""}, b"Enter your current password."),
    ],
)
def test_a_refused_password_change_changes_nothing(app, make_user, data, message):
    user = make_user(EMAIL)
    db.session.commit()
    browser, name, value = _captured(app, "session")
    form = {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    response = browser.post("/account/password", data={**form, **data}, headers=EN)
    assert response.status_code == 400 and message in response.data
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.check_password(PASSWORD)
    assert _opens_account(_replay(app, name, value))
    assert db.session.scalars(sa.select(AuditEntry.action)).all() == []


def test_the_account_page_has_the_password_change_form(client, make_user, login):
    login(make_user(EMAIL))
    page = client.get("/account", headers=EN)
    assert b'action="/account/password"' in page.data
    for name in (b"current_password", b"password", b"confirm"):
        assert b'name="' + name + b'"' in page.data


def test_the_password_change_needs_a_login(client, make_user):
    make_user(EMAIL)
    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert _sent_to_login(response)
    assert db.session.scalar(sa.select(User)).check_password(PASSWORD)


@pytest.mark.parametrize(
    "value",
    ["{id}", "{id}:", ":{token}", "x:{token}", "١:{token}", "", "{id}:x", "{other}:{token}"],
)
def test_the_user_loader_accepts_only_the_current_id_and_token(make_user, value):
    user = make_user(EMAIL)
    other = make_user()
    assert load_user(user.get_id()) is user
    assert load_user(value.format(id=user.id, token=user.session_token, other=other.id)) is None
    token = user.session_token
    user.end_sessions()
    assert user.session_token != token and load_user(f"{user.id}:{token}") is None
