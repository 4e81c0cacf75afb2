"""The ticket: the confirmation e-mail carries it (a PDF) and names its code; the registrant's
page offers it for a confirmed registration only; the PDF reads as text (pypdf) and its QR
code decodes (ZXing, on the page as PDFium renders it) to the staff check-in page's address
with the code, never to the registration's own links."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader

from core.extensions import db
from core.outbox.documents import attachment_bytes
from events.invoice_pdf import find_font_dir
from events.models import Registration, TicketType
from tests.factories import NOW, fresh, make_event, make_registration, register

# 19:30 in Amsterdam (summer time: UTC+2)
STARTS = datetime(2025, 6, 12, 17, 30, tzinfo=UTC)


def pdf_text(data: bytes) -> str:
    """The PDF's words, single-spaced (a long title wraps over lines)."""
    pages = PdfReader(io.BytesIO(data)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def qr_texts(data: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(data)
    try:
        image = document[0].render(scale=2).to_pil()
    finally:
        document.close()
    return [code.text for code in zxingcpp.read_barcodes(image)]


def _event(**kw):
    return make_event(
        price_non_member_cents=0,
        starts_at=STARTS,
        registration_opens_at=NOW,
        registration_closes_at=STARTS,
        **kw,
    )


def _ticket(client, registration):
    return client.get(f"/events/r/{registration.token}/ticket.pdf")


def test_the_confirmation_mail_carries_the_ticket_and_names_its_code(app, outbox):
    event = _event(online=False, location="Keizersgracht 1, Amsterdam")
    with app.test_request_context():
        registration = register(event, "ada@example.org", name="Ada Lovelace", locale="en")
    (mail,) = outbox(kind="event_confirmed")
    code = registration.ticket_code
    assert f"Your ticket code: {code}" in mail.body_text
    names = [a["filename"] for a in mail.attachments]
    assert names == ["event.ics", "ticket.pdf"]
    ticket = attachment_bytes(mail.attachments[1])
    assert mail.attachments[1]["content_type"] == "application/pdf"
    text = pdf_text(ticket)
    assert "DDMA Digital Talk: the DPA and cookie enforcement" in text
    assert "Thursday 12 June 2025, 19:30" in text and "Keizersgracht 1, Amsterdam" in text
    assert "Ada Lovelace" in text and code in text
    (qr,) = qr_texts(ticket)
    assert qr == f"http://localhost/admin/events/{event.id}/check-in/scan?code={code}"
    assert registration.token not in qr


@pytest.mark.parametrize(
    ("locale", "when", "online", "kind"),
    [
        ("nl", "donderdag 12 juni 2025, 19:30", "Online", "Studententicket"),
        ("en", "Thursday 12 June 2025, 19:30", "Online", "Student ticket"),
    ],
)
def test_the_registrant_downloads_the_ticket_in_their_language(client, locale, when, online, kind):
    event = _event()
    student = TicketType(
        event_id=event.id,
        key="student",
        name_nl="Studententicket",
        name_en="Student ticket",
        created_at=NOW,
    )
    db.session.add(student)
    db.session.flush()
    registration = make_registration(
        event, name="Bea Jansen", locale=locale, ticket_type_id=student.id
    )
    db.session.commit()
    page = client.get(f"/events/r/{registration.token}?lang=en").get_data(as_text=True)
    assert f'href="/events/r/{registration.token}/ticket.pdf">Download ticket (PDF)' in page

    response = _ticket(client, registration)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF-")
    disposition = response.headers["Content-Disposition"]
    assert disposition == f'attachment; filename="ticket-{event.slug}.pdf"'
    assert response.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]

    code = fresh(Registration, registration.id).ticket_code  # given when first needed
    assert code
    text = pdf_text(response.data)
    for expected in (when, online, "Bea Jansen", kind, code):
        assert expected in text, expected
    assert qr_texts(response.data) == [
        f"http://localhost/admin/events/{event.id}/check-in/scan?code={code}"
    ]
    again = _ticket(client, registration)  # the same code every time
    assert qr_texts(again.data) == qr_texts(response.data)


@pytest.mark.parametrize("state", ["pending_verification", "pending_payment", "waitlisted",
                                   "cancelled", "refunded", "expired"])  # fmt: skip
def test_only_a_confirmed_registration_has_a_ticket(client, state):
    registration = make_registration(_event(), state)
    db.session.commit()
    assert _ticket(client, registration).status_code == 404
    page = client.get(f"/events/r/{registration.token}?lang=en").get_data(as_text=True)
    assert "Download ticket" not in page
    assert fresh(Registration, registration.id).ticket_code is None


def test_an_unknown_token_has_no_ticket(client):
    assert client.get("/events/r/not-a-token/ticket.pdf").status_code == 404


def test_a_name_beyond_latin_1_is_written_whole(app, client):
    if find_font_dir(app.config.get("INVOICE_FONT_DIR")) is None:
        pytest.skip("DejaVu Sans is not installed (Debian: fonts-dejavu-core)")
    registration = make_registration(_event(), name="Łukasz Żółć", locale="en")
    db.session.commit()
    response = _ticket(client, registration)
    assert "Łukasz Żółć" in pdf_text(response.data)
    assert len(qr_texts(response.data)) == 1
