"""The registration questions' pages fit a phone (390 px) and a laptop (1280 px) without the
page scrolling sideways and pass axe, in Dutch and in English: the staff list and form, the
registration form with its questions, the registrant's answers and an attendee list with a
column per question (long labels and answers)."""

from __future__ import annotations

import pytest

from core.extensions import db
from events.models import EventQuestion, RegistrationAnswer
from tests.browser.test_layout import WIDTHS, log_in, visit
from tests.factories import make_event, make_registration

LONG = "Heb je dieetwensen of allergieën waar we bij de borrel rekening mee moeten houden?"


@pytest.fixture(params=sorted(WIDTHS))
def device(request) -> str:
    return request.param


@pytest.fixture
def asked(make_user):
    event = make_event(capacity=40)
    diet = EventQuestion(
        event_id=event.id, key="dieetwensen_borrel", kind="choice", label_nl=LONG,
        label_en="Any dietary needs or allergies we should know about for the drinks?",
        help_nl="Na afloop is er een borrel.", help_en="The afternoon ends with drinks.",
        choices=[{"nl": "Geen", "en": "None"}, {"nl": "Vegetarisch", "en": "Vegetarian"},
                 {"nl": "Veganistisch", "en": "Vegan"}, {"nl": "Anders", "en": "Other"}],
        required=True, position=1, created_at=event.created_at,
    )  # fmt: skip
    other = EventQuestion(
        event_id=event.id, key="anders", kind="text", label_nl="Anders, namelijk",
        label_en="Other, namely", position=2, created_at=event.created_at,
    )  # fmt: skip
    car = EventQuestion(
        event_id=event.id, key="auto", kind="yes_no", label_nl="Kom je met de auto?",
        label_en="Are you coming by car?", position=3, created_at=event.created_at,
    )  # fmt: skip
    db.session.add_all([diet, other, car])
    db.session.flush()
    registrations = [
        make_registration(event, name=f"Charlotte van den Berg-Hendriks {n}",
                          email=f"charlotte.vandenberg-hendriks.{n}@klantdata.example")
        for n in range(4)
    ]  # fmt: skip
    for n, registration in enumerate(registrations):
        db.session.add_all([
            RegistrationAnswer(registration_id=registration.id, question_id=diet.id,
                               value="Anders" if n % 2 else "Veganistisch"),
            RegistrationAnswer(registration_id=registration.id, question_id=other.id,
                               value="Glutenvrij en lactosevrij, graag apart gehouden van de rest"),
            RegistrationAnswer(registration_id=registration.id, question_id=car.id, value="yes"),
        ])  # fmt: skip
    admin = make_user("beheer@ddma.example", name="Annemiek de Beheerder", admin=True)
    db.session.commit()
    return {"event": event, "question": diet, "registration": registrations[0], "admin": admin}


def test_question_pages_fit_and_pass_axe(new_person, lang, device, asked):
    person = new_person(lang, width=WIDTHS[device], height=900)
    event = asked["event"]
    visit(person, f"/events/{event.slug}/register")
    visit(person, f"/events/r/{asked['registration'].token}")
    log_in(person, asked["admin"])
    visit(person, f"/admin/events/{event.id}/questions")
    visit(person, f"/admin/events/{event.id}/questions/new")
    visit(person, f"/admin/events/{event.id}/questions/{asked['question'].id}/edit")
    visit(person, f"/admin/events/{event.id}/attendees")
    person.screenshot(f"attendees-questions-{device}")
