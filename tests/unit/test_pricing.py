"""Prices and Dutch VAT: hand-computed cases plus a rounding property."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from events.pricing import (
    EU_COUNTRIES,
    VAT_NL,
    Audience,
    Buyer,
    PricingError,
    TaxedPrice,
    check_vat_id_format,
    normalise_vat_id,
    price_for,
    taxed,
    vat_prefix,
    vat_treatment,
)
from events.services.quotes import price_label

ZERO = Decimal(0)


def test_fifty_euros_at_21_percent() -> None:
    price = taxed(5000, VAT_NL)
    assert price == TaxedPrice(5000, 1050, 6050, Decimal("0.21"), False)
    assert (price.net, price.vat, price.gross) == (
        Decimal("50.00"),
        Decimal("10.50"),
        Decimal("60.50"),
    )
    assert str(price.gross) == "60.50"


@pytest.mark.parametrize(
    ("net", "vat"),
    [(0, 0), (1, 0), (2, 0), (3, 1), (250, 53), (249, 52), (7, 1), (12345, 2592)],
)
def test_vat_rounds_half_up_once_per_line(net: int, vat: int) -> None:
    # 1 * 0.21 = 0.21 -> 0; 3 * 0.21 = 0.63 -> 1; 250 * 0.21 = 52.5 -> 53;
    # 249 * 0.21 = 52.29 -> 52; 7 * 0.21 = 1.47 -> 1; 12345 * 0.21 = 2592.45 -> 2592
    price = taxed(net, VAT_NL)
    assert (price.vat_cents, price.gross_cents) == (vat, net + vat)


def test_low_rate_half_up() -> None:
    # 50 * 0.09 = 4.5 -> 5 (banker's rounding would give 4)
    assert taxed(50, Decimal("0.09")).vat_cents == 5


def test_reverse_charge_has_no_vat() -> None:
    price = taxed(5000, VAT_NL, reverse_charge=True)
    assert price == TaxedPrice(5000, 0, 5000, ZERO, True)
    assert price.reverse_charge


@pytest.mark.parametrize(
    "args",
    [
        (5000, 1050, 6000, VAT_NL, False),  # sum wrong
        (5000, 1050, 6051, VAT_NL, False),
        (-5000, -1050, -6050, VAT_NL, False),  # negative
        (5000, -50, 4950, VAT_NL, False),
        (5000.0, 1050, 6050, VAT_NL, False),  # float cents
        (True, 0, 1, VAT_NL, False),  # bool is not int here
        (5000, 1050, 6050, VAT_NL, True),  # reverse charge with VAT
        (5000, 1050, 6050, 0.21, False),  # float rate
        (5000, 1050, 6050, Decimal("-0.21"), False),
        (5000, 0, 5000, ZERO, "yes"),
    ],
)
def test_taxed_price_refuses_inconsistent(args: tuple) -> None:
    with pytest.raises(PricingError) as exc:
        TaxedPrice(*args)
    assert exc.value.code == "inconsistent"
    assert isinstance(exc.value, ValueError)


def test_taxed_price_is_frozen() -> None:
    price = taxed(100, VAT_NL)
    with pytest.raises(AttributeError):
        price.vat_cents = 0  # type: ignore[misc]


@pytest.mark.parametrize("rate", [0.21, Decimal("1"), Decimal("-0.01"), Decimal("NaN"), 21])
def test_taxed_refuses_bad_rates(rate: object) -> None:
    with pytest.raises(PricingError) as exc:
        taxed(100, rate)  # type: ignore[arg-type]
    assert exc.value.code == "bad_rate"


@pytest.mark.parametrize("net", [-1, 1.5, False, "100"])
def test_taxed_refuses_bad_net(net: object) -> None:
    with pytest.raises(PricingError) as exc:
        taxed(net, VAT_NL)  # type: ignore[arg-type]
    assert exc.value.code == "inconsistent"


@given(
    net=st.integers(min_value=0, max_value=10**7),
    rate=st.sampled_from([Decimal(0), Decimal("0.09"), Decimal("0.21")]),
)
def test_taxed_property(net: int, rate: Decimal) -> None:
    price = taxed(net, rate)
    assert price.net_cents + price.vat_cents == price.gross_cents
    expected = (Decimal(net) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    assert price.vat_cents == int(expected)
    assert price.gross == price.net + price.vat


# --- VAT ids -----------------------------------------------------------------


def test_normalise_vat_id() -> None:
    assert normalise_vat_id(" nl 8888.88888-b01 ") == "NL888888888B01"
    assert normalise_vat_id("be\t0123.456.789") == "BE0123456789"


@pytest.mark.parametrize(
    ("vat_id", "prefix"),
    [
        ("NL123456789B01", "NL"),
        ("nl 1234.56.789.B.01", "NL"),
        ("BE0123456789", "BE"),
        ("BE1234567890", "BE"),
        ("DE123456789", "DE"),
        ("ATU12345678", "AT"),
        ("EL123456789", "EL"),
        ("FRXX123456789", "FR"),
        ("FR12123456789", "FR"),
        ("ESX1234567X", "ES"),
        ("ES12345678Z", "ES"),
        ("IE1234567T", "IE"),
        ("IE1234567WA", "IE"),
        ("IE1A23456T", "IE"),
        ("LT123456789", "LT"),
        ("LT123456789012", "LT"),
        ("CY12345678L", "CY"),
        ("RO12", "RO"),
        ("RO1234567890", "RO"),
        ("SE123456789001", "SE"),
        ("CZ12345678", "CZ"),
        ("CZ1234567890", "CZ"),
    ],
)
def test_valid_vat_id_formats(vat_id: str, prefix: str) -> None:
    assert check_vat_id_format(vat_id) == prefix


@pytest.mark.parametrize(
    "vat_id",
    [
        "",
        "NL",
        "NL123456789",  # missing B01
        "NL123456789X01",
        "NL12345678B01",
        "BE2123456789",  # must start 0 or 1
        "BE123456789",
        "DE12345678",
        "ATX12345678",
        "AT12345678",
        "GR123456789",  # Greece is EL in VAT ids
        "US123456789",
        "GB123456789",  # no longer EU
        "FR1234567890",
        "LT1234567890",
        "RO1",
        "SE1234567890",
        "CY123456789",
        "123456789B01",
    ],
)
def test_invalid_vat_id_formats(vat_id: str) -> None:
    with pytest.raises(PricingError) as exc:
        check_vat_id_format(vat_id)
    assert exc.value.code == "bad_vat_id"


def test_eu_countries() -> None:
    assert len(EU_COUNTRIES) == 27
    assert {"NL", "BE", "DE", "GR"} <= EU_COUNTRIES
    assert "GB" not in EU_COUNTRIES and "EL" not in EU_COUNTRIES
    assert vat_prefix("gr") == "EL" and vat_prefix("BE") == "BE"


def test_buyer_normalises_country() -> None:
    assert Buyer(" be ", None, False).country == "BE"
    assert Buyer("EL", "EL123456789", True).country == "GR"
    with pytest.raises(PricingError) as exc:
        Buyer("Belgium", None, False)
    assert exc.value.code == "bad_country"


# --- VAT treatment -----------------------------------------------------------

NL_BIZ = Buyer("NL", "NL123456789B01", True)
BE_BIZ = Buyer("BE", "BE0123456789", True)
BE_CONSUMER = Buyer("BE", None, False)
STANDARD = (VAT_NL, False)
REVERSE = (ZERO, True)


@pytest.mark.parametrize(
    ("online", "buyer", "expected"),
    [
        (False, NL_BIZ, STANDARD),  # in person: where the event is
        (False, BE_BIZ, STANDARD),
        (False, BE_CONSUMER, STANDARD),
        (False, None, STANDARD),
        (True, BE_BIZ, REVERSE),  # btw verlegd
        (True, Buyer("BE", "be 0123.456.789", True), REVERSE),
        (True, Buyer("GR", "EL123456789", True), REVERSE),
        (True, Buyer("DE", "DE123456789", True), REVERSE),
        (True, NL_BIZ, STANDARD),  # domestic business
        (True, BE_CONSUMER, STANDARD),
        (True, Buyer("BE", "BE0123456789", False), STANDARD),  # consumer with an id
        (True, Buyer("BE", None, True), STANDARD),  # business without an id
        (True, Buyer("BE", "  ", True), STANDARD),
        (True, Buyer("US", "US123", True), STANDARD),  # non-EU: out of scope
        (True, Buyer("GB", "GB123456789", True), STANDARD),
        (True, None, STANDARD),
        (False, Buyer("BE", "garbage", True), STANDARD),  # id irrelevant in person
    ],
)
def test_vat_treatment_matrix(online: bool, buyer: Buyer | None, expected: tuple) -> None:
    assert vat_treatment(online=online, buyer=buyer, standard_rate=VAT_NL) == expected


def test_malformed_vat_id_is_an_error_for_online_cross_border_business() -> None:
    with pytest.raises(PricingError) as exc:
        vat_treatment(online=True, buyer=Buyer("BE", "BE12345", True), standard_rate=VAT_NL)
    assert exc.value.code == "bad_vat_id"


def test_vat_id_of_another_state_is_an_error() -> None:
    with pytest.raises(PricingError) as exc:
        vat_treatment(online=True, buyer=Buyer("BE", "DE123456789", True), standard_rate=VAT_NL)
    assert exc.value.code == "vat_id_country_mismatch"


def test_vat_treatment_other_seller_country() -> None:
    buyer = Buyer("NL", "NL123456789B01", True)
    result = vat_treatment(online=True, seller_country="be", buyer=buyer, standard_rate=VAT_NL)
    assert result == REVERSE


def test_vat_treatment_bad_rate() -> None:
    with pytest.raises(PricingError) as exc:
        vat_treatment(online=False, buyer=None, standard_rate=0.21)  # type: ignore[arg-type]
    assert exc.value.code == "bad_rate"


# --- price lists and formatting ----------------------------------------------


def test_price_for() -> None:
    prices = {Audience.MEMBER: 0, Audience.NON_MEMBER: 5000}
    assert price_for(Audience.MEMBER, prices) == 0
    assert price_for(Audience.NON_MEMBER, prices) == 5000
    assert Audience("non_member") is Audience.NON_MEMBER
    with pytest.raises(PricingError) as exc:
        price_for(Audience.NON_MEMBER, {Audience.MEMBER: 0})
    assert exc.value.code == "no_price"
    with pytest.raises(PricingError) as exc:
        price_for(Audience.MEMBER, {Audience.MEMBER: -1})
    assert exc.value.code == "bad_price"


def test_price_label() -> None:
    assert price_label(5000, VAT_NL, "nl") == "€50 excl. btw (€60,50 incl. btw)"
    assert price_label(5000, VAT_NL, "en") == "€50 excl. VAT (€60.50 incl. VAT)"
    assert price_label(102000, VAT_NL, "nl") == "€1.020 excl. btw (€1.234,20 incl. btw)"
    assert price_label(0, VAT_NL, "nl") == "Gratis"
    assert price_label(0, VAT_NL, "en") == "Free"
