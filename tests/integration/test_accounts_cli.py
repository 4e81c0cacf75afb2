"""`flask users create-admin` and `flask users list`."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from core.accounts.models import User
from core.extensions import db
from tests.factories import PASSWORD

ADMIN_PASSWORD = "an admin secret 42"


def _run(app, *args, input=None):
    result = app.test_cli_runner().invoke(args=["users", *args], input=input)
    db.session.expire_all()
    return result


def _users():
    return db.session.scalars(sa.select(User).order_by(User.id)).all()


def test_create_admin_with_password(app, clock):
    result = _run(
        app,
        "create-admin",
        "--email",
        " Root@Example.org",
        "--name",
        "Root",
        "--password",
        ADMIN_PASSWORD,
    )
    assert result.exit_code == 0, result.output
    assert "Created admin root@example.org" in result.output
    [user] = _users()
    assert (user.email, user.name, user.is_admin) == ("root@example.org", "Root", True)
    assert user.email_verified_at == clock()
    assert user.check_password(ADMIN_PASSWORD)


def test_create_admin_prompts_hidden_with_confirmation(app):
    result = _run(
        app,
        "create-admin",
        "--email",
        "root@example.org",
        "--name",
        "Root",
        input=f"{ADMIN_PASSWORD}\n{ADMIN_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert ADMIN_PASSWORD not in result.output  # hidden input is not echoed
    assert "Repeat for confirmation" in result.output
    assert _users()[0].check_password(ADMIN_PASSWORD)


def test_create_admin_prompt_mismatch_creates_nothing(app):
    result = _run(
        app,
        "create-admin",
        "--email",
        "root@example.org",
        "--name",
        "Root",
        input=f"{ADMIN_PASSWORD}\nsomething different\n",
    )
    assert result.exit_code != 0
    assert _users() == []


def test_create_admin_refuses_short_password_and_bad_email(app):
    short = _run(
        app, "create-admin", "--email", "a@example.org", "--name", "A", "--password", "short"
    )
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    bad = _run(
        app,
        "create-admin",
        "--email",
        "not-an-address",
        "--name",
        "A",
        "--password",
        ADMIN_PASSWORD,
    )
    assert bad.exit_code == 1 and "not a valid e-mail address" in bad.output
    assert _users() == []


def test_create_admin_promotes_existing_user_keeping_password(app, make_user, clock):
    user = make_user("member@example.org", verified=False, name="Member")
    result = _run(app, "create-admin", "--email", "MEMBER@example.org", "--name", "Member Admin")
    assert result.exit_code == 0, result.output
    assert "Promoted admin member@example.org" in result.output
    [user] = _users()
    assert user.is_admin and user.is_verified and user.name == "Member Admin"
    assert user.check_password(PASSWORD)


def test_create_admin_promote_with_new_password(app, make_user):
    make_user("member@example.org")
    result = _run(
        app,
        "create-admin",
        "--email",
        "member@example.org",
        "--name",
        "M",
        "--password",
        ADMIN_PASSWORD,
    )
    assert result.exit_code == 0
    assert _users()[0].check_password(ADMIN_PASSWORD)


def test_users_list(app, make_user):
    make_user("admin@example.org", admin=True)
    make_user("plain@example.org", verified=False)
    make_user("staff@example.org", is_staff=True, deactivated_at=datetime(2025, 3, 1, tzinfo=UTC))
    everyone = _run(app, "list").output
    assert "admin@example.org" in everyone and "admin,verified" in everyone
    assert "staff,verified,deactivated" in everyone
    assert "plain@example.org" in everyone
    admins = _run(app, "list", "--admins").output
    assert "admin@example.org" in admins and "plain@example.org" not in admins
