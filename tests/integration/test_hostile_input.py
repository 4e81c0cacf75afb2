"""Regressions of issue 7's holes 3 and 7: each input below once gave a 500 or a traceback.

NUL is refused at the form layer on every database (SQLite would store it; PostgreSQL fails
on write, so CI runs this module on both). Each refusal answers with a message and changes
nothing.
"""

from __future__ import annotations

import copy
import io
import json

import pytest
import sqlalchemy as sa

from awards.models import Category, Criterion, Entry, Programme
from core.accounts.models import User
from core.extensions import db
from events.models import Event, MemberOrganisation, Registration
from podium import create_app
from tests.factories import NOW, make_event
from tests.integration.test_events_loader import DOC as EVENTS_DOC
from tests.integration.test_loader import DOC as PROGRAMME_DOC
from tests.property.hostile import changed, snapshot
from tests.web.test_admin_programmes import CRITERION, FORM

EN = {"Accept-Language": "en"}
NUL_MESSAGE = "Remove the invisible control characters (such as NUL) from this text."


def count(model) -> int:
    db.session.commit()  # what the test built exists; see what the requests committed
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def admin(make_user, login, client):
    login(make_user("admin@ddma.nl", admin=True))
    return client


# --- hole 3: NUL --------------------------------------------------------------------------


def test_nul_in_the_anonymous_event_registration_is_a_field_error(client):
    make_event("digital-talk")
    data = {"name": "Isa\x00", "email": "isa@ddma.nl", "privacy_consent": "y"}
    response = client.post("/events/digital-talk/register", data=data, headers=EN)
    assert response.status_code == 400
    assert NUL_MESSAGE in response.get_data(as_text=True)
    assert count(Registration) == 0


def test_nul_in_signup_is_a_field_error(client):
    data = {"name": "Bob\x00", "email": "bob@example.org", "password": "p" * 12,
            "confirm": "p" * 12, "language": "en"}  # fmt: skip
    response = client.post("/signup", data=data, headers=EN)
    assert response.status_code == 400 and NUL_MESSAGE in response.get_data(as_text=True)
    assert count(User) == 0


def test_nul_in_the_account_page_is_a_field_error(make_user, login, client):
    user = make_user("bob@example.org", name="Bob")
    login(user)
    response = client.post("/account", data={"name": "B\x00b", "language": "en"}, headers=EN)
    assert response.status_code == 400 and NUL_MESSAGE in response.get_data(as_text=True)
    assert db.session.get(User, user.id).name == "Bob"


def test_nul_in_an_entry_is_a_field_error(make_user, make_programme, login, client):
    programme = make_programme("cda-2025")
    login(make_user("entrant@example.org"))
    data = {"category": str(programme.categories[0].id), "organisation": "Acme",
            "title": "Case", "summary": "A\x00", "case_text": ""}  # fmt: skip
    response = client.post("/awards/cda-2025/entries/new", data=data, headers=EN)
    assert response.status_code == 400 and NUL_MESSAGE in response.get_data(as_text=True)
    assert count(Entry) == 0


def test_nul_in_a_screening_reason_is_a_field_error(admin, make_entry):
    entry = make_entry(status="submitted")
    url = f"/admin/programmes/{entry.programme.slug}/entries/{entry.id}/screen"
    response = admin.post(url, data={"outcome": "ineligible", "reason": "No\x00"}, headers=EN)
    assert response.status_code == 400 and NUL_MESSAGE in response.get_data(as_text=True)
    assert db.session.get(Entry, entry.id).status == "submitted"


def _upload(client, content: bytes):
    return client.post(
        "/admin/events/members/import",
        data={"file": (io.BytesIO(content), "members.csv")},
        content_type="multipart/form-data",
        headers=EN,
    )


def test_nul_in_the_members_csv_names_the_line(admin):
    response = _upload(admin, b"name,domains\nAcme,acme.example\nD\x00MA,ddma.nl\n")
    assert response.status_code == 400
    assert "Line 3: the line holds a control character (such as NUL)." in response.get_data(
        as_text=True
    )
    assert count(MemberOrganisation) == 0


