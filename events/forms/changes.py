"""Forms of the changes after booking: transferring a ticket to a colleague, accepting it,
and correcting the invoice address (the billing fields of the registration form)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from core.forms import Form
from events.forms.registration import BillingForm
from events.services.input import Billing
from events.services.transfers import Colleague


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class TransferForm(Form):
    name = StringField(
        _l("Your colleague's name"),
        filters=[_strip],
        validators=[DataRequired(_l("Enter your colleague's name.")), Length(max=200)],
    )
    email = EmailField(
        _l("Your colleague's e-mail address"),
        filters=[_strip],
        description=_l("We send a link to this address; the ticket moves once it is opened."),
        validators=[
            DataRequired(_l("Enter your colleague's e-mail address.")),
            Length(max=254),
            Email(_l("That is not a valid e-mail address.")),
        ],
    )
    organisation = StringField(
        _l("Organisation"), filters=[_strip], validators=[Optional(), Length(max=200)]
    )
    locale = SelectField(
        _l("Language of their e-mails"),
        choices=[SelectChoice("nl", _l("Dutch")), SelectChoice("en", _l("English"))],
        default="nl",
    )

    def colleague(self) -> Colleague:
        """The accepted fields only (the service trims and checks them)."""
        return Colleague(
            name=self.name.data or "",
            email=self.email.data or "",
            organisation=self.organisation.data or "",
            locale=self.locale.data or "nl",
        )


class AcceptTransferForm(Form):
    privacy_consent = BooleanField(
        _l("I agree that my details are used to handle this registration."),
        validators=[
            DataRequired(
                _l("Please agree to the processing of your details for this registration.")
            )
        ],
    )


class InvoiceAddressForm(BillingForm):
    """The corrected billing details: everything but the VAT id is required."""

    def filled(self, billing: Billing) -> None:
        """Fill the fields with `billing` (the details on the invoice)."""
        self.billing_company.data = billing.company
        self.billing_address.data = billing.address
        self.billing_postcode.data = billing.postcode
        self.billing_city.data = billing.city
        self.billing_country.data = billing.country or "NL"
        self.vat_id.data = billing.vat_id
