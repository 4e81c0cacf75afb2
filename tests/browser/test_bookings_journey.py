"""A booker books two colleagues (three attendees) in one go, in Dutch and in English: the
booking form with "Add another attendee" (no JavaScript needed) and a team voucher (a code
for another domain refused on its field first; the right one halves the price of the two
attendees at its domain), the booker's verification, one payment on the local test
checkout, the booking page with each discount, one invoice with a line per attendee (the
voucher named on the discounted ones) and a confirmation for each attendee. Every page
passes the harness's checks."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from core.extensions import db
from events.models import Booking, Invoice, Registration, Voucher
from tests.browser.events_steps import fill_billing, follow_mail, mails, pay_on_test_checkout, say
from tests.factories import NOW, fresh, make_event


def _voucher(code: str, **kw) -> Voucher:
    voucher = Voucher(code=code, kind="percent", used_count=0, created_at=NOW, **kw)
    db.session.add(voucher)
    db.session.flush()
    return voucher


def test_a_booker_books_two_colleagues_with_one_payment(person, outbox):
    make_event()
    team = _voucher("TEAM-HALF", percent=Decimal("50"), email_domain="acme.nl", max_uses=2)
    _voucher("PARTNER-HALF", percent=Decimal("50"), email_domain="partner.nl")
    voucher_label = say(person, "Voucher code (optional)", "Vouchercode (optioneel)")
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
    person.fill(voucher_label, "partner-half")  # nobody in this booking is at partner.nl
    person.screenshot("booking-form")
    person.press(say(person, "Book", "Boeken"), exact=True)
    person.see(say(person, "only for e-mail addresses at partner.nl",
                   "alleen voor e-mailadressen bij partner.nl"))  # fmt: skip
    db.session.commit()
    assert db.session.scalars(sa.select(Booking)).all() == []  # nothing booked
    person.fill(voucher_label, "team-half")
    person.check(say(person, "I agree that my details", "Ik ga ermee akkoord"))
    person.check(say(person, "I may pass on", "Ik mag de namen"))
    person.press(say(person, "Book", "Boeken"), exact=True)
    person.see(say(person, "Check your inbox", "Kijk in je inbox"))

    follow_mail(person, outbox, to=booker, kind="event_booking_verify", path_part="/verify")
    person.see(say(person, "Your booking", "Je boeking"))
    for name, _email in colleagues:
        person.see(name)
    discount = say(person, "voucher TEAM-HALF: discount €25 on €50 excl. VAT",
                   "voucher TEAM-HALF: korting €25 op €50 excl. btw")  # fmt: skip
    assert person.page.get_by_text(discount).count() == 2  # Jan and Piet, not Kees
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
    assert len(invoice.lines) == 3 and invoice.gross_cents == 2 * 3025 + 6050
    assert ["TEAM-HALF" in line["description"] for line in invoice.lines] == [True, True, False]
    assert fresh(Voucher, team.id).used_count == 2
    for email in [booker] + [email for _n, email in colleagues]:
        assert len(mails(outbox, to=email, kind="event_confirmed")) == 1
    person.follow(say(person, "Invoice", "Factuur") + f" {invoice.number}")
    person.see("Piet")