def test_nul_and_control_characters_in_a_url_are_refused_with_400(client):
    make_event("digital-talk")
    for url in ("/events/digital%00talk", "/events/?q=a%00b", "/events/digital-talk?x=%0a"):
        response = client.get(url, headers=EN)
        assert response.status_code == 400, url
        assert "The address holds characters that are not allowed." in response.get_data(
            as_text=True
        )


def test_a_line_break_in_a_one_line_field_is_refused_but_fine_in_a_text_area(admin):
    response = admin.post("/admin/events/members/new", data={"name": "A\nB", "domains": "a.nl"})
    assert response.status_code == 400 and "Use a single line here." in response.get_data(
        as_text=True
    )
    response = admin.post(
        "/admin/events/members/new", data={"name": "AB", "domains": "a.nl\r\nb.nl\tc.nl"}
    )
    assert response.status_code == 302


# --- the error page after a failed commit -----------------------------------------------


@pytest.fixture
def failing_app(app, database_url):
    """A fresh app on the test database whose one view leaves a commit that must fail."""
    fresh = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "SECRET_KEY": "t",
         "PROPAGATE_EXCEPTIONS": False, "WTF_CSRF_ENABLED": False}
    )  # fmt: skip

    @fresh.post("/t/duplicate")
    def duplicate():  # two accounts with one address: the commit's flush fails
        for _ in range(2):
            db.session.add(User(email="dup@example.org", name="D", locale="en", created_at=NOW))
        return "done"

    yield fresh
    with fresh.app_context():
        db.engine.dispose()  # its own pool: close its connections now, not at collection


def test_a_failed_commit_renders_the_styled_500_page_for_a_signed_in_user(failing_app, make_user):
    user = make_user("signed-in@example.org", name="Signed In")
    db.session.commit()
    client = failing_app.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = str(user.id), True
    response = client.post("/t/duplicate", headers=EN)
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong on our side. Nothing was changed." in page
    assert "/static/podium.css" in page  # the house's page, not a bare one
    assert count(User) == 1


# --- hole 7: numbers, blanks, big fields, deep JSON --------------------------------------


@pytest.mark.parametrize("field", ["quorum", "trim"])
def test_a_400_digit_quorum_or_trim_is_a_field_error(admin, field):
    response = admin.post("/admin/programmes/new", data={**FORM, field: "9" * 400}, headers=EN)
    assert response.status_code == 400
    assert "Number must be between" in response.get_data(as_text=True)
    assert count(Programme) == 0


@pytest.mark.parametrize("url", ["criteria", "categories"])
def test_a_position_beyond_the_integer_column_is_a_field_error(admin, make_programme, url):
    make_programme("cda-2025")
    data = {**CRITERION, "slug": "new", "shortlist_size": "3", "position": "2147483648"}
    before = (count(Criterion), count(Category))
    response = admin.post(f"/admin/programmes/cda-2025/{url}/new", data=data, headers=EN)
    assert response.status_code == 400
    assert "Number must be between -10000 and 10000." in response.get_data(as_text=True)
    assert (count(Criterion), count(Category)) == before


def test_a_blank_event_price_is_a_field_error(admin):
    event = make_event("digital-talk")
    page = admin.get(f"/admin/events/{event.id}/edit")
    assert page.status_code == 200
    data = {"slug": "digital-talk", "title_nl": "T", "title_en": "T", "kind": "Talk",
            "starts_at": "2025-03-20T12:00", "ends_at": "2025-03-20T13:00", "online": "y",
            "capacity": "100", "price_member": " ", "price_non_member": "50",
            "vat_percent": "21", "hold_minutes": "30", "offer_hours": "24",
            "cancel_until_hours": "24"}  # fmt: skip
    response = admin.post(f"/admin/events/{event.id}/edit", data=data, headers=EN)
    assert response.status_code == 400 and "Enter an amount." in response.get_data(as_text=True)
    assert db.session.get(Event, event.id).title_nl != "T"


