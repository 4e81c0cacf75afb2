"""Locale choice: ?lang= (remembered in the session), the user's setting, the browser, else Dutch."""

from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
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
