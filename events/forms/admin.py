"""Events admin forms. They parse what people type (euros, percentages, Amsterdam times,
speaker lines) into an `EventData`; the rules themselves live in `events/services/admin.py`."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    Field,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from core.clock import from_local, local
from core.forms import Form, WholeNumberField
from core.money import format_eur
from events.services.admin import EventData, SpeakerData

_AMOUNT = re.compile(r"-?\d+(?:[.,]\d+)?")
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _decimals(value: Decimal) -> int:
    """The number of decimals of a finite `value` as typed ("5,50" has two)."""
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def parse_euros(text: str) -> int:
    """Euros as typed ("50", "50,00", "60.5") as integer cents. Raises ValueError (a message)
    for anything else: negatives, more than two decimals, thousands separators, letters."""
    text = (text or "").strip().removeprefix("€").strip()
    if not _AMOUNT.fullmatch(text):
        raise ValueError(str(_l("Enter an amount in euros, like 50 or 50,00.")))
    amount = Decimal(text.replace(",", "."))
    if amount < 0:
        raise ValueError(str(_l("An amount cannot be negative.")))
    if _decimals(amount) > 2:
        raise ValueError(str(_l("Use at most two decimals (whole cents).")))
    return int(amount * 100)


def parse_percent(text: str) -> Decimal:
    """A VAT percentage ("21", "9", "5,5") as a rate (0.21). Raises ValueError (a message) for
    anything else, a negative or 100 or more, or more than two decimals."""
    text = (text or "").strip().removesuffix("%").strip().replace(",", ".")
    try:
        percent = Decimal(text)
    except InvalidOperation:
        percent = Decimal("NaN")
    if not _AMOUNT.fullmatch(text) or not 0 <= percent < 100:
        raise ValueError(str(_l("Enter a percentage from 0 to below 100, like 21.")))
    if _decimals(percent) > 2:
        raise ValueError(str(_l("Use at most two decimals.")))
    return percent / 100


def parse_speakers(text: str) -> list[SpeakerData]:
    """One speaker per non-empty line, "Name | Role | Organisation" (role and organisation may be
    left out). Raises ValueError listing every bad line: no name, more than three parts."""
    speakers, problems = [], []
    for n, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        if len(parts) > 3:
            problems.append(str(_l("Line %(n)s: use at most three parts separated by |.", n=n)))
        elif not parts[0]:
            problems.append(str(_l("Line %(n)s: the speaker's name is missing.", n=n)))
        elif any(len(part) > 200 for part in parts):
            problems.append(str(_l("Line %(n)s: at most 200 characters per part.", n=n)))
        else:
            speakers.append(SpeakerData(*parts))
    if problems:
        raise ValueError(" ".join(problems))
    return speakers


def format_speakers(speakers) -> str:
    """Speakers as the textarea shows them, one "Name | Role | Organisation" per line."""
    lines = []
    for s in speakers:
        parts = [s.name, s.role, s.organisation]
        while parts and not parts[-1]:
            parts.pop()
        lines.append(" | ".join(parts))
    return "\n".join(lines)


def _parsed_by(parse):
    def check(form, field):
        if field.data is None or (isinstance(field.data, str) and not field.data.strip()):
            return
        try:
            parse(field.data)
        except ValueError as e:
            raise ValidationError(str(e)) from None

    return check


def _euros_text(cents: int) -> str:
    return format_eur(cents, "nl").removeprefix("€").replace(".", "")


#: how event descriptions are written (rendered by the `|markdown` filter, core/markdown.py)
MARKDOWN_HINT = _l(
    'Markdown: a blank line between paragraphs, "## " before a heading, "- " before a list item, [text](https://…) for a link.'
)


class EventForm(Form):
    slug = StringField(
        _l("Slug (web address)"),
        filters=[_strip],
        description=_l("Lower-case letters, digits and hyphens, e.g. digital-talk-cookies."),
        validators=[DataRequired(_l("This field is required.")), Length(max=80)],
    )
    title_nl = StringField(_l("Title (Dutch)"), filters=[_strip], validators=[Length(max=200)])
    title_en = StringField(_l("Title (English)"), filters=[_strip], validators=[Length(max=200)])
    kind = StringField(_l("Kind"), filters=[_strip], default="Digital Talk")
    description_nl = TextAreaField(
        _l("Description (Dutch)"), filters=[_strip], description=MARKDOWN_HINT
    )
    description_en = TextAreaField(
        _l("Description (English)"), filters=[_strip], description=MARKDOWN_HINT
    )
    starts_at = DateTimeLocalField(
        _l("Starts (Amsterdam time)"),
        format=LOCAL_FORMAT,
        validators=[InputRequired(_l("Enter a date and time."))],
    )
    ends_at = DateTimeLocalField(
        _l("Ends (Amsterdam time)"),
        format=LOCAL_FORMAT,
        validators=[InputRequired(_l("Enter a date and time."))],
    )
    online = BooleanField(_l("Online"), default=True)
    join_url = StringField(_l("Join URL (online only)"), filters=[_strip])
    location = TextAreaField(_l("Address (in person only)"), filters=[_strip])
    capacity = WholeNumberField(
        _l("Capacity (seats)"), validators=[InputRequired(_l("Enter a whole number."))]
    )
    registration_opens_at = DateTimeLocalField(
        _l("Registration opens (Amsterdam time)"),
        format=LOCAL_FORMAT,
        validators=[Optional()],
        description=_l("Empty: 30 days before the start."),
    )
    registration_closes_at = DateTimeLocalField(
        _l("Registration closes (Amsterdam time)"),
        format=LOCAL_FORMAT,
        validators=[Optional()],
        description=_l("Empty: at the start. At the latest at the end."),
    )
    price_member = StringField(
        _l("Price for members (euros excl. VAT)"),
        default="0",
        filters=[_strip],
        validators=[DataRequired(_l("Enter an amount.")), _parsed_by(parse_euros)],
    )
    price_non_member = StringField(
        _l("Price for non-members (euros excl. VAT)"),
        default="0",
        filters=[_strip],
        validators=[DataRequired(_l("Enter an amount.")), _parsed_by(parse_euros)],
    )
    vat_percent = StringField(
        _l("VAT rate (%)"),
        default="21",
        filters=[_strip],
        validators=[DataRequired(_l("Enter a percentage.")), _parsed_by(parse_percent)],
    )
    hold_minutes = WholeNumberField(
        _l("Seat hold while paying (minutes, at least 30)"),
        default=30,
        validators=[InputRequired(_l("Enter a whole number."))],
    )
    offer_hours = WholeNumberField(
        _l("Waiting list offer valid for (hours, at least 1)"),
        default=24,
        validators=[InputRequired(_l("Enter a whole number."))],
    )
    cancel_until_hours = WholeNumberField(
        _l("Cancelling allowed until (hours before the start)"),
        default=24,
        validators=[InputRequired(_l("Enter a whole number."))],
    )
    published = BooleanField(_l("Published"), default=True)
    speakers = TextAreaField(
        _l("Speakers"),
        description=_l("One per line: Name | Role | Organisation"),
        validators=[_parsed_by(parse_speakers)],
    )

    #: EventData field -> form field, for messages from the service
    FIELD_FOR = {
        "price_member_cents": "price_member",
        "price_non_member_cents": "price_non_member",
        "vat_rate": "vat_percent",
    }

    def to_data(self) -> EventData:
        """The validated form as EventData (times converted from Amsterdam to UTC)."""

        def moment(f):
            return from_local(f.data) if f.data else None

        return EventData(
            slug=self.slug.data,
            title_nl=self.title_nl.data or "",
            title_en=self.title_en.data or "",
            kind=self.kind.data or "",
            description_nl=self.description_nl.data or "",
            description_en=self.description_en.data or "",
            starts_at=moment(self.starts_at),
            ends_at=moment(self.ends_at),
            online=bool(self.online.data),
            join_url=self.join_url.data or "",
            location=self.location.data or "",
            capacity=self.capacity.data,
            registration_opens_at=moment(self.registration_opens_at),
            registration_closes_at=moment(self.registration_closes_at),
            price_member_cents=parse_euros(self.price_member.data),
            price_non_member_cents=parse_euros(self.price_non_member.data),
            vat_rate=parse_percent(self.vat_percent.data),
            hold_minutes=self.hold_minutes.data,
            offer_hours=self.offer_hours.data,
            cancel_until_hours=self.cancel_until_hours.data,
            published=bool(self.published.data),
            speakers=parse_speakers(self.speakers.data),
        )

    def __getattr__(self, name: str) -> Field:
        """The field showing the service's `name` (an `EventData` key such as `vat_rate` or
        `speakers[0].name`), so `core.forms.bind_errors` puts its messages there."""
        target = self.FIELD_FOR.get(name) or (name.split("[")[0] if "[" in name else None)
        if target is None:
            raise AttributeError(name)
        return getattr(self, target)

    @classmethod
    def for_event(cls, event) -> EventForm:
        """The form filled in from an existing event (Amsterdam times, euros, percent)."""

        def wall(dt):
            return local(dt).replace(tzinfo=None)

        return cls(
            data={
                "slug": event.slug,
                "title_nl": event.title_nl,
                "title_en": event.title_en,
                "kind": event.kind,
                "description_nl": event.description_nl,
                "description_en": event.description_en,
                "starts_at": wall(event.starts_at),
                "ends_at": wall(event.ends_at),
                "online": event.online,
                "join_url": event.join_url,
                "location": event.location,
                "capacity": event.capacity,
                "registration_opens_at": wall(event.registration_opens_at),
                "registration_closes_at": wall(event.registration_closes_at),
                "price_member": _euros_text(event.price_member_cents),
                "price_non_member": _euros_text(event.price_non_member_cents),
                "vat_percent": format((event.vat_rate * 100).normalize(), "f"),
                "hold_minutes": event.hold_minutes,
                "offer_hours": event.offer_hours,
                "cancel_until_hours": event.cancel_until_hours,
                "published": event.published,
                "speakers": format_speakers(event.speakers),
            }
        )


class OrganisationForm(Form):
    name = StringField(
        _l("Name"),
        filters=[_strip],
        validators=[DataRequired(_l("Enter the organisation's name.")), Length(max=200)],
    )
    domains = TextAreaField(
        _l("E-mail domains"),
        description=_l(
            "One per line, e.g. ddma.nl. People with a verified address there are members."
        ),
        validators=[DataRequired(_l("Give at least one e-mail domain."))],
    )


class ImportForm(Form):
    file = FileField(
        _l("CSV file"),
        description=_l("Columns name,domains; domains separated by spaces or semicolons."),
        validators=[FileRequired(_l("Choose a CSV file."))],
    )


class CompForm(Form):
    name = StringField(
        _l("Name"),
        filters=[_strip],
        validators=[DataRequired(_l("Enter a name.")), Length(max=200)],
    )
    email = EmailField(
        _l("E-mail address"),
        filters=[_strip],
        validators=[DataRequired(_l("Enter an e-mail address.")), Length(max=254)],
    )
    organisation = StringField(_l("Organisation"), filters=[_strip], validators=[Length(max=200)])
