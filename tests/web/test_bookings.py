"""Several attendees in one booking: one payment, one invoice, one confirmation per attendee."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from core.extensions import db
from events.models import Booking, EventQuestion, Invoice, Payment, Registration, RegistrationAnswer
from tests.factories import fresh, make_event, make_member_org, register
from tests.stripe_server import event_body, post_webhook
from tests.ticket_types import make_ticket_type

BILLING = {
    "billing_company": "Acme BV",
    "billing_address": "Dam 1",
    "billing_postcode": "1012 JS",
    "billing_city": "Amsterdam",
    "billing_country": "NL",
}


def form(booker: tuple[str, str], *others: tuple[str, str], billing: bool = False) -> dict:
    data = {
        "name": booker[0],
        "email": booker[1],
        "privacy_consent": "y",
        "attendee_consent": "y",
        "rows": str(max(len(others), 1)),
    }
    for n, (name, email) in enumerate(others, start=1):
        data[f"attendee_{n}_name"] = name
        data[f"attendee_{n}_email"] = email
    if billing:
        data.update(BILLING)
    return data


def verify_path(outbox, email: str) -> str:
    [mail] = outbox(to=email, kind="event_booking_verify")
    match = re.search(r"https?://[^/\s]+(/events/b/verify/\S+)", mail.body_text)
    assert match, mail.body_text
    return match.group(1)


def registrations() -> list[Registration]:
    return list(db.session.scalars(sa.select(Registration).order_by(Registration.id)))


def counts() -> tuple[int, int, int, int]:
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Booking, Registration, Payment, Invoice)
    )  # type: ignore[return-value]


def test_the_form_adds_attendee_rows_without_javascript(client, app):
    make_event()
    page = client.get("/events/digital-talk/book")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="attendee_1_email"' in html and 'name="attendee_2_email"' not in html
    assert "same organisation domain" in html  # the membership rule is stated
    more = client.post(
        "/events/digital-talk/book",
        data={"rows": "1", "add": "Add another attendee", "attendee_1_name": "Piet"},
    )
    assert more.status_code == 200
    html = more.get_data(as_text=True)
    assert 'name="attendee_2_email"' in html and 'value="Piet"' in html
    [rows] = re.findall(r'<input[^>]*name="rows"[^>]*>', html)
    assert 'value="2"' in rows  # the next post keeps both rows
    assert counts() == (0, 0, 0, 0)


def test_colleagues_of_a_member_book_free_and_each_gets_a_confirmation(client, app, outbox):
    make_member_org("DDMA", "ddma.nl")
    make_event()
    db.session.commit()
    answer = client.post(
        "/events/digital-talk/book",
        data=form(
            ("Jan Booker", "jan@ddma.nl"),
            ("Piet Collega", "piet@marketing.ddma.nl"),
            ("Kees Extern", "kees@acme.nl"),
            billing=True,
        ),
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    # nothing is booked for the others before the booker proved their address
    assert [r.email for r in registrations()] == ["jan@ddma.nl"]
    done = client.get(verify_path(outbox, "jan@ddma.nl"))
    assert done.status_code == 302
    people = registrations()
    assert [(r.email, r.audience) for r in people] == [
        ("jan@ddma.nl", "member"),
        ("piet@marketing.ddma.nl", "member"),
        ("kees@acme.nl", "non_member"),
    ]
    # the outsider pays: the whole booking waits for one payment, seats held together
    assert {r.state for r in people} == {"pending_payment"}
    assert {r.hold_expires_at for r in people} == {people[0].hold_expires_at}
    assert [r.gross_cents for r in people] == [0, 0, 6050]
    assert len({r.booking_id for r in people}) == 1


def test_a_member_booking_that_costs_nothing_is_confirmed_at_once(client, app, outbox):
    make_member_org("DDMA", "ddma.nl")
    make_event()
    db.session.commit()
    client.post(
        "/events/digital-talk/book",
        data=form(("Jan Booker", "jan@ddma.nl"), ("Piet Collega", "piet@ddma.nl")),
    )
    client.get(verify_path(outbox, "jan@ddma.nl"))
    assert [r.state for r in registrations()] == ["confirmed", "confirmed"]
    assert len(outbox(kind="event_confirmed")) == 2
    [confirmation] = outbox(to="piet@ddma.nl", kind="event_confirmed")
    assert confirmation.attachments[0]["filename"] == "event.ics"
    [summary] = outbox(to="jan@ddma.nl", kind="event_booking_summary")
    assert "Piet Collega" in summary.body_text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 0
    booking = db.session.scalars(sa.select(Booking)).one()
    page = client.get(f"/events/b/{booking.token}").get_data(as_text=True)
    assert "Piet Collega" in page and "Confirmed" in page


def _book_and_pay(client, outbox, stripe_api):
    make_event()
    db.session.commit()
    client.post(
        "/events/digital-talk/book",
        data=form(
            ("Jan Booker", "jan@acme.nl"),
            ("Piet Collega", "piet@acme.nl"),
            ("Kees Extern", "kees@other.nl"),
            billing=True,
        ),
    )
    client.get(verify_path(outbox, "jan@acme.nl"))
    booking = db.session.scalars(sa.select(Booking)).one()
    started = client.post(f"/events/b/{booking.token}/pay")
    assert started.status_code == 303, started.get_data(as_text=True)
    [session_id] = list(stripe_api.sessions)
    return booking, session_id


def test_non_members_pay_once_for_everyone_and_get_one_invoice(client, app, outbox, stripe_api):
    booking, session_id = _book_and_pay(client, outbox, stripe_api)
    session = stripe_api.sessions[session_id]
    assert session["amount_total"] == 3 * 6050
    stripe_api.mark_paid(session_id)
    done = client.get(f"/events/b/{booking.token}/paid?session_id={session_id}")
    assert done.status_code == 200
    assert "your payment has been received" in done.get_data(as_text=True)
    assert [r.state for r in registrations()] == ["confirmed"] * 3
    [payment] = db.session.scalars(sa.select(Payment)).all()
    assert (payment.status, payment.amount_cents) == ("paid", 18150)
    [invoice] = db.session.scalars(sa.select(Invoice)).all()
    assert invoice.gross_cents == session["amount_total"] == 18150
    assert (invoice.net_cents, invoice.vat_cents) == (15000, 3150)
    assert [line["description"].rsplit(", ", 1)[1] for line in invoice.lines] == [
        "Jan Booker",
        "Piet Collega",
        "Kees Extern",
    ]
    assert invoice.customer["company"] == "Acme BV"
    for email in ("jan@acme.nl", "piet@acme.nl", "kees@other.nl"):
        assert len(outbox(to=email, kind="event_confirmed")) == 1
    [mail] = outbox(kind="event_invoice")
    assert mail.to_addr == "jan@acme.nl"
    [summary] = outbox(kind="event_booking_summary")
    assert summary.attachments[0]["filename"] == f"{invoice.number}.pdf"
    # the webhook arriving later, twice, changes nothing
    body = event_body("checkout.session.completed", stripe_api.sessions[session_id])
    assert post_webhook(client, body).status_code == 200
    assert post_webhook(client, body).status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invoice)) == 1
    assert len(outbox(kind="event_confirmed")) == 3


def test_an_expired_checkout_frees_every_seat_of_the_booking(client, app, outbox, stripe_api):
    _booking, session_id = _book_and_pay(client, outbox, stripe_api)
    expired = stripe_api.expire(session_id)
    assert post_webhook(client, event_body("checkout.session.expired", expired)).status_code == 200
    assert [r.state for r in registrations()] == ["expired"] * 3


def test_a_booking_larger_than_the_free_seats_is_refused_and_changes_nothing(client, app):
    make_event(capacity=2)
    db.session.commit()
    answer = client.post(
        "/events/digital-talk/book",
        data=form(("Jan", "jan@acme.nl"), ("Piet", "piet@acme.nl"), ("Kees", "kees@acme.nl")),
    )
    assert answer.status_code == 409
    assert "Only 2 seats are left and this booking needs 3" in answer.get_data(as_text=True)
    assert counts() == (0, 0, 0, 0)


def test_seats_taken_before_the_booker_verifies_refuse_the_whole_booking(client, app, outbox):
    event = make_event(capacity=3)
    db.session.commit()
    client.post(
        "/events/digital-talk/book",
        data=form(("Jan", "jan@acme.nl"), ("Piet", "piet@acme.nl"), ("Kees", "kees@acme.nl"),
                  billing=True),
    )  # fmt: skip
    register(event, "someone@else.nl", with_billing=True)  # takes one of the three seats
    before = [(r.email, r.state) for r in registrations()]
    answer = client.get(verify_path(outbox, "jan@acme.nl"))
    assert answer.status_code == 302
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Only 2 seats are left and this booking needs 3" in page
    db.session.expire_all()
    assert [(r.email, r.state) for r in registrations()] == before
    assert fresh(Registration, registrations()[0].id).verified_at is None


def test_a_booking_needs_other_attendees_with_their_own_addresses(client, app):
    make_event()
    db.session.commit()
    answer = client.post(
        "/events/digital-talk/book",
        data=form(("Jan", "jan@acme.nl"), ("Piet", "jan@acme.nl")),
    )
    assert answer.status_code == 400
    assert "Each attendee needs an address of their own." in answer.get_data(as_text=True)
    assert counts() == (0, 0, 0, 0)


def test_one_attendee_cannot_cancel_alone_but_the_booker_cancels_all_with_a_credit_note(
    client, app, outbox, stripe_api
):
    booking, session_id = _book_and_pay(client, outbox, stripe_api)
    stripe_api.mark_paid(session_id)
    client.get(f"/events/b/{booking.token}/paid?session_id={session_id}")
    piet = registrations()[1]
    refused = client.post(f"/events/r/{piet.token}/cancel")
    assert refused.status_code == 409
    assert "Only the whole booking can be cancelled" in refused.get_data(as_text=True)
    assert [r.state for r in registrations()] == ["confirmed"] * 3
    asked = client.post(f"/events/b/{booking.token}/cancel")
    assert asked.status_code == 200 and "Cancel the whole booking?" in asked.get_data(as_text=True)
    assert [r.state for r in registrations()] == ["confirmed"] * 3
    done = client.post(f"/events/b/{booking.token}/cancel", data={"confirmed": "1"})
    assert done.status_code == 302
    db.session.expire_all()
    assert [r.state for r in registrations()] == ["refunded"] * 3
    [payment] = db.session.scalars(sa.select(Payment)).all()
    assert payment.status == "refunded"
    assert len(stripe_api.refunds) == 1
    notes = db.session.scalars(sa.select(Invoice).where(Invoice.series == "credit_note")).all()
    [note] = notes
    assert note.gross_cents == -18150 and len(note.lines) == 3
    assert len(outbox(kind="event_cancelled")) == 3


def test_the_admin_attendee_list_shows_who_was_booked_together(
    client, app, outbox, login, make_user
):
    make_member_org("DDMA", "ddma.nl")
    event = make_event()
    db.session.commit()
    client.post(
        "/events/digital-talk/book",
        data=form(("Jan Booker", "jan@ddma.nl"), ("Piet Collega", "piet@ddma.nl")),
    )
    client.get(verify_path(outbox, "jan@ddma.nl"))
    booking = db.session.scalars(sa.select(Booking)).one()
    admin = login(make_user(admin=True), app.test_client())
    page = admin.get(f"/admin/events/{event.id}/attendees?lang=en").get_data(as_text=True)
    assert page.count(f"booking {booking.id}") == 2


def _webhook(client, kind: str, obj: dict) -> int:
    return post_webhook(client, event_body(kind, obj)).status_code


def test_a_refund_in_the_dashboard_before_completed_refunds_the_whole_booking(
    client, app, outbox, stripe_api
):
    _booking, session_id = _book_and_pay(client, outbox, stripe_api)
    stripe_api.mark_paid(session_id)
    charge = stripe_api.refund_in_dashboard(session_id, 18150)
    assert _webhook(client, "charge.refunded", charge) == 200  # placed: fulfilled first
    assert _webhook(client, "checkout.session.completed", stripe_api.sessions[session_id]) == 200
    assert _webhook(client, "charge.refunded", charge) == 200  # again: nothing more
    db.session.expire_all()
    assert [r.state for r in registrations()] == ["refunded"] * 3
    invoices = db.session.scalars(sa.select(Invoice).order_by(Invoice.id)).all()
    assert [(i.series, i.gross_cents) for i in invoices] == [
        ("invoice", 18150),
        ("credit_note", -18150),
    ]
    [payment] = db.session.scalars(sa.select(Payment)).all()
    assert payment.status == "refunded" and len(stripe_api.refunds) == 1


def test_a_payment_after_the_session_expired_confirms_all_while_seats_are_free(
    client, app, outbox, stripe_api
):
    _booking, session_id = _book_and_pay(client, outbox, stripe_api)
    assert _webhook(client, "checkout.session.expired", stripe_api.expire(session_id)) == 200
    assert [r.state for r in registrations()] == ["expired"] * 3
    stripe_api.mark_paid(session_id)
    assert _webhook(client, "checkout.session.completed", stripe_api.sessions[session_id]) == 200
    db.session.expire_all()
    assert [r.state for r in registrations()] == ["confirmed"] * 3
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invoice)) == 1


def test_a_late_payment_is_refunded_whole_when_not_every_attendee_fits_any_more(
    client, app, outbox, stripe_api
):
    _booking, session_id = _book_and_pay(client, outbox, stripe_api)
    assert _webhook(client, "checkout.session.expired", stripe_api.expire(session_id)) == 200
    event = registrations()[0].event
    event.capacity = 4
    db.session.commit()
    register(event, "first@else.nl", with_billing=True)  # 3 of the 4 seats left ...
    register(event, "second@else.nl", with_billing=True)  # ... and now only 2
    db.session.commit()
    stripe_api.mark_paid(session_id)
    assert _webhook(client, "checkout.session.completed", stripe_api.sessions[session_id]) == 200
    db.session.expire_all()
    booked = [r for r in registrations() if r.booking_id is not None]
    assert [r.state for r in booked] == ["refunded"] * 3  # all or nothing
    [payment] = db.session.scalars(sa.select(Payment).where(Payment.amount_cents == 18150)).all()
    assert payment.status == "refunded" and len(stripe_api.refunds) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invoice)) == 0
    assert outbox(to="jan@acme.nl", kind="event_refund")


def test_another_attendee_cannot_pay_for_the_booking_on_their_own(client, app, outbox, stripe_api):
    _booking, _session_id = _book_and_pay(client, outbox, stripe_api)
    piet = registrations()[1]
    refused = client.post(f"/events/r/{piet.token}/pay")
    assert refused.status_code == 409
    assert "the booker pays for it" in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 1


def test_the_booker_gives_billing_details_after_verifying_when_someone_must_pay(
    client, app, outbox
):
    make_member_org("DDMA", "ddma.nl")
    make_event()
    db.session.commit()
    client.post(
        "/events/digital-talk/book",
        data=form(("Jan Booker", "jan@ddma.nl"), ("Kees Extern", "kees@acme.nl")),
    )
    booking = db.session.scalars(sa.select(Booking)).one()
    verified = client.get(verify_path(outbox, "jan@ddma.nl"))
    assert verified.headers["Location"].endswith(f"/events/b/{booking.token}/billing")
    assert [r.email for r in registrations()] == ["jan@ddma.nl"]  # nobody placed yet
    done = client.post(f"/events/b/{booking.token}/billing", data=BILLING)
    assert done.status_code == 302
    people = registrations()
    assert [(r.email, r.state, r.gross_cents) for r in people] == [
        ("jan@ddma.nl", "pending_payment", 0),
        ("kees@acme.nl", "pending_payment", 6050),
    ]
    assert people[1].billing_company == "Acme BV"


def test_an_attendee_already_registered_is_left_out_of_the_booking(client, app, outbox):
    make_member_org("DDMA", "ddma.nl")
    event = make_event()
    db.session.commit()
    register(event, "piet@ddma.nl")
    client.post(
        "/events/digital-talk/book",
        data=form(("Jan", "jan@ddma.nl"), ("Piet", "piet@ddma.nl"), ("Anna", "anna@ddma.nl")),
    )
    client.get(verify_path(outbox, "jan@ddma.nl"))
    booked = [r.email for r in registrations() if r.booking_id is not None]
    assert booked == ["jan@ddma.nl", "anna@ddma.nl"]
    assert len([r for r in registrations() if r.email == "piet@ddma.nl"]) == 1
    booking = db.session.scalars(sa.select(Booking)).one()
    page = client.get(f"/events/b/{booking.token}").get_data(as_text=True)
    assert "Left out: already registered for this event" in page


def test_staff_cancel_a_paid_booking_after_the_deadline_from_the_attendee_list(
    client, app, outbox, stripe_api, login, make_user, clock
):
    booking, session_id = _book_and_pay(client, outbox, stripe_api)
    stripe_api.mark_paid(session_id)
    client.get(f"/events/b/{booking.token}/paid?session_id={session_id}")
    event = registrations()[0].event
    clock.set(event.starts_at - timedelta(hours=1))  # past the booker's deadline
    late = client.post(f"/events/b/{booking.token}/cancel", data={"confirmed": "1"})
    assert late.status_code == 400
    assert [r.state for r in registrations()] == ["confirmed"] * 3
    staff = login(make_user(admin=True), app.test_client())
    list_page = staff.get(f"/admin/events/{event.id}/attendees?lang=en").get_data(as_text=True)
    assert f"/admin/events/{event.id}/bookings/{booking.id}/cancel" in list_page
    url = f"/admin/events/{event.id}/bookings/{booking.id}/cancel"
    asked = staff.post(url)
    assert asked.status_code == 200 and "Cancel the whole booking?" in asked.get_data(as_text=True)
    assert [r.state for r in registrations()] == ["confirmed"] * 3
    assert staff.post(url, data={"confirmed": "1"}).status_code == 302
    db.session.expire_all()
    assert [r.state for r in registrations()] == ["refunded"] * 3
    assert len(stripe_api.refunds) == 1


def test_the_bookers_registration_page_leads_to_the_booking_and_a_colleagues_does_not(
    client, app, outbox
):
    make_member_org("DDMA", "ddma.nl")
    make_event()
    db.session.commit()
    client.post(
        "/events/digital-talk/book",
        data=form(("Jan Booker", "jan@ddma.nl"), ("Piet Collega", "piet@ddma.nl")),
    )
    client.get(verify_path(outbox, "jan@ddma.nl"))
    booking = db.session.scalars(sa.select(Booking)).one()
    jan, piet = registrations()
    assert f"/events/b/{booking.token}" in client.get(f"/events/r/{jan.token}").get_data(
        as_text=True
    )
    assert booking.token not in client.get(f"/events/r/{piet.token}").get_data(as_text=True)


def test_a_resent_registration_link_of_an_unverified_booker_verifies_the_booking(
    client, app, outbox, clock
):
    make_member_org("DDMA", "ddma.nl")
    make_event()
    db.session.commit()
    client.post(
        "/events/digital-talk/book",
        data=form(("Jan Booker", "jan@ddma.nl"), ("Piet Collega", "piet@ddma.nl")),
    )
    clock.advance(minutes=2)
    client.post("/events/digital-talk/resend", data={"email": "jan@ddma.nl"})
    [mail] = outbox(to="jan@ddma.nl", kind="event_verify")  # the single registration's link
    path = re.search(r"https?://[^/\s]+(/events/r/\S+/verify)", mail.body_text).group(1)
    answer = client.get(path)
    assert answer.status_code == 302 and "/events/b/verify/" in answer.headers["Location"]
    client.get(answer.headers["Location"])
    assert [r.state for r in registrations()] == ["confirmed", "confirmed"]


# --- an event selling ticket types -------------------------------------------------------------


def test_each_attendee_gets_the_cheapest_ticket_their_address_may_have(
    client, app, outbox, stripe_api
):
    event = make_event()
    make_ticket_type(event, "member", audience="member", price_cents=0)
    make_ticket_type(event, "non_member", audience="non_member", price_cents=5000)
    student = make_ticket_type(
        event, "student", price_cents=1500, capacity=1, email_domains=["student.uva.nl"],
        name_nl="Studententicket", name_en="Student ticket",
    )  # fmt: skip
    db.session.commit()
    page = client.get("/events/digital-talk/book").get_data(as_text=True)
    assert "each attendee gets the cheapest ticket" in page
    client.post(
        "/events/digital-talk/book",
        data=form(
            ("Jan Booker", "jan@acme.nl"),
            ("Piet Collega", "piet@acme.nl"),
            ("Sam Student", "sam@student.uva.nl"),
            ("Sil Student", "sil@student.uva.nl"),
            billing=True,
        ),
    )
    client.get(verify_path(outbox, "jan@acme.nl"))
    people = registrations()
    # the one student seat goes to the first student; the second pays the non-member price
    assert [(r.email, r.ticket_type.key, r.gross_cents) for r in people] == [
        ("jan@acme.nl", "non_member", 6050),
        ("piet@acme.nl", "non_member", 6050),
        ("sam@student.uva.nl", "student", 1815),
        ("sil@student.uva.nl", "non_member", 6050),
    ]
    booking = db.session.scalars(sa.select(Booking)).one()
    client.post(f"/events/b/{booking.token}/pay")
    [session_id] = list(stripe_api.sessions)
    assert stripe_api.sessions[session_id]["amount_total"] == 3 * 6050 + 1815
    stripe_api.mark_paid(session_id)
    client.get(f"/events/b/{booking.token}/paid?session_id={session_id}")
    [invoice] = db.session.scalars(sa.select(Invoice)).all()
    assert invoice.gross_cents == 3 * 6050 + 1815
    assert "Student ticket" in invoice.lines[2]["description"] or (
        "Studententicket" in invoice.lines[2]["description"]
    )
    assert student.id == people[2].ticket_type_id


def test_a_booking_with_an_attendee_no_ticket_fits_is_refused_and_changes_nothing(
    client, app, outbox
):
    make_member_org("DDMA", "ddma.nl")
    event = make_event()
    make_ticket_type(event, "member", audience="member", price_cents=0)
    db.session.commit()
    client.post(
        "/events/digital-talk/book",
        data=form(("Jan Booker", "jan@ddma.nl"), ("Kees Extern", "kees@acme.nl")),
    )
    answer = client.get(verify_path(outbox, "jan@ddma.nl"))
    assert answer.status_code == 302  # to the booking page, saying why
    page = client.get(answer.location).get_data(as_text=True)
    assert "No ticket on sale now can be given to kees@acme.nl" in page
    [lead] = registrations()  # only the booker's own registration, still unverified
    assert (lead.email, lead.verified_at, lead.ticket_type_id) == ("jan@ddma.nl", None, None)
    assert outbox(kind="event_confirmed") == []


# --- an event with registration questions --------------------------------------------------------


def _diet_question(event):
    question = EventQuestion(
        event_id=event.id, key="dieet", kind="choice", label_nl="Dieetwensen",
        label_en="Dietary needs", required=True,
        choices=[{"nl": "Geen", "en": "None"}, {"nl": "Vegetarisch", "en": "Vegetarian"}],
        created_at=event.created_at,
    )  # fmt: skip
    db.session.add(question)
    db.session.commit()
    return question


def test_the_booker_answers_the_questions_for_everyone_and_each_registration_keeps_its_own(
    client, app, outbox
):
    make_member_org("DDMA", "ddma.nl")
    question = _diet_question(make_event())
    page = client.get("/events/digital-talk/book").get_data(as_text=True)
    assert 'name="q_dieet"' in page and 'name="attendee_1_q_dieet"' in page
    data = form(("Jan Booker", "jan@ddma.nl"), ("Piet Collega", "piet@ddma.nl"))
    data.update({"q_dieet": "Geen", "attendee_1_q_dieet": "Vegetarisch"})
    assert client.post("/events/digital-talk/book", data=data).status_code == 302
    client.get(verify_path(outbox, "jan@ddma.nl"))
    answers = db.session.execute(
        sa.select(Registration.email, RegistrationAnswer.value)
        .join(RegistrationAnswer, RegistrationAnswer.registration_id == Registration.id)
        .where(RegistrationAnswer.question_id == question.id)
        .order_by(Registration.id)
    ).all()
    assert answers == [("jan@ddma.nl", "Geen"), ("piet@ddma.nl", "Vegetarisch")]


def test_a_booking_missing_a_required_answer_is_refused_and_changes_nothing(client, app):
    _diet_question(make_event())
    data = form(("Jan Booker", "jan@acme.nl"), ("Piet Collega", "piet@acme.nl"))
    data.update({"q_dieet": "Geen"})  # Piet's row left unanswered
    answer = client.post("/events/digital-talk/book", data=data)
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    assert 'id="attendee_1_q_dieet' in html and "error" in html
    assert counts() == (0, 0, 0, 0)
    data.update({"attendee_1_q_dieet": "Something else"})  # not one of the options
    assert client.post("/events/digital-talk/book", data=data).status_code == 400
    assert counts() == (0, 0, 0, 0)
