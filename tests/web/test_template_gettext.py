"""The templates' gettext (core.i18n.install_gettext) finds the same catalogue as Flask-Babel
would, in every context: a request in Dutch or English, inside `force_locale` (the e-mails)
and back out of it, and with no request at all."""

from __future__ import annotations

from flask import render_template_string
from flask_babel import force_locale, get_translations

from core.i18n import translations

TEMPLATE = "{{ _('Entries') }}|{{ ngettext('%(num)s upcoming talk', '%(num)s upcoming talks', 2) }}"


def test_a_request_gets_its_own_language(app):
    for lang, expected in (("nl", "Inzendingen"), ("en", "Entries")):
        with app.test_request_context(f"/?lang={lang}"):
            assert render_template_string(TEMPLATE).startswith(f"{expected}|")
            assert translations() is get_translations()


def test_force_locale_switches_the_templates_and_back(app):
    with app.test_request_context("/?lang=en"):
        assert render_template_string(TEMPLATE) == "Entries|2 upcoming talks"
        with force_locale("nl"):
            assert render_template_string(TEMPLATE) == "Inzendingen|2 komende talks"
            assert translations() is get_translations()
        assert render_template_string(TEMPLATE) == "Entries|2 upcoming talks"


def test_outside_a_request_the_default_language(app):
    with app.app_context():
        assert render_template_string(TEMPLATE).startswith("Inzendingen|")
