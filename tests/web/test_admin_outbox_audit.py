"""Admin pages: the e-mail outbox (list, message, retry) and the audit log."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
import sqlalchemy as sa

from core.audit.models import AuditEntry
from core.audit.services import record
from core.extensions import db
from core.outbox.models import MailMessage

EN = {"Accept-Language": "en"}


@pytest.fixture
def admin(make_user, login):
    user = make_user("admin@example.org", name="Ada Admin", admin=True, locale="en")
    login(user)
    return user


@pytest.fixture
def make_message(clock):
    def _make(subject="Hello", status="queued", **kw) -> MailMessage:
        message = MailMessage(
            to_addr=kw.pop("to_addr", "ann@example.org"),
            subject=subject,
            body_text=kw.pop("body_text", "Text body."),
            body_html=kw.pop("body_html", None),
            attachments=kw.pop("attachments", []),
            kind=kw.pop("kind", "test"),
            status=status,
            attempts=kw.pop("attempts", 0),
            next_attempt_at=kw.pop("next_attempt_at", clock()),
            created_at=kw.pop("created_at", clock()),
            **kw,
        )
        db.session.add(message)
        db.session.commit()
        return message

    return _make


PAGES = ["/admin/outbox/", "/admin/outbox/{id}", "/admin/audit/"]


@pytest.mark.parametrize("page", PAGES)
def test_pages_send_anonymous_visitors_to_login(client, make_message, page):
    response = client.get(page.format(id=make_message().id))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("page", PAGES)
def test_pages_refuse_a_normal_user(client, make_user, login, make_message, page):
    login(make_user())
    assert client.get(page.format(id=make_message().id)).status_code == 403


@pytest.mark.parametrize("as_user", [False, True])
def test_retry_needs_an_admin(client, make_user, login, make_message, as_user):
    message = make_message(status="failed", attempts=6)
    if as_user:
        login(make_user())
    response = client.post(f"/admin/outbox/{message.id}/retry")
    assert response.status_code == (403 if as_user else 302)
    db.session.expire_all()
    assert (message.status, message.attempts) == ("failed", 6)


def test_outbox_list_newest_first_with_status_filter(client, admin, make_message, clock):
    make_message("Old one", status="sent", created_at=clock() - timedelta(days=1))
    make_message("New one", status="failed")
    page = client.get("/admin/outbox/", headers=EN).get_data(as_text=True)
    assert page.index("New one") < page.index("Old one")
    assert "Sent: 1" in page and "Failed: 1" in page
    sent = client.get("/admin/outbox/?status=sent", headers=EN).get_data(as_text=True)
    assert "Old one" in sent and "New one" not in sent


def test_outbox_list_unknown_status_is_ignored_with_message(client, admin, make_message):
    make_message("Visible")
    response = client.get("/admin/outbox/?status=bogus&page=abc", headers=EN)
    assert response.status_code == 200
    assert b"Visible" in response.data and b"Not a valid choice" in response.data


def test_outbox_list_paginates(client, admin, make_message, clock):
    for n in range(51):
        make_message(f"Message {n:02d}", created_at=clock() + timedelta(minutes=n))
    first = client.get("/admin/outbox/?status=queued", headers=EN).get_data(as_text=True)
    assert "Message 50" in first and "Message 01" in first and "Message 00" not in first
    assert "Page 1 of 2" in first and "/admin/outbox/?page=2&amp;status=queued" in first
    second = client.get("/admin/outbox/?page=2&status=queued").get_data(as_text=True)
    assert "Message 00" in second and "Message 01" not in second
    assert client.get("/admin/outbox/?page=99").status_code == 200


def test_outbox_message_page_escapes_html(client, admin, make_message):
    pdf = base64.b64encode(b"%PDF-1.4 tiny").decode()
    message = make_message(
        "Invoice",
        body_text="Dear Ann,\nthe invoice is attached.",
        body_html='<p>Hi</p><script>alert("x")</script>',
        attachments=[
            {"filename": "invoice.pdf", "content_type": "application/pdf", "data_b64": pdf}
        ],
        last_error="SMTPRecipientsRefused: 550",
        status="failed",
    )
    page = client.get(f"/admin/outbox/{message.id}", headers=EN).get_data(as_text=True)
    assert "ann@example.org" in page and "Invoice" in page
    assert "the invoice is attached." in page
    assert "invoice.pdf" in page and "13 bytes" in page
    assert "SMTPRecipientsRefused: 550" in page
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    assert f"/admin/outbox/{message.id}/retry" in page


def test_a_referenced_attachment_has_no_size_before_delivery(client, admin, make_message):
    ticket = {
        "filename": "ticket.pdf",
        "content_type": "application/pdf",
        "document": {"kind": "ticket", "registration_id": 1},
    }
    message = make_message("Ticket", attachments=[ticket])
    page = client.get(f"/admin/outbox/{message.id}", headers=EN).get_data(as_text=True)
    assert "ticket.pdf" in page and "size not known yet" in page and "bytes" not in page


def test_outbox_message_404(client, admin):
    assert client.get("/admin/outbox/999").status_code == 404
    assert client.post("/admin/outbox/999/retry").status_code == 404


def test_retry_requeues_a_failed_message_and_audits(client, admin, make_message, clock):
    message = make_message(status="failed", attempts=6, last_error="boom")
    clock.advance(hours=3)
    response = client.post(f"/admin/outbox/{message.id}/retry")
    assert response.status_code == 302
    db.session.expire_all()
    assert (message.status, message.attempts, message.next_attempt_at) == ("queued", 0, clock())
    entry = db.session.scalar(sa.select(AuditEntry))
    assert (entry.action, entry.actor_id, entry.object_id) == ("mail.retried", admin.id, message.id)
    assert entry.data == {"previous_status": "failed"}


@pytest.mark.parametrize("status", ["sent", "queued"])
def test_retry_refuses_other_statuses(client, admin, make_message, status):
    message = make_message(status=status, attempts=2)
    response = client.post(f"/admin/outbox/{message.id}/retry", headers=EN)
    assert response.status_code == 302
    db.session.expire_all()
    assert (message.status, message.attempts) == (status, 2)
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) == 0
    page = client.get(f"/admin/outbox/{message.id}", headers=EN).get_data(as_text=True)
    assert "Only failed or logged messages can be sent again." in page


def _entry(action, clock, obj, *, actor=None, scope=None, minutes=0, **data):
    entry = record(
        action,
        obj,
        now=clock() + timedelta(minutes=minutes),
        actor=actor,
        scope=scope,
        **data,
    )
    db.session.commit()
    return entry


def test_audit_lists_newest_first_with_actor_and_data(client, admin, clock):
    _entry("account.signed_up", clock, admin, actor=admin)
    _entry("entry.submitted", clock, admin, minutes=5, ref="E001")
    page = client.get("/admin/audit/", headers=EN).get_data(as_text=True)
    page = page[page.index("<tbody>") :]
    assert page.index("entry.submitted") < page.index("account.signed_up")
    assert "Ada Admin" in page and "system" in page
    assert "<dt>Reference</dt><dd>E001</dd>" in page  # core.labels.audit_details
    assert "User #" in page


def test_audit_filters_by_action_prefix_and_programme(client, admin, clock, make_programme):
    programme, other = make_programme(), make_programme()
    _entry("entry.submitted", clock, admin, scope=programme)
    _entry("entry.screened", clock, admin, scope=other)
    _entry("account.verified", clock, admin)
    _entry("entry_x.odd", clock, admin)
    by_action = client.get("/admin/audit/?action=entry.").get_data(as_text=True)
    assert "entry.submitted" in by_action and "entry.screened" in by_action
    assert "account.verified" not in by_action and "entry_x.odd" not in by_action
    wildcard = client.get("/admin/audit/?action=entry_").get_data(as_text=True)
    assert "entry_x.odd" in wildcard and "entry.submitted" not in wildcard  # _ is literal
    by_programme = client.get(f"/admin/audit/?scope=Programme:{programme.id}").get_data(
        as_text=True
    )
    assert "entry.submitted" in by_programme and "entry.screened" not in by_programme
    assert programme.name in by_programme
    rows = by_programme[by_programme.index("<tbody>") :]
    assert programme.name in rows and other.name not in rows


def test_audit_bad_filter_is_ignored_with_message(client, admin, clock):
    _entry("account.verified", clock, admin)
    response = client.get("/admin/audit/?scope=Programme:12345&page=-3", headers=EN)
    assert response.status_code == 200
    assert b"account.verified" in response.data and b"Not a valid choice" in response.data


def test_audit_paginates(client, admin, clock):
    for n in range(51):
        _entry(f"test.n{n:02d}", clock, admin, minutes=n)
    first = client.get("/admin/audit/?action=test.", headers=EN).get_data(as_text=True)
    assert "test.n50" in first and "test.n00" not in first and "Page 1 of 2" in first
    second = client.get("/admin/audit/?action=test.&page=2").get_data(as_text=True)
    assert "test.n00" in second and "test.n01" not in second
