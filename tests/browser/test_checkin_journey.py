"""The door, in Dutch and in English: a member registers, gets the confirmation with the ticket
(its code in the mail, the PDF on their page, whose QR code holds the check-in page's
address); staff open the check-in page on a phone (390 px), type the code and see the
attendee checked in, type it again and see the refusal; the camera button says that typing
works where the browser cannot scan; with the network gone a code is answered from the list
kept on the phone and sent once the network is back. Every page passes the harness's checks.
"""

from __future__ import annotations

import re

import pypdfium2
import zxingcpp

from core.extensions import db
from events.models import Registration
from tests.browser.events_steps import download, mails, register, say, verify
from tests.factories import PASSWORD, fresh, make_event, make_member_org, make_registration

PHONE = {"width": 390, "height": 844}
CODE = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}")


def _log_in(person, user) -> None:
    person.goto("/login")
    person.fill(say(person, "E-mail address", "E-mailadres"), user.email)
    person.fill(say(person, "Password", "Wachtwoord"), PASSWORD)
    person.press(say(person, "Log in", "Inloggen"), exact=True)
    assert person.path != "/login", person.text()


def _type_code(door, code: str) -> None:
    door.fill(say(door, "Ticket code", "Ticketcode"), code)
    door.press(say(door, "Check in", "Inchecken"), exact=True)


def _result(door, text: str) -> str:
    """The door's answer once it says `text` (the script answers without leaving the page)."""
    from playwright.sync_api import expect

    answer = door.page.locator("#door-result")
    expect(answer).to_contain_text(text)
    return answer.inner_text()


def test_a_registrant_gets_a_ticket_and_staff_check_them_in_once(
    person, new_person, outbox, make_user
):
    make_member_org("DDMA", "ddma.nl")
    event = make_event()
    email = f"ticket.{person.lang}@ddma.nl"
    register(person, event.slug, name="Tim Ticket", email=email)
    verify(person, outbox, email)
    person.see(say(person, "You are registered.", "Je bent aangemeld."))
    (mail,) = mails(outbox, to=email, kind="event_confirmed")
    code = CODE.search(mail.body_text).group(0)
    assert any(a["filename"] == "ticket.pdf" for a in mail.attachments)
    ticket = download(person, say(person, "Download ticket (PDF)", "Ticket downloaden (PDF)"))
    document = pypdfium2.PdfDocument(ticket)
    try:
        image = document[0].render(scale=2).to_pil()
    finally:
        document.close()
    [qr] = [found.text for found in zxingcpp.read_barcodes(image)]
    assert qr.endswith(f"/admin/events/{event.id}/check-in/scan?code={code}")

    staff = make_user(
        f"deur.{person.lang}@ddma.example", name="Dirk Deur", is_staff=True, locale=person.lang
    )
    db.session.commit()
    door = new_person(person.lang, **PHONE)
    _log_in(door, staff)
    door.goto(f"/admin/events/{event.id}/check-in/scan")
    door.see(say(door, "Check in by ticket code", "Inchecken met ticketcode"))
    door.see(
        say(
            door,
            "Tickets kept on this phone for when the network drops: 1.",
            "Tickets op deze telefoon bewaard voor als het netwerk wegvalt: 1.",
        )
    )

    _type_code(door, code.lower().replace("-", " "))
    _result(door, say(door, "Checked in: Tim Ticket", "Ingecheckt: Tim Ticket"))
    door.see(say(door, "1 of 1 confirmed attendees", "1 van 1 bevestigde deelnemers"))
    arrived = fresh(Registration, _registration_id(email)).checked_in_at
    assert arrived is not None

    _type_code(door, code)
    refusal = _result(door, say(door, "Already checked in at", "Al ingecheckt om"))
    assert "Tim Ticket" in refusal
    assert fresh(Registration, _registration_id(email)).checked_in_at == arrived
    door.screenshot("check-in-phone")

    door.press(say(door, "Scan with camera", "Scannen met camera"), exact=True)
    note = door.page.locator("#door-camera-note")
    door.page.wait_for_function("() => document.querySelector('#door-camera-note').innerText")
    assert say(door, "Type the code instead", "Typ de code") in note.inner_text()


def _registration_id(email: str) -> int:
    db.session.commit()
    return db.session.scalar(
        db.select(Registration.id).where(Registration.email == email).order_by(Registration.id)
    )


def test_with_the_network_gone_the_door_answers_from_its_list_and_sends_later(
    new_person, lang, make_user
):
    event = make_event()
    ada = make_registration(event, name="Ada Offline")
    gone = make_registration(event, "cancelled", name="Carl Cancelled")
    staff = make_user(f"deur2.{lang}@ddma.example", is_staff=True, locale=lang)
    db.session.commit()
    door = new_person(lang, **PHONE)
    _log_in(door, staff)
    door.goto(f"/admin/events/{event.id}/check-in/scan")
    door.see(say(door, "when the network drops: 1.", "als het netwerk wegvalt: 1."))
    ada_code = fresh(Registration, ada.id).ticket_code
    assert fresh(Registration, gone.id).ticket_code is None  # cancelled before it had a ticket

    door.page.context.set_offline(True)
    _type_code(door, ada_code)
    offline = _result(door, say(door, "Checked in: Ada Offline", "Ingecheckt: Ada Offline"))
    assert say(door, "No network", "Geen netwerk") in offline
    assert fresh(Registration, ada.id).checked_in_at is None  # not sent yet
    _type_code(door, ada_code)
    _result(door, say(door, "Already checked in at", "Al ingecheckt om"))
    _type_code(door, "ZZZZ-ZZZZ-ZZZZ")
    _result(door, say(door, "Unknown code", "Onbekende code"))

    door.page.context.set_offline(False)
    _result(door, say(door, "made offline, now sent: 1.", "nu verstuurd: 1."))
    assert fresh(Registration, ada.id).checked_in_at is not None
