"""`flask events load`: an event's "questions" are its whole list of registration questions
(created, changed and reordered by key, left-out ones deleted), checked by path like the rest
of the file; without "questions" an event keeps its questions."""

from __future__ import annotations

import copy
import json

import pytest
import sqlalchemy as sa

from core.audit.models import AuditEntry
from core.extensions import db
from events.cli import events_cli
from events.models import Event, EventQuestion, RegistrationAnswer
from tests.factories import make_registration

DIET = {
    "key": "diet",
    "kind": "choice",
    "label": {"nl": "Dieetwensen", "en": "Dietary needs"},
    "help": {"nl": "Voor de borrel.", "en": "For the drinks."},
    "choices": [{"nl": "Geen", "en": "None"}, {"nl": "Vegan", "en": "Vegan"}],
    "required": True,
}
CAR = {"key": "car", "kind": "yes_no", "label": {"nl": "Auto?", "en": "Car?"}}
EVENT = {
    "slug": "afternoon-update",
    "title": {"nl": "Afternoon Update", "en": "Afternoon Update"},
    "kind": "Afternoon Update",
    "starts_at": "2026-03-05T15:00",
    "ends_at": "2026-03-05T17:30",
    "online": False,
    "location": "Weesperstraat 5, Amsterdam",
    "capacity": 40,
    "prices": {"member": 0, "non_member": 2500},
    "vat_rate": "0.21",
    "questions": [DIET, CAR],
}


def _doc(**changes) -> dict:
    event = copy.deepcopy(EVENT)
    event.update(changes)
    return {"events": [{k: v for k, v in event.items() if v is not None}]}


@pytest.fixture
def run(app, tmp_path):
    runner = app.test_cli_runner()

    def _run(doc):
        path = tmp_path / "events.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        return runner.invoke(events_cli, ["load", str(path)])

    return _run


def _questions() -> list[tuple]:
    db.session.expire_all()
    return db.session.execute(
        sa.select(EventQuestion.key, EventQuestion.kind, EventQuestion.label_en,
                  EventQuestion.required, EventQuestion.position)
        .order_by(EventQuestion.position, EventQuestion.id)
    ).all()  # fmt: skip


def _audit() -> list[str]:
    return db.session.scalars(
        sa.select(AuditEntry.action)
        .where(AuditEntry.action.startswith("event_question."))
        .order_by(AuditEntry.id)
    ).all()


def test_questions_are_created_changed_reordered_and_kept(run):
    result = run(_doc())
    assert result.exit_code == 0, result.output
    assert _questions() == [
        ("diet", "choice", "Dietary needs", True, 1),
        ("car", "yes_no", "Car?", False, 2),
    ]
    diet = db.session.scalar(sa.select(EventQuestion).where(EventQuestion.key == "diet"))
    assert diet.help_nl == "Voor de borrel." and diet.choices == DIET["choices"]
    assert _audit() == ["event_question.created"] * 2

    assert run(_doc()).exit_code == 0  # the same file again writes nothing
    assert _audit() == ["event_question.created"] * 2

    car = {**CAR, "label": {"nl": "Met de auto?", "en": "By car?"}}
    assert run(_doc(questions=[car, DIET])).exit_code == 0
    assert [(k, label, p) for k, _, label, _, p in _questions()] == [
        ("car", "By car?", 1),
        ("diet", "Dietary needs", 2),
    ]
    assert _audit()[2:] == ["event_question.updated"]

    assert run(_doc(questions=None)).exit_code == 0  # no "questions": kept
    assert len(_questions()) == 2
    assert run(_doc(questions=[DIET])).exit_code == 0  # left out, no answers: deleted
    assert [q[0] for q in _questions()] == ["diet"]


def test_bad_questions_are_refused_by_path_and_change_nothing(run):
    assert run(_doc()).exit_code == 0
    before = _questions()
    bad = [
        {**DIET, "choices": [{"nl": "Geen", "en": "None"}], "colour": "red"},
        {**CAR, "kind": "number", "label": {"nl": "Auto?"}},
        {**CAR, "label": {"nl": "x", "en": "y", "de": "z"}},
        "diet",
    ]
    result = run(_doc(questions=bad))
    assert result.exit_code == 1
    for expected in (
        "events[0].questions[0].colour: Unknown field.",
        "events[0].questions[2].label.de: Unknown field.",
        "events[0].questions[3]: Must be an object with key, kind, label and choices.",
        "nothing was changed",
    ):
        assert expected in result.output, expected
    assert _questions() == before

    result = run(_doc(questions=[{**DIET, "choices": [{"nl": "Geen", "en": "None"}]},
                                 {**CAR, "kind": "number", "label": {"nl": "Auto?"}}, CAR]))  # fmt: skip
    assert result.exit_code == 1
    for expected in (
        "events[0].questions[0].choices: Give at least 2 options",
        "events[0].questions[1].kind: Choose a kind of answer.",
        "events[0].questions[1].label.en: This field is required.",
        "events[0].questions[2].key: This key is already used in this event.",
    ):
        assert expected in result.output, expected
    assert _questions() == before


def test_a_question_with_answers_keeps_its_kind_and_is_not_dropped(run):
    assert run(_doc()).exit_code == 0
    event = db.session.scalar(sa.select(Event))
    diet = db.session.scalar(sa.select(EventQuestion).where(EventQuestion.key == "diet"))
    db.session.add(
        RegistrationAnswer(registration_id=make_registration(event).id, question_id=diet.id,
                           value="Vegan")
    )  # fmt: skip
    db.session.commit()
    before = _questions()
    result = run(_doc(questions=[{**DIET, "kind": "text"}, CAR]))
    assert result.exit_code == 1
    assert "events[0].questions[0].kind: This question has answers" in result.output
    result = run(_doc(questions=[CAR]))
    assert result.exit_code == 1
    assert "events[0].questions: Question diet has answers" in result.output
    assert _questions() == before
    assert db.session.scalar(sa.select(sa.func.count(RegistrationAnswer.id))) == 1
