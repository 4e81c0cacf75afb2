"""A programme's own entry-form questions and the entries' answers.

Staff add questions (short or long text, a choice, a number, a web address, a PDF) with
Dutch and English labels, required or not, asked of every category or of some. An entry is
asked the questions of its category (`questions_for`), in their order.

Answers are saved with the entry, draft or not: a draft may leave a required question open,
`submit_entry` refuses while one is (`missing_required`), and a submitted entry that is
edited must answer every required question. So a question added (or made required) after
entries were submitted is asked of drafts before they are submitted and of submitted entries
on their next edit; a submitted entry is never sent back to draft for it. A question's kind
cannot change once it has answers; once scoring has started a question with answers cannot
be deleted (jurors read them). Functions take the acting admin and `now`, flush, audit, and
raise NotAllowed, InvalidInput (field -> message) or QuestionsLocked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from awards.models import (
    QUESTION_KINDS,
    Category,
    Entry,
    EntryAnswer,
    EntryQuestion,
    Programme,
)
from awards.services.criteria import scoring_started
from awards.services.programmes import require_admin, taken, write_fields
from awards.storage import StoredFile, release_after_commit
from core.audit.services import record
from core.errors import DomainError, InvalidInput
from core.extensions import db
from core.i18n import format_number

KEY = re.compile(r"^[a-z0-9_]+$")
LABEL_MAX = 200
SHORT_MAX = 200
LONG_MAX = 5_000
URL_MAX = 500
MAX_CHOICES = 50
NUMBER_LIMIT = Decimal(1_000_000_000)
REQUIRED = _l("This field is required.")


class QuestionsLocked(DomainError):
    code = "questions_locked"
    status = 409
    message = _l(
        "Scoring has started and this question has answers the jury reads: "
        "it can no longer be deleted."
    )


@dataclass(frozen=True)
class QuestionData:
    key: str
    kind: str
    label_nl: str
    label_en: str
    help_nl: str = ""
    help_en: str = ""
    choices: list[dict[str, str]] = field(default_factory=list)
    required: bool = False
    category_ids: list[int] = field(default_factory=list)
    min_number: Decimal | None = None
    max_number: Decimal | None = None
    position: int = 0


@dataclass(frozen=True)
class RawAnswer:
    """What the form sent for one question: text (or the chosen option), a number, a new
    stored PDF, or the wish to remove the current one."""

    text: str = ""
    number: Decimal | None = None
    file: StoredFile | None = None
    remove_file: bool = False


def field_name(question: EntryQuestion) -> str:
    """The entry form's field for `question` (its errors are keyed by it)."""
    return f"q_{question.id}"


def parse_choices(text: str) -> list[dict[str, str]]:
    """Options typed one per line, "Dutch | English" (the English may be left out)."""
    options = []
    for line in text.splitlines():
        if not line.strip():
            continue
        nl, _sep, en = line.partition("|")
        options.append({"nl": nl.strip(), "en": en.strip() or nl.strip()})
    return options


def choices_text(choices: Iterable[Mapping[str, str]]) -> str:
    """The options as `parse_choices` reads them back."""
    return "\n".join(f"{c['nl']} | {c['en']}" for c in choices)


def choice_label(question: EntryQuestion, value: str, locale: str) -> str:
    """The chosen option (stored by its Dutch text) in `locale`; a value no longer among the
    options is shown as stored."""
    for option in question.choices:
        if option["nl"] == value:
            return option["en"] if locale == "en" else option["nl"]
    return value


def programme_questions(programme: Programme) -> list[EntryQuestion]:
    """Every question of `programme`, in order."""
    return list(
        db.session.scalars(
            sa.select(EntryQuestion)
            .where(EntryQuestion.programme_id == programme.id)
            .order_by(EntryQuestion.position, EntryQuestion.id)
        )
    )


def questions_for(programme: Programme, category_id: int | None) -> list[EntryQuestion]:
    """The questions an entry in `category_id` is asked, in order."""
    return [q for q in programme_questions(programme) if q.asks(category_id)]


