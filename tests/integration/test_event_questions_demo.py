"""The demo's Afternoon Update asks about dietary needs for the drinks, and a few demo
attendees have answered; loading the demo again adds nothing twice."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from core.extensions import db
from demo.events_demo import FEW_LEFT_EVENT, load_demo_events
from events.models import Event, EventQuestion, RegistrationAnswer

NOW = datetime(2027, 6, 15, 10, 0, tzinfo=UTC)


def _questions() -> list[tuple]:
    return db.session.execute(
        sa.select(Event.slug, EventQuestion.key, EventQuestion.kind, EventQuestion.required)
        .join(Event, Event.id == EventQuestion.event_id)
        .order_by(EventQuestion.position, EventQuestion.id)
    ).all()


def _answers() -> list[tuple]:
    return db.session.execute(
        sa.select(EventQuestion.key, RegistrationAnswer.value)
        .join(EventQuestion, EventQuestion.id == RegistrationAnswer.question_id)
        .order_by(RegistrationAnswer.id)
    ).all()


def test_the_afternoon_update_asks_about_diets_once(app, client, clock):
    clock.set(NOW)
    lines = load_demo_events(NOW)
    db.session.commit()
    assert f"{FEW_LEFT_EVENT}: dietary questions asked, 6 demo answers added." in lines
    assert _questions() == [
        (FEW_LEFT_EVENT, "dieet", "choice", True),
        (FEW_LEFT_EVENT, "dieet_anders", "text", False),
    ]
    assert sorted(_answers()) == sorted(
        [("dieet", "Vegetarisch"), ("dieet", "Geen"), ("dieet", "Veganistisch"),
         ("dieet", "Anders"), ("dieet_anders", "Glutenvrij"), ("dieet", "Geen")]
    )  # fmt: skip
    (choices,) = db.session.scalars(
        sa.select(EventQuestion.choices).where(EventQuestion.key == "dieet")
    )
    assert [c["en"] for c in choices] == ["None", "Vegetarian", "Vegan", "Other"]

    again = load_demo_events(NOW)
    db.session.commit()
    assert f"{FEW_LEFT_EVENT}: dietary questions asked, 0 demo answers added." in again
    assert len(_questions()) == 2 and len(_answers()) == 6

    page = client.get(f"/events/{FEW_LEFT_EVENT}/register", headers={"Accept-Language": "nl"})
    text = page.get_data(as_text=True)
    assert "Dieetwensen voor de borrel" in text and "Veganistisch" in text
