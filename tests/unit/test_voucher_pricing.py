"""Voucher discounts on a net price: hand-computed cases and properties (never below zero,
percent rounded half up once, VAT on the discounted net, net + VAT = gross)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from events.pricing import VAT_NL, PricingError, taxed, voucher_discount


def test_free_takes_the_whole_net_price() -> None:
    assert voucher_discount("free", 5000) == 5000
    assert voucher_discount("free", 0) == 0


def test_fixed_amount_never_more_than_the_price() -> None:
    assert voucher_discount("fixed", 5000, amount_cents=1250) == 1250
    assert voucher_discount("fixed", 5000, amount_cents=6000) == 5000
    assert voucher_discount("fixed", 0, amount_cents=1000) == 0


def test_percent_rounds_half_up_once() -> None:
    assert voucher_discount("percent", 5000, percent=Decimal("15")) == 750
    # 12.5% of 1 cent is 0.125 -> 0; 50% of 1 cent is 0.5 -> 1
    assert voucher_discount("percent", 1, percent=Decimal("12.5")) == 0
    assert voucher_discount("percent", 1, percent=Decimal("50")) == 1
    assert voucher_discount("percent", 4999, percent=Decimal("33.33")) == 1666  # 1666.16
    assert voucher_discount("percent", 5000, percent=Decimal("100")) == 5000


def test_discounted_price_is_taxed_on_the_discounted_net() -> None:
    net = 5000 - voucher_discount("percent", 5000, percent=Decimal("25"))
    price = taxed(net, VAT_NL)
    assert (price.net_cents, price.vat_cents, price.gross_cents) == (3750, 788, 4538)


@pytest.mark.parametrize(
    ("kind", "kw"),
    [
        ("percent", {"percent": Decimal("101")}),
        ("percent", {"percent": Decimal("-1")}),
        ("percent", {"percent": None}),
        ("percent", {"percent": Decimal("NaN")}),
        ("fixed", {"amount_cents": -1}),
        ("fixed", {"amount_cents": None}),
        ("fixed", {"amount_cents": True}),
        ("gift", {}),
    ],
)
def test_bad_vouchers_are_refused(kind, kw) -> None:
    with pytest.raises(PricingError) as e:
        voucher_discount(kind, 5000, **kw)
    assert e.value.code == "bad_price"


@pytest.mark.parametrize("net", [-1, 1.5, True])
def test_bad_net_is_refused(net) -> None:
    with pytest.raises(PricingError):
        voucher_discount("free", net)


@given(
    net=st.integers(min_value=0, max_value=10**9),
    percent=st.decimals(min_value=0, max_value=100, places=2),
    rate=st.sampled_from([Decimal("0.21"), Decimal("0.09"), Decimal(0)]),
)
def test_percent_discount_properties(net: int, percent: Decimal, rate: Decimal) -> None:
    discount = voucher_discount("percent", net, percent=percent)
    expected = int((Decimal(net) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    assert discount == min(expected, net)
    assert 0 <= discount <= net
    price = taxed(net - discount, rate)
    assert price.net_cents + price.vat_cents == price.gross_cents
    assert price.net_cents >= 0


@given(
    net=st.integers(min_value=0, max_value=10**9),
    amount=st.integers(min_value=0, max_value=10**9),
)
def test_fixed_discount_properties(net: int, amount: int) -> None:
    discount = voucher_discount("fixed", net, amount_cents=amount)
    assert discount == min(net, amount)
    assert net - discount >= 0
