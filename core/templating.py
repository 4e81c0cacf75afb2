"""Jinja filters and globals shared by every template."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from flask import Flask, request
from flask_babel import format_datetime

from core.i18n import current_locale, format_number
from core.labels import audit_details, label
from core.markdown import render_markdown

#: how dates with a time are shown: "12 juni 2025, 18:00" / "12 June 2025, 18:00"
DATETIME_FORMAT = "d MMMM y, HH:mm"


def register(app: Flask) -> None:
    app.add_template_filter(render_markdown, "markdown")

    @app.template_filter("dt")
    def _dt(value: datetime | None, fmt: str = DATETIME_FORMAT) -> str:
        """An aware datetime shown in Europe/Amsterdam in the user's language, by default as
        "12 juni 2025, 18:00" / "12 June 2025, 18:00" (24-hour clock, as Dutch readers expect)."""
        return format_datetime(value, fmt) if value else ""

    @app.template_filter("num")
    def _num(value, trim: bool = False) -> str:
        """A number in the reader's language: "7,63" / "7.63"; "–" for None
        (`core.i18n.format_number`)."""
        return format_number(value, trim=trim)

    @app.context_processor
    def _globals():
        return {
            "locale": current_locale(),
            "lang_url": _lang_url,
            "code_label": label,
            "audit_details": audit_details,
        }

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response


def _lang_url(lang: str) -> str:
    args = request.args.to_dict()
    args["lang"] = lang
    return f"{request.path}?{urlencode(args)}"
