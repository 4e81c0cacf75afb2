"""One request, one unit of work: a view's changes are committed when it returns and rolled
back when anything escapes it; `refusal` rolls back, binds field errors or flashes, and lets
the view answer. Checked on a fresh app with its own routes, against a separate connection,
so "committed" means another connection sees the row."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import get_flashed_messages, render_template_string
from flask_wtf import FlaskForm
from wtforms import StringField

from core.accounts.models import User
from core.errors import DomainError, InvalidInput, NotAllowed
from core.extensions import db
from core.unit_of_work import refusal
from podium import create_app
from tests.factories import NOW


class NameForm(FlaskForm):
    name = StringField("Name")


def _add(email: str) -> None:
    db.session.add(User(email=email, name="x", locale="nl", created_at=NOW))
    db.session.flush()


@pytest.fixture()
def uow_app(tmp_path):
    url = f"sqlite:///{tmp_path / 'uow.sqlite'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "WTF_CSRF_ENABLED": False})

    @app.post("/t/ok")
    def ok():
        _add("ok@example.org")
        return "done"

    @app.post("/t/refused")
    def refused():
        _add("refused@example.org")
        raise NotAllowed()

    @app.post("/t/crash")
    def crash():
        _add("crash@example.org")
        raise RuntimeError("boom")

    @app.post("/t/form")
    def form_view():
        form = NameForm()
        with refusal(form) as result:
            _add("form@example.org")
            raise InvalidInput({"name": "Too short.", "nowhere": "Lost."}, code="short")
        return render_template_string(
            "{{ form.name.errors|join('|') }};{{ flashed|join('|') }}",
            form=form,
            flashed=get_flashed_messages(),
        ), result.status

    @app.post("/t/bound")
    def bound():
        form = NameForm()
        with refusal(form) as result:
            _add("bound@example.org")
            raise InvalidInput({"name": "Too short."})
        return f"{form.name.errors}|{get_flashed_messages()}|{bool(result)}", result.status

    @app.post("/t/kept")
    def kept():
        with refusal() as result:
            _add("kept@example.org")
        return f"{bool(result)}", result.status

    with app.app_context():
        db.create_all()
    app.config["TRAP_HTTP_EXCEPTIONS"] = False
    return app


def _emails(app) -> set[str]:
    engine = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.connect() as conn:
            return set(conn.scalars(sa.text("SELECT email FROM users")))
    finally:
        engine.dispose()


def test_a_view_that_returns_is_committed(uow_app):
    assert uow_app.test_client().post("/t/ok").status_code == 200
    assert _emails(uow_app) == {"ok@example.org"}


def test_an_escaped_domain_error_rolls_back_and_renders_its_status(uow_app):
    response = uow_app.test_client().post("/t/refused", headers={"Accept-Language": "en"})
    assert response.status_code == NotAllowed.status == 403
    assert "You are not allowed to do that." in response.get_data(as_text=True)
    assert _emails(uow_app) == set()


def test_any_other_exception_rolls_back(uow_app):
    uow_app.config["PROPAGATE_EXCEPTIONS"] = False
    assert uow_app.test_client().post("/t/crash").status_code == 500
    assert _emails(uow_app) == set()


def test_refusal_binds_field_errors_flashes_the_rest_and_rolls_back(uow_app):
    response = uow_app.test_client().post("/t/form", data={"name": "x"})
    assert response.status_code == 400
    assert response.get_data(as_text=True) == "Too short.;Lost."
    assert _emails(uow_app) == set()


def test_refusal_with_every_field_bound_flashes_nothing(uow_app):
    response = uow_app.test_client().post("/t/bound", data={"name": "x"})
    assert response.status_code == 400
    assert response.get_data(as_text=True) == "['Too short.']|[]|True"
    assert _emails(uow_app) == set()


def test_a_refusal_block_that_runs_through_is_committed(uow_app):
    response = uow_app.test_client().post("/t/kept")
    assert (response.status_code, response.get_data(as_text=True)) == (200, "False")
    assert _emails(uow_app) == {"kept@example.org"}


def test_invalid_input_keeps_lists_and_defaults_its_message():
    error = InvalidInput({"a": "One.", "b": ["Two.", "Three."]})
    assert error.errors == {"a": ["One."], "b": ["Two.", "Three."]}
    assert str(error.message) == "One."
    assert error.messages() == ["a: One.", "b: Two.", "b: Three."]
    assert isinstance(error, DomainError) and error.status == 400
    assert InvalidInput(message="Whole form.").errors == {}
