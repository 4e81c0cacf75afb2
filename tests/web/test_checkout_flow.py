"""Paying through the local test checkout (no Stripe keys), end to end, and the pay pages.

Uses the registration engineer's `payment_succeeded`, `payment_failed` and
`cancel_registration` (events/services/registrations.py, waitlist.py).
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import g
from pypdf import PdfReader

from core.extensions import db
from core.outbox.documents import attachment_bytes
from events.models import Invoice, Payment, Registration, WebhookEvent
from tests.factories import fresh


def pay_through_test_checkout(client, registration) -> str:
    """Pay page -> test checkout -> Pay; returns the success page's HTML."""
    page = client.get(f"/events/r/{registration.token}/pay?lang=en")
    assert page.status_code == 200
    assert "€60.50" in page.get_data(as_text=True)
    started = client.post(f"/events/r/{registration.token}/pay")
    assert started.status_code == 303
    checkout_url = started.headers["Location"]
    assert "/events/test-checkout/cs_test_local_" in checkout_url
    checkout = client.get(checkout_url)
    assert "TEST CHECKOUT — no real payment" in checkout.get_data(as_text=True)
    paid = client.post(checkout_url, data={"action": "pay"})
    assert paid.status_code == 303
    assert "/paid?session_id=cs_test_local_" in paid.headers["Location"]
    done = client.get(paid.headers["Location"])
    assert done.status_code == 200
    return done.get_data(as_text=True)


def test_a_non_member_pays_60_50_and_gets_confirmation_and_invoice(
    client, make_registration, outbox
):
    registration = make_registration(name="Jan Jansen", email="jan@example.com", paying=True)
    page = pay_through_test_checkout(client, registration)
    assert "your payment has been received" in page
    registration = fresh(Registration, registration.id)
    assert registration.state == "confirmed"
    [payment] = db.session.scalars(sa.select(Payment)).all()
    assert (payment.provider, payment.status, payment.amount_cents) == ("test", "paid", 6050)
    assert payment.idempotency_key == f"reg-{registration.id}-attempt-1"
    # the test checkout's event went through the webhook code: recorded under its id
    [event] = db.session.scalars(sa.select(WebhookEvent)).all()
    assert (event.provider, event.type) == ("test", "checkout.session.completed")
    [invoice] = db.session.scalars(sa.select(Invoice)).all()
    assert invoice.number == "2025-0001" and invoice.gross_cents == 6050
    assert f"/invoices/{invoice.number}" in page
    kinds = [m.kind for m in outbox(to="jan@example.com")]
    assert "event_confirmed" in kinds
    [mail] = outbox(kind="event_invoice")
    assert "2025-0001" in mail.subject
    [attachment] = mail.attachments
    assert attachment["filename"] == "2025-0001.pdf"
    assert attachment_bytes(attachment).startswith(b"%PDF")
    again = client.get(f"/events/r/{registration.token}/pay?lang=en").get_data(as_text=True)
    assert "You are registered" in again and "Invoice 2025-0001" in again
    dutch = client.get(f"/events/r/{registration.token}/pay?lang=nl")
    assert dutch.status_code == 200


def test_the_invoice_page_and_pdf_carry_the_legal_fields(client, make_event, make_registration):
    event = make_event(title_en="DDMA Digital Talk: DPA and cookie enforcement")
    registration = make_registration(event, name="Jan Jansen", paying=True)
    pay_through_test_checkout(client, registration)
    url = f"/events/r/{registration.token}/invoices/2025-0001"
    html = client.get(url).get_data(as_text=True)
    for text in (
        "Invoice 2025-0001",
        "DDMA",
        "Weesperstraat 5, 1018 DN Amsterdam",
        "VAT id: NL000000000B01",
        "Chamber of Commerce (KvK): 00000000",
        "Jan Jansen",
        "Example B.V.",
        "Keizersgracht 1",
        "1015 AA Amsterdam",
        "1 March 2025",
        "DDMA Digital Talk: DPA and cookie enforcement (20 March 2025), Jan Jansen",
        "Unit price excl. VAT",
        "€50",
        "21%",
        "VAT 21% over €50",
        "€10.50",
        "€60.50",
    ):
        assert text in html, text
    pdf = client.get(url + "?format=pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    text = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert "2025-0001" in text and "€60.50" in text and "NL000000000B01" in text


def test_invoices_are_only_shown_to_their_registrant_or_an_admin(
    client, make_registration, make_user, login
):
    registration = make_registration(paying=True)
    other = make_registration(paying=True)
    pay_through_test_checkout(client, registration)
    assert client.get(f"/events/r/{other.token}/invoices/2025-0001").status_code == 404
    assert client.get("/events/r/nonsense/invoices/2025-0001").status_code == 404
    assert client.get(f"/events/r/{registration.token}/invoices/2025-0099").status_code == 404
    redirect = client.get(f"/events/r/{registration.token}/invoice")
    assert redirect.status_code == 302 and redirect.headers["Location"].endswith("/2025-0001")
    assert client.get(f"/events/r/{other.token}/invoice").status_code == 404
    g.pop("_login_user", None)  # the test app context (and its g) outlives each request
    login(make_user(admin=True))
    assert client.get(f"/events/r/{other.token}/invoices/2025-0001").status_code == 200


def test_fail_keeps_the_seat_and_offers_a_retry(client, make_registration):
    registration = make_registration(paying=True)
    started = client.post(f"/events/r/{registration.token}/pay")
    failed = client.post(started.headers["Location"], data={"action": "fail"})
    assert failed.status_code == 303 and failed.headers["Location"].endswith("/pay")
    assert fresh(Registration, registration.id).state == "pending_payment"
    assert db.session.scalar(sa.select(Payment.status)) == "failed"
    page = client.get(f"/events/r/{registration.token}/pay?lang=en").get_data(as_text=True)
    assert "did not go through" in page and "Try again" in page


def test_cancel_returns_to_the_pay_page_and_the_session_is_reused(client, make_registration):
    registration = make_registration(paying=True)
    started = client.post(f"/events/r/{registration.token}/pay")
    cancelled = client.post(started.headers["Location"], data={"action": "cancel"})
    assert cancelled.status_code == 303 and cancelled.headers["Location"].endswith("/pay")
    assert fresh(Registration, registration.id).state == "pending_payment"
    again = client.post(f"/events/r/{registration.token}/pay")
    assert again.headers["Location"] == started.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 1


def test_a_paid_test_session_cannot_be_paid_again(client, make_registration):
    registration = make_registration(paying=True)
    started = client.post(f"/events/r/{registration.token}/pay")
    client.post(started.headers["Location"], data={"action": "pay"})
    again = client.post(started.headers["Location"] + "?lang=en", data={"action": "pay"})
    assert again.status_code == 409
    assert "no longer open" in again.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEvent)) == 1
    bogus = client.post(started.headers["Location"], data={"action": "steal"})
    assert bogus.status_code == 400


