"""The events journeys, in Dutch and in English, as people walk them in a browser: a visitor
looking around, a paying non-member (a failed payment and a retry, the invoice, cancelling),
a member, the waiting list (an offer taken, an offer that expires) and a seat hold that runs
out. Payments go through the local test checkout (no Stripe key in tests); the scheduler's
job is `flask events expire-holds`. Every page passes the harness's checks (conftest.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pypdfium2 as pdfium
import sqlalchemy as sa

from core.extensions import db
from events.models import Invoice, Registration
from events.services import waitlist
from tests.browser.conftest import SCREENSHOTS
from tests.browser.events_steps import (
    calendar,
    download,
    fetch,
    fill_billing,
    fill_registration,
    follow_mail,
    mail_link,
    mails,
    pay_on_test_checkout,
    register,
    run_scheduler,
    say,
    verify,
)
from tests.factories import fresh, make_event, make_member_org, make_registration

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
DESCRIPTION = """Wat betekent de handhaving van de AP voor jouw cookiebanner?

## Wat neem je mee?

- de nieuwe normen
- een checklist voor je site
"""
DESCRIPTION_EN = """What does the DPA's enforcement mean for your cookie banner?

## What you take home

- the new norms
- a checklist for your site
"""


def _event(**kw):
    kw.setdefault("description_nl", DESCRIPTION)
    kw.setdefault("description_en", DESCRIPTION_EN)
    kw.setdefault("join_url", "https://meet.example.org/digital-talk")
    return make_event(**kw)


def _registration(email: str) -> Registration:
    """The newest registration of `email`, as the server committed it."""
    db.session.commit()
    return db.session.scalars(
        sa.select(Registration).where(Registration.email == email).order_by(Registration.id.desc())
    ).first()


def _title(person, event) -> str:
    return event.title(person.lang)


# -- 1. a visitor ------------------------------------------------------------------------------


def test_a_visitor_finds_an_event_its_time_zone_calendar_file_and_the_privacy_page(person):
    event = _event(capacity=3)
    make_registration(event)  # one seat taken: two left
    person.goto("/")
    person.follow(say(person, "Events", "Evenementen"), exact=True)
    assert person.path == "/events/"
    person.follow(_title(person, event))
    assert person.path == f"/events/{event.slug}"
    text = person.text()
    assert say(person, "Thursday 20 March 2025, 12:00", "donderdag 20 maart 2025, 12:00") in text
    assert "Europe/Amsterdam" in text
    assert say(person, "Only 2 places left", "Nog maar 2 plekken beschikbaar") in text
    heading = say(person, "What you take home", "Wat neem je mee?")
    assert person.page.get_by_role("heading", name=heading).is_visible()
    items = person.page.locator(".description li").all_inner_texts()
    assert items == say(
        person,
        ["the new norms", "a checklist for your site"],
        ["de nieuwe normen", "een checklist voor je site"],
    )
    person.screenshot("event-page")

    ics = calendar(download(person, say(person, "Add to your calendar", "Toevoegen aan je agenda")))
    [vevent] = ics.walk("VEVENT")
    assert vevent.decoded("dtstart") == datetime(2025, 3, 20, 12, 0, tzinfo=AMSTERDAM)
    assert vevent.decoded("dtstart").tzinfo.key == "Europe/Amsterdam"
    assert str(vevent["summary"]) == _title(person, event)
    assert "meet.example.org" not in ics.to_ical().decode()  # the join link is for attendees

    person.follow("Privacy", exact=True)
    assert person.path == "/privacy"
    assert person.page.get_by_role("heading", level=1).is_visible()


# -- 2. a paying non-member ---------------------------------------------------------------------


def test_a_non_member_fails_a_payment_retries_pays_gets_the_invoice_and_cancels(person, outbox):
    event = _event()
    email = f"isa.{person.lang}@nieuwstad.example"
    person.goto(f"/events/{event.slug}")
    person.follow(say(person, "Register", "Aanmelden"), exact=True)
    fill_registration(person, name="Isa Nieuwstad", email=email)
    person.screenshot("registration")
    person.press(say(person, "Register", "Aanmelden"), exact=True)
    person.see(say(person, "Check your inbox", "Kijk in je inbox"))
    verify(person, outbox, email)

    # the billing step, then the pay page
    person.see(say(person, "Billing details", "Factuurgegevens"))
    person.press(say(person, "Continue", "Doorgaan"))  # empty: refused, in words
    person.see(say(person, "Enter the company name.", "Vul de bedrijfsnaam in."))
    fill_billing(person)
    person.press(say(person, "Continue", "Doorgaan"))
    assert person.path.endswith("/pay")
    person.see(say(person, "€60.50", "€60,50"))
    person.screenshot("pay-page")

    # the payment fails: back on the pay page, which says so and offers a retry
    pay_on_test_checkout(person, "fail")
    assert person.path.endswith("/pay")
    person.see(say(person, "Your payment did not go through", "Je betaling is niet gelukt"))
    registration = _registration(email)
    assert registration.state == "pending_payment"
    [failed] = mails(outbox, to=email, kind="event_payment_failed")
    assert failed.subject.startswith(say(person, "Your payment for", "Je betaling voor"))

    # try again, and pay
    person.press(say(person, "Try again", "Opnieuw proberen"))
    person.see(say(person, "TEST CHECKOUT", "TESTBETAALPAGINA"))
    person.press("(test)")
    person.see(say(person, "your payment has been received", "we hebben je betaling ontvangen"))
    text = person.text()
    assert say(person, "Thursday 20 March 2025, 12:00", "donderdag 20 maart 2025, 12:00") in text
    assert "https://meet.example.org/digital-talk" in text
    ics = calendar(download(person, say(person, "Add to your calendar", "Toevoegen aan je agenda")))
    [vevent] = ics.walk("VEVENT")
    assert "meet.example.org/digital-talk" in str(vevent["url"])
    assert fresh(Registration, registration.id).state == "confirmed"
    kinds = [m.kind for m in mails(outbox, to=email)]
    assert "event_confirmed" in kinds and "event_invoice" in kinds

    # the invoice PDF, from the registration page
    person.follow(say(person, "Your registration", "Je aanmelding"), exact=True)
    manage = person.path
    person.follow(say(person, "Invoice", "Factuur"), exact=True)
    kind, pdf = fetch(person, say(person, "Download PDF", "PDF downloaden"))
    assert kind == "application/pdf"
    assert pdf.startswith(b"%PDF")
    _render_first_page(pdf, f"invoice-pdf-{person.lang}.png")

    # cancel, through the confirmation step
    person.goto(manage)
    person.follow(say(person, "Cancel my registration", "Mijn aanmelding annuleren"))
    person.see(say(person, "the amount is refunded", "je krijgt het bedrag terug"))
    assert fresh(Registration, registration.id).state == "confirmed"  # nothing happened yet
    person.press(say(person, "Yes, cancel my registration", "Ja, annuleer mijn aanmelding"))
    assert person.path == manage
    person.see(say(person, "Your registration is cancelled.", "Je aanmelding is geannuleerd."))
    assert fresh(Registration, registration.id).state == "refunded"
    credit = say(person, "Credit note CN2025-0001", "Creditnota CN2025-0001")
    original = say(person, "Original invoice 2025-0001", "Oorspronkelijke factuur 2025-0001")
    assert person.page.get_by_role("link", name=credit).is_visible()
    assert person.page.get_by_role("link", name=original).is_visible()
    assert (
        person.page.get_by_role("link", name=say(person, "Invoice", "Factuur"), exact=True).count()
        == 0
    )
    assert sorted(_invoice_numbers()) == ["2025-0001", "CN2025-0001"]
    # the calendar: the cancellation is offered on the page and sent
    removed = calendar(
        download(person, say(person, "Remove from your calendar", "Verwijderen uit je agenda"))
    )
    assert str(removed["method"]) == "CANCEL"
    [cancelled] = mails(outbox, to=email, kind="event_cancelled")
    [attachment] = cancelled.attachments
    assert attachment["content_type"] == "text/calendar"


def _invoice_numbers() -> list[str]:
    """The numbers of every invoice and credit note issued, as the server committed them."""
    db.session.commit()
    return list(db.session.scalars(sa.select(Invoice.number)))


def _render_first_page(pdf: bytes, name: str) -> None:
    """Page 1 of the PDF as a PNG in the screenshots folder."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    document = pdfium.PdfDocument(pdf)
    try:
        image = document[0].render(scale=2).to_pil()
        image.save(SCREENSHOTS / name)
        assert image.width > 1000
    finally:
        document.close()