def scope_labels(programme: Programme, asked: Iterable[EntryQuestion], locale: str) -> dict:
    """Question id -> the names of the categories it is asked of, in `locale`, joined by
    commas; "" for a question of every category."""
    names = {c.id: c.name(locale) for c in programme.categories}
    return {q.id: ", ".join(names[c] for c in q.category_ids if c in names) for q in asked}


def answer_counts(programme: Programme) -> dict[int, int]:
    """Question id -> how many entries answered it (one query)."""
    rows = db.session.execute(
        sa.select(EntryAnswer.question_id, sa.func.count())
        .join(EntryQuestion, EntryQuestion.id == EntryAnswer.question_id)
        .where(EntryQuestion.programme_id == programme.id)
        .group_by(EntryAnswer.question_id)
    )
    return {question_id: count for question_id, count in rows}


def answers_of(entry: Entry) -> dict[int, EntryAnswer]:
    """The entry's answers by question id."""
    return answers_by_entry([entry.id]).get(entry.id, {})


def answers_by_entry(entry_ids: Iterable[int]) -> dict[int, dict[int, EntryAnswer]]:
    """Entry id -> question id -> answer, for all of `entry_ids` in one query."""
    ids = list(entry_ids)
    found: dict[int, dict[int, EntryAnswer]] = {}
    if not ids:
        return found
    for answer in db.session.scalars(sa.select(EntryAnswer).where(EntryAnswer.entry_id.in_(ids))):
        found.setdefault(answer.entry_id, {})[answer.question_id] = answer
    return found


def is_answered(answer: EntryAnswer | None) -> bool:
    return answer is not None and bool(
        answer.value_text or answer.value_number is not None or answer.file_key
    )


@dataclass(frozen=True)
class ShownAnswer:
    """An answer as a page shows it; `choice(locale)` is the chosen option's label."""

    question: EntryQuestion
    row: EntryAnswer

    def choice(self, locale: str) -> str:
        return choice_label(self.question, self.row.value_text, locale)


def asked_answers(entry: Entry) -> list[tuple[EntryQuestion, ShownAnswer | None]]:
    """The questions asked of the entry's category, in order, each with its answer (None
    when it was left open)."""
    answers = answers_of(entry)
    rows: list[tuple[EntryQuestion, ShownAnswer | None]] = []
    for question in questions_for(entry.programme, entry.category_id):
        answer = answers.get(question.id)
        shown = (
            ShownAnswer(question, answer) if answer is not None and is_answered(answer) else None
        )
        rows.append((question, shown))
    return rows


def missing_required(entry: Entry) -> list[EntryQuestion]:
    """The required questions of the entry's category it has not answered, in order."""
    answers = answers_of(entry)
    return [
        q
        for q in questions_for(entry.programme, entry.category_id)
        if q.required and not is_answered(answers.get(q.id))
    ]


def export_value(question: EntryQuestion, answer: EntryAnswer | None) -> str | Decimal | None:
    """The answer as an export cell: the number, the file's name, else the text."""
    if answer is None:
        return None
    if question.kind == "number":
        return answer.value_number
    if question.kind == "file":
        return answer.file_name
    return answer.value_text or None


# --- staff ----------------------------------------------------------------------------------


def save_question(
    programme: Programme,
    data: QuestionData,
    *,
    actor,
    now: datetime,
    question: EntryQuestion | None = None,
) -> EntryQuestion:
    """Create a question in `programme` or update `question`; audited.

    Raises NotAllowed, InvalidInput (bad or taken key, unknown kind, missing labels, options
    missing for a choice, a category of another programme, a range out of order, the kind
    changed while the question has answers).
    """
    require_admin(actor)
    errors = _question_errors(programme, data, question)
    if errors:
        raise InvalidInput(errors)
    if data.kind != "choice":
        data = replace(data, choices=[])
    if data.kind != "number":
        data = replace(data, min_number=None, max_number=None)
    created = question is None
    question = write_fields(
        question,
        data,
        lambda: EntryQuestion(programme_id=programme.id, created_at=now),
    )
    record(
        "question.created" if created else "question.updated",
        question,
        now=now,
        actor=actor,
        scope=programme,
        key=question.key,
    )
    return question


