"""Registration forms. Field checks give friendly messages; the services enforce the rules
(`events.services.input`), and the VAT id check here calls the same function.

There is deliberately no "I am a member" field: membership comes from a verified address.
"""

from __future__ import annotations

from functools import cache

from babel import Locale
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from core.errors import InvalidInput
from core.forms import Form, LongSelect
from core.i18n import current_locale
from events.services.input import Applicant, Billing, clean_vat_id


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def ticket_type_id(value) -> int | None:
    """A ticket type id as posted: None for nothing, else an int (ValueError otherwise)."""
    if value is None or value == "":
        return None
    if isinstance(value, int):
        return value
    text = str(value)
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        raise ValueError("not an id")
    return int(text)


#: two-letter territories in Babel's (CLDR's) list that are no ISO 3166-1 country: the
#: pseudo-locales' XA/XB ("Pseudo-Accenten", "Pseudo-Bidi"), unions and groupings (EU, EZ,
#: UN, QO), the unknown region ZZ and the exceptionally reserved codes of places that are part
#: of a country listed already (AC, CP, CQ, DG, EA, IC, TA). Kosovo's XK stays: it is not in
#: ISO 3166-1, but the EU, Stripe and VIES use it for a country people are billed in.
NOT_COUNTRIES = frozenset(
    ("XA", "XB", "ZZ", "EU", "EZ", "UN", "QO", "AC", "CP", "CQ", "DG", "EA", "IC", "TA")
)


def country_choices() -> list[tuple[str, str]]:
    """ISO 3166-1 country codes (and Kosovo's XK) with names in the current language, the
    Netherlands first; Babel's pseudo-territories and groupings (`NOT_COUNTRIES`) left out."""
    return list(_countries(current_locale()))


@cache  # one list per language: CLDR's names do not change while the process runs
def _countries(language: str) -> tuple[tuple[str, str], ...]:
    names = {
        code: str(name)
        for code, name in Locale.parse(language).territories.items()
        if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES
    }
    rest = sorted((c for c in names if c != "NL"), key=lambda c: names[c].casefold())
    return (("NL", names.get("NL", "Nederland")), *((c, names[c]) for c in rest))


class _BillingFields(Form):
    billing_company = StringField(_l("Company"), filters=[_strip], validators=[Length(max=200)])
    billing_address = StringField(_l("Address"), filters=[_strip], validators=[Length(max=300)])
    billing_postcode = StringField(_l("Postcode"), filters=[_strip], validators=[Length(max=20)])
    billing_city = StringField(_l("City"), filters=[_strip], validators=[Length(max=120)])
    billing_country = SelectField(_l("Country"), default="NL", widget=LongSelect())
    vat_id = StringField(
        _l("VAT id (optional)"),
        filters=[_strip],
        description=_l("For example NL123456789B01."),
        validators=[Length(max=30)],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.billing_country.choices = country_choices()

    def validate_vat_id(self, field):
        try:
            clean_vat_id(field.data or "", self.billing_country.data or "")
        except InvalidInput as e:
            raise ValidationError(str(e.message)) from None

    def billing(self) -> Billing:
        """The billing details as typed (the services trim and check them)."""
        return Billing(
            company=self.billing_company.data or "",
            address=self.billing_address.data or "",
            postcode=self.billing_postcode.data or "",
            city=self.billing_city.data or "",
            country=self.billing_country.data or "NL",
            vat_id=self.vat_id.data or "",
        )


class RegistrationForm(_BillingFields):
    name = StringField(
        _l("Name"),
        filters=[_strip],
        validators=[DataRequired(_l("Enter your name.")), Length(max=200)],
    )
    email = EmailField(
        _l("E-mail address"),
        filters=[_strip],
        description=_l("We send a link to this address to confirm it."),
        validators=[
            DataRequired(_l("Enter your e-mail address.")),
            Length(max=254),
            Email(_l("That is not a valid e-mail address.")),
        ],
    )
    organisation = StringField(
        _l("Organisation"), filters=[_strip], validators=[Optional(), Length(max=200)]
    )
    job_title = StringField(
        _l("Job title"), filters=[_strip], validators=[Optional(), Length(max=200)]
    )
    privacy_consent = BooleanField(
        _l("I agree that my details are used to handle this registration."),
        validators=[
            DataRequired(
                _l("Please agree to the processing of your details for this registration.")
            )
        ],
    )
    newsletter_opt_in = BooleanField(_l("Send me the newsletter (optional)."), default=False)
    # events with ticket types: the type picked (`events.services.ticket_choice.check_choice`)
    ticket_type = RadioField(
        _l("Ticket"), choices=[], coerce=ticket_type_id, validate_choice=False,
        validators=[Optional()],
    )  # fmt: skip
    # vouchers: checked by `events.services.vouchers.lookup_for_event` in the view
    voucher_code = StringField(
        _l("Voucher code (optional)"),
        filters=[_strip],
        validators=[Optional(), Length(max=40)],
    )

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        billing = self.billing()
        if not billing.is_empty() and not billing.is_complete():
            self.billing_company.errors = [
                *self.billing_company.errors,
                _l("Fill in all billing details, or leave them empty if you are a member."),
            ]
            ok = False
        return ok

    def chosen_ticket_type(self) -> int | None:
        """The ticket type id picked (events with ticket types), or None."""
        data = self.ticket_type.data
        return data if isinstance(data, int) else None

    def applicant(self, *, locale: str) -> Applicant:
        """The accepted fields only; anything else in the request is ignored."""
        return Applicant(
            name=self.name.data or "",
            email=self.email.data or "",
            organisation=self.organisation.data or "",
            job_title=self.job_title.data or "",
            locale=locale,
            privacy_consent=bool(self.privacy_consent.data),
            newsletter_opt_in=bool(self.newsletter_opt_in.data),
            billing=self.billing(),
        )


class BillingForm(_BillingFields):
    """The billing step: everything but the VAT id is required."""

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        required = {
            self.billing_company: _l("Enter the company name."),
            self.billing_address: _l("Enter the address."),
            self.billing_postcode: _l("Enter the postcode."),
            self.billing_city: _l("Enter the city."),
        }
        for field, message in required.items():
            if not field.data:
                field.errors = [*field.errors, message]
                ok = False
        return ok


class ResendForm(Form):
    email = EmailField(
        _l("E-mail address"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Enter your e-mail address.")),
            Length(max=254),
            Email(_l("That is not a valid e-mail address.")),
        ],
    )


class VoucherStepForm(Form):
    """The voucher step: another code, or (the `without` button) none."""

    voucher_code = StringField(
        _l("Another voucher code"), filters=[_strip], validators=[Optional(), Length(max=40)]
    )