# -- 3. a member -------------------------------------------------------------------------------


def test_a_member_registers_free_and_is_confirmed_after_verifying(person, outbox):
    make_member_org("DDMA", "ddma.nl")
    event = _event()
    email = f"lid.{person.lang}@ddma.nl"
    register(person, event.slug, name="Mila Lid", email=email)
    verify(person, outbox, email)
    person.see(say(person, "You are registered.", "Je bent aangemeld."))
    assert "/pay" not in person.path
    person.see(say(person, "Confirmed", "Bevestigd"))
    assert person.page.get_by_role("link", name=say(person, "Pay now", "Nu betalen")).count() == 0
    registration = _registration(email)
    assert (registration.state, registration.audience, registration.gross_cents) == (
        "confirmed",
        "member",
        0,
    )
    assert _invoice_numbers() == []
    kinds = [m.kind for m in mails(outbox, to=email)]
    assert "event_confirmed" in kinds and "event_invoice" not in kinds


# -- 4. the waiting list -----------------------------------------------------------------------


def _join_waiting_list(person, outbox, event, email: str) -> None:
    person.goto(f"/events/{event.slug}")
    person.see(say(person, "Full", "Vol"))
    person.follow(say(person, "Join the waiting list", "Aanmelden voor de wachtlijst"))
    fill_registration(person, name="Wim Wachter", email=email, billing=True)
    person.press(say(person, "Join the waiting list", "Aanmelden voor de wachtlijst"))
    verify(person, outbox, email)
    person.see(say(person, "you are on the waiting list", "je staat op de wachtlijst"))
    person.see(say(person, "Your place on the waiting list: 1.", "Je plek op de wachtlijst: 1."))


