"""Voucher admin forms: one voucher, or a batch generated in one go. Percentages and euro
amounts as typed (`LocalDecimalField`; euros become cents here), counts `WholeNumberField`,
times in Amsterdam wall-clock time. The rules live in `events/services/vouchers.py`."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import DateTimeLocalField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from core.clock import from_local
from core.forms import Form, LocalDecimalField, WholeNumberField
from core.i18n import current_locale
from events.services.vouchers import VoucherData, scope_choices

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _id(value: str | None) -> int | None:
    return int(value) if value else None


class VoucherForm(Form):
    code = StringField(
        _l("Code"),
        filters=[_strip],
        description=_l("Letters, digits and hyphens; empty: a random code."),
        validators=[Optional(), Length(max=40)],
    )
    kind = SelectField(
        _l("Kind"),
        choices=[
            SelectChoice("percent", _l("Percentage off")),
            SelectChoice("fixed", _l("Amount off")),
            SelectChoice("free", _l("Free")),
        ],
        default="percent",
    )
    percent = LocalDecimalField(
        _l("Percentage (for a percentage off)"), validators=[Optional()], limit=100
    )
    amount = LocalDecimalField(
        _l("Amount in euros excl. VAT (for an amount off)"), validators=[Optional()]
    )
    event_id = SelectField(_l("Event"), default="")
    series_id = SelectField(_l("Series"), default="")
    ticket_type_id = SelectField(_l("Only for ticket type"), default="")
    email_domain = StringField(
        _l("Only for e-mail addresses at (domain)"),
        filters=[_strip],
        description=_l("For example ddma.nl; sub-domains count too. Empty: any address."),
        validators=[Length(max=253)],
    )
    max_uses = WholeNumberField(
        _l("Maximum uses"),
        minimum=1,
        description=_l("Empty: no limit."),
        validators=[Optional()],
    )
    valid_from = DateTimeLocalField(
        _l("Valid from (Amsterdam time)"), format=LOCAL_FORMAT, validators=[Optional()]
    )
    valid_until = DateTimeLocalField(
        _l("Valid until (Amsterdam time)"), format=LOCAL_FORMAT, validators=[Optional()]
    )
    batch = StringField(_l("Batch name"), filters=[_strip], validators=[Length(max=40)])
    note = StringField(_l("Note"), filters=[_strip], validators=[Length(max=200)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        locale = current_locale()
        events, series, types = scope_choices()
        everything = [SelectChoice("", _l("All events"))]
        self.event_id.choices = everything + [
            SelectChoice(str(e.id), e.title(locale)) for e in events
        ]
        self.series_id.choices = [SelectChoice("", "–")] + [
            SelectChoice(str(s.id), s.title(locale)) for s in series
        ]
        self.ticket_type_id.choices = [SelectChoice("", _l("Any ticket"))] + [
            SelectChoice(str(t.id), f"{t.event.title(locale)}: {t.name(locale)}") for t in types
        ]

    def validate_amount(self, field):
        value = field.data
        if isinstance(value, Decimal) and (value < 0 or value != value.quantize(Decimal("0.01"))):
            raise ValidationError(_l("Enter an amount in euros with at most two decimals."))

    def to_data(self) -> VoucherData:
        """The validated form as VoucherData (euros to cents, Amsterdam times to UTC)."""
        amount = self.amount.data
        return VoucherData(
            kind=self.kind.data or "",
            percent=self.percent.data,
            amount_cents=int(amount * 100) if isinstance(amount, Decimal) else None,
            event_id=_id(self.event_id.data),
            series_id=_id(self.series_id.data),
            ticket_type_id=_id(self.ticket_type_id.data),
            email_domain=self.email_domain.data or "",
            max_uses=self.max_uses.data,
            valid_from=from_local(self.valid_from.data) if self.valid_from.data else None,
            valid_until=from_local(self.valid_until.data) if self.valid_until.data else None,
            batch=self.batch.data or "",
            note=self.note.data or "",
            code=self.code.data or "",
        )


class GenerateForm(VoucherForm):
    """A batch: `count` vouchers with random codes after `prefix`, each with these settings."""

    count = WholeNumberField(
        _l("Number of codes"),
        minimum=1,
        maximum=1000,
        validators=[InputRequired(_l("Enter a whole number."))],
    )
    prefix = StringField(
        _l("Prefix"),
        filters=[_strip],
        description=_l("For example SPK- or PRESS-; 8 random characters follow."),
        validators=[Length(max=32)],
    )
    max_uses = WholeNumberField(
        _l("Maximum uses of each code"),
        minimum=1,
        default=1,
        description=_l("Empty: no limit."),
        validators=[Optional()],
    )
