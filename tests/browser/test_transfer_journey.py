"""A ticket handed on to a colleague, in Dutch and in English, as people walk it in a browser:
the holder names the colleague on their registration page; the colleague opens the mailed
link in their own browser, agrees and takes the ticket over; both are told by e-mail. Every
page passes the harness's checks (conftest.py)."""

from __future__ import annotations

from events.models import Registration
from tests.browser.events_steps import follow_mail, mails, say
from tests.factories import fresh, make_event, make_registration


def test_a_holder_hands_their_ticket_on_to_a_colleague(person, new_person, outbox):
    event = make_event(join_url="https://meet.example.org/digital-talk")
    holder = make_registration(
        event, "confirmed", paying=True, locale=person.lang, email=f"holder.{person.lang}@example.com",
        name="Hanna Houder",
    )  # fmt: skip
    colleague_email = f"sam.{person.lang}@example.com"
    old_token, old_email = holder.token, holder.email
    person.goto(f"/events/r/{holder.token}")
    person.follow(say(person, "Transfer to a colleague", "Overdragen aan een collega"))
    person.fill(say(person, "Your colleague's name", "Naam van je collega"), "Sam Collega")
    person.fill(
        say(person, "Your colleague's e-mail address", "E-mailadres van je collega"),
        colleague_email,
    )
    person.fill(say(person, "Organisation", "Organisatie"), "Nieuwstad Data")
    person.select(
        say(person, "Language of their e-mails", "Taal van hun e-mails"),
        say(person, "English", "Engels"),
    )
    person.press(say(person, "Send the link to my colleague", "Stuur de link naar mijn collega"))
    person.see(
        say(person, "We sent Sam Collega a link.", "We hebben Sam Collega een link gestuurd.")
    )
    person.see(say(person, "Waiting for Sam Collega", "Wacht op Sam Collega"))
    assert fresh(Registration, holder.id).email == old_email  # nothing changed yet

    colleague = new_person("en")
    follow_mail(
        colleague, outbox, to=colleague_email, kind="event_transfer_verify", path_part="/transfer/"
    )
    colleague.see("A ticket for you")
    colleague.see("Hanna Houder hands their ticket on to you")
    colleague.check("I agree that my details are used")
    colleague.press("Take over the ticket")
    colleague.see("The ticket is yours.")
    colleague.see("Sam Collega")
    colleague.screenshot(f"transfer-accepted-{person.lang}")

    registration = fresh(Registration, holder.id)
    assert (registration.email, registration.name, registration.locale) == (
        colleague_email, "Sam Collega", "en"
    )  # fmt: skip
    assert registration.token != old_token
    assert [m.kind for m in mails(outbox, to=old_email)] == ["event_transferred"]
    assert "event_transfer_received" in [m.kind for m in mails(outbox, to=colleague_email)]