def test_a_200_kb_field_in_the_members_csv_names_the_line(admin):
    response = _upload(admin, b"name,domains\nAcme," + b"a" * 200_000 + b"\n")
    assert response.status_code == 400
    assert "Line 2: the line is too long (at most 10,000 characters)." in response.get_data(
        as_text=True
    )
    assert count(MemberOrganisation) == 0


def test_a_200_kb_quoted_field_across_lines_in_the_members_csv_names_the_line(admin):
    response = _upload(admin, b'name,domains\n"' + b"a\n" * 70_000 + b'",x.nl\n')
    assert response.status_code == 400
    assert "field larger than field limit" in response.get_data(as_text=True)


def _cli(app, tmp_path, args: list[str], text: str):
    path = tmp_path / "file"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    before = snapshot()
    result = app.test_cli_runner().invoke(args=[*args, str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert changed(before, snapshot()) == []
    return result


def test_a_200_kb_header_in_import_scores_exits_1_with_one_line(app, tmp_path, make_programme):
    make_programme("cda-2025")
    result = _cli(app, tmp_path, ["awards", "import-scores", "cda-2025"], "e" * 200_000 + "\n")
    assert result.exit_code == 1
    assert "line 1: the line is too long (at most 10,000 characters)." in result.stderr


def test_nul_in_import_scores_exits_1_naming_the_line(app, tmp_path, make_programme):
    make_programme("cda-2025")
    text = "entry,juror,criterion,score,comment\nE1,j@example.org,impact,5,a\x00b\n"
    result = _cli(app, tmp_path, ["awards", "import-scores", "cda-2025"], text)
    assert result.exit_code == 1
    assert "line 2: the line holds a control character (such as NUL)." in result.stderr


DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize("command", [["events", "load"], ["awards", "load-programme"]])
def test_json_nested_100000_deep_exits_1_with_one_line(app, tmp_path, command):
    result = _cli(app, tmp_path, command, DEEP)
    assert result.exit_code == 1
    assert "The JSON nests deeper than 20 levels (line 1)." in result.stderr
    assert len(result.stderr.splitlines()) <= 2


@pytest.mark.parametrize("text", ["Talk\x00", "Talk\ud800"])
def test_nul_or_a_lone_surrogate_in_events_load_names_the_path(app, tmp_path, text):
    doc = copy.deepcopy(EVENTS_DOC)
    doc["events"][0]["title"]["en"] = text
    result = _cli(app, tmp_path, ["events", "load"], json.dumps(doc))
    assert result.exit_code == 1
    assert "events[0].title.en: Remove the invisible control characters" in result.stderr
    assert count(Event) == 0


@pytest.mark.parametrize("text", ["Impact\x00", "Impact\udfff"])
def test_nul_or_a_lone_surrogate_in_load_programme_names_the_path(app, tmp_path, text):
    doc = copy.deepcopy(PROGRAMME_DOC)
    doc["criteria"][0]["name"]["en"] = text
    result = _cli(app, tmp_path, ["awards", "load-programme"], json.dumps(doc))
    assert result.exit_code == 1
    assert "criteria[0].name.en: must not hold control characters (such as NUL)" in result.stderr
    assert count(Programme) == 0


def test_numbers_beyond_the_integer_column_in_a_url_are_404_or_400(admin):
    event = make_event("digital-talk")
    response = admin.get("/admin/events/2147483648/edit", headers=EN)
    assert response.status_code == 404 and "Not found." in response.get_data(as_text=True)
    response = admin.get(f"/admin/events/{event.id}/attendees?page=1&x=" + "9" * 400, headers=EN)
    assert response.status_code == 400
    assert "The address holds a number that is too large." in response.get_data(as_text=True)
    assert admin.get("/admin/audit/?page=2147483648", headers=EN).status_code == 400
    assert admin.get("/admin/audit/?page=2", headers=EN).status_code == 200
