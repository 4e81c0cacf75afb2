"""A booker books two colleagues (three attendees) in one go, in Dutch and in English: the
booking form with "Add another attendee" (no JavaScript needed), the booker's verification,
one payment on the local test checkout, the booking page, one invoice with a line per
attendee and a confirmation for each attendee. Every page passes the harness's checks."""

from __future__ import annotations

import sqlalchemy as sa

from core.extensions import db
from events.models import Booking, Invoice, Registration
from tests.browser.events_steps import fill_billing, follow_mail, mails, pay_on_test_checkout, say
from tests.factories import make_event


def test_a_booker_books_two_colleagues_with_one_payment(person, outbox):
    make_event()
    booker = f"jan.{person.lang}@acme.nl"
    colleagues = [(f"Piet {person.lang}", f"piet.{person.lang}@acme.nl"),
                  (f"Kees {person.lang}", f"kees.{person.lang}@other.nl")]  # fmt: skip
    person.goto("/events/digital-talk")
    person.follow(say(person, "Book for several people", "Boek voor meerdere personen"))
    person.see(say(person, "same organisation domain", "hetzelfde organisatiedomein"))
    person.fill(say(person, "Name", "Naam"), "Jan Booker")
    person.fill(say(person, "E-mail address", "E-mailadres"), booker)
    person.press(say(person, "Add another attendee", "Nog een deelnemer toevoegen"))
    assert person.page.locator("#attendee_2_email").count() == 1  # a second row now
    for n, (name, email) in enumerate(colleagues, start=1):
        person.page.locator(f"#attendee_{n}_name").fill(name)
        person.page.locator(f"#attendee_{n}_email").fill(email)
    fill_billing(person)
    person.check(say(person, "I agree that my details", "Ik ga ermee akkoord"))
    person.check(say(person, "I may pass on", "Ik mag de namen"))
    person.screenshot("booking-form")
    person.press(say(person, "Book", "Boeken"), exact=True)
    person.see(say(person, "Check your inbox", "Kijk in je inbox"))

    follow_mail(person, outbox, to=booker, kind="event_booking_verify", path_part="/verify")
    person.see(say(person, "Your booking", "Je boeking"))
    for name, _email in colleagues:
        person.see(name)
    person.screenshot("booking-page")
    pay_on_test_checkout(person, "pay")
    person.see(say(person, "your payment has been received", "je betaling is ontvangen"))

    db.session.commit()
    booking = db.session.scalars(sa.select(Booking).where(Booking.booker_email == booker)).one()
    people = db.session.scalars(
        sa.select(Registration).where(Registration.booking_id == booking.id)
    ).all()
    assert {r.state for r in people} == {"confirmed"} and len(people) == 3
    [invoice] = db.session.scalars(sa.select(Invoice)).all()
    assert len(invoice.lines) == 3 and invoice.gross_cents == 3 * 6050
    for email in [booker] + [email for _n, email in colleagues]:
        assert len(mails(outbox, to=email, kind="event_confirmed")) == 1
    person.follow(say(person, "Invoice", "Factuur") + f" {invoice.number}")
    person.see("Piet")
