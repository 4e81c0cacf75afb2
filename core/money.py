"""Money shown to people: euro amounts in integer cents, formatted by Babel (CLDR data).

`format_eur(6050, "nl")` is "€60,50": the currency sign without a space, the locale's
grouping and decimal separators, and whole euros without decimals ("€50"). Negative
amounts get a leading "-" ("-€60,50"). Only the languages the site speaks are accepted.
"""

from __future__ import annotations

import re
from decimal import Decimal

from babel.numbers import format_currency

#: the languages amounts are shown in
LANGUAGES = ("nl", "en")
_WHOLE = "¤#,##0"
_CENTS = "¤#,##0.00"


class MoneyError(ValueError):
    """An amount or locale was refused; ``code`` is "bad_price" or "bad_locale"."""

    def __init__(self, code: str, message: str | None = None) -> None:
        super().__init__(message or code)
        self.code = code


def language(locale: str) -> str:
    """The language part of `locale` ("nl_NL", "en-GB" -> "nl", "en").

    Raises MoneyError("bad_locale") for a language the site does not speak.
    """
    code = re.split(r"[_-]", locale.strip().lower(), maxsplit=1)[0]
    if code not in LANGUAGES:
        raise MoneyError("bad_locale", f"unsupported locale {locale!r}")
    return code


def format_eur(cents: int, locale: str = "nl") -> str:
    """Cents as euros in `locale` via `babel.numbers.format_currency`.

    nl: "€50", "€60,50", "€1.234,56"; en: "€50", "€60.50", "€1,234.56"; "-€60,50" for
    negative amounts. Locales like "nl_NL"/"en-GB" use their language part. Raises
    MoneyError("bad_locale") for other languages and MoneyError("bad_price") for
    anything but int cents.
    """
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise MoneyError("bad_price", f"amount must be int cents, got {cents!r}")
    return format_currency(
        Decimal(cents) / 100,
        "EUR",
        format=_CENTS if cents % 100 else _WHOLE,
        locale=language(locale),
        currency_digits=False,
    )
