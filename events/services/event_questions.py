"""An event's registration questions (e.g. dietary needs for the drinks) and the answers.

Staff add questions per event: a text, a choice from options (each in Dutch and English) or
yes/no, with Dutch and English labels, required or not. The registration form asks them in
`position` order; `start_registration` stores the answers (`store_answers`) in the same
transaction as the registration, after `check_answers` (pure: the questions and what the
form sent in, the cleaned values or the field errors) accepted every one. An answer is the
text, the chosen option's Dutch text, or "yes"/"no"; a question left open has no row.

Once a question has answers its kind cannot change and none of its options can be removed
(an answer stores the option's Dutch text, so changing that text removes it too); deleting
it deletes its answers (the view asks first and says how many). Answers are personal data
(dietary needs can say something about health): `privacy` exports them and deletes them when
a registration is anonymised.

Staff functions take the acting user (None: a command-line operator, the demo), `now`, flush
and audit ("event_question.*"); they raise NotAllowed or InvalidInput (field -> message).
They take the event lock (`seats.lock_event`) first, as `start_registration` does before it
checks and stores answers: a question cannot change between an answer's check and its
storing, and "has answers" is true when it is asked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from core.accounts.models import has_staff_rights
from core.audit.services import record
from core.errors import InvalidInput, NotAllowed
from core.extensions import db
from core.text import text_problem
from events.models import Event, EventQuestion, Registration, RegistrationAnswer
from events.services.seats import lock_event

KINDS = ("text", "choice", "yes_no")
KEY = re.compile(r"^[a-z][a-z0-9_]*$")
KEY_MAX = 40
LABEL_MAX = 200
HELP_MAX = 2_000
OPTION_MAX = 200
MIN_CHOICES, MAX_CHOICES = 2, 30
#: the longest text answer
ANSWER_MAX = 1_000
YES, NO = "yes", "no"
REQUIRED = _l("This field is required.")
ANSWER_REQUIRED = _l("Answer this question.")


class Asked(Protocol):
    """What `check_answers` reads of a question (an EventQuestion has it)."""

    id: int
    key: str
    kind: str
    required: bool
    choices: list


@dataclass(frozen=True)
class QuestionData:
    """A question as staff typed it; `choices` as [{"nl": ..., "en": ...}, ...]."""

    key: str
    kind: str
    label_nl: str
    label_en: str
    help_nl: str = ""
    help_en: str = ""
    choices: list[dict[str, str]] = field(default_factory=list)
    required: bool = False


def field_name(question: Asked) -> str:
    """The registration form's field for `question` (its errors are keyed by it); also the
    attendee export's column."""
    return f"q_{question.key}"


def parse_choices(text: str) -> list[dict[str, str]]:
    """Options typed one per line, "Dutch | English"; an option without its English text
    keeps "en" empty (`save_question` refuses it)."""
    options = []
    for line in text.splitlines():
        if not line.strip():
            continue
        nl, _sep, en = line.partition("|")
        options.append({"nl": nl.strip(), "en": en.strip()})
    return options


def choices_text(choices: Iterable[Mapping[str, str]]) -> str:
    """The options as `parse_choices` reads them back."""
    return "\n".join(f"{c['nl']} | {c['en']}" for c in choices)


def answer_text(question: EventQuestion, value: str, locale: str) -> str:
    """An answer as a page shows it in `locale`: the option's label (a value no longer among
    the options as stored), "yes"/"no" in the current language, or the text."""
    if question.kind == "choice":
        for option in question.choices:
            if option["nl"] == value:
                return option["en"] if locale == "en" else option["nl"]
    if question.kind == "yes_no":
        return _("yes") if value == YES else _("no")
    return value


def export_value(question: EventQuestion, value: str | None) -> str | bool | None:
    """An answer as an export cell: yes/no as a boolean, else the stored text; None when it
    was left open."""
    if value is None:
        return None
    if question.kind == "yes_no":
        return value == YES
    return value


# --- reading ---------------------------------------------------------------------------------


def event_questions(event: Event) -> list[EventQuestion]:
    """The event's questions in order (one query)."""
    return list(db.session.scalars(_EVENT_QUESTIONS, {"event_id": event.id}))


#: `event_questions`' query, built once (every registration form and step asks it)
_EVENT_QUESTIONS = (
    sa.select(EventQuestion)
    .where(EventQuestion.event_id == sa.bindparam("event_id"))
    .order_by(EventQuestion.position, EventQuestion.id)
)


