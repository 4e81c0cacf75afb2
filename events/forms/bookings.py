"""The booking form: the booker's own registration form plus rows for the other attendees.

Works without JavaScript: `rows` (hidden) is how many attendee rows are shown; the "Add
another attendee" button (`add`) posts the form back with one row more and books nothing.
There is no membership field for an attendee: the server decides it
(`events.services.bookings.attendee_audience`).
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, StringField, SubmitField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import HiddenInput

from core.forms import WholeNumberField
from events.forms.registration import RegistrationForm, _strip
from events.services.bookings import MAX_ATTENDEES, Attendee

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
            Attendee(name=name.data or "", email=email.data or "")
            for _n, name, email in self.attendee_rows()
        ]


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