def delete_question(question: EntryQuestion, *, actor, now: datetime) -> int:
    """Delete a question and its answers (their files once committed); returns how many
    answers went. Raises NotAllowed, QuestionsLocked (scoring started and it has answers)."""
    require_admin(actor)
    answers = list(
        db.session.scalars(sa.select(EntryAnswer).where(EntryAnswer.question_id == question.id))
    )
    if answers and scoring_started(question.programme):
        raise QuestionsLocked()
    for answer in answers:
        release_after_commit(answer.file_key)
        db.session.delete(answer)
    record(
        "question.deleted",
        question,
        now=now,
        actor=actor,
        scope=question.programme,
        key=question.key,
        answers=len(answers),
    )
    db.session.delete(question)
    db.session.flush()
    return len(answers)


def move_question(question: EntryQuestion, offset: int, *, actor, now: datetime) -> None:
    """Move a question one place up (`offset` -1) or down (+1); the programme's questions
    are numbered 1, 2, ... afterwards. A move past either end changes nothing."""
    require_admin(actor)
    ordered = programme_questions(question.programme)
    index = ordered.index(question)
    target = index + (1 if offset > 0 else -1)
    if 0 <= target < len(ordered):
        ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, item in enumerate(ordered, start=1):
        item.position = position
    db.session.flush()
    record(
        "question.moved",
        question,
        now=now,
        actor=actor,
        scope=question.programme,
        key=question.key,
        position=question.position,
    )


def _question_errors(
    programme: Programme, data: QuestionData, question: EntryQuestion | None
) -> dict:
    errors: dict = {}
    key = data.key.strip()
    if not KEY.match(key) or len(key) > 40:
        errors["key"] = _l("Use lowercase letters, digits and underscores (at most 40).")
    elif taken(
        EntryQuestion,
        sa.and_(EntryQuestion.programme_id == programme.id, EntryQuestion.key == key),
        question,
    ):
        errors["key"] = _l("This key is already used in this programme.")
    if data.kind not in QUESTION_KINDS:
        errors["kind"] = _l("Choose a kind of answer.")
    elif question is not None and data.kind != question.kind and _has_answers(question):
        errors["kind"] = _l(
            "This question has answers: its kind can no longer change. Add a new question instead."
        )
    for name in ("label_nl", "label_en"):
        value = getattr(data, name).strip()
        if not value:
            errors[name] = REQUIRED
        elif len(value) > LABEL_MAX:
            errors[name] = _l("At most %(n)s characters.", n=LABEL_MAX)
    if data.kind == "choice":
        if not data.choices:
            errors["choices"] = _l("Give at least one option, one per line.")
        elif len(data.choices) > MAX_CHOICES:
            errors["choices"] = _l("At most %(n)s options.", n=MAX_CHOICES)
        elif any(len(c["nl"]) > LABEL_MAX or len(c["en"]) > LABEL_MAX for c in data.choices):
            errors["choices"] = _l("An option has at most %(n)s characters.", n=LABEL_MAX)
        elif len({c["nl"] for c in data.choices}) != len(data.choices):
            errors["choices"] = _l("Each option must differ from the others.")
    known = set(
        db.session.scalars(sa.select(Category.id).where(Category.programme_id == programme.id))
    )
    if not set(data.category_ids) <= known:
        errors["category_ids"] = _l("Choose categories of this programme.")
    if data.kind == "number":
        for name in ("min_number", "max_number"):
            value = getattr(data, name)
            if value is not None and (
                not value.is_finite()
                or abs(value) >= NUMBER_LIMIT
                or value != value.quantize(Decimal("0.01"))
            ):
                errors[name] = _l("At most %(n)s decimals.", n=2)
        low, high = data.min_number, data.max_number
        if not errors.keys() & {"min_number", "max_number"} and (
            low is not None and high is not None and low > high
        ):
            errors["max_number"] = _l("The maximum must not be below the minimum.")
    return errors