def get_question(event: Event, question_id: int) -> EventQuestion | None:
    """The question with this id when it belongs to `event`, else None."""
    found = db.session.get(EventQuestion, question_id)
    return found if found is not None and found.event_id == event.id else None


def answer_counts(event: Event) -> dict[int, int]:
    """Question id -> how many registrations answered it (one query)."""
    rows = db.session.execute(
        sa.select(RegistrationAnswer.question_id, sa.func.count())
        .join(EventQuestion, EventQuestion.id == RegistrationAnswer.question_id)
        .where(EventQuestion.event_id == event.id)
        .group_by(RegistrationAnswer.question_id)
    )
    return {question_id: count for question_id, count in rows}


def answers_by_registration(registration_ids: Iterable[int]) -> dict[int, dict[int, str]]:
    """Registration id -> question id -> the answer, for all of `registration_ids` in one
    query."""
    ids = list(registration_ids)
    found: dict[int, dict[int, str]] = {}
    if not ids:
        return found
    rows = db.session.execute(
        sa.select(
            RegistrationAnswer.registration_id,
            RegistrationAnswer.question_id,
            RegistrationAnswer.value,
        ).where(RegistrationAnswer.registration_id.in_(ids))
    )
    for registration_id, question_id, value in rows:
        found.setdefault(registration_id, {})[question_id] = value
    return found


def shown_answers(registration: Registration, locale: str) -> list[tuple[str, str]]:
    """The registration's answers as (question, answer) in `locale`, in the questions' order;
    questions left open are left out."""
    answers = answers_by_registration([registration.id]).get(registration.id, {})
    return [
        (q.label(locale), answer_text(q, answers[q.id], locale))
        for q in event_questions(registration.event)
        if q.id in answers
    ]


# --- staff -----------------------------------------------------------------------------------


def _require_staff(actor) -> None:
    """NotAllowed unless `actor` is staff or an admin, or None (a command-line operator)."""
    if actor is not None and not has_staff_rights(actor):
        raise NotAllowed()


def save_question(
    event: Event,
    data: QuestionData,
    *,
    actor,
    now: datetime,
    question: EventQuestion | None = None,
) -> EventQuestion:
    """Add a question to `event` (last in order) or change `question`; audited.

    Raises NotAllowed, InvalidInput (a bad or taken key, an unknown kind, a missing or long
    label, fewer than two options for a choice or one without its Dutch or English text, and
    once the question has answers: a changed kind or a removed option).
    """
    _require_staff(actor)
    lock_event(event.id)
    data = _cleaned(data)
    errors = _question_errors(event, data, question)
    if errors:
        raise InvalidInput(errors)
    created = question is None
    try:
        with db.session.begin_nested():
            if question is None:
                question = EventQuestion(
                    event_id=event.id, position=_next_position(event), created_at=now
                )
                db.session.add(question)
            question.key = data.key
            question.kind = data.kind
            question.label_nl, question.label_en = data.label_nl, data.label_en
            question.help_nl, question.help_en = data.help_nl, data.help_en
            question.choices = data.choices if data.kind == "choice" else []
            question.required = data.required
            db.session.flush()
    except IntegrityError:  # another request took the key meanwhile
        raise InvalidInput({"key": _l("This key is already used in this event.")}) from None
    record(
        "event_question.created" if created else "event_question.updated",
        question,
        now=now,
        actor=actor,
        scope=event,
        key=question.key,
        kind=question.kind,
    )
    return question


def move_question(question: EventQuestion, offset: int, *, actor, now: datetime) -> None:
    """Move a question one place up (`offset` -1) or down (+1); the event's questions are
    numbered 1, 2, ... afterwards. A move past either end changes nothing but the numbers."""
    _require_staff(actor)
    lock_event(question.event_id)
    ordered = event_questions(question.event)
    index = ordered.index(question)
    target = index + (1 if offset > 0 else -1)
    if 0 <= target < len(ordered):
        ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, item in enumerate(ordered, start=1):
        item.position = position
    db.session.flush()
    record(
        "event_question.moved",
        question,
        now=now,
        actor=actor,
        scope=question.event,
        key=question.key,
        position=question.position,
    )


