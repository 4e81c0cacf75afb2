"""Locale choice: ?lang= (remembered in the session), the user's setting, the browser, else Dutch;
numbers shown in that language (`format_number`); the templates' gettext (`install_gettext`)."""

from __future__ import annotations

import functools
from decimal import Decimal

from babel.numbers import format_decimal
from babel.support import NullTranslations
from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import get_locale, get_translations
from flask_login import current_user

LOCALES = ("nl", "en")


def select_locale() -> str:
    if not has_request_context():  # CLI commands, workers
        return current_app.config.get("BABEL_DEFAULT_LOCALE", "nl")
    asked = request.args.get("lang")
    if asked in LOCALES:
        session["lang"] = asked
        return asked
    if session.get("lang") in LOCALES:
        return session["lang"]
    if getattr(current_user, "is_authenticated", False) and current_user.locale in LOCALES:
        return current_user.locale
    return request.accept_languages.best_match(LOCALES) or "nl"


def select_timezone() -> str:
    return "Europe/Amsterdam"


def current_locale() -> str:
    """The language of this request (or command) as one of `LOCALES`: "nl" or "en"."""
    locale = str(get_locale() or "")
    return locale if locale in LOCALES else "nl"


def format_number(
    value: Decimal | int | str | None, locale: str | None = None, *, trim: bool = False
) -> str:
    """A number as the reader of `locale` (default: this request's) writes it, by Babel:
    Decimal("7.63") is "7,63" in Dutch and "7.63" in English, 1234.5 "1.234,5" / "1,234.5".
    It keeps the decimals the value holds ("7.50" stays "7,50": scores are rounded to two);
    with `trim`, trailing zeros go ("7.50" -> "7,5", "7.00" -> "7"). A string is read as a
    decimal ("7.63", as results snapshots hold them); None is "–"."""
    if value is None:
        return "–"
    return _formatted(str(value), locale or current_locale(), trim)


@functools.lru_cache(maxsize=4096)
def _formatted(text: str, locale: str, trim: bool) -> str:
    """`format_number` of a number written as `text` (its `str`, which keeps the decimals a
    Decimal holds): a board shows the same few hundred totals and scores on every view, and
    Babel's formatting is the page's dearest filter."""
    number = Decimal(text)
    if trim:
        number = number.normalize()
    places = max(0, -int(number.as_tuple().exponent))
    pattern = "#,##0." + "0" * places if places else "#,##0"
    return format_decimal(number, format=pattern, locale=locale)


#: the catalogue of each locale (language, territory, script, variant), as Flask-Babel loaded it
_catalogues: dict[tuple, NullTranslations] = {}


def translations() -> NullTranslations:
    """`flask_babel.get_translations()`, found from the locale Flask-Babel chose for this
    context (`force_locale` included) in one look-up instead of its chain of context-local
    ones: a page calls gettext dozens of times. The app has one translation domain."""
    try:
        locale = g._flask_babel.babel_locale  # set by Flask-Babel's first look-up here
        key = (locale.language, locale.territory, locale.script, locale.variant)
    except (AttributeError, RuntimeError):  # nothing chosen yet, or no app context
        return get_translations()
    found = _catalogues.get(key)
    if found is None:
        found = _catalogues[key] = get_translations()
    return found


def install_gettext(app: Flask) -> None:
    """The templates' `_`, `gettext`, `ngettext`, `pgettext` and `npgettext` through
    `translations()` (Flask-Babel installs the same callables through its own look-up)."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )
