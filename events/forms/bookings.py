"""The booking form: the booker's own registration form plus rows for the other attendees;
for an event with registration questions (`booking_form`), the booker answers them for
themselves and for each attendee, in their row.

Works without JavaScript: `rows` (hidden) is how many attendee rows are shown; the "Add
another attendee" button (`add`) posts the form back with one row more and books nothing.
There is no membership field for an attendee: the server decides it
(`events.services.bookings.attendee_audience`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, StringField, SubmitField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import HiddenInput

from core.forms import WholeNumberField
from events.forms.event_questions import answer_field, with_questions
from events.forms.registration import RegistrationForm, _strip
from events.models import EventQuestion
from events.services.bookings import MAX_ATTENDEES, Attendee
from events.services.event_questions import check_answers, field_name

#: rows for other attendees the form can hold (the booker is the first attendee)
MAX_ROWS = MAX_ATTENDEES - 1


class BookingForm(RegistrationForm):
    rows = WholeNumberField(minimum=1, maximum=MAX_ROWS, default=1, widget=HiddenInput())
    add = SubmitField(_l("Add another attendee"))
    attendee_consent = BooleanField(
        _l("I may pass on these attendees' names and addresses for this booking."),
        validators=[DataRequired(_l("Please confirm that you may book for these attendees."))],
    )

    def shown_rows(self) -> int:
        """How many attendee rows the page shows (one more after "Add another attendee")."""
        rows = self.rows.data if isinstance(self.rows.data, int) else 1
        rows = min(max(rows, 1), MAX_ROWS)
        if self.add.data and rows < MAX_ROWS:
            rows += 1
        return rows

    def attendee_rows(self) -> list[tuple[int, Any, Any]]:
        """(n, name field, e-mail field) of the rows shown."""
        return [
            (n, getattr(self, f"attendee_{n}_name"), getattr(self, f"attendee_{n}_email"))
            for n in range(1, self.shown_rows() + 1)
        ]

    def attendees(self) -> list[Attendee]:
        """The rows as typed (the service trims, checks and skips empty ones)."""
        return [
            Attendee(name=name.data or "", email=email.data or "", answers=self.row_answers(n))
            for n, name, email in self.attendee_rows()
        ]

    def answers(self) -> dict[str, object]:
        """The booker's answers to the event's questions (none without questions)."""
        return {}

    def row_answers(self, n: int) -> dict[str, object]:
        """Row `n`'s answers by the question's field name (none without questions)."""
        return {}

    def row_question_fields(self, n: int) -> list:
        return []


class _RowAnswers:
    """Mixed into the booking form by `booking_form`: each row's answers, checked like the
    booker's (`check_answers`) for every row that names an attendee."""

    questions: Sequence[EventQuestion]  # (set by `with_questions`)

    def row_question_fields(self, n: int) -> list:
        return [getattr(self, f"attendee_{n}_{field_name(q)}") for q in self.questions]

    def row_answers(self, n: int) -> dict[str, object]:
        return {
            field_name(q): getattr(self, f"attendee_{n}_{field_name(q)}").data
            for q in self.questions
        }

    def validate(self, extra_validators=None) -> bool:
        super().validate(extra_validators)  # type: ignore[misc]
        named = {
            n
            for n, name, email in self.attendee_rows()  # type: ignore[attr-defined]
            if (name.data or "").strip() or (email.data or "").strip()
        }
        for n in range(1, MAX_ROWS + 1):
            if n not in named:  # a row not shown, or left empty: nobody to answer for
                for found in self.row_question_fields(n):
                    found.errors = []
                continue
            _values, errors = check_answers(self.questions, self.row_answers(n))
            for name, message in errors.items():
                found = getattr(self, f"attendee_{n}_{name}")
                if not found.errors:
                    found.errors = [*found.errors, message]
        return not any(found.errors for found in self) and not self.form_errors  # type: ignore[attr-defined]


def booking_form(questions: Sequence[EventQuestion], locale: str) -> type[BookingForm]:
    """`BookingForm` for an event asking `questions`: the booker's answer fields
    (`with_questions`) and, per attendee row, "attendee_<n>_q_<key>" fields."""
    if not questions:
        return BookingForm
    base = with_questions(BookingForm, questions, locale)
    fields = {
        f"attendee_{n}_{field_name(q)}": answer_field(q, locale)
        for n in range(1, MAX_ROWS + 1)
        for q in questions
    }
    return type(base)(base.__name__, (_RowAnswers, base), {"questions": tuple(questions), **fields})


for _n in range(1, MAX_ROWS + 1):
    setattr(
        BookingForm,
        f"attendee_{_n}_name",
        StringField(_l("Name"), filters=[_strip], validators=[Length(max=200)]),
    )
    setattr(
        BookingForm,
        f"attendee_{_n}_email",
        EmailField(_l("E-mail address"), filters=[_strip], validators=[Length(max=254)]),
    )