def _has_answers(question: EntryQuestion) -> bool:
    return (
        db.session.scalar(
            sa.select(EntryAnswer.id).where(EntryAnswer.question_id == question.id).limit(1)
        )
        is not None
    )


# --- entrants -------------------------------------------------------------------------------


def check_answers(
    questions: Iterable[EntryQuestion],
    raw: Mapping[int, RawAnswer],
    current: Mapping[int, EntryAnswer],
    *,
    complete: bool,
) -> dict:
    """Field name -> message for every answer that cannot be saved: text too long, a number
    off the question's range, a web address that is not http(s), an option not offered, and
    — when `complete` (a submitted entry being edited) — a required question left open."""
    errors: dict = {}
    for question in questions:
        answer = raw.get(question.id, RawAnswer())
        name = field_name(question)
        problem = _answer_problem(question, answer)
        if problem is not None:
            errors[name] = problem
        elif complete and question.required and not _would_answer(answer, current.get(question.id)):
            errors[name] = REQUIRED
    return errors


def _answer_problem(question: EntryQuestion, answer: RawAnswer):
    text = answer.text.strip()
    kind = question.kind
    if kind in ("short_text", "long_text"):
        limit = SHORT_MAX if kind == "short_text" else LONG_MAX
        if len(text) > limit:
            return _l("At most %(n)s characters.", n=limit)
    elif kind == "url" and text:
        parts = urlsplit(text)
        if len(text) > URL_MAX:
            return _l("At most %(n)s characters.", n=URL_MAX)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc or " " in text:
            return _l("Enter a web address starting with https:// or http://.")
    elif kind == "choice" and text and text not in {c["nl"] for c in question.choices}:
        return _l("Choose one of the options.")
    elif kind == "number" and answer.number is not None:
        number = answer.number
        if number != number.quantize(Decimal("0.01")) or abs(number) >= NUMBER_LIMIT:
            return _l("At most %(n)s decimals.", n=2)
        low, high = question.min_number, question.max_number
        if (low is not None and number < low) or (high is not None and number > high):
            return _range_message(low, high)
    return None


def _range_message(low: Decimal | None, high: Decimal | None):
    if low is not None and high is not None:
        return _l(
            "Enter a number from %(min)s to %(max)s.",
            min=format_number(low, trim=True),
            max=format_number(high, trim=True),
        )
    if low is not None:
        return _l("Enter a number of at least %(min)s.", min=format_number(low, trim=True))
    return _l("Enter a number of at most %(max)s.", max=format_number(high, trim=True))


def _would_answer(answer: RawAnswer, current: EntryAnswer | None) -> bool:
    if answer.text.strip() or answer.number is not None or answer.file is not None:
        return True
    return current is not None and bool(current.file_key) and not answer.remove_file


def save_answers(
    entry: Entry,
    raw: Mapping[int, RawAnswer],
    *,
    now: datetime,
) -> None:
    """Write the answers to the questions of the entry's category (questions of other
    categories keep what they had); a question left open has no row. Raises InvalidInput (see `check_answers`; a submitted
    entry must answer every required question); a replaced or removed PDF is deleted once
    the transaction commits."""
    questions = questions_for(entry.programme, entry.category_id)
    current = answers_of(entry)
    errors = check_answers(questions, raw, current, complete=entry.status != "draft")
    if errors:
        raise InvalidInput(errors)
    for question in questions:
        answer = raw.get(question.id, RawAnswer())
        row = current.get(question.id)
        if row is None:
            row = EntryAnswer(entry_id=entry.id, question_id=question.id, value_text="")
        if question.kind == "file":
            if answer.file is not None or answer.remove_file:
                release_after_commit(row.file_key)
                row.file_key = row.file_name = row.file_size = None
            if answer.file is not None:
                row.file_key = answer.file.key
                row.file_name = answer.file.name
                row.file_size = answer.file.size
        elif question.kind == "number":
            row.value_number = answer.number
        else:
            row.value_text = answer.text.strip()
        row.updated_at = now
        if not is_answered(row):  # an open question keeps no row (counts stay true)
            if row.id is not None:
                db.session.delete(row)
        elif row.id is None:
            db.session.add(row)
    db.session.flush()
