"""Euro amounts through Babel: the exact strings the site has always shown."""

from __future__ import annotations

import pytest

from core.money import MoneyError, format_eur, language


@pytest.mark.parametrize(
    ("cents", "nl", "en"),
    [
        (0, "€0", "€0"),
        (5, "€0,05", "€0.05"),
        (5000, "€50", "€50"),
        (6050, "€60,50", "€60.50"),
        (100000, "€1.000", "€1,000"),
        (123456, "€1.234,56", "€1,234.56"),
        (123456789, "€1.234.567,89", "€1,234,567.89"),
        (-6050, "-€60,50", "-€60.50"),
    ],
)
def test_format_eur(cents: int, nl: str, en: str) -> None:
    assert format_eur(cents) == nl
    assert format_eur(cents, "nl") == nl
    assert format_eur(cents, "nl_NL") == nl
    assert format_eur(cents, "en") == en
    assert format_eur(cents, "en-GB") == en


def test_format_eur_refuses() -> None:
    with pytest.raises(MoneyError) as exc:
        format_eur(100, "de")
    assert exc.value.code == "bad_locale"
    with pytest.raises(MoneyError) as exc:
        format_eur(1.5)  # type: ignore[arg-type]
    assert exc.value.code == "bad_price"


def test_language_is_the_locale_language_part() -> None:
    assert language("nl_NL") == "nl" and language(" EN-gb ") == "en"
    with pytest.raises(MoneyError) as exc:
        language("fr")
    assert exc.value.code == "bad_locale"
    with pytest.raises(MoneyError) as exc:
        format_eur(True)  # type: ignore[arg-type]
    assert exc.value.code == "bad_price"
