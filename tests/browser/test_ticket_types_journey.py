"""Ticket types in the browser, in Dutch and in English: a student buys the student ticket
(picked on the form, allowed by the verified university address, paid on the local test
checkout, named on the invoice), and a non-student who picked it chooses again after the
e-mail link (between the non-member and early-bird tickets). Every page passes the harness's checks (conftest.py)."""

from __future__ import annotations

import sqlalchemy as sa

from core.extensions import db
from events.models import Invoice, Registration
from tests.browser.events_steps import (
    fill_registration,
    pay_on_test_checkout,
    say,
    verify,
)
from tests.factories import make_event, make_member_org
from tests.ticket_types import make_ticket_type


def _talk(*, early_bird: bool = False):
    event = make_event(join_url="https://meet.example.org/digital-talk")
    make_member_org("DDMA", "ddma.nl")
    make_ticket_type(event, "member", name_nl="DDMA-lid", name_en="DDMA member",
                     audience="member")  # fmt: skip
    make_ticket_type(event, "non_member", name_nl="Niet-lid", name_en="Non-member",
                     audience="non_member", price_cents=5000)  # fmt: skip
    make_ticket_type(event, "student", name_nl="Studententicket", name_en="Student ticket",
                     price_cents=1500, email_domains=["student.uva.nl"], capacity=20)  # fmt: skip
    if early_bird:
        make_ticket_type(event, "early", name_nl="Vroegboeker", name_en="Early bird",
                         price_cents=3500)  # fmt: skip
    return event


def _registration(email: str) -> Registration:
    db.session.commit()
    return db.session.scalars(
        sa.select(Registration).where(Registration.email == email).order_by(Registration.id.desc())
    ).first()


def test_a_student_buys_a_student_ticket(person, outbox):
    event = _talk()
    email = f"sam.{person.lang}@student.uva.nl"
    person.goto(f"/events/{event.slug}")
    person.see(say(person, "Student ticket: €15 excl. VAT", "Studententicket: €15 excl. btw"))
    person.follow(say(person, "Register", "Aanmelden"), exact=True)
    person.see(say(person, "For addresses at student.uva.nl", "Voor adressen bij student.uva.nl"))
    fill_registration(person, name="Sam Student", email=email, billing=True)
    person.check(say(person, "Student ticket", "Studententicket"))
    person.screenshot("ticket-types-registration")
    person.press(say(person, "Register", "Aanmelden"), exact=True)
    person.see(say(person, "Check your inbox", "Kijk in je inbox"))
    verify(person, outbox, email)
    assert person.path.endswith("/pay")
    person.see(say(person, "€18.15", "€18,15"))
    pay_on_test_checkout(person, "pay")
    person.see(say(person, "your payment has been received", "we hebben je betaling ontvangen"))
    registration = _registration(email)
    assert registration.state == "confirmed" and registration.ticket_type.key == "student"
    invoice = db.session.scalar(
        sa.select(Invoice).where(Invoice.registration_id == registration.id)
    )
    assert (
        say(person, "— Student ticket (", "— Studententicket (") in invoice.lines[0]["description"]
    )
    assert invoice.gross_cents == 1815


def test_a_non_student_who_picked_the_student_ticket_chooses_again(person, outbox):
    event = _talk(early_bird=True)
    email = f"jan.{person.lang}@nieuwstad.example"
    person.goto(f"/events/{event.slug}/register")
    fill_registration(person, name="Jan Nieuwstad", email=email, billing=True)
    person.check(say(person, "Student ticket", "Studententicket"))
    person.press(say(person, "Register", "Aanmelden"), exact=True)
    verify(person, outbox, email)
    assert person.path.endswith("/ticket")
    person.see(say(person, "Choose your ticket", "Kies je ticket"))
    assert _registration(email).state == "pending_verification"  # no seat, nothing charged
    person.screenshot("ticket-types-choose")
    # the member and student tickets are not offered to this address
    assert person.page.get_by_label(say(person, "Student ticket", "Studententicket")).count() == 0
    person.check(say(person, "Non-member", "Niet-lid"))
    person.press(say(person, "Continue", "Doorgaan"))
    assert person.path.endswith("/pay")
    person.see(say(person, "€60.50", "€60,50"))
    assert _registration(email).ticket_type.key == "non_member"
