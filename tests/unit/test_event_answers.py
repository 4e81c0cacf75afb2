"""`events.services.event_questions.check_answers`, the pure check of a registration's
answers: what it keeps (cleaned) and what it refuses, per kind of question."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from events.services.event_questions import ANSWER_MAX, check_answers


@dataclass
class Q:
    id: int
    key: str
    kind: str
    required: bool = False
    choices: list = field(default_factory=list)


DIET = Q(1, "diet", "choice", True, [{"nl": "Geen", "en": "None"}, {"nl": "Vegan", "en": "Vegan"}])
OTHER = Q(2, "other", "text")
CAR = Q(3, "car", "yes_no")
ASKED = (DIET, OTHER, CAR)


def test_clean_answers_are_kept_trimmed_and_open_ones_left_out():
    values, errors = check_answers(
        ASKED, {"q_diet": " Vegan ", "q_other": "  geen\r\nnoten ", "q_car": ""}
    )
    assert errors == {}
    assert values == {1: "Vegan", 2: "geen\nnoten"}


@pytest.mark.parametrize(
    ("sent", "refused"),
    [
        ({}, "q_diet"),  # required
        ({"q_diet": "   "}, "q_diet"),  # blank is no answer
        ({"q_diet": "None"}, "q_diet"),  # the English label is no option value
        ({"q_diet": "Pizza"}, "q_diet"),
        ({"q_diet": "Vegan\n"}, "q_diet"),  # a line break in a one-line answer
        ({"q_diet": "Vegan", "q_car": "maybe"}, "q_car"),
        ({"q_diet": "Vegan", "q_car": "Yes"}, "q_car"),
        ({"q_diet": "Vegan", "q_other": "x" * (ANSWER_MAX + 1)}, "q_other"),
        ({"q_diet": "Vegan", "q_other": "a\x00b"}, "q_other"),
        ({"q_diet": "Vegan", "q_other": "a\x7fb"}, "q_other"),
        ({"q_diet": "Vegan", "q_other": "\ud800"}, "q_other"),
        ({"q_diet": ["Vegan"]}, "q_diet"),  # not text
    ],
)
def test_a_bad_answer_is_a_field_error_and_nothing_is_kept_for_it(sent, refused):
    values, errors = check_answers(ASKED, sent)
    assert list(errors) == [refused]
    assert DIET.id not in values or refused != "q_diet"


def test_the_longest_text_and_both_yes_no_values_pass():
    values, errors = check_answers(
        ASKED, {"q_diet": "Geen", "q_other": "x" * ANSWER_MAX, "q_car": "no"}
    )
    assert errors == {} and values[3] == "no" and len(values[2]) == ANSWER_MAX
    values, errors = check_answers(ASKED, {"q_diet": "Geen", "q_car": "yes"})
    assert errors == {} and values == {1: "Geen", 3: "yes"}


def test_answers_to_questions_not_asked_are_ignored():
    values, errors = check_answers((OTHER,), {"q_other": "ok", "q_diet": "Pizza", "q_x": "y"})
    assert (values, errors) == ({2: "ok"}, {})