def delete_question(question: EventQuestion, *, actor, now: datetime) -> int:
    """Delete a question and its answers; returns how many answers went. Raises NotAllowed."""
    _require_staff(actor)
    event = lock_event(question.event_id)
    gone = _answers(question)
    db.session.execute(
        sa.delete(RegistrationAnswer)
        .where(RegistrationAnswer.question_id == question.id)
        .execution_options(synchronize_session=False)
    )
    record(
        "event_question.deleted",
        question,
        now=now,
        actor=actor,
        scope=event,
        key=question.key,
        answers=gone,
    )
    db.session.delete(question)
    db.session.flush()
    db.session.expire_all()
    return gone


def _cleaned(data: QuestionData) -> QuestionData:
    return QuestionData(
        key=data.key.strip(),
        kind=data.kind.strip(),
        label_nl=data.label_nl.strip(),
        label_en=data.label_en.strip(),
        help_nl=data.help_nl.strip(),
        help_en=data.help_en.strip(),
        choices=[
            {"nl": c.get("nl", "").strip(), "en": c.get("en", "").strip()} for c in data.choices
        ],
        required=bool(data.required),
    )


def _next_position(event: Event) -> int:
    highest = db.session.scalar(
        sa.select(sa.func.max(EventQuestion.position)).where(EventQuestion.event_id == event.id)
    )
    return (highest or 0) + 1


def _answers(question: EventQuestion) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count(RegistrationAnswer.id)).where(
                RegistrationAnswer.question_id == question.id
            )
        )
        or 0
    )


def _question_errors(
    event: Event | None, data: QuestionData, question: EventQuestion | None
) -> dict:
    errors: dict = {}
    if not KEY.match(data.key) or len(data.key) > KEY_MAX:
        errors["key"] = _l(
            "Start with a lowercase letter; then lowercase letters, digits and underscores "
            "(at most %(n)s).",
            n=KEY_MAX,
        )
    elif event is not None:
        query = sa.select(EventQuestion.id).where(
            EventQuestion.event_id == event.id, EventQuestion.key == data.key
        )
        if question is not None:
            query = query.where(EventQuestion.id != question.id)
        if db.session.scalar(query.limit(1)) is not None:
            errors["key"] = _l("This key is already used in this event.")
    for name in ("label_nl", "label_en"):
        value = getattr(data, name)
        if not value:
            errors[name] = REQUIRED
        elif len(value) > LABEL_MAX:
            errors[name] = _l("At most %(n)s characters.", n=LABEL_MAX)
    for name in ("help_nl", "help_en"):
        if len(getattr(data, name)) > HELP_MAX:
            errors[name] = _l("At most %(n)s characters.", n=HELP_MAX)
    answered = question is not None and _answers(question) > 0
    if data.kind not in KINDS:
        errors["kind"] = _l("Choose a kind of answer.")
    elif answered and question is not None and data.kind != question.kind:
        errors["kind"] = _l(
            "This question has answers: its kind can no longer change. Add a new question instead."
        )
    if data.kind == "choice":
        problem = _choices_problem(data.choices)
        if problem is None and answered and question is not None and question.kind == "choice":
            kept = {c["nl"] for c in data.choices}
            removed = [c["nl"] for c in question.choices if c["nl"] not in kept]
            if removed:
                problem = _l(
                    "This question has answers: its options can no longer be removed, nor "
                    "their Dutch text changed (answers store it). Put back: %(options)s.",
                    options=", ".join(removed),
                )
        if problem is not None:
            errors["choices"] = problem
    return errors


def _choices_problem(choices: Sequence[Mapping[str, str]]):
    if len(choices) < MIN_CHOICES:
        return _l("Give at least %(n)s options, one per line: Dutch | English.", n=MIN_CHOICES)
    if len(choices) > MAX_CHOICES:
        return _l("At most %(n)s options.", n=MAX_CHOICES)
    if any(not c["nl"] or not c["en"] for c in choices):
        return _l("Give every option in Dutch and in English: Dutch | English.")
    if any(len(c["nl"]) > OPTION_MAX or len(c["en"]) > OPTION_MAX for c in choices):
        return _l("An option has at most %(n)s characters.", n=OPTION_MAX)
    if len({c["nl"] for c in choices}) != len(choices):
        return _l("Each option must differ from the others.")
    return None


# --- the loader (`flask events load`) ---------------------------------------------------------


