"""Registration questions in a browser, in Dutch and in English: staff add a dietary
question to an event from its admin pages; a member registering must answer it (the form
says so on the field), answers it, sees the answer on their registration page, and staff see
it in the attendee list. Every page passes the harness's checks (conftest.py)."""

from __future__ import annotations

import sqlalchemy as sa

from core.extensions import db
from events.models import RegistrationAnswer
from tests.browser.awards_steps import log_in
from tests.browser.events_steps import fill_registration, say, verify
from tests.factories import make_event, make_member_org


def test_staff_ask_about_diets_and_a_member_answers(new_person, lang, make_user, outbox):
    make_member_org("DDMA", "ddma.nl")
    event = make_event(title_nl="Afternoon Update: marketplaces", title_en="Afternoon Update")
    staff = make_user(f"staff.{lang}@ddma.nl", name="Sam Staf", is_staff=True, locale=lang)

    admin = new_person(lang)
    admin.goto("/")
    log_in(admin, staff.email)
    admin.goto(f"/admin/events/{event.id}/attendees")
    admin.follow(say(admin, "Registration questions", "Vragen bij aanmelding"))
    admin.follow(say(admin, "Add a question", "Een vraag toevoegen"))
    admin.fill(say(admin, "Key", "Code"), "diet")
    admin.select(
        say(admin, "Kind of answer", "Soort antwoord"),
        say(admin, "Choice from a list", "Keuze uit een lijst"),
    )
    admin.fill(say(admin, "Question (Dutch)", "Vraag (Nederlands)"), "Dieetwensen voor de borrel")
    admin.fill(say(admin, "Question (English)", "Vraag (Engels)"), "Dietary needs for the drinks")
    admin.fill(
        say(admin, "Options", "Opties"),
        "Geen | None\nVegetarisch | Vegetarian\nVeganistisch | Vegan",
    )
    admin.check(say(admin, "An answer is required", "Een antwoord is verplicht"))
    admin.press(say(admin, "Save", "Opslaan"), exact=True)
    admin.see(say(admin, "Question saved.", "Vraag opgeslagen."))

    member = new_person(lang, 390, 844)  # on a phone
    email = f"mila.{lang}@ddma.nl"
    member.goto(f"/events/{event.slug}/register")
    member.see(say(member, "Additional questions", "Aanvullende vragen"))
    fill_registration(member, name="Mila Lid", email=email)
    member.press(say(member, "Register", "Aanmelden"), exact=True)
    member.see(say(member, "Answer this question.", "Beantwoord deze vraag."))
    member.screenshot("event-questions-form")
    member.check(say(member, "Vegan", "Veganistisch"), exact=True)
    member.check(say(member, "I agree that my details", "Ik ga ermee akkoord"))
    member.press(say(member, "Register", "Aanmelden"), exact=True)
    member.see(say(member, "Check your inbox", "Kijk in je inbox"))
    db.session.commit()
    assert db.session.scalars(sa.select(RegistrationAnswer.value)).all() == ["Veganistisch"]
    verify(member, outbox, email)
    member.see(say(member, "Your answers", "Je antwoorden"))
    member.see(say(member, "Dietary needs for the drinks", "Dieetwensen voor de borrel"))
    member.see(say(member, "Vegan", "Veganistisch"))
    member.screenshot("event-questions-answers")

    admin.goto(f"/admin/events/{event.id}/attendees")
    admin.see("Mila Lid")
    admin.see(say(admin, "Dietary needs for the drinks", "Dieetwensen voor de borrel"))
    admin.see(say(admin, "Vegan", "Veganistisch"))
