"""Registration questions under concurrency, on the running PostgreSQL server.

Run with TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test; skipped otherwise.
Staff changes to an event's questions and registrations that answer them take the event
lock (`seats.lock_event`): a key is taken once however many add it at the same moment, and
an option is never removed while an answer choosing it is being stored (either the answer
is refused, or the removal is)."""

from __future__ import annotations

import os
from functools import partial

import pytest
import sqlalchemy as sa

from core.errors import InvalidInput
from core.extensions import db
from events.models import Event, EventQuestion, Registration, RegistrationAnswer
from events.services import event_questions
from events.services.event_questions import QuestionData
from events.services.input import Applicant, Billing
from events.services.registrations import start_registration
from tests.factories import make_event
from tests.threads import run_together

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
        reason="needs TEST_DATABASE_URL pointing at PostgreSQL",
    ),
]

N = 6
OPTIONS = [{"nl": "Geen", "en": "None"}, {"nl": "Vegan", "en": "Vegan"},
           {"nl": "Vegetarisch", "en": "Vegetarian"}]  # fmt: skip


def _data(**kw) -> QuestionData:
    values = {"key": "diet", "kind": "choice", "label_nl": "Dieet", "label_en": "Diet",
              "choices": OPTIONS}  # fmt: skip
    return QuestionData(**{**values, **kw})


def test_parallel_adds_of_one_key_make_one_question(app, clock):
    event_id = make_event().id  # the threads take ids: the test's objects are its session's
    db.session.commit()

    def add(n: int):
        found = db.session.get(Event, event_id)
        return event_questions.save_question(
            found, _data(label_en=f"Diet {n}"), actor=None, now=clock()
        ).id

    results, errors = run_together(app, [partial(add, n) for n in range(N)])
    assert len(results) == 1
    assert len(errors) == N - 1 and all(isinstance(e, InvalidInput) for e in errors)
    assert all(set(e.errors) == {"key"} for e in errors if isinstance(e, InvalidInput))
    assert db.session.scalar(sa.select(sa.func.count(EventQuestion.id))) == 1


def test_an_option_is_never_removed_under_an_answer_being_stored(app, clock):
    event = make_event(price_non_member_cents=0)
    question_id = event_questions.save_question(event, _data(), actor=None, now=clock()).id
    event_id = event.id
    db.session.commit()

    def register(n: int):
        found = db.session.get(Event, event_id)
        applicant = Applicant(
            name=f"P {n}", email=f"p{n}@example.org", organisation="", job_title="",
            locale="en", privacy_consent=True, newsletter_opt_in=False, billing=Billing(),
        )  # fmt: skip
        return start_registration(found, applicant, now=clock(), answers={"q_diet": "Vegan"})

    def drop_vegan():
        found = db.session.get(EventQuestion, question_id)
        kept = [o for o in OPTIONS if o["nl"] != "Vegan"]
        return event_questions.save_question(
            found.event, _data(choices=kept), actor=None, now=clock(), question=found
        )

    jobs = [partial(register, n) for n in range(N - 1)] + [drop_vegan]
    _results, errors = run_together(app, jobs)
    assert all(isinstance(e, InvalidInput) for e in errors), errors
    db.session.rollback()
    answers = db.session.scalars(sa.select(RegistrationAnswer.value)).all()
    choices = db.session.scalar(sa.select(EventQuestion.choices))
    if "Vegan" in [c["nl"] for c in choices]:  # the removal came after answers: refused
        assert answers and set(answers) == {"Vegan"}
        assert [set(e.errors) for e in errors] == [{"choices"}]
    else:  # the removal came first: every later answer was refused, nothing stored
        assert answers == []
        assert db.session.scalar(sa.select(sa.func.count(Registration.id))) == N - 1 - len(errors)
