"""What a registrant types, checked once here (the form reuses these checks for its messages).

`Applicant` and `Billing` carry exactly the accepted fields: anything else a browser sends
(a "member" checkbox, say) never reaches the services.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from core.emails import normalise_email
from core.errors import InvalidInput
from events import pricing

LOCALES = ("nl", "en")
_LIMITS = {"name": 200, "organisation": 200, "job_title": 200}
_BILLING_LIMITS = {"company": 200, "address": 300, "postcode": 20, "city": 120}


@dataclass(frozen=True)
class Billing:
    """Invoice details; the VAT id is optional."""

    company: str = ""
    address: str = ""
    postcode: str = ""
    city: str = ""
    country: str = "NL"
    vat_id: str = ""

    def is_empty(self) -> bool:
        """Nothing but (possibly) the default country was given."""
        return not any((self.company, self.address, self.postcode, self.city, self.vat_id))

    def is_complete(self) -> bool:
        """Company, address, postcode, city and country are all given."""
        return all((self.company, self.address, self.postcode, self.city, self.country))


@dataclass(frozen=True)
class Applicant:
    name: str
    email: str
    organisation: str = ""
    job_title: str = ""
    locale: str = "nl"
    privacy_consent: bool = False
    newsletter_opt_in: bool = False
    billing: Billing = field(default_factory=Billing)


def _text(value) -> str:
    return " ".join(str(value or "").split())


def clean_email(email: str) -> str:
    """The address, trimmed and lower-cased. Raises InvalidInput("bad_email") when invalid."""
    email = normalise_email(email)
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidInput(
            message=_l("That is not a valid e-mail address."), code="bad_email"
        ) from exc
    if len(email) > 254:
        raise InvalidInput(message=_l("That is not a valid e-mail address."), code="bad_email")
    return email


def clean_vat_id(vat_id: str, country: str) -> str:
    """The normalised VAT id ("" when none). Raises InvalidInput with code "bad_vat_id" for a
    malformed id and "vat_id_country_mismatch" for an id of another country than `country`."""
    normalised = pricing.normalise_vat_id(vat_id or "")
    if not normalised:
        return ""
    try:
        prefix = pricing.check_vat_id_format(normalised)
    except pricing.PricingError as exc:
        raise InvalidInput(
            message=_l("That is not a valid EU VAT id (for example NL123456789B01)."),
            code="bad_vat_id",
        ) from exc
    if prefix != pricing.vat_prefix(country or ""):
        raise InvalidInput(
            message=_l("This VAT id does not belong to the chosen country."),
            code="vat_id_country_mismatch",
        )
    return normalised


def clean_country(country: str) -> str:
    """The ISO country code, upper case. Raises InvalidInput("bad_country")."""
    try:
        return pricing.Buyer(country or "").country
    except pricing.PricingError as exc:
        raise InvalidInput(message=_l("Choose a country."), code="bad_country") from exc


def clean_billing(billing: Billing, *, required: bool) -> Billing:
    """Trimmed billing details. Empty details are fine unless `required`; partly filled ones
    must be complete. Raises InvalidInput ("billing_incomplete", "billing_too_long",
    "bad_country", "bad_vat_id", "vat_id_country_mismatch")."""
    values = {name: _text(getattr(billing, name)) for name in _BILLING_LIMITS}
    cleaned = Billing(**values, country=_text(billing.country).upper(), vat_id=billing.vat_id)
    if cleaned.is_empty() and not required:
        return replace(cleaned, country=cleaned.country or "NL", vat_id="")
    if not cleaned.is_complete():
        raise InvalidInput(
            message=_l(
                "Fill in the billing details: company, address, postcode, city and country."
            ),
            code="billing_incomplete",
        )
    for name, limit in _BILLING_LIMITS.items():
        if len(values[name]) > limit:
            raise InvalidInput(
                message=_l("A billing detail is too long (at most %(n)s characters).", n=limit),
                code="billing_too_long",
            )
    country = clean_country(cleaned.country)
    return replace(cleaned, country=country, vat_id=clean_vat_id(billing.vat_id, country))


def clean_applicant(applicant: Applicant) -> Applicant:
    """The applicant with trimmed fields. Raises InvalidInput for a missing name, a bad
    e-mail address, missing privacy consent, too long fields or bad billing details."""
    name = _text(applicant.name)
    if not name:
        raise InvalidInput(message=_l("Enter your name."), code="bad_name")
    if not applicant.privacy_consent:
        raise InvalidInput(
            message=_l("Please agree to the processing of your details for this registration."),
            code="consent_required",
        )
    texts = {"name": name, "organisation": _text(applicant.organisation)}
    texts["job_title"] = _text(applicant.job_title)
    for key, limit in _LIMITS.items():
        if len(texts[key]) > limit:
            raise InvalidInput(
                message=_l("A field is too long (at most %(n)s characters).", n=limit),
                code="too_long",
            )
    return replace(
        applicant,
        **texts,
        email=clean_email(applicant.email),
        locale=applicant.locale if applicant.locale in LOCALES else "nl",
        newsletter_opt_in=bool(applicant.newsletter_opt_in),
        privacy_consent=True,
        billing=clean_billing(applicant.billing, required=False),
    )
