"""An event's registration questions: staff add, edit, reorder and delete them (each refusal
changes nothing); the registration form asks them in the page's language and stores the
answers with the registration (bad answers: field errors, nothing stored); the registrant
sees their answers; the attendee list (in a fixed number of queries) and its CSV/XLSX show
them."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from core.audit.models import AuditEntry
from core.errors import InvalidInput
from core.extensions import db
from events.models import EventQuestion, Registration, RegistrationAnswer
from events.services.input import Applicant, Billing
from events.services.registrations import start_registration
from tests.factories import make_event, make_member_org, make_registration

EN = {"Accept-Language": "en"}
NL = {"Accept-Language": "nl"}
DIET = [
    {"nl": "Geen", "en": "None"},
    {"nl": "Vegetarisch", "en": "Vegetarian"},
    {"nl": "Veganistisch", "en": "Vegan"},
]


def make_question(event, key, kind, *, required=False, position=0, **kw) -> EventQuestion:
    question = EventQuestion(
        event_id=event.id,
        key=key,
        kind=kind,
        label_nl=kw.pop("label_nl", f"Vraag {key}"),
        label_en=kw.pop("label_en", f"Question {key}"),
        required=required,
        position=position,
        created_at=event.created_at,
        **kw,
    )
    db.session.add(question)
    db.session.flush()
    return question


def answer(registration, question, value) -> RegistrationAnswer:
    row = RegistrationAnswer(registration_id=registration.id, question_id=question.id, value=value)
    db.session.add(row)
    db.session.flush()
    return row


@pytest.fixture
def asked():
    """An open event with a required dietary choice, an optional text and a yes/no."""
    event = make_event()
    questions = {
        "diet": make_question(
            event, "diet", "choice", required=True, position=1, choices=DIET,
            label_nl="Dieetwensen voor de borrel", label_en="Dietary needs for the drinks",
        ),
        "other": make_question(
            event, "other", "text", position=2, label_nl="Anders, namelijk",
            label_en="Other, namely",
        ),
        "parking": make_question(
            event, "parking", "yes_no", position=3, label_nl="Kom je met de auto?",
            label_en="Are you coming by car?",
        ),
    }  # fmt: skip
    db.session.commit()
    return event, questions


@pytest.fixture
def staff(make_user, login):
    return login(make_user("staff@example.org", is_staff=True))


def _registration_form(email="isa@ddma.nl", **answers):
    return {
        "name": "Isa Nieuwstad",
        "email": email,
        "privacy_consent": "y",
        "billing_country": "NL",
        **{f"q_{key}": value for key, value in answers.items()},
    }


def _answers() -> dict[str, str]:
    db.session.rollback()
    rows = db.session.execute(
        sa.select(EventQuestion.key, RegistrationAnswer.value)
        .join(EventQuestion, EventQuestion.id == RegistrationAnswer.question_id)
        .order_by(RegistrationAnswer.id)
    )
    return dict(rows.all())


def _questions(event) -> list[tuple]:
    db.session.rollback()
    return db.session.execute(
        sa.select(EventQuestion.key, EventQuestion.kind, EventQuestion.choices)
        .where(EventQuestion.event_id == event.id)
        .order_by(EventQuestion.position, EventQuestion.id)
    ).all()


def _audit() -> list[str]:
    return db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()


# --- staff ------------------------------------------------------------------------------------


def test_staff_add_a_choice_a_text_and_a_yes_no_question(staff):
    event = make_event()
    db.session.commit()
    base = f"/admin/events/{event.id}/questions"
    assert staff.get(f"/admin/events/{event.id}/attendees", headers=EN).status_code == 200
    page = staff.get(f"/admin/events/{event.id}/edit", headers=EN).get_data(as_text=True)
    assert f'href="{base}"' in page  # linked from the event's admin pages
    for data in (
        {"key": "diet", "kind": "choice", "label_nl": "Dieetwensen", "label_en": "Dietary needs",
         "choices": "Geen | None\nVegetarisch | Vegetarian\nVeganistisch | Vegan",
         "required": "y"},
        {"key": "other", "kind": "text", "label_nl": "Anders", "label_en": "Other",
         "help_nl": "Bijvoorbeeld allergieën", "help_en": "For example allergies"},
        {"key": "parking", "kind": "yes_no", "label_nl": "Auto?", "label_en": "Car?"},
    ):  # fmt: skip
        response = staff.post(f"{base}/new", data=data, headers=EN)
        assert response.status_code == 302, response.get_data(as_text=True)
    assert _questions(event) == [
        ("diet", "choice", [{"nl": n, "en": e} for n, e in
                            (("Geen", "None"), ("Vegetarisch", "Vegetarian"),
                             ("Veganistisch", "Vegan"))]),
        ("other", "text", []),
        ("parking", "yes_no", []),
    ]  # fmt: skip
    diet = db.session.scalar(sa.select(EventQuestion).where(EventQuestion.key == "diet"))
    assert diet.required and diet.position == 1 and diet.label_en == "Dietary needs"
    assert _audit() == ["event_question.created"] * 3
    listing = staff.get(base, headers=EN).get_data(as_text=True)
    assert "Dietary needs" in listing and "Choice from a list: None, Vegetarian, Vegan" in listing


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"choices": "Geen | None"}, "choices", "at least 2 options"),
        ({"choices": "Geen | None\nVegetarisch"}, "choices", "in Dutch and in English"),
        ({"choices": "Geen | None\nGeen | Nothing"}, "choices", "must differ"),
        ({"key": "Diet!"}, "key", "Start with a lowercase letter"),
        ({"key": "taken"}, "key", "already used in this event"),
        ({"kind": "number"}, "kind", "Choose a kind of answer"),
        ({"label_en": ""}, "label_en", "This field is required"),
    ],
)
def test_a_bad_question_is_refused_and_nothing_is_stored(staff, data, field, message):
    event = make_event()
    make_question(event, "taken", "text")
    db.session.commit()
    form = {"key": "diet", "kind": "choice", "label_nl": "Dieet", "label_en": "Diet",
            "choices": "Geen | None\nVegan | Vegan", **data}  # fmt: skip
    response = staff.post(f"/admin/events/{event.id}/questions/new", data=form, headers=EN)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert [q[0] for q in _questions(event)] == ["taken"]
    assert _audit() == []


def test_a_question_with_answers_keeps_its_kind_and_options(staff, asked):
    event, questions = asked
    registration = make_registration(event)
    answer(registration, questions["diet"], "Vegetarisch")
    db.session.commit()
    url = f"/admin/events/{event.id}/questions/{questions['diet'].id}/edit"
    page = staff.get(url, headers=EN).get_data(as_text=True)
    assert "Vegetarisch | Vegetarian" in page  # the options as typed back
    assert "This question has answers (1): its kind can no longer change" in page
    same = {"key": "diet", "kind": "choice", "label_nl": "Dieet", "label_en": "Diet",
            "required": "y"}  # fmt: skip

    response = staff.post(url, data={**same, "kind": "text"}, headers=EN)
    assert response.status_code == 400
    assert "its kind can no longer change" in response.get_data(as_text=True)
    response = staff.post(
        url, data={**same, "choices": "Geen | None\nVeganistisch | Vegan"}, headers=EN
    )
    assert response.status_code == 400
    assert "Put back: Vegetarisch" in response.get_data(as_text=True)
    response = staff.post(  # the Dutch text is what answers store: changing it removes it
        url, data={**same, "choices": "Geen | None\nVega | Vegetarian\nVeganistisch | Vegan"},
        headers=EN,
    )  # fmt: skip
    assert response.status_code == 400
    assert _questions(event)[0] == ("diet", "choice", DIET)
    assert _audit() == []

    more = "Geen | None\nVegetarisch | Veggie\nVeganistisch | Vegan\nAnders | Other"
    response = staff.post(url, data={**same, "choices": more}, headers=EN)
    assert response.status_code == 302  # adding an option, or changing an English text, is fine
    assert _questions(event)[0][2][-1] == {"nl": "Anders", "en": "Other"}
    assert _audit() == ["event_question.updated"]


def test_a_question_without_answers_may_change_kind(staff, asked):
    event, questions = asked
    url = f"/admin/events/{event.id}/questions/{questions['parking'].id}/edit"
    data = {"key": "parking", "kind": "text", "label_nl": "Parkeren", "label_en": "Parking"}
    assert staff.post(url, data=data, headers=EN).status_code == 302
    assert _questions(event)[2] == ("parking", "text", [])


def test_staff_move_questions_up_and_down(staff, asked):
    event, questions = asked
    base = f"/admin/events/{event.id}/questions"
    response = staff.post(
        f"{base}/{questions['parking'].id}/move", data={"direction": "up"}, headers=EN
    )
    assert response.status_code == 302
    assert [q[0] for q in _questions(event)] == ["diet", "parking", "other"]
    staff.post(f"{base}/{questions['diet'].id}/move", data={"direction": "down"}, headers=EN)
    assert [q[0] for q in _questions(event)] == ["parking", "diet", "other"]
    staff.post(f"{base}/{questions['parking'].id}/move", data={"direction": "up"}, headers=EN)
    assert [q[0] for q in _questions(event)] == ["parking", "diet", "other"]  # already first
    assert _audit() == ["event_question.moved"] * 3


def test_deleting_a_question_asks_first_and_says_how_many_answers_go(staff, asked):
    event, questions = asked
    for value in ("Geen", "Veganistisch"):
        answer(make_registration(event), questions["diet"], value)
    answer(make_registration(event), questions["other"], "Glutenvrij")
    db.session.commit()
    url = f"/admin/events/{event.id}/questions/{questions['diet'].id}/delete"

    asking = staff.post(url, headers=EN)
    assert asking.status_code == 200
    text = asking.get_data(as_text=True)
    assert "Delete question Dietary needs for the drinks?" in text
    assert "2 registrants answered it: their answers are deleted too." in text
    assert [q[0] for q in _questions(event)] == ["diet", "other", "parking"]
    assert db.session.scalar(sa.select(sa.func.count(RegistrationAnswer.id))) == 3

    done = staff.post(url, data={"confirmed": "1"}, headers=EN)
    assert done.status_code == 302
    assert [q[0] for q in _questions(event)] == ["other", "parking"]
    assert _answers() == {"other": "Glutenvrij"}
    entry = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()[-1]
    assert entry.action == "event_question.deleted" and entry.data["answers"] == 2


def test_another_events_question_is_not_found(staff, asked):
    event, questions = asked
    other = make_event("other-talk")
    db.session.commit()
    base = f"/admin/events/{other.id}/questions/{questions['diet'].id}"
    assert staff.get(f"{base}/edit", headers=EN).status_code == 404
    assert staff.post(f"{base}/delete", data={"confirmed": "1"}, headers=EN).status_code == 404
    assert len(_questions(event)) == 3


def test_the_question_pages_are_for_staff_only(make_user, login, asked):
    event = asked[0]
    member = login(make_user("member@example.org"))
    assert member.get(f"/admin/events/{event.id}/questions", headers=EN).status_code == 403
    data = {"key": "x", "kind": "text", "label_nl": "X", "label_en": "X"}
    response = member.post(f"/admin/events/{event.id}/questions/new", data=data, headers=EN)
    assert response.status_code == 403
    assert len(_questions(event)) == 3


# --- the registration form --------------------------------------------------------------------


def test_the_form_asks_the_questions_in_the_pages_language(client, asked):
    event = asked[0]
    english = client.get(f"/events/{event.slug}/register", headers=EN).get_data(as_text=True)
    assert "<legend>Additional questions</legend>" in english
    assert "Dietary needs for the drinks" in english and "Vegetarian" in english
    fieldset = english.split("<legend>Additional questions</legend>")[1].split("</fieldset>")[0]
    assert fieldset.count("(required)") == 1  # the diet question only
    assert 'aria-required="true"' in fieldset and 'name="q_diet"' in fieldset
    dutch = client.get(f"/events/{event.slug}/register", headers=NL).get_data(as_text=True)
    assert "Dieetwensen voor de borrel" in dutch and "Vegetarisch" in dutch
    assert "Aanvullende vragen" in dutch and "(verplicht)" in dutch


def test_an_event_without_questions_has_no_question_fieldset(client):
    event = make_event()
    db.session.commit()
    page = client.get(f"/events/{event.slug}/register", headers=EN).get_data(as_text=True)
    assert "Additional questions" not in page


def test_registering_stores_the_answers_with_the_registration(client, asked, outbox):
    event = asked[0]
    data = _registration_form(diet="Veganistisch", other="  Geen noten  ", parking="no")
    response = client.post(f"/events/{event.slug}/register", data=data, headers=EN)
    assert response.status_code == 302
    assert _answers() == {"diet": "Veganistisch", "other": "Geen noten", "parking": "no"}
    (registration,) = db.session.scalars(sa.select(Registration)).all()
    assert {a.registration_id for a in db.session.scalars(sa.select(RegistrationAnswer))} == {
        registration.id
    }
    # the registrant's page (token link) shows them, in their language
    page = client.get(f"/events/r/{registration.token}", headers=EN).get_data(as_text=True)
    assert "Your answers" in page
    assert "Dietary needs for the drinks</dt><dd>Vegan</dd>" in page
    assert "Other, namely</dt><dd>Geen noten</dd>" in page
    assert "Are you coming by car?</dt><dd>no</dd>" in page


def test_an_optional_question_left_open_stores_no_answer(client, asked):
    event = asked[0]
    data = _registration_form(diet="Geen", other="", parking="")
    assert client.post(f"/events/{event.slug}/register", data=data, headers=EN).status_code == 302
    assert _answers() == {"diet": "Geen"}


def test_a_logged_in_member_is_verified_at_once_with_the_answers(make_user, login, asked):
    make_member_org("DDMA", "ddma.nl")
    event = asked[0]
    user_client = login(make_user("isa@ddma.nl", name="Isa"))
    data = _registration_form(diet="Vegetarisch", parking="yes")
    response = user_client.post(f"/events/{event.slug}/register", data=data, headers=EN)
    assert response.status_code == 302
    (registration,) = db.session.scalars(sa.select(Registration)).all()
    assert registration.state == "confirmed"
    assert _answers() == {"diet": "Vegetarisch", "parking": "yes"}


@pytest.mark.parametrize(
    ("answers", "field", "message"),
    [
        ({}, "q_diet", "Answer this question."),
        ({"diet": "Pizza"}, "q_diet", "Choose one of the options."),
        ({"diet": "Vegetarian"}, "q_diet", "Choose one of the options."),  # English: no value
        ({"diet": "Geen", "parking": "maybe"}, "q_parking", "Choose yes or no."),
        ({"diet": "Geen", "other": "x" * 1001}, "q_other", "At most 1000 characters."),
        ({"diet": "Geen", "other": "nut\x00s"}, "q_other", "invisible control characters"),
        ({"diet": "Ge\x00en"}, "q_diet", "invisible control characters"),
    ],
)
def test_bad_answers_are_field_errors_and_nothing_is_stored(client, asked, answers, field, message):
    event = asked[0]
    data = _registration_form(**answers)
    response = client.post(f"/events/{event.slug}/register", data=data, headers=EN)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    # the message sits in the question's own field
    (block,) = [b for b in page.split('<div class="field') if f'name="{field}"' in b]
    assert message in block
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Registration.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(RegistrationAnswer.id))) == 0


def test_the_service_refuses_bad_answers_before_writing_anything(app, asked):
    """`start_registration` checks the answers itself (a caller that skips the form)."""
    event = asked[0]
    applicant = Applicant(
        name="Isa", email="isa@example.org", organisation="", job_title="", locale="en",
        privacy_consent=True, newsletter_opt_in=False, billing=Billing(),
    )  # fmt: skip
    with app.test_request_context(), pytest.raises(InvalidInput) as refused:
        start_registration(event, applicant, now=event.created_at, answers={"q_diet": "Pizza"})
    assert set(refused.value.errors) == {"q_diet"}
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Registration.id))) == 0


# --- the attendee list and its exports --------------------------------------------------------


def _answered(event, questions, n: int) -> None:
    for i in range(n):
        registration = make_registration(event, name=f"Attendee {i:02d}")
        answer(registration, questions["diet"], "Veganistisch" if i % 2 else "Geen")
        answer(registration, questions["parking"], "yes")
    db.session.commit()


def test_the_attendee_list_shows_a_column_per_question(staff, asked):
    event, questions = asked
    _answered(event, questions, 2)
    make_registration(event, name="Zoë Open")  # answered nothing
    db.session.commit()
    page = staff.get(f"/admin/events/{event.id}/attendees", headers=EN).get_data(as_text=True)
    assert "<th>Dietary needs for the drinks</th><th>Other, namely</th>" in page
    assert "<td>Vegan</td><td></td><td>yes</td>" in page
    assert "<td>None</td><td></td><td>yes</td>" in page
    assert "<td></td><td></td><td></td>" in page  # Zoë


def test_the_attendee_list_loads_in_a_fixed_number_of_queries(staff, asked):
    event, questions = asked
    _answered(event, questions, 2)

    def queries() -> int:
        statements: list[str] = []

        def count(_conn, _cursor, statement, *_args):
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert staff.get(f"/admin/events/{event.id}/attendees").status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    before = queries()
    _answered(event, questions, 6)
    assert queries() == before


def test_the_csv_and_excel_exports_have_a_column_per_question(staff, asked):
    event, questions = asked
    _answered(event, questions, 2)
    registration = make_registration(event, name="Zoë Open")
    answer(registration, questions["other"], "=cmd|' /C calc'!A0")  # guarded against formulas
    db.session.commit()
    response = staff.get(f"/admin/events/{event.id}/attendees.csv", headers=EN)
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert list(rows[0])[-3:] == ["q_diet", "q_other", "q_parking"]
    by_name = {row["name"]: row for row in rows}
    assert by_name["Attendee 00"]["q_diet"] == "Geen"
    assert by_name["Attendee 01"]["q_diet"] == "Veganistisch"
    assert by_name["Attendee 01"]["q_parking"] == "yes"
    assert by_name["Zoë Open"]["q_other"] == "'=cmd|' /C calc'!A0"
    assert by_name["Zoë Open"]["q_parking"] == ""

    response = staff.get(f"/admin/events/{event.id}/attendees.xlsx", headers=EN)
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.iter_rows(values_only=True))
    header = list(values[0])
    assert header[-3:] == ["q_diet", "q_other", "q_parking"]
    first = dict(zip(header, values[1], strict=True))
    assert first["name"] == "Attendee 00" and first["q_diet"] == "Geen"
    assert first["q_parking"] is True  # a boolean cell


def test_the_command_lines_csv_has_the_question_columns(app, asked):
    event, questions = asked
    _answered(event, questions, 1)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["events", "attendees", event.slug, "--format", "csv"])
    assert result.exit_code == 0, result.output
    (row,) = csv.DictReader(io.StringIO(result.output))
    assert (row["q_diet"], row["q_other"], row["q_parking"]) == ("Geen", "", "yes")


def test_an_address_already_registered_gets_the_same_answer_and_keeps_its_answers(
    app, asked, clock
):
    """No enumeration (tests/web/test_enumeration.py): with questions too, a known address
    is answered as an unknown one, for good answers and for bad ones; the first answers stay."""
    event = asked[0]
    url = f"/events/{event.slug}/register"
    first = app.test_client().post(url, data=_registration_form(diet="Geen"), headers=EN)
    assert first.status_code == 302
    clock.advance(minutes=2)
    for answers, status in (({"diet": "Pizza"}, 400), ({"diet": "Veganistisch"}, 302)):
        known = app.test_client().post(
            url, data=_registration_form("isa@ddma.nl", **answers), headers=EN
        )
        unknown = app.test_client().post(
            url, data=_registration_form("new@ddma.nl", **answers), headers=EN
        )
        assert known.status_code == unknown.status_code == status
        assert known.headers.get("Location") == unknown.headers.get("Location")
        if status == 400:
            assert known.data.replace(b"isa@ddma.nl", b"X") == unknown.data.replace(
                b"new@ddma.nl", b"X"
            )
    db.session.rollback()
    rows = db.session.execute(
        sa.select(Registration.email, RegistrationAnswer.value)
        .join(Registration, Registration.id == RegistrationAnswer.registration_id)
        .order_by(Registration.email)
    ).all()
    assert rows == [("isa@ddma.nl", "Geen"), ("new@ddma.nl", "Veganistisch")]
