"""Accounts through the test client: sign-up, e-mail verification, resending the link, profile."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from core.accounts.models import User
from core.audit.models import AuditEntry
from core.extensions import db
from tests.factories import PASSWORD

EN = {"Accept-Language": "en"}


def _link(message, kind: str) -> str:
    """The path of the absolute link in a queued mail."""
    match = re.search(rf"http://localhost(/{kind}/\S+)", message.body_text)
    assert match, message.body_text
    return match.group(1)


def _users() -> list[User]:
    return db.session.scalars(sa.select(User)).all()


def _signup(client, **overrides):
    data = {
        "name": "Ada Lovelace",
        "email": "Ada@Example.org ",
        "password": PASSWORD,
        "confirm": PASSWORD,
        "language": "en",
        **overrides,
    }
    return client.post("/signup", data=data, headers=EN)


def _session_user(client):
    with client.session_transaction() as session:
        return session.get("_user_id")


# sign-up and verification


def test_signup_page_renders(client):
    response = client.get("/signup", headers=EN)
    assert response.status_code == 200
    assert b"Create an account" in response.data


def test_signup_creates_unverified_user_and_mails_link(client, outbox, clock):
    response = _signup(client)
    assert response.status_code == 200
    assert b"Check your e-mail" in response.data and b"Ada@Example.org" in response.data
    [user] = _users()
    assert user.email == "ada@example.org"
    assert user.name == "Ada Lovelace" and user.locale == "en"
    assert not user.is_verified and not user.is_admin
    assert user.password_hash.startswith("scrypt:") and user.check_password(PASSWORD)
    assert _session_user(client) is None  # the page is the same for a taken address: no log-in
    [mail] = outbox(to="ada@example.org", kind="account_verify")
    assert mail.subject == "Confirm your e-mail address"
    assert "http://localhost/verify/" in mail.body_text

    clock.advance(days=2)
    response = client.get(_link(mail, "verify"), headers=EN)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    db.session.expire_all()
    assert db.session.get(User, user.id).email_verified_at == clock()
    actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["account.signed_up", "account.verified"]
    login = client.post("/login", data={"email": "ada@example.org", "password": PASSWORD})
    assert login.status_code == 302 and _session_user(client) == user.get_id()


def test_verify_link_is_idempotent(client, outbox):
    _signup(client)
    link = _link(outbox()[0], "verify")
    assert client.get(link).status_code == 302
    assert client.get(link).status_code == 302
    assert _users()[0].is_verified


def test_signup_with_a_taken_address_creates_nothing_and_mails_the_owner(client, make_user, outbox):
    owner = make_user("ada@example.org", name="Ada Original")
    other = "another password!"
    response = _signup(client, email="ADA@example.org", password=other, confirm=other)
    assert response.status_code == 200 and b"Check your e-mail" in response.data
    assert b"already" not in response.data
    assert len(_users()) == 1 and _session_user(client) is None
    db.session.expire_all()
    assert db.session.get(User, owner.id).check_password(PASSWORD)  # nothing changed
    [mail] = outbox()
    assert (mail.to_addr, mail.kind) == ("ada@example.org", "account_signup_exists")
    assert "Hello Ada Original," in mail.body_text
    assert "http://localhost/login" in mail.body_text
    assert "http://localhost/password/forgot" in mail.body_text


def test_signup_mails_at_most_once_a_minute_per_address(client, make_user, outbox, clock):
    make_user("ada@example.org")
    _signup(client)
    _signup(client)
    assert len(outbox(kind="account_signup_exists")) == 1
    clock.advance(minutes=1, seconds=1)
    _signup(client)
    assert len(outbox(kind="account_signup_exists")) == 2


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"password": "short", "confirm": "short"}, b"at least 10 characters"),
        ({"confirm": "something else entirely"}, b"not the same"),
        ({"email": "not-an-address"}, b"not a valid e-mail address"),
        ({"name": "  "}, b"Enter your name"),
        ({"language": "de"}, b"Not a valid choice"),
    ],
)
def test_signup_refuses_bad_input(client, outbox, overrides, message):
    response = _signup(client, **overrides)
    assert response.status_code == 400
    assert message in response.data
    assert _users() == [] and outbox() == []


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
        lambda t: "x" + t,
        lambda t: "garbage",
    ],
)
def test_tampered_verify_link_gives_clear_page(client, outbox, mangle):
    _signup(client)
    token = _link(outbox()[0], "verify").rsplit("/", 1)[1]
    response = client.get(f"/verify/{mangle(token)}", headers=EN)
    assert response.status_code == 400
    assert b"This link is not valid." in response.data
    assert not _users()[0].is_verified


def test_expired_verify_link_gives_clear_page_and_resend_button(client, outbox, clock, login):
    _signup(client)
    link = _link(outbox()[0], "verify")
    login(_users()[0])
    clock.advance(days=3, seconds=1)
    response = client.get(link, headers=EN)
    assert response.status_code == 400
    assert b"This link has expired." in response.data
    assert b"/account/resend-verification" in response.data
    assert not _users()[0].is_verified


def test_verify_link_dies_when_the_address_changes(client, outbox):
    _signup(client)
    link = _link(outbox()[0], "verify")
    user = _users()[0]
    user.email = "other@example.org"
    db.session.commit()
    assert client.get(link).status_code == 400
    assert not _users()[0].is_verified


def test_reset_token_is_not_a_verify_token(client, make_user, outbox):
    make_user("bob@example.org", verified=False)
    client.post("/password/forgot", data={"email": "bob@example.org"})
    token = _link(outbox()[0], "reset").rsplit("/", 1)[1]
    assert client.get(f"/verify/{token}").status_code == 400
    assert not _users()[0].is_verified


def test_unverified_user_sees_notice_and_can_resend(client, make_user, login, outbox, clock):
    user = make_user("carol@example.org", verified=False)
    login(user)
    page = client.get("/account", headers=EN)
    assert b"Please confirm your e-mail address" in page.data
    assert b"/account/resend-verification" in page.data

    response = client.post("/account/resend-verification", data={"next": "/account"})
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert len(outbox(kind="account_verify")) == 1
    # a second request within the minute is refused with a message, no mail
    client.post("/account/resend-verification", headers=EN)
    assert len(outbox(kind="account_verify")) == 1
    assert b"Please wait a minute" in client.get("/account", headers=EN).data
    clock.advance(minutes=2)
    client.post("/account/resend-verification")
    mails = outbox(kind="account_verify")
    assert len(mails) == 2
    assert client.get(_link(mails[-1], "verify")).status_code == 302
    assert _users()[0].is_verified


def test_resend_for_verified_user_sends_nothing(client, make_user, login, outbox):
    login(make_user())
    client.post("/account/resend-verification")
    assert outbox() == []
    assert b"not confirmed yet" not in client.get("/account", headers=EN).data


def test_resend_needs_login(client, outbox):
    response = client.post("/account/resend-verification")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert outbox() == []


# profile


def test_profile_changes_name_and_language(client, make_user, login):
    user = make_user(name="Old Name")
    login(user)
    page = client.get("/account", headers=EN)
    assert page.status_code == 200 and b"Old Name" in page.data
    response = client.post("/account", data={"name": "  New   Name ", "language": "en"})
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert (user.name, user.locale) == ("New Name", "en")
    with client.session_transaction() as session:
        assert session["lang"] == "en"


@pytest.mark.parametrize("data", [{"name": "", "language": "en"}, {"name": "X", "language": "fr"}])
def test_profile_refuses_bad_input(client, make_user, login, data):
    user = make_user(name="Same")
    login(user)
    assert client.post("/account", data=data).status_code == 400
    db.session.expire_all()
    assert db.session.get(User, user.id).name == "Same"


def test_profile_needs_login(client):
    response = client.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
