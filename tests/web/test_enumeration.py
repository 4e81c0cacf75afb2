"""No enumeration: sign-up, the password reset request and event registration answer the same
for an address that is known and one that is not, and do the same work for both (counted, not
timed: password hashes, mails rendered, outbox rows). The e-mail tells the owner what happened."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
from flask import template_rendered
from werkzeug import security

from core.accounts import models as account_models
from core.accounts.models import User
from core.audit.models import AuditEntry
from core.extensions import db
from core.outbox.models import MailMessage
from events.models import Registration
from tests.factories import PASSWORD, make_event, make_member_org

EN = {"Accept-Language": "en"}
KNOWN, UNKNOWN = "known@example.org", "unknown@example.org"


@dataclass
class Work:
    """What one request did: password hashes made, mail templates rendered, mails queued,
    audit entries written."""

    hashes: int = 0
    mails_rendered: list[str] = field(default_factory=list)
    mails_queued: list[str] = field(default_factory=list)
    audited: list[str] = field(default_factory=list)


@contextmanager
def counting(app, monkeypatch):
    """Count the work of the requests made inside: every password hash (the real one runs),
    every rendered template under mail/, every outbox row and audit entry written."""
    work = Work()

    def hash_and_count(password, *args, **kwargs):
        work.hashes += 1
        return security.generate_password_hash(password, *args, **kwargs)

    def rendered(_sender, template, context, **_extra):
        if template.name.startswith("mail/") and template.name.endswith(".txt"):
            work.mails_rendered.append(template.name)

    monkeypatch.setattr(account_models, "generate_password_hash", hash_and_count)
    before = db.session.scalar(sa.select(sa.func.max(MailMessage.id))) or 0
    audit_before = db.session.scalar(sa.select(sa.func.max(AuditEntry.id))) or 0
    with template_rendered.connected_to(rendered, app):
        yield work
    db.session.rollback()
    work.mails_queued = db.session.scalars(
        sa.select(MailMessage.kind).where(MailMessage.id > before).order_by(MailMessage.id)
    ).all()
    work.audited = db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.id > audit_before).order_by(AuditEntry.id)
    ).all()


def _same_page(known, unknown) -> None:
    """The same status, Location and body, the addresses themselves aside."""
    assert known.status_code == unknown.status_code
    assert known.headers.get("Location") == unknown.headers.get("Location")
    assert known.data.replace(KNOWN.encode(), b"X") == unknown.data.replace(UNKNOWN.encode(), b"X")


def _session(client) -> dict:
    with client.session_transaction() as session:
        return {k: v for k, v in session.items() if k != "csrf_token"}


def _same_session(known_client, unknown_client) -> None:
    def masked(client, address):
        return repr(_session(client)).replace(address, "X")

    assert masked(known_client, KNOWN) == masked(unknown_client, UNKNOWN)


# sign-up


def _signup(client, email):
    return client.post(
        "/signup",
        data={
            "name": "Ada",
            "email": email,
            "password": PASSWORD,
            "confirm": PASSWORD,
            "language": "en",
        },
        headers=EN,
    )


def test_signup_answers_the_same_and_does_the_same_work(app, make_user, monkeypatch):
    make_user(KNOWN)
    db.session.commit()
    known_client, unknown_client = app.test_client(), app.test_client()
    with counting(app, monkeypatch) as known_work:
        known = _signup(known_client, KNOWN)
    with counting(app, monkeypatch) as unknown_work:
        unknown = _signup(unknown_client, UNKNOWN)

    _same_page(known, unknown)
    assert known.status_code == 200 and b"Check your e-mail" in known.data
    _same_session(known_client, unknown_client)
    assert known_work.hashes == unknown_work.hashes == 1
    assert known_work.mails_rendered == ["mail/account_signup_exists.txt"]
    assert unknown_work.mails_rendered == ["mail/account_verify.txt"]
    assert known_work.mails_queued == ["account_signup_exists"]
    assert unknown_work.mails_queued == ["account_verify"]
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 2


def test_a_repeated_signup_does_the_same_work_for_both(app, make_user, monkeypatch):
    """The second try within a minute sends no mail, whichever kind the first one sent."""
    make_user(KNOWN)
    db.session.commit()
    client = app.test_client()
    _signup(client, KNOWN), _signup(client, UNKNOWN)
    with counting(app, monkeypatch) as known_work:
        known = _signup(client, KNOWN)
    with counting(app, monkeypatch) as unknown_work:
        unknown = _signup(client, UNKNOWN)
    _same_page(known, unknown)
    assert known_work == unknown_work == Work(hashes=1)  # no mail, no write


# password reset


def _forgot(client, email):
    return client.post("/password/forgot", data={"email": email}, headers=EN)


@pytest.mark.parametrize("repeat", [False, True])
def test_forgot_password_answers_the_same_and_does_the_same_work(
    app, make_user, monkeypatch, repeat
):
    make_user(KNOWN)
    db.session.commit()
    known_client, unknown_client = app.test_client(), app.test_client()
    if repeat:  # the second request within a minute queues nothing, after the same work
        _forgot(known_client, KNOWN), _forgot(unknown_client, UNKNOWN)
    with counting(app, monkeypatch) as known_work:
        known = _forgot(known_client, KNOWN)
    with counting(app, monkeypatch) as unknown_work:
        unknown = _forgot(unknown_client, UNKNOWN)

    _same_page(known, unknown)
    assert known.status_code == 200
    _same_session(known_client, unknown_client)
    assert known_work.mails_rendered == unknown_work.mails_rendered == ["mail/account_reset.txt"]
    # both write (a committed write costs the same on both paths): the request is audited
    assert known_work.audited == unknown_work.audited == ["account.reset_requested"]
    # the reset mail itself goes only to an account's address
    assert known_work.mails_queued == ([] if repeat else ["account_reset"])
    assert unknown_work.mails_queued == []
    entry = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.object_type, entry.object_id, entry.actor_id, entry.data) == (
        "User",
        None,
        None,
        {},
    )
    assert (
        db.session.scalar(sa.select(MailMessage.to_addr).where(MailMessage.to_addr == UNKNOWN))
        is None
    )


# event registration


def _register(client, event, email):
    data = {"name": "Isa", "email": email, "organisation": "DDMA", "job_title": "Counsel",
            "privacy_consent": "y", "billing_country": "NL"}  # fmt: skip
    return client.post(f"/events/{event.slug}/register", data=data, headers=EN)


@pytest.mark.parametrize("state", ["pending_verification", "confirmed"])
def test_event_registration_answers_the_same_and_does_the_same_work(
    app, client, outbox, clock, monkeypatch, state
):
    make_member_org("Example", "example.org")
    event = make_event()
    known_client, unknown_client = app.test_client(), app.test_client()
    assert _register(known_client, event, KNOWN).status_code == 302
    if state == "confirmed":
        (mail,) = outbox(to=KNOWN, kind="event_verify")
        link = mail.body_text.split("http://localhost", 1)[1].split()[0]
        assert known_client.get(link).status_code == 302
    assert db.session.scalar(sa.select(Registration.state)) == state
    clock.advance(minutes=2)  # past the one-mail-a-minute limit
    known_client, unknown_client = app.test_client(), app.test_client()

    with counting(app, monkeypatch) as known_work:
        known = _register(known_client, event, KNOWN.upper())
    with counting(app, monkeypatch) as unknown_work:
        unknown = _register(unknown_client, event, UNKNOWN.upper())

    assert known.status_code == 302 and known.location.endswith(f"/events/{event.slug}/registered")
    _same_page(known, unknown)
    _same_session(known_client, unknown_client)
    _same_page(known_client.get(known.location), unknown_client.get(unknown.location))
    link_mail = "event_verify" if state == "pending_verification" else "event_manage_link"
    assert known_work.mails_queued == [link_mail]
    assert unknown_work.mails_queued == ["event_verify"]
    assert len(known_work.mails_rendered) == len(unknown_work.mails_rendered) == 1
    assert db.session.scalar(sa.select(sa.func.count(Registration.id))) == 2
