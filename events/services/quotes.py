"""The price a registrant pays: audience price list, VAT treatment, and whether billing
details are still needed, and the price label shown for it. Uses `events.pricing` for the
arithmetic; stores the quote on the registration."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l

from core.errors import InvalidInput
from core.money import format_eur, language
from events import pricing
from events.models import Event, Registration
from events.services import vouchers
from events.services.input import Billing

_WORDS = {
    "nl": ("Gratis", "excl. btw", "incl. btw"),
    "en": ("Free", "excl. VAT", "incl. VAT"),
}


def price_label(net_cents: int, rate: Decimal, locale: str) -> str:
    """Label a net price with its VAT-inclusive amount (`events.pricing.taxed`).

    nl: "€50 excl. btw (€60,50 incl. btw)", en: "€50 excl. VAT (€60.50 incl. VAT)";
    a zero price is "Gratis" / "Free". Raises PricingError as ``taxed`` does and
    MoneyError as `core.money.format_eur` does.
    """
    free, excl, incl = _WORDS[language(locale)]
    price = pricing.taxed(net_cents, rate)
    if price.gross_cents == 0:
        return free
    net, gross = format_eur(price.net_cents, locale), format_eur(price.gross_cents, locale)
    return f"{net} {excl} ({gross} {incl})"


def billing_of(registration: Registration) -> Billing:
    """The billing details stored on the registration."""
    return Billing(
        company=registration.billing_company,
        address=registration.billing_address,
        postcode=registration.billing_postcode,
        city=registration.billing_city,
        country=registration.billing_country,
        vat_id=registration.vat_id,
    )


def net_price(registration: Registration, event: Event) -> int:
    """Net cents for the registrant's ticket type when it has one, else for their audience
    (0 for a complimentary seat)."""
    if registration.comp:
        return 0
    if registration.ticket_type is not None:
        return registration.ticket_type.price_cents
    prices = {
        pricing.Audience.MEMBER: event.price_member_cents,
        pricing.Audience.NON_MEMBER: event.price_non_member_cents,
    }
    if registration.audience is None:
        raise ValueError("net_price needs a registration whose audience is decided")
    return pricing.price_for(pricing.Audience(registration.audience), prices)


def voucher_discount(registration: Registration, event: Event) -> int:
    """The discount in cents of the registration's voucher on `net_price` (0 without one);
    `pricing.voucher_discount` does the arithmetic. Whether the voucher applies is
    `events.services.vouchers.problem`."""
    voucher = registration.voucher
    if voucher is None:
        return 0
    return vouchers.discount(voucher, net_price(registration, event))


def discounted_net(registration: Registration, event: Event) -> int:
    """`net_price` minus the voucher's discount: the net the registrant pays (never below 0)."""
    return net_price(registration, event) - voucher_discount(registration, event)


def needs_billing(registration: Registration) -> bool:
    """Verified, must pay, and the billing details are not complete yet."""
    if registration.verified_at is None or registration.audience is None:
        return False
    return discounted_net(registration, registration.event) > 0 and not (
        billing_of(registration).is_complete()
    )


def quote(registration: Registration, event: Event) -> None:
    """Store net/VAT/gross/rate/reverse charge; reverse charge only for online events sold
    to a business in another EU country with its VAT id (`pricing.vat_treatment`). The
    net is after the voucher's discount (`discounted_net`), stored in `discount_cents`."""
    net = discounted_net(registration, event)
    billing = billing_of(registration)
    buyer = None
    if net > 0 and billing.is_complete():
        buyer = pricing.Buyer(
            billing.country, vat_id=billing.vat_id or None, is_business=bool(billing.company)
        )
    try:
        rate, reverse = pricing.vat_treatment(
            online=event.online, buyer=buyer, standard_rate=event.vat_rate
        )
    except pricing.PricingError as exc:
        raise InvalidInput(
            message=_l("This VAT id does not belong to the chosen country."), code=exc.code
        ) from exc
    price = pricing.taxed(net, rate, reverse_charge=reverse)
    registration.net_cents = price.net_cents
    registration.vat_cents = price.vat_cents
    registration.gross_cents = price.gross_cents
    registration.vat_rate = price.rate
    registration.reverse_charge = price.reverse_charge
    registration.discount_cents = voucher_discount(registration, event)
