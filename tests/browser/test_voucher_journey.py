"""The voucher journey, in Dutch and in English: a speaker types a wrong code (told so, on the
field), then their own and is registered free for a paid talk, nothing to pay; a registrant
whose address is not the voucher's domain is told so after verifying, sees the price without
it and continues without a voucher to the full price. Every page passes the harness's checks.
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from core.extensions import db
from events.models import Registration, Voucher
from tests.browser.events_steps import fill_billing, fill_registration, say, verify
from tests.factories import NOW, make_event


def _registration(email: str) -> Registration:
    db.session.commit()
    return db.session.scalars(
        sa.select(Registration).where(Registration.email == email).order_by(Registration.id.desc())
    ).first()


def _voucher(code: str, **kw) -> Voucher:
    voucher = Voucher(code=code, used_count=0, created_at=NOW, **kw)
    db.session.add(voucher)
    db.session.flush()
    return voucher


def test_a_speaker_registers_free_with_a_voucher_and_a_wrong_address_continues_without(
    person, outbox
):
    event = make_event(join_url="https://meet.example.org/digital-talk")
    speaker_voucher = _voucher("SPREKER-COOKIES", kind="free", event_id=event.id, max_uses=3)
    _voucher("PARTNER-HALF", kind="percent", percent=Decimal("50"), email_domain="partner.nl")
    voucher_label = say(person, "Voucher code (optional)", "Vouchercode (optioneel)")
    register_button = say(person, "Register", "Aanmelden")

    # a speaker: a wrong code first, told so on the field; nothing stored
    speaker = f"spreker.{person.lang}@example.org"
    person.goto(f"/events/{event.slug}/register")
    fill_registration(person, name="Sanne Spreker", email=speaker)
    person.fill(voucher_label, "SPREKER-COOKIE")
    person.screenshot("voucher-on-the-form")
    person.press(register_button, exact=True)
    person.see(say(person, "This voucher code is not known", "Deze vouchercode kennen we niet"))
    assert _registration(speaker) is None
    person.fill(voucher_label, " spreker-cookies ")
    person.check(say(person, "I agree that my details", "Ik ga ermee akkoord"))
    person.press(register_button, exact=True)
    person.see(say(person, "Check your inbox", "Kijk in je inbox"))
    verify(person, outbox, speaker)
    person.see(say(person, "You are registered.", "Je bent aangemeld."))
    person.see(
        say(person, "voucher SPREKER-COOKIES: discount €50", "voucher SPREKER-COOKIES: korting €50")
    )
    assert person.page.get_by_role("link", name=say(person, "Pay now", "Nu betalen")).count() == 0
    registration = _registration(speaker)
    assert (registration.state, registration.gross_cents) == ("confirmed", 0)
    db.session.refresh(speaker_voucher)
    assert speaker_voucher.used_count == 1

    # a partner code from an address outside the partner's domain: the voucher step
    other = f"niet.partner.{person.lang}@example.org"
    person.goto(f"/events/{event.slug}/register")
    fill_registration(person, name="Pim Anders", email=other)
    fill_billing(person)
    person.fill(voucher_label, "partner-half")
    person.press(register_button, exact=True)
    verify(person, outbox, other)
    person.see(
        say(
            person,
            "only for e-mail addresses at partner.nl",
            "alleen voor e-mailadressen bij partner.nl",
        )
    )
    person.see(say(person, "Nothing is booked or charged yet.", "Er is nog niets geboekt"))
    person.see(say(person, "€60.50 incl. VAT", "€60,50 incl. btw"))
    person.screenshot("voucher-step")
    assert _registration(other).state == "pending_verification"
    person.press(say(person, "Continue without a voucher", "Verder zonder voucher"))
    assert person.path.endswith("/pay")
    person.see(say(person, "€60.50", "€60,50"))
    registration = _registration(other)
    assert (registration.state, registration.voucher_id, registration.gross_cents) == (
        "pending_payment",
        None,
        6050,
    )
