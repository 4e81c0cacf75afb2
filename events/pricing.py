"""Event prices and Dutch VAT (btw). Pure: standard library only.

Money crosses the module boundary as integer euro cents; arithmetic inside uses
``Decimal``. There is exactly ONE rounding rule: the VAT amount of a line is
``net_cents * rate`` rounded ROUND_HALF_UP to whole cents, applied once per line.
Gross is then ``net + vat`` (never rounded separately), so the three numbers on
an invoice always add up. Amounts are shown by `core.money.format_eur` (Babel) and
labelled by `events.services.quotes.price_label`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

VAT_NL = Decimal("0.21")
_CENT = Decimal("0.01")

# National part of a VAT id, keyed by VAT prefix. Format only, no checksums.
_VAT_PATTERNS: dict[str, re.Pattern[str]] = {
    prefix: re.compile(pattern)
    for prefix, pattern in {
        "AT": r"U\d{8}",
        "BE": r"[01]\d{9}",
        "BG": r"\d{9,10}",
        "CY": r"\d{8}[A-Z]",
        "CZ": r"\d{8,10}",
        "DE": r"\d{9}",
        "DK": r"\d{8}",
        "EE": r"\d{9}",
        "EL": r"\d{9}",
        "ES": r"[A-Z0-9]\d{7}[A-Z0-9]",
        "FI": r"\d{8}",
        "FR": r"[A-Z0-9]{2}\d{9}",
        "HR": r"\d{11}",
        "HU": r"\d{8}",
        # 1234567X, 1234567XX (since 2013), old style 1X23456X (X may be + or *)
        "IE": r"\d{7}[A-W][A-IW]?|\d[A-Z+*]\d{5}[A-W]",
        "IT": r"\d{11}",
        "LT": r"\d{9}|\d{12}",
        "LU": r"\d{8}",
        "LV": r"\d{11}",
        "MT": r"\d{8}",
        "NL": r"\d{9}B\d{2}",
        "PL": r"\d{10}",
        "PT": r"\d{9}",
        "RO": r"\d{2,10}",
        "SE": r"\d{12}",
        "SI": r"\d{8}",
        "SK": r"\d{10}",
    }.items()
}

#: EU member states by ISO 3166-1 alpha-2 code (Greece is "GR" here, "EL" in VAT ids).
EU_COUNTRIES: frozenset[str] = frozenset("GR" if p == "EL" else p for p in _VAT_PATTERNS)


class PricingError(ValueError):
    """A price, rate, VAT id or locale was refused; ``code`` is machine readable.

    Codes: ``inconsistent``, ``bad_rate``, ``bad_vat_id``, ``vat_id_country_mismatch``,
    ``bad_country``, ``no_price``, ``bad_price``.
    """

    def __init__(self, code: str, message: str | None = None) -> None:
        super().__init__(message or code)
        self.code = code


class Audience(StrEnum):
    """Who pays which price list entry."""

    MEMBER = "member"
    NON_MEMBER = "non_member"


def _is_cents(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _euros(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(_CENT)


def _check_rate(rate: object) -> Decimal:
    if not isinstance(rate, Decimal) or not rate.is_finite() or not 0 <= rate < 1:
        raise PricingError("bad_rate", f"VAT rate must be a Decimal in [0, 1), got {rate!r}")
    return rate


def round_half_up(amount: Decimal) -> int:
    """Round an amount in cents to whole cents, halves away from zero (0.5 -> 1)."""
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class TaxedPrice:
    """One priced line: net + VAT = gross, all in integer cents.

    Raises PricingError("inconsistent") for non-int cents (bool is refused too),
    negative amounts, ``net + vat != gross``, reverse charge with VAT, or a rate
    that is not a Decimal in [0, 1).
    """

    net_cents: int
    vat_cents: int
    gross_cents: int
    rate: Decimal
    reverse_charge: bool = False

    def __post_init__(self) -> None:
        cents = (self.net_cents, self.vat_cents, self.gross_cents)
        if not all(_is_cents(c) for c in cents):
            raise PricingError("inconsistent", f"amounts must be int cents, got {cents!r}")
        if any(c < 0 for c in cents):
            raise PricingError("inconsistent", f"negative amount in {cents!r}")
        if self.net_cents + self.vat_cents != self.gross_cents:
            raise PricingError("inconsistent", f"net + vat != gross in {cents!r}")
        if not isinstance(self.reverse_charge, bool):
            raise PricingError("inconsistent", "reverse_charge must be a bool")
        if self.reverse_charge and self.vat_cents != 0:
            raise PricingError("inconsistent", "reverse charge lines carry no VAT")
        try:
            _check_rate(self.rate)
        except PricingError as exc:
            raise PricingError("inconsistent", str(exc)) from None

    @property
    def net(self) -> Decimal:
        """Net amount in euros, two decimal places."""
        return _euros(self.net_cents)

    @property
    def vat(self) -> Decimal:
        """VAT amount in euros, two decimal places."""
        return _euros(self.vat_cents)

    @property
    def gross(self) -> Decimal:
        """Gross amount in euros, two decimal places."""
        return _euros(self.gross_cents)


def taxed(net_cents: int, rate: Decimal, *, reverse_charge: bool = False) -> TaxedPrice:
    """Price one line: VAT = round_half_up(net_cents * rate), gross = net + VAT.

    With ``reverse_charge`` the VAT is 0 and the stored rate is 0 ("btw verlegd":
    the buyer accounts for the VAT). €50 excl. at 21% -> TaxedPrice(5000, 1050, 6050).
    Raises PricingError("bad_rate") for a rate that is not a Decimal in [0, 1) and
    PricingError("inconsistent") for a negative or non-int ``net_cents``.
    """
    _check_rate(rate)
    if not _is_cents(net_cents):
        raise PricingError("inconsistent", f"net must be int cents, got {net_cents!r}")
    if reverse_charge:
        return TaxedPrice(net_cents, 0, net_cents, Decimal(0), True)
    vat = round_half_up(Decimal(net_cents) * rate)
    return TaxedPrice(net_cents, vat, net_cents + vat, rate, False)


@dataclass(frozen=True)
class Buyer:
    """Who buys: ISO 3166 country ("NL", "BE", "GR"), optional VAT id, business or not.

    ``country`` is stripped and upper-cased; "EL" (Greece's VAT prefix) is accepted
    and stored as "GR". Raises PricingError("bad_country") unless two letters.
    """

    country: str
    vat_id: str | None = None
    is_business: bool = False

    def __post_init__(self) -> None:
        country = self.country.strip().upper() if isinstance(self.country, str) else ""
        if not re.fullmatch(r"[A-Z]{2}", country):
            raise PricingError("bad_country", f"not an ISO country code: {self.country!r}")
        object.__setattr__(self, "country", "GR" if country == "EL" else country)


def vat_prefix(country: str) -> str:
    """VAT id prefix of an ISO country code: the code itself, except Greece ("GR" -> "EL")."""
    country = country.strip().upper()
    return "EL" if country == "GR" else country


def normalise_vat_id(raw: str) -> str:
    """Drop whitespace, dots and dashes; upper-case: "nl 8888.88888-b01" -> "NL888888888B01"."""
    return re.sub(r"[\s.\-]", "", raw).upper()


def check_vat_id_format(vat_id: str) -> str:
    """Check the format of an EU VAT id and return its prefix ("NL", "BE", "EL", ...).

    The id is normalised first (see ``normalise_vat_id``). Only the format is
    checked: the EU VIES service is not reachable from here, so a well-formed id
    is accepted and kept on the registration for manual checking by the treasurer.
    Raises PricingError("bad_vat_id") for an unknown prefix or a bad national part.
    """
    vat_id = normalise_vat_id(vat_id)
    prefix, national = vat_id[:2], vat_id[2:]
    pattern = _VAT_PATTERNS.get(prefix)
    if pattern is None or not pattern.fullmatch(national):
        raise PricingError("bad_vat_id", f"not a valid EU VAT id: {vat_id!r}")
    return prefix


def vat_treatment(
    *,
    online: bool,
    seller_country: str = "NL",
    buyer: Buyer | None,
    standard_rate: Decimal,
) -> tuple[Decimal, bool]:
    """Decide (rate, reverse_charge) for admission to an event.

    - In-person events: ``standard_rate`` for everybody; admission to an event is
      taxed where the event takes place, whoever the buyer is.
    - Online events, business buyer in ANOTHER EU member state with a VAT id whose
      prefix is that state: ``(Decimal(0), True)`` ("btw verlegd", reverse charge).
    - Everything else (consumers, domestic businesses, businesses without a VAT id,
      no buyer known): ``standard_rate``.
    - Non-EU buyers: ``standard_rate``. Zero-rating B2B services outside the EU
      needs proof of business status we cannot check automatically; charging Dutch
      VAT is the safe side (it can be corrected with a credit note), so those
      export rules are deliberately out of scope.

    Only the format of the VAT id is checked (VIES is not reachable). For a
    cross-border online business buyer the id is validated and errors are raised so
    the form can show them: PricingError("bad_vat_id") for a malformed id and
    PricingError("vat_id_country_mismatch") for a valid id of another state.
    Also raises PricingError("bad_rate") for an invalid ``standard_rate``.
    """
    _check_rate(standard_rate)
    if not online or buyer is None or not buyer.is_business:
        return standard_rate, False
    if buyer.country not in EU_COUNTRIES or buyer.country == seller_country.strip().upper():
        return standard_rate, False
    if buyer.vat_id is None or not normalise_vat_id(buyer.vat_id):
        return standard_rate, False
    if check_vat_id_format(buyer.vat_id) != vat_prefix(buyer.country):
        raise PricingError(
            "vat_id_country_mismatch",
            f"VAT id {buyer.vat_id!r} is not from {buyer.country}",
        )
    return Decimal(0), True


def price_for(audience: Audience, prices: Mapping[Audience, int]) -> int:
    """Net price in cents for ``audience``.

    Raises PricingError("no_price") if the audience has no price and
    PricingError("bad_price") if the price is not a non-negative int.
    """
    price = prices.get(audience)
    if price is None:
        raise PricingError("no_price", f"no price for {audience!s}")
    if not _is_cents(price) or price < 0:
        raise PricingError("bad_price", f"price must be non-negative int cents, got {price!r}")
    return price


#: voucher kinds (`events.models.Voucher.kind`)
VOUCHER_KINDS = ("percent", "fixed", "free")


def voucher_discount(
    kind: str,
    net_cents: int,
    *,
    percent: Decimal | None = None,
    amount_cents: int | None = None,
) -> int:
    """The discount in cents a voucher gives on a net price (before VAT).

    "free": the whole net price; "fixed": `amount_cents`, at most the net price; "percent":
    ``net_cents * percent / 100`` rounded ROUND_HALF_UP to whole cents (the one rounding
    rule), at most the net price. The result is never negative and never above `net_cents`,
    so ``net_cents - discount`` is a price `taxed` accepts: VAT is then charged on the
    discounted net. 15% off €50 -> 750; €60 off €50 -> 5000.
    Raises PricingError("bad_price") for a negative or non-int net or amount, a percent
    outside [0, 100] and an unknown kind.
    """
    if not _is_cents(net_cents) or net_cents < 0:
        raise PricingError("bad_price", f"net must be non-negative int cents, got {net_cents!r}")
    if kind == "free":
        return net_cents
    if kind == "fixed":
        if not _is_cents(amount_cents) or amount_cents is None or amount_cents < 0:
            raise PricingError("bad_price", f"bad voucher amount {amount_cents!r}")
        return min(amount_cents, net_cents)
    if kind == "percent":
        if not isinstance(percent, Decimal) or not percent.is_finite() or not 0 <= percent <= 100:
            raise PricingError("bad_price", f"bad voucher percent {percent!r}")
        return min(round_half_up(Decimal(net_cents) * percent / 100), net_cents)
    raise PricingError("bad_price", f"unknown voucher kind {kind!r}")
