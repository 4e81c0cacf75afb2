"""Jinja filters and globals shared by every template."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import Flask, request, url_for
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
    """This page in `lang`: its path and query with `lang` set. A page that answers a POST to
    a URL taking no GET (a confirmation step, a refused action) cannot be asked for again, so
    its switch leads to the page the form was on (a same-site Referer), else home."""
    path, args = request.path, request.args.to_dict()
    if request.method not in ("GET", "HEAD") and not _takes_get():
        path, args = _form_page() or (url_for("site.home"), {})
    args["lang"] = lang
    return f"{path}?{urlencode(args)}"


def _takes_get() -> bool:
    rule = request.url_rule
    return rule is not None and "GET" in (rule.methods or ())


def _form_page() -> tuple[str, dict[str, str]] | None:
    """The path and query of the same-site page that sent this request, or None."""
    if not request.referrer:
        return None
    parts = urlsplit(request.referrer)
    if parts.netloc != request.host or not parts.path.startswith("/") or parts.path[1:2] == "/":
        return None
    return parts.path, dict(parse_qsl(parts.query))