def test_the_test_checkout_is_refused_with_a_live_key(app, client, make_registration):
    registration = make_registration(paying=True)
    started = client.post(f"/events/r/{registration.token}/pay")
    app.config["STRIPE_SECRET_KEY"] = "sk_live_real_money"
    for response in (
        client.get(started.headers["Location"] + "?lang=en"),
        client.post(started.headers["Location"] + "?lang=en", data={"action": "pay"}),
    ):
        assert response.status_code == 403
        assert "live Stripe keys" in response.get_data(as_text=True)
    assert fresh(Registration, registration.id).state == "pending_payment"
    assert db.session.scalar(sa.select(Payment.status)) == "open"
    app.config["STRIPE_SECRET_KEY"] = "sk_test_configured"
    assert client.get(started.headers["Location"]).status_code == 404


def test_an_expired_hold_cannot_be_paid(client, clock, make_registration):
    registration = make_registration(hold_expires_at=clock() - timedelta(minutes=1), paying=True)
    response = client.post(f"/events/r/{registration.token}/pay?lang=en")
    assert response.status_code == 409
    assert "expired" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 0


@pytest.mark.parametrize("path", ["pay", "paid?session_id=cs_x", "invoice"])
def test_unknown_tokens_are_404(client, path):
    assert client.get(f"/events/r/no-such-token/{path}").status_code == 404


def test_success_page_needs_a_session_of_this_registration(client, make_registration):
    mine, other = make_registration(paying=True), make_registration(paying=True)
    started = client.post(f"/events/r/{other.token}/pay")
    session_id = started.headers["Location"].rsplit("/", 1)[1]
    assert client.get(f"/events/r/{mine.token}/paid?session_id={session_id}").status_code == 404
    assert client.get(f"/events/r/{mine.token}/paid").status_code == 404


def test_the_success_page_does_not_trust_the_redirect(client, make_registration):
    registration = make_registration(paying=True)
    started = client.post(f"/events/r/{registration.token}/pay")
    session_id = started.headers["Location"].rsplit("/", 1)[1]
    page = client.get(f"/events/r/{registration.token}/paid?session_id={session_id}&lang=en")
    assert page.status_code == 200
    assert "still waiting for the confirmation" in page.get_data(as_text=True)
    assert fresh(Registration, registration.id).state == "pending_payment"


def test_cancelling_a_paid_registration_refunds_with_a_credit_note(
    app, client, clock, make_registration, outbox
):
    from events.services.registrations import cancel_registration

    registration = make_registration(paying=True)
    pay_through_test_checkout(client, registration)
    registration = fresh(Registration, registration.id)
    with app.test_request_context():
        cancel_registration(registration, now=clock())
        db.session.commit()
    registration = fresh(Registration, registration.id)
    assert registration.state == "refunded"
    payment = db.session.scalar(sa.select(Payment))
    assert payment.status == "refunded" and payment.refund_id.startswith("re_test_local_")
    invoice, note = db.session.scalars(sa.select(Invoice).order_by(Invoice.id)).all()
    assert note.series == "credit_note" and note.credits_invoice_id == invoice.id
    assert note.number == "CN2025-0001"
    assert (note.net_cents, note.vat_cents, note.gross_cents) == (-5000, -1050, -6050)
    assert note.lines[0]["unit_cents"] == -5000
    [mail] = outbox(kind="event_refund")
    assert "CN2025-0001" in mail.body_text and "2025-0001" in mail.body_text
    assert mail.attachments[0]["filename"] == "CN2025-0001.pdf"
    html = client.get(f"/events/r/{registration.token}/invoices/CN2025-0001").get_data(as_text=True)
    assert "Credit note CN2025-0001" in html and "-€60.50" in html
    assert "Credits invoice: 2025-0001" in html


def test_the_webhook_accepts_the_dev_secret_when_no_keys_are_set(app, client):
    from events.gateway import dev_webhook_secret
    from tests.stripe_server import event_body, post_webhook

    body = event_body("customer.created", {"id": "cus_1"})
    assert post_webhook(client, body, secret=dev_webhook_secret(app)).status_code == 200
    assert post_webhook(client, body, secret="whsec_guess").status_code == 400


def test_two_pay_clicks_at_once_open_one_session(app, make_registration):
    import threading

    registration = make_registration(paying=True)
    db.session.commit()  # for the threads' connections
    url = f"/events/r/{registration.token}/pay"
    locations = []

    def click():
        locations.append(app.test_client().post(url).headers.get("Location"))

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(locations) == 2 and locations[0] == locations[1] and locations[0]
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 1
