"""Ticket type forms: the staff form (euros, Amsterdam times, domains as a text list, parsed
into a `TicketTypeData`; the rules live in `events/services/tickets.py`) and the
registrant's "choose your ticket" step."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateTimeLocalField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from core.clock import from_local, local
from core.forms import Form, LocalDecimalField, WholeNumberField
from events import tickets
from events.forms.admin import LOCAL_FORMAT
from events.forms.registration import ticket_type_id
from events.models import TicketType
from events.services.tickets import MAX_CAPACITY, TicketTypeData


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _euros_to_cents(value: Decimal | None) -> int | None:
    if value is None:
        return None
    return int((value * 100).to_integral_value())


def _cents_to_euros(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


class TicketTypeForm(Form):
    key = StringField(
        _l("Key"),
        filters=[_strip],
        description=_l("Lower-case letters, digits, - and _, e.g. student. Unique per event."),
        validators=[DataRequired(_l("This field is required.")), Length(max=40)],
    )
    name_nl = StringField(
        _l("Name (Dutch)"),
        filters=[_strip],
        validators=[DataRequired(_l("This field is required.")), Length(max=200)],
    )
    name_en = StringField(
        _l("Name (English)"),
        filters=[_strip],
        validators=[DataRequired(_l("This field is required.")), Length(max=200)],
    )
    description_nl = TextAreaField(
        _l("Description (Dutch)"), filters=[_strip], validators=[Length(max=5000)]
    )
    description_en = TextAreaField(
        _l("Description (English)"), filters=[_strip], validators=[Length(max=5000)]
    )
    price = LocalDecimalField(
        _l("Price (euros excl. VAT)"),
        default=Decimal(0),
        places=None,
        validators=[InputRequired(_l("Enter an amount."))],
    )
    capacity = WholeNumberField(
        _l("Own capacity (tickets)"),
        minimum=0,
        maximum=MAX_CAPACITY,
        validators=[Optional()],
        description=_l(
            "Empty: shares the event's seats. The event's capacity is always the limit."
        ),
    )
    sale_starts_at = DateTimeLocalField(
        _l("On sale from (Amsterdam time)"),
        format=LOCAL_FORMAT,
        validators=[Optional()],
        description=_l("Empty: when registration opens."),
    )
    sale_ends_at = DateTimeLocalField(
        _l("On sale until (Amsterdam time)"),
        format=LOCAL_FORMAT,
        validators=[Optional()],
        description=_l("Empty: when registration closes."),
    )
    audience = SelectField(
        _l("Who may buy it"),
        choices=[
            SelectChoice(tickets.ANYONE, _l("Anyone")),
            SelectChoice("member", _l("Members only")),
            SelectChoice("non_member", _l("Non-members only")),
        ],
        default=tickets.ANYONE,
        description=_l("Membership follows from the registrant's confirmed e-mail address."),
    )
    email_domains = TextAreaField(
        _l("Only for addresses at (e-mail domains)"),
        description=_l(
            "One domain per line, e.g. student.uva.nl; addresses at a subdomain count too. Empty: any address."
        ),
    )
    position = WholeNumberField(
        _l("Position in the list"), default=0, minimum=0, maximum=1000, validators=[Optional()]
    )

    def validate_price(self, field):
        value = field.data
        if value is None:
            return
        if value < 0:
            raise ValidationError(str(_l("An amount cannot be negative.")))
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -2:
            raise ValidationError(str(_l("Use at most two decimals (whole cents).")))

    def validate_email_domains(self, field):
        _, bad = tickets.parse_domains(field.data or "")
        if bad:
            raise ValidationError(
                str(_l("Not a domain name: %(items)s.", items=", ".join(bad[:5])))
            )

    @classmethod
    def for_type(cls, ticket_type: TicketType) -> TicketTypeForm:
        def wall(value):
            return local(value).replace(tzinfo=None) if value else None

        return cls(
            formdata=None,
            data={
                "key": ticket_type.key,
                "name_nl": ticket_type.name_nl,
                "name_en": ticket_type.name_en,
                "description_nl": ticket_type.description_nl,
                "description_en": ticket_type.description_en,
                "price": _cents_to_euros(ticket_type.price_cents),
                "capacity": ticket_type.capacity,
                "sale_starts_at": wall(ticket_type.sale_starts_at),
                "sale_ends_at": wall(ticket_type.sale_ends_at),
                "audience": ticket_type.audience,
                "email_domains": "\n".join(ticket_type.email_domains or []),
                "position": ticket_type.position,
            },
        )

    def to_data(self) -> TicketTypeData:
        domains, _ = tickets.parse_domains(self.email_domains.data or "")
        return TicketTypeData(
            key=self.key.data or "",
            name_nl=self.name_nl.data or "",
            name_en=self.name_en.data or "",
            description_nl=self.description_nl.data or "",
            description_en=self.description_en.data or "",
            price_cents=_euros_to_cents(self.price.data),
            capacity=self.capacity.data,
            sale_starts_at=from_local(self.sale_starts_at.data)
            if self.sale_starts_at.data
            else None,
            sale_ends_at=from_local(self.sale_ends_at.data) if self.sale_ends_at.data else None,
            audience=self.audience.data or tickets.ANYONE,
            email_domains=tuple(domains),
            position=self.position.data or 0,
        )


class ChooseTicketForm(Form):
    """The registrant's "choose your ticket" step: one of the offered types."""

    ticket_type = RadioField(
        _l("Ticket"),
        choices=[],
        coerce=ticket_type_id,
        validate_choice=False,
        validators=[InputRequired(_l("Choose a ticket."))],
    )
