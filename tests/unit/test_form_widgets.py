"""`core.forms.LongSelect` (the billing form's country list) renders exactly what WTForms'
`Select` renders, builds a list's options once, and WTForms' own messages come in the
request's language from a catalogue read once per process."""

from __future__ import annotations

import pytest
from babel import support
from wtforms import SelectField
from wtforms.validators import DataRequired
from wtforms.widgets import Select

from core import forms
from core.forms import Form, LongSelect
from events.forms.registration import country_choices


class Countries(Form):
    plain = SelectField("Country", default="NL")
    cached = SelectField("Country", default="NL", widget=LongSelect())
    required = SelectField("Country", validators=[DataRequired()], widget=LongSelect())
    numbers = SelectField("Number", coerce=int, widget=LongSelect())
    numbers_plain = SelectField("Number", coerce=int)


def _form(data: dict | None = None) -> Countries:
    form = Countries(data=data)
    for field in (form.plain, form.cached, form.required):
        field.choices = country_choices()
    form.numbers.choices = form.numbers_plain.choices = [(1, "one"), (2, "<two>")]
    return form


@pytest.mark.parametrize("value", ["NL", "BE", "XK", None, "", "<script>", "ZZ"])
def test_a_long_select_renders_what_wtforms_renders(app, value):
    with app.test_request_context("/?lang=nl"):
        form = _form({"plain": value, "cached": value})
        cached = str(form.cached(class_="wide", aria_describedby="hint"))
        assert cached == str(form.plain(class_="wide", aria_describedby="hint")).replace(
            'name="plain"', 'name="cached"'
        ).replace('id="plain"', 'id="cached"')
        if value == "BE":
            assert '<option selected value="BE">' in cached and cached.count("selected") == 1


def test_required_and_other_choices_render_as_wtforms_does(app):
    with app.test_request_context("/"):
        form = _form({"numbers": 2, "numbers_plain": 2})
        assert "required" in form.required() and form.required() == Select()(form.required)
        assert str(form.numbers()) == str(form.numbers_plain()).replace("numbers_plain", "numbers")
        assert "&lt;two&gt;" in form.numbers()


def test_a_long_select_builds_its_options_once_per_list_and_value(app, monkeypatch):
    built = []
    render_option = Select.render_option.__func__

    def counting(cls, choice, **kwargs):
        built.append(choice.value)
        return render_option(cls, choice, **kwargs)

    monkeypatch.setattr(Select, "render_option", classmethod(counting))
    forms._options.cache_clear()
    with app.test_request_context("/?lang=en"):
        for _ in range(3):
            _form({"cached": "DE"}).cached()
        assert len(built) == len(country_choices())  # the first render only
        _form({"cached": "FR"}).cached()  # another value: its own options
        assert len(built) == 2 * len(country_choices())


def test_wtforms_messages_come_in_the_request_language_read_once(app, monkeypatch):
    loads = []
    load = support.Translations.load

    def counting(*args, **kwargs):
        loads.append(args)
        return load(*args, **kwargs)

    monkeypatch.setattr(support.Translations, "load", counting)
    forms._wtforms_messages.cache_clear()
    for _ in range(2):
        with app.test_request_context("/?lang=nl", method="POST", data={"cached": "QQ"}):
            form = _form()
            form.validate()
            assert form.cached.errors == ["Ongeldige keuze."]
    with app.test_request_context("/?lang=en", method="POST", data={"cached": "QQ"}):
        form = _form()
        form.validate()
        assert form.cached.errors == ["Not a valid choice."]
    assert len(loads) == 2  # Dutch once, English once