def test_a_waiting_person_gets_the_offer_when_someone_cancels_and_pays_for_the_seat(
    person, new_person, outbox
):
    event = _event(capacity=1)
    attendee = make_registration(event, name="Ada Annuleert")
    email = f"wim.{person.lang}@wachter.example"
    _join_waiting_list(person, outbox, event, email)

    other = new_person(person.lang)
    other.goto(f"/events/r/{attendee.token}")
    other.follow(say(other, "Cancel my registration", "Mijn aanmelding annuleren"))
    other.press(say(other, "Yes, cancel my registration", "Ja, annuleer mijn aanmelding"))
    other.see(say(other, "Your registration is cancelled.", "Je aanmelding is geannuleerd."))

    follow_mail(person, outbox, to=email, kind="event_offer", path_part="/offer")
    person.see(say(person, "A seat for you", "Een plek voor jou"))
    person.press(say(person, "Accept the seat", "Plek accepteren"))
    assert person.path.endswith("/pay")
    pay_on_test_checkout(person, "pay")
    person.see(say(person, "your payment has been received", "we hebben je betaling ontvangen"))
    assert _registration(email).state == "confirmed"


def test_an_offer_that_expires_goes_to_the_next_in_line(app, person, clock, outbox, live_server):
    event = _event(capacity=1, offer_hours=12)
    attendee = make_registration(event, name="Ada Annuleert")
    email = f"wim.{person.lang}@wachter.example"  # first in line (joined as in the test above)
    first = make_registration(
        event, "waitlisted", email=email, waitlisted_at=clock(), locale=person.lang
    )
    clock.advance(minutes=5)
    second = make_registration(event, "waitlisted", waitlisted_at=clock(), locale=person.lang)

    with app.test_request_context("/", base_url=live_server):
        waitlist.cancel_registration(attendee, now=clock())
        db.session.commit()
    [offer] = mails(outbox, to=email, kind="event_offer")

    clock.advance(hours=12, minutes=1)
    run_scheduler(app, live_server)
    person.goto(mail_link(person, offer, "/offer"))
    person.see(say(person, "This offer has expired", "Dit aanbod is verlopen"))
    assert person.page.get_by_role("button", name=say(person, "Accept", "accepteren")).count() == 0
    assert fresh(Registration, first.id).state == "expired"
    assert fresh(Registration, second.id).state == "offered"
    assert mails(outbox, to=second.email, kind="event_offer")


# -- 5. a seat hold that runs out ---------------------------------------------------------------


def test_an_expired_hold_is_said_clearly_frees_the_seat_and_the_person_registers_again(
    app, person, clock, outbox, live_server
):
    event = _event(capacity=1)
    email = f"tim.{person.lang}@laat.example"
    register(person, event.slug, name="Tim Laat", email=email, billing=True)
    verify(person, outbox, email)
    assert person.path.endswith("/pay")

    clock.advance(minutes=31)  # past the 30-minute hold, before the person presses Pay
    person.press(say(person, "Pay €", "Betaal €"))  # the page still shows the button
    expired = say(
        person, "Your reserved seat has expired", "De reservering van je plek is verlopen"
    )
    person.see(expired)
    assert person.page.get_by_text(expired).count() == 1  # said once, clearly
    run_scheduler(app, live_server)
    assert _registration(email).state == "expired"

    person.follow(say(person, "Register again", "Opnieuw aanmelden"))
    assert person.path == f"/events/{event.slug}/register"
    waiting_list = say(person, "Join the waiting list", "Aanmelden voor de wachtlijst")
    assert person.page.get_by_role("button", name=waiting_list).count() == 0  # a seat is free
    fill_registration(person, name="Tim Laat", email=email, billing=True)
    person.press(say(person, "Register", "Aanmelden"), exact=True)
    verify(person, outbox, email)
    assert person.path.endswith("/pay")
    person.see(say(person, "Your seat is reserved until", "Je plek is gereserveerd tot"))
    assert _registration(email).hold_expires_at == clock() + timedelta(minutes=30)
