"""Accounts through the test client: log-in/out (safe `next`), and the password reset."""

from __future__ import annotations

import re

import pytest

from core.accounts.models import User
from core.extensions import db
from tests.factories import PASSWORD

EN = {"Accept-Language": "en"}
NEW_PASSWORD = "a brand new secret"


def _link(message, kind: str) -> str:
    """The path of the absolute link in a queued mail."""
    match = re.search(rf"http://localhost(/{kind}/\S+)", message.body_text)
    assert match, message.body_text
    return match.group(1)


def _session_user(client):
    with client.session_transaction() as session:
        return session.get("_user_id")


# log-in and log-out


def test_login_with_right_password(client, make_user):
    user = make_user("dave@example.org")
    response = client.post("/login", data={"email": " DAVE@example.org", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert _session_user(client) == user.get_id()
    assert "remember_token=" not in response.headers.get("Set-Cookie", "")


def test_login_remember_me_sets_cookie(client, make_user):
    make_user("dave@example.org")
    response = client.post(
        "/login", data={"email": "dave@example.org", "password": PASSWORD, "remember": "y"}
    )
    cookies = " ".join(response.headers.getlist("Set-Cookie"))
    assert "remember_token=" in cookies


def test_login_errors_are_generic(client, make_user):
    make_user("erin@example.org")
    wrong = client.post(
        "/login", data={"email": "erin@example.org", "password": "wrong password"}, headers=EN
    )
    unknown = client.post(
        "/login", data={"email": "nobody@example.org", "password": PASSWORD}, headers=EN
    )
    message = b"The e-mail address or password is not correct."
    assert wrong.status_code == unknown.status_code == 401
    assert message in wrong.data and message in unknown.data
    assert wrong.data.replace(b"erin@example.org", b"X") == unknown.data.replace(
        b"nobody@example.org", b"X"
    )
    assert _session_user(client) is None


def test_unverified_user_can_log_in_with_notice(client, make_user):
    make_user("fay@example.org", verified=False)
    response = client.post(
        "/login", data={"email": "fay@example.org", "password": PASSWORD}, headers=EN
    )
    assert response.status_code == 302 and _session_user(client)
    with client.session_transaction() as session:
        assert any("confirm your e-mail address" in m for _, m in session["_flashes"])


def test_login_follows_a_safe_next(client, make_user):
    make_user("gus@example.org")
    response = client.post(
        "/login?next=/account%3Ftab%3D1", data={"email": "gus@example.org", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/account?tab=1"


def test_login_required_page_round_trips_through_login(client, make_user):
    make_user("gus@example.org")
    response = client.get("/account")
    assert response.status_code == 302
    login_url = response.headers["Location"]
    assert login_url.startswith("/login?next=")
    page = client.get(login_url)
    assert b'name="next" type="hidden" value="/account"' in page.data
    response = client.post(
        "/login", data={"email": "gus@example.org", "password": PASSWORD, "next": "/account"}
    )
    assert response.headers["Location"] == "/account"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/path",
        "https://evil.example/",
        "http:/evil.example",
        "/\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        "evil.example",
    ],
)
def test_login_refuses_open_redirects(client, make_user, target):
    make_user("hal@example.org")
    response = client.post(
        "/login", data={"email": "hal@example.org", "password": PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_logged_in_user_visiting_login_or_signup_is_redirected(client, make_user, login):
    login(make_user())
    assert client.get("/login").status_code == 302
    assert client.get("/signup").status_code == 302


def test_logout_is_post_only(client, make_user, login):
    user = make_user()
    login(user)
    assert client.get("/logout").status_code == 405
    assert _session_user(client) == user.get_id()
    response = client.post("/logout")
    assert response.status_code == 302
    assert _session_user(client) is None


# password reset


def _forgot(client, email):
    return client.post("/password/forgot", data={"email": email}, headers=EN)


def test_forgot_password_does_not_reveal_accounts(client, make_user, outbox):
    make_user("ivy@example.org")
    known = _forgot(client, "ivy@example.org")
    unknown = _forgot(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    assert known.data == unknown.data
    assert b"If an account exists for that address" in known.data
    assert [m.to_addr for m in outbox()] == ["ivy@example.org"]


def test_forgot_password_sends_at_most_one_link_a_minute(client, make_user, outbox, clock):
    make_user("ivy@example.org")
    _forgot(client, "IVY@example.org")
    _forgot(client, "ivy@example.org")
    assert len(outbox(kind="account_reset")) == 1
    clock.advance(minutes=1, seconds=1)
    _forgot(client, "ivy@example.org")
    assert len(outbox(kind="account_reset")) == 2


def test_forgot_password_form_errors(client, outbox):
    response = _forgot(client, "not an address")
    assert response.status_code == 400
    assert b"not a valid e-mail address" in response.data
    assert outbox() == []


def test_reset_flow_sets_password_verifies_and_is_single_use(client, make_user, outbox, clock):
    user = make_user("jan@example.org", verified=False)
    _forgot(client, "jan@example.org")
    [mail] = outbox(kind="account_reset")
    assert mail.subject == "Choose a new password"
    link = _link(mail, "reset")
    assert client.get(link, headers=EN).status_code == 200

    clock.advance(minutes=30)
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.check_password(NEW_PASSWORD) and not user.check_password(PASSWORD)
    assert user.email_verified_at == clock()

    again = client.post(link, data={"password": "yet another one!", "confirm": "yet another one!"})
    assert again.status_code == 400
    assert b"already been used" in client.get(link, headers=EN).data
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password(NEW_PASSWORD)
    assert (
        client.post(
            "/login", data={"email": "jan@example.org", "password": NEW_PASSWORD}
        ).status_code
        == 302
    )


def test_reset_link_expires_after_an_hour(client, make_user, outbox, clock):
    user = make_user("kim@example.org")
    _forgot(client, "kim@example.org")
    link = _link(outbox()[0], "reset")
    clock.advance(hours=1, seconds=1)
    response = client.post(
        link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, headers=EN
    )
    assert response.status_code == 400
    assert b"This link has expired." in response.data
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password(PASSWORD)


def test_tampered_reset_link_gives_clear_page(client, make_user):
    response = client.get("/reset/not-a-real-token", headers=EN)
    assert response.status_code == 400
    assert b"This link is not valid." in response.data
    assert b"/password/forgot" in response.data


def test_reset_refuses_a_weak_password(client, make_user, outbox):
    user = make_user("lea@example.org")
    _forgot(client, "lea@example.org")
    link = _link(outbox()[0], "reset")
    response = client.post(link, data={"password": "short", "confirm": "short"}, headers=EN)
    assert response.status_code == 400
    assert b"at least 10 characters" in response.data
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password(PASSWORD)
