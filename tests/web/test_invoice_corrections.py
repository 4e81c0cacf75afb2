"""Correcting the invoice address: a credit note for the original and a new invoice with the
corrected details and the same amount, numbered gap-free, mailed as PDFs, audited; refused
(nothing changed) when there is nothing to correct, nothing changed or the amount would."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from core.audit.models import AuditEntry
from core.extensions import db
from core.outbox.documents import attachment_bytes
from events.models import Invoice, Registration
from events.services.invoices import issue_credit_note, issue_invoice
from tests.factories import make_event, make_registration

NEW = {
    "billing_company": "Example Holding B.V.",
    "billing_address": "Herengracht 2",
    "billing_postcode": "1016 BB",
    "billing_city": "Amsterdam",
    "billing_country": "NL",
    "vat_id": "NL123456789B01",
}


@pytest.fixture
def paid(app, clock):
    """A confirmed, paid registration (en) with its invoice 2025-0001."""
    with app.test_request_context():
        registration = make_registration(state="confirmed", paying=True)
        issue_invoice(registration, now=clock())
        db.session.commit()
    return registration


def _documents():
    db.session.rollback()
    return db.session.scalars(sa.select(Invoice).order_by(Invoice.id)).all()


def _pdf_text(mail, name: str) -> str:
    [attachment] = [a for a in mail.attachments if a["filename"] == name]
    return PdfReader(io.BytesIO(attachment_bytes(attachment))).pages[0].extract_text()


def test_the_registrant_corrects_the_address_credit_note_and_new_invoice(client, paid, outbox):
    url = f"/events/r/{paid.token}/invoice-address"
    page = client.get(url)
    assert page.status_code == 200
    assert b"Keizersgracht 1" in page.data and b"2025-0001" in page.data
    # first the question: nothing changes
    asked = client.post(url, data=NEW)
    assert asked.status_code == 200 and b"Correct the invoice address?" in asked.data
    assert b'name="confirmed" value="1"' in asked.data and b"Herengracht 2" in asked.data
    assert len(_documents()) == 1

    done = client.post(url, data={**NEW, "confirmed": "1"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/events/r/{paid.token}")
    original, note, new = _documents()
    assert (note.series, note.number, note.credits_invoice_id) == (
        "credit_note", "CN2025-0001", original.id
    )  # fmt: skip
    assert (new.series, new.number, new.replaces_invoice_id) == (
        "invoice",
        "2025-0002",
        original.id,
    )
    assert note.gross_cents == -original.gross_cents == -6050
    assert (new.net_cents, new.vat_cents, new.gross_cents) == (5000, 1050, 6050)
    assert new.lines == original.lines
    assert new.customer["company"] == "Example Holding B.V."
    assert new.customer["address"] == "Herengracht 2" and new.customer["vat_id"] == "NL123456789B01"
    assert note.customer == original.customer  # the credit note names whom it credits
    registration = db.session.get(Registration, paid.id)
    assert registration.billing_address == "Herengracht 2"

    [mail] = outbox(kind="event_invoice_corrected")
    assert mail.to_addr == paid.email
    assert sorted(a["filename"] for a in mail.attachments) == ["2025-0002.pdf", "CN2025-0001.pdf"]
    assert "CN2025-0001" in mail.body_text and "2025-0002" in mail.body_text
    assert "nothing is charged or refunded" in mail.body_text
    # the PDFs say what happened
    new_text = _pdf_text(mail, "2025-0002.pdf")
    assert "Herengracht 2" in new_text and "replaces invoice 2025-0001" in new_text
    note_text = _pdf_text(mail, "CN2025-0001.pdf")
    assert "Keizersgracht 1" in note_text and "cancels invoice 2025-0001" in note_text
    assert "Invoice 2025-0002 replaces it" in note_text and "refunded to" not in note_text

    actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert "invoice.address_corrected" in actions and "invoice.reissued" in actions
    # the registration page links the new invoice and offers the correction again
    manage = client.get(f"/events/r/{paid.token}")
    assert b"Correct invoice address" in manage.data
    assert b"Earlier invoices and credit notes" in manage.data
    assert b"/invoices/2025-0001" in manage.data and b"/invoices/CN2025-0001" in manage.data
    assert client.get(f"/events/r/{paid.token}/invoice").headers["Location"].endswith("/2025-0002")


def test_a_second_correction_credits_the_reissued_invoice(client, paid):
    url = f"/events/r/{paid.token}/invoice-address"
    client.post(url, data={**NEW, "confirmed": "1"})
    client.post(url, data={**NEW, "billing_address": "Prinsengracht 3", "confirmed": "1"})
    numbers = [(d.number, d.credits_invoice_id, d.replaces_invoice_id) for d in _documents()]
    ids = [d.id for d in _documents()]
    assert numbers == [
        ("2025-0001", None, None),
        ("CN2025-0001", ids[0], None),
        ("2025-0002", None, ids[0]),
        ("CN2025-0002", ids[2], None),
        ("2025-0003", None, ids[2]),
    ]


@pytest.mark.parametrize(
    ("change", "code_text"),
    [
        ({}, b"has these details already"),  # the same details again
        ({"billing_country": "DE", "vat_id": "DE123456789"}, b"the VAT would be different"),
    ],
)
def test_refused_corrections_change_nothing(client, paid, outbox, change, code_text):
    same = {**NEW, **{k: v for k, v in {
        "billing_company": "Example B.V.", "billing_address": "Keizersgracht 1",
        "billing_postcode": "1015 AA", "vat_id": "",
    }.items()}, **change}  # fmt: skip
    response = client.post(
        f"/events/r/{paid.token}/invoice-address", data={**same, "confirmed": "1"}
    )
    assert response.status_code == 409 and code_text in response.data
    assert [d.number for d in _documents()] == ["2025-0001"]
    assert outbox(kind="event_invoice_corrected") == []
    assert db.session.get(Registration, paid.id).billing_address == "Keizersgracht 1"


def test_incomplete_details_are_refused_by_field(client, paid):
    data = {**NEW, "billing_city": "", "confirmed": "1"}
    response = client.post(f"/events/r/{paid.token}/invoice-address", data=data)
    assert response.status_code == 400 and b"Enter the city." in response.data
    assert len(_documents()) == 1


def test_nothing_to_correct_without_a_live_invoice(app, client, clock):
    free = make_registration(state="confirmed")
    page = client.get(f"/events/r/{free.token}/invoice-address")
    assert b"no invoice whose address can be corrected" in page.data
    assert client.get(f"/events/r/{free.token}").data.count(b"Correct invoice address") == 0
    response = client.post(
        f"/events/r/{free.token}/invoice-address", data={**NEW, "confirmed": "1"}
    )
    assert response.status_code == 409
    # a refunded registration's invoice is credited: nothing to correct either
    with app.test_request_context():
        refunded = make_registration(state="refunded", paying=True)
        issue_credit_note(issue_invoice(refunded, now=clock()), now=clock())
        db.session.commit()
    response = client.post(
        f"/events/r/{refunded.token}/invoice-address", data={**NEW, "confirmed": "1"}
    )
    assert response.status_code == 409
    assert len(_documents()) == 2


def test_staff_correct_an_attendees_invoice_address(client, login, make_user, paid):
    staff = login(make_user("staff@example.org", is_staff=True))
    event_id = paid.event_id
    listing = staff.get(f"/admin/events/{event_id}/attendees")
    url = f"/admin/events/{event_id}/registrations/{paid.id}/invoice-address"
    assert url.encode() in listing.data
    assert staff.get(url).status_code == 200
    response = staff.post(url, data={**NEW, "confirmed": "1"})
    assert response.status_code == 302
    assert [d.number for d in _documents()] == ["2025-0001", "CN2025-0001", "2025-0002"]
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "invoice.address_corrected")
    ).one()
    assert entry.actor_id is not None
    # another event's registration under this event: 404
    other = make_registration(make_event("other-talk"))
    assert (
        staff.get(f"/admin/events/{event_id}/registrations/{other.id}/invoice-address").status_code
        == 404
    )