def plan_questions(event: Event | None, questions: Sequence[QuestionData]) -> dict[str, list]:
    """The problems of `questions` as an event's whole list (the loader's "questions"), by
    "[index].field" (or "" for the list): each question as `save_question` checks it (matched
    to `event`'s question of the same key), a key used twice, and a question of `event` left
    out that has answers (it would be deleted with them). Empty when the list can be applied
    by `replace_questions`."""
    problems: dict[str, list] = {}
    current = {q.key: q for q in event_questions(event)} if event is not None else {}
    seen: set[str] = set()
    for i, data in enumerate(questions):
        data = _cleaned(data)
        for name, message in _question_errors(event, data, current.get(data.key)).items():
            problems.setdefault(f"[{i}].{name}", []).append(message)
        if data.key in seen:
            problems.setdefault(f"[{i}].key", []).append(
                _l("This key is already used in this event.")
            )
        seen.add(data.key)
    counts = answer_counts(event) if event is not None else {}
    for key, question in current.items():
        if key not in seen and counts.get(question.id):
            problems.setdefault("", []).append(
                _l(
                    "Question %(key)s has answers: keep it in the list, or delete it on the "
                    "event's questions page.",
                    key=key,
                )
            )
    return problems


def replace_questions(
    event: Event, questions: Sequence[QuestionData], *, actor, now: datetime
) -> None:
    """Make `questions` the event's whole list, in this order (checked first by
    `plan_questions`): questions left out are deleted, the others created or changed by key
    through `save_question` (unchanged ones are not written again). Raises what those do."""
    wanted = [_cleaned(q) for q in questions]
    keys = {q.key for q in wanted}
    for question in event_questions(event):
        if question.key not in keys:
            delete_question(question, actor=actor, now=now)
    current = {q.key: q for q in event_questions(event)}
    for data in wanted:
        found = current.get(data.key)
        if found is None or _data_of(found) != data:
            current[data.key] = save_question(event, data, actor=actor, now=now, question=found)
    for position, data in enumerate(wanted, start=1):
        current[data.key].position = position
    db.session.flush()


def _data_of(question: EventQuestion) -> QuestionData:
    return QuestionData(
        key=question.key,
        kind=question.kind,
        label_nl=question.label_nl,
        label_en=question.label_en,
        help_nl=question.help_nl,
        help_en=question.help_en,
        choices=[{"nl": c["nl"], "en": c["en"]} for c in question.choices],
        required=question.required,
    )


# --- registrants -----------------------------------------------------------------------------


def check_answers(
    questions: Iterable[Asked], submitted: Mapping[str, object]
) -> tuple[dict[int, str], dict[str, object]]:
    """The answers `submitted` (field name, see `field_name` -> what the form sent) to
    `questions`, cleaned: (question id -> value, for every question answered; field name ->
    message, for every answer that cannot be stored). Pure.

    Text is trimmed, at most `ANSWER_MAX` characters and free of control characters (line
    breaks are fine); a choice must be one of the options (by its Dutch text); yes/no must be
    "yes" or "no"; a required question must be answered. Anything but text is refused."""
    values: dict[int, str] = {}
    errors: dict[str, object] = {}
    for question in questions:
        name = field_name(question)
        raw = submitted.get(name)
        if raw is None:
            raw = ""
        if not isinstance(raw, str):
            errors[name] = _l("Choose one of the options.")
            continue
        problem = text_problem(raw, multiline=question.kind == "text")
        value = raw.replace("\r\n", "\n").replace("\r", "\n").strip()
        if problem is None and question.kind == "text" and len(value) > ANSWER_MAX:
            problem = _l("At most %(n)s characters.", n=ANSWER_MAX)
        options = {c["nl"] for c in question.choices}
        if problem is None and value and question.kind == "choice" and value not in options:
            problem = _l("Choose one of the options.")
        if problem is None and value and question.kind == "yes_no" and value not in (YES, NO):
            problem = _l("Choose yes or no.")
        if problem is None and not value and question.required:
            problem = ANSWER_REQUIRED
        if problem is not None:
            errors[name] = problem
        elif value:
            values[question.id] = value
    return values, errors


def clean_answers(questions: Iterable[Asked], submitted: Mapping[str, object]) -> dict[int, str]:
    """`check_answers`' values; raises InvalidInput with its field errors when there are any."""
    values, errors = check_answers(questions, submitted)
    if errors:
        raise InvalidInput(errors, code="bad_answers")
    return values


def store_answers(registration: Registration, values: Mapping[int, str]) -> None:
    """Write a new registration's cleaned answers (`clean_answers`), one row per question
    answered. Flushes."""
    for question_id, value in values.items():
        db.session.add(
            RegistrationAnswer(
                registration_id=registration.id, question_id=question_id, value=value
            )
        )
    db.session.flush()
