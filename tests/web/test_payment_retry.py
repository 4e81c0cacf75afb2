"""A failed payment is not a dead end, and what a registrant sees after paying and cancelling.

- A failure (the test checkout's Fail, Stripe's `async_payment_failed`) keeps the seat held
  until the hold ends: the pay page says so and offers "Try again" (a new checkout session),
  and the registrant is mailed the pay link. Only the hold's expiry makes it expired.
- The success page shows when the event is, the join link and the calendar file.
- After cancelling a paid seat, the registration page links the credit note and the original
  invoice, and the cancellation mail carries a METHOD:CANCEL .ics for the same meeting.
"""

from __future__ import annotations

import base64
from datetime import timedelta

import sqlalchemy as sa
from icalendar import Calendar

from core.extensions import db
from events.models import Invoice, Payment, Registration
from events.services import waitlist
from tests.factories import fresh, make_event, make_registration
from tests.web.test_checkout_flow import pay_through_test_checkout


def _fail_through_test_checkout(client, registration) -> str:
    """Pay page -> test checkout -> Fail; returns the test checkout URL that failed."""
    started = client.post(f"/events/r/{registration.token}/pay")
    assert started.status_code == 303
    failed = client.post(started.headers["Location"], data={"action": "fail"})
    assert failed.status_code == 303 and failed.headers["Location"].endswith("/pay")
    return started.headers["Location"]


def _calendar(mail) -> Calendar:
    [attachment] = [a for a in mail.attachments if a["filename"].endswith(".ics")]
    assert attachment["content_type"] == "text/calendar"
    return Calendar.from_ical(base64.b64decode(attachment["data_b64"]))


def test_fail_then_try_again_then_pay_confirms_with_one_invoice(client, outbox):
    registration = make_registration(paying=True)
    first = _fail_through_test_checkout(client, registration)
    assert fresh(Registration, registration.id).state == "pending_payment"
    page = client.get(f"/events/r/{registration.token}/pay?lang=en").get_data(as_text=True)
    assert "did not go through" in page and "Try again: pay €60.50" in page
    page = pay_through_test_checkout(client, registration)  # "Try again": a new session
    assert "your payment has been received" in page
    assert fresh(Registration, registration.id).state == "confirmed"
    payments = db.session.scalars(sa.select(Payment).order_by(Payment.id)).all()
    assert [p.status for p in payments] == ["failed", "paid"]
    assert payments[1].idempotency_key == f"reg-{registration.id}-attempt-2"
    assert payments[1].checkout_url != first
    [invoice] = db.session.scalars(sa.select(Invoice)).all()
    assert (invoice.number, invoice.gross_cents) == ("2025-0001", 6050)
    assert [m.kind for m in outbox(kind="event_confirmed")] == ["event_confirmed"]


def test_a_failed_payment_mails_the_pay_link_in_the_registrants_language(client, outbox):
    english = make_registration(paying=True)
    dutch = make_registration(paying=True, locale="nl")
    _fail_through_test_checkout(client, english)
    _fail_through_test_checkout(client, dutch)
    [en] = outbox(to=english.email, kind="event_payment_failed")
    assert en.subject.startswith("Your payment for")
    assert f"/events/r/{english.token}/pay" in en.body_text
    assert "did not go through" in en.body_text
    [nl] = outbox(to=dutch.email, kind="event_payment_failed")
    assert nl.subject.startswith("Je betaling voor")
    assert f"/events/r/{dutch.token}/pay" in nl.body_text
    assert "opnieuw proberen" in nl.body_text


def test_the_hold_still_expires_after_a_failure_and_the_seat_moves_on(app, client, clock, outbox):
    event = make_event(capacity=1)
    registration = make_registration(event, paying=True)
    waiting = make_registration(
        event, "waitlisted", email="next@example.org", waitlisted_at=clock()
    )
    _fail_through_test_checkout(client, registration)
    assert fresh(Registration, waiting.id).state == "waitlisted"  # the seat stays held
    clock.advance(minutes=31)
    with app.test_request_context():  # the offer mail's links (as `flask events` does)
        assert waitlist.expire_holds(clock()) == 1
        db.session.commit()
    assert fresh(Registration, registration.id).state == "expired"
    assert fresh(Registration, waiting.id).state == "offered"
    page = client.get(f"/events/r/{registration.token}/pay?lang=en").get_data(as_text=True)
    assert "Try again" not in page
    assert client.post(f"/events/r/{registration.token}/pay").status_code == 409


def test_the_success_page_shows_the_date_the_join_link_and_the_calendar_file(client):
    event = make_event(join_url="https://meet.example.org/digital-talk")
    registration = make_registration(event, paying=True)
    page = pay_through_test_checkout(client, registration)
    assert "your payment has been received" in page
    # START in tests/factories.py, shown in Amsterdam time
    assert event.starts_at.isoformat() in page and "Amsterdam time" in page
    assert "https://meet.example.org/digital-talk" in page
    assert f"/events/r/{registration.token}/calendar.ics" in page


def test_after_cancelling_the_page_links_the_credit_note_and_the_original_invoice(client, outbox):
    registration = make_registration(paying=True)
    pay_through_test_checkout(client, registration)
    assert client.post(f"/events/r/{registration.token}/cancel").status_code == 302
    assert fresh(Registration, registration.id).state == "refunded"
    page = client.get(f"/events/r/{registration.token}?lang=en").get_data(as_text=True)
    assert f"/events/r/{registration.token}/invoices/CN2025-0001" in page
    assert "Credit note CN2025-0001" in page
    assert "Original invoice 2025-0001" in page
    assert f"/events/r/{registration.token}/invoices/2025-0001" in page


def test_the_cancellation_mail_cancels_the_confirmed_meeting_in_the_calendar(client, outbox):
    registration = make_registration(paying=True)
    pay_through_test_checkout(client, registration)
    assert client.post(f"/events/r/{registration.token}/cancel").status_code == 302
    [confirmed] = outbox(kind="event_confirmed")
    [cancelled] = outbox(kind="event_cancelled")
    published, cancel = _calendar(confirmed), _calendar(cancelled)
    (before,), (after,) = published.walk("VEVENT"), cancel.walk("VEVENT")
    assert str(cancel["method"]) == "CANCEL" and str(after["status"]) == "CANCELLED"
    assert str(after["uid"]) == str(before["uid"])
    assert int(after.get("sequence", 0)) > int(before.get("sequence", 0))
    assert timedelta(0) == after.decoded("dtstart") - before.decoded("dtstart")


def test_after_cancelling_the_page_offers_the_calendar_file_that_removes_the_meeting(client):
    registration = make_registration(paying=True)
    pay_through_test_checkout(client, registration)
    confirmed = Calendar.from_ical(client.get(f"/events/r/{registration.token}/calendar.ics").data)
    assert str(confirmed["method"]) == "PUBLISH"
    assert client.post(f"/events/r/{registration.token}/cancel").status_code == 302
    page = client.get(f"/events/r/{registration.token}?lang=en").get_data(as_text=True)
    assert "Remove from your calendar (.ics)" in page
    assert f"/events/r/{registration.token}/calendar.ics" in page
    cancel = Calendar.from_ical(client.get(f"/events/r/{registration.token}/calendar.ics").data)
    (before,), (after,) = confirmed.walk("VEVENT"), cancel.walk("VEVENT")
    assert str(cancel["method"]) == "CANCEL" and str(after["status"]) == "CANCELLED"
    assert str(after["uid"]) == str(before["uid"])


def test_an_expired_hold_is_said_once_and_offers_to_register_again(client, clock):
    registration = make_registration(paying=True)
    clock.advance(minutes=31)
    refused = client.post(f"/events/r/{registration.token}/pay", headers={"Accept-Language": "en"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert page.count("Your reserved seat has expired") == 1
    register_url = f"/events/{registration.event.slug}/register"
    assert register_url in page
    status = client.get(f"/events/r/{registration.token}?lang=en").get_data(as_text=True)
    assert "Your reserved seat has expired" in status and register_url in status
    assert "Pay now" not in status
