"""A programme's own entry-form questions: staff add, edit, reorder and delete them; entrants
answer them (each kind, each refusal) with their draft and cannot submit while a required one
is open; jurors read the answers (a conflicted juror does not); the entries export has a
column per question."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from awards.models import Conflict, Entry, EntryAnswer, EntryQuestion
from core.audit.models import AuditEntry
from core.extensions import db
from tests.factories import pdf_bytes

EN = {"Accept-Language": "en"}


def make_question(programme, key, kind, *, required=False, position=0, **kw) -> EntryQuestion:
    question = EntryQuestion(
        programme_id=programme.id,
        key=key,
        kind=kind,
        label_nl=kw.pop("label_nl", f"Vraag {key}"),
        label_en=kw.pop("label_en", f"Question {key}"),
        required=required,
        position=position,
        created_at=programme.created_at,
        **kw,
    )
    db.session.add(question)
    db.session.flush()
    return question


@pytest.fixture
def asked(make_programme):
    """Programme `cda-2025` with one question of each kind, in this order."""
    programme = make_programme("cda-2025")
    questions = {
        "team": make_question(programme, "team", "short_text", position=1, required=True),
        "story": make_question(programme, "story", "long_text", position=2),
        "sector": make_question(
            programme,
            "sector",
            "choice",
            position=3,
            choices=[{"nl": "Zorg", "en": "Care"}, {"nl": "Retail", "en": "Retail"}],
        ),
        "budget": make_question(
            programme,
            "budget",
            "number",
            position=4,
            min_number=Decimal(0),
            max_number=Decimal(1000),
        ),
        "site": make_question(programme, "site", "url", position=5),
        "plan": make_question(programme, "plan", "file", position=6),
    }
    return programme, questions


def fields(programme, questions, **answers) -> dict:
    data = {
        "category": programme.categories[0].id,
        "organisation": "Univé",
        "title": "Klantprofielen",
        "summary": "Een datastrategie.",
        "case_text": "De case.",
    }
    for key, value in answers.items():
        data[f"q_{questions[key].id}"] = value
    return data


def stored_files(app) -> list[str]:
    directory = Path(app.config["UPLOAD_DIR"])
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def all_answers() -> dict[str, EntryAnswer]:
    db.session.expire_all()
    rows = db.session.scalars(sa.select(EntryAnswer).join(EntryAnswer.question))
    return {row.question.key: row for row in rows}


def only_entry() -> Entry:
    db.session.expire_all()
    [entry] = db.session.scalars(sa.select(Entry))
    return entry


@pytest.fixture
def entrant(asked, make_user, login, client):
    programme, questions = asked
    user = make_user("anna@unive.nl", locale="en")
    login(user)
    return programme, questions, user, client


# --- entrants -------------------------------------------------------------------------------


def test_entrant_answers_every_kind_with_the_draft_and_submits(entrant, app):
    programme, questions, _user, client = entrant
    page = client.get("/awards/cda-2025/entries/new", headers=EN).text
    assert "Question team (required to submit)" in page
    assert page.index("The case") < page.index("Question story")
    assert '<option value="Zorg">Care</option>' in page

    data = fields(
        programme,
        questions,
        team="Team Data",
        story="Regel een.\r\n\r\nRegel twee.",
        sector="Zorg",
        budget="12,50",
        site="https://unive.nl/case",
        plan=(io.BytesIO(pdf_bytes()), "Plan.pdf"),
    )
    response = client.post("/awards/cda-2025/entries/new", data=data, headers=EN)
    assert response.status_code == 302
    entry = only_entry()
    answers = all_answers()
    assert answers["team"].value_text == "Team Data"
    assert answers["story"].value_text == "Regel een.\n\nRegel twee."
    assert answers["sector"].value_text == "Zorg"
    assert answers["budget"].value_number == Decimal("12.50")
    assert answers["site"].value_text == "https://unive.nl/case"
    assert answers["plan"].file_name == "Plan.pdf"
    assert stored_files(app) == [answers["plan"].file_key]

    shown = client.get(f"/awards/cda-2025/entries/{entry.id}", headers=EN).text
    assert "Team Data" in shown and "Care" in shown and "12.5" in shown
    assert 'href="https://unive.nl/case" rel="noopener nofollow"' in shown
    file_url = f"/awards/cda-2025/entries/{entry.id}/answers/{questions['plan'].id}/file"
    assert file_url in shown
    download = client.get(file_url)
    assert download.status_code == 200
    assert download.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert download.data == pdf_bytes()
    download.close()

    edit = client.get(f"/awards/cda-2025/entries/{entry.id}/edit", headers=EN).text
    assert 'value="Team Data"' in edit and 'value="12.5"' in edit

    assert client.post(f"/awards/cda-2025/entries/{entry.id}/submit").status_code == 302
    assert only_entry().status == "submitted"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("budget", "1000,01", "Enter a number from 0 to 1,000."),
        ("budget", "-1", "Enter a number from 0 to 1,000."),
        ("budget", "veel", "Not a valid decimal value."),
        ("site", "javascript:alert(1)", "Enter a web address starting with https:// or http://."),
        ("site", "ftp://unive.nl/x", "Enter a web address starting with https:// or http://."),
        ("sector", "Overheid", "Choose one of the options."),
        ("team", "x" * 201, "At most 200 characters."),
    ],
)
def test_a_bad_answer_is_refused_on_its_field_and_nothing_is_saved(
    entrant, app, key, value, message
):
    programme, questions, _user, client = entrant
    data = fields(programme, questions, **{key: value}, plan=(io.BytesIO(pdf_bytes()), "Plan.pdf"))
    response = client.post("/awards/cda-2025/entries/new", data=data, headers=EN)
    assert response.status_code == 400
    assert message in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Entry)) == 0
    assert all_answers() == {}
    assert stored_files(app) == []  # the PDF answer stored for the request is gone


def test_a_file_answer_that_is_not_a_usable_pdf_is_refused(entrant, app):
    programme, questions, _user, client = entrant
    for content in (b"MZ not a pdf", pdf_bytes(password="geheim")):
        data = fields(programme, questions, plan=(io.BytesIO(content), "plan.pdf"))
        response = client.post("/awards/cda-2025/entries/new", data=data, headers=EN)
        assert response.status_code == 400
        assert "PDF" in response.text
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Entry)) == 0
        assert stored_files(app) == []


def test_a_required_answer_may_wait_in_a_draft_but_submit_refuses_it(entrant, outbox):
    programme, questions, _user, client = entrant
    client.post("/awards/cda-2025/entries/new", data=fields(programme, questions), headers=EN)
    entry = only_entry()
    assert entry.status == "draft"
    assert all_answers() == {}  # nothing answered: no rows, no answer counted

    response = client.post(
        f"/awards/cda-2025/entries/{entry.id}/submit", headers=EN, follow_redirects=True
    )
    assert "Answer the required questions before you submit: Question team." in response.text
    assert only_entry().status == "draft"
    assert outbox(kind="entry_submitted") == []

    client.post(
        f"/awards/cda-2025/entries/{entry.id}/edit",
        data=fields(programme, questions, team="Team Data"),
    )
    client.post(f"/awards/cda-2025/entries/{entry.id}/submit")
    assert only_entry().status == "submitted"

    # a submitted entry that is edited must keep its required answers
    response = client.post(
        f"/awards/cda-2025/entries/{entry.id}/edit",
        data=fields(programme, questions, team=""),
        headers=EN,
    )
    assert response.status_code == 400
    assert "This field is required." in response.text
    assert all_answers()["team"].value_text == "Team Data"


def test_dutch_labels_by_locale_and_questions_of_another_category_are_left_aside(
    asked, make_user, login, client
):
    programme, questions = asked
    other = make_question(
        programme, "innovatie", "short_text", category_ids=[programme.categories[1].id]
    )
    login(make_user("anna@unive.nl", locale="nl"))
    page = client.get("/awards/cda-2025/entries/new", headers={"Accept-Language": "nl"}).text
    assert "Vraag sector" in page and "Zorg" in page
    assert "Alleen voor: Data Innovation Award" in page
    data = fields(programme, questions, team="Team")
    data[f"q_{other.id}"] = "niet gevraagd"
    client.post("/awards/cda-2025/entries/new", data=data)
    assert "innovatie" not in all_answers()
    entry = only_entry()
    edit = client.get(f"/awards/cda-2025/entries/{entry.id}/edit").text
    assert "Vraag innovatie" not in edit and "Vraag team" in edit


def test_replacing_and_removing_a_file_answer(entrant, app):
    programme, questions, _user, client = entrant
    plan = questions["plan"]
    client.post(
        "/awards/cda-2025/entries/new",
        data=fields(programme, questions, plan=(io.BytesIO(pdf_bytes()), "een.pdf")),
    )
    entry = only_entry()
    first = all_answers()["plan"].file_key
    client.post(
        f"/awards/cda-2025/entries/{entry.id}/edit",
        data=fields(programme, questions, plan=(io.BytesIO(pdf_bytes(2)), "twee.pdf")),
    )
    answer = all_answers()["plan"]
    assert answer.file_name == "twee.pdf" and answer.file_key != first
    assert stored_files(app) == [answer.file_key]
    data = fields(programme, questions)
    data[f"q_{plan.id}_remove"] = "y"
    client.post(f"/awards/cda-2025/entries/{entry.id}/edit", data=data)
    assert "plan" not in all_answers()  # an open question keeps no row
    assert stored_files(app) == []


# --- staff ----------------------------------------------------------------------------------


@pytest.fixture
def admin(make_user, login, client):
    login(make_user("admin@ddma.nl", admin=True, locale="en"))
    return client


def question_form(**kw) -> dict:
    return {
        "key": "team",
        "kind": "short_text",
        "label_nl": "Wie zit in het team?",
        "label_en": "Who is on the team?",
        "position": "1",
        **kw,
    }


def test_staff_add_edit_reorder_and_delete_questions(admin, make_programme, make_entry):
    programme = make_programme("cda-2025")
    base = "/admin/programmes/cda-2025/questions"
    assert admin.get(f"/admin/programmes/{programme.slug}").status_code == 200
    assert f'href="{base}"' in admin.get("/admin/programmes/cda-2025").text
    assert admin.get(f"{base}/new").status_code == 200
    assert admin.post(f"{base}/new", data=question_form(required="y")).status_code == 302
    response = admin.post(
        f"{base}/new",
        data=question_form(
            key="sector",
            kind="choice",
            label_nl="Sector",
            label_en="Sector",
            choices="Zorg | Care\r\nRetail",
            category_ids=str(programme.categories[1].id),
            position="2",
        ),
    )
    assert response.status_code == 302
    db.session.expire_all()
    team, sector = db.session.scalars(sa.select(EntryQuestion).order_by(EntryQuestion.position))
    assert (team.key, team.required, team.category_ids) == ("team", True, [])
    assert sector.choices == [{"nl": "Zorg", "en": "Care"}, {"nl": "Retail", "en": "Retail"}]
    assert sector.category_ids == [programme.categories[1].id]
    listing = admin.get(base).text
    assert "Who is on the team?" in listing and "Data Innovation Award" in listing

    edit = admin.get(f"{base}/{sector.id}/edit").text
    assert "Zorg | Care" in edit
    admin.post(f"{base}/{team.id}/edit", data=question_form(label_en="Your team", required=""))
    admin.post(f"{base}/{sector.id}/move", data={"direction": "up"})
    db.session.expire_all()
    assert db.session.get(EntryQuestion, team.id).label_en == "Your team"
    assert db.session.get(EntryQuestion, team.id).required is False
    assert [
        q.key for q in db.session.scalars(sa.select(EntryQuestion).order_by(EntryQuestion.position))
    ] == ["sector", "team"]

    entry = make_entry(programme, category=programme.categories[1], status="draft")
    db.session.add(
        EntryAnswer(
            entry_id=entry.id,
            question_id=sector.id,
            value_text="Zorg",
            updated_at=programme.created_at,
        )
    )
    db.session.flush()
    ask = admin.post(f"{base}/{sector.id}/delete")
    assert ask.status_code == 200
    assert "1 entry answered it: that answer is deleted too." in ask.text
    assert db.session.get(EntryQuestion, sector.id) is not None
    assert admin.post(f"{base}/{sector.id}/delete", data={"confirmed": "1"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(EntryQuestion, sector.id) is None
    assert db.session.scalars(sa.select(EntryAnswer)).all() == []
    actions = list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == [
        "question.created",
        "question.created",
        "question.updated",
        "question.moved",
        "question.deleted",
    ]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"key": "Team Naam"}, "Use lowercase letters, digits and underscores (at most 40)."),
        ({"kind": "choice", "choices": ""}, "Give at least one option, one per line."),
        ({"kind": "choice", "choices": "Zorg\r\nZorg | Care"}, "Each option must differ"),
        (
            {"kind": "number", "min_number": "10", "max_number": "5"},
            "The maximum must not be below the minimum.",
        ),
        ({"kind": "number", "min_number": "1,234"}, "At most 2 decimals."),
        ({"kind": "video"}, "Choose a kind of answer."),
        ({"category_ids": "999999"}, "Choose categories of this programme."),
        ({"label_en": ""}, "This field is required."),
    ],
)
def test_staff_refusals_change_nothing(admin, make_programme, changes, message):
    make_programme("cda-2025")
    response = admin.post("/admin/programmes/cda-2025/questions/new", data=question_form(**changes))
    assert response.status_code == 400
    assert message in response.text
    assert db.session.scalars(sa.select(EntryQuestion)).all() == []


def test_a_taken_key_and_a_kind_change_with_answers_are_refused(
    admin, make_programme, make_entry, make_scorecard, make_juror
):
    programme = make_programme("cda-2025")
    team = make_question(programme, "team", "short_text")
    make_question(programme, "site", "url")
    base = "/admin/programmes/cda-2025/questions"
    response = admin.post(f"{base}/new", data=question_form(key="site"))
    assert "This key is already used in this programme." in response.text
    entry = make_entry(programme)
    db.session.add(
        EntryAnswer(
            entry_id=entry.id,
            question_id=team.id,
            value_text="Team",
            updated_at=programme.created_at,
        )
    )
    db.session.flush()
    response = admin.post(f"{base}/{team.id}/edit", data=question_form(kind="long_text"))
    assert response.status_code == 400
    assert "its kind can no longer change" in response.text
    make_scorecard(make_juror(programme), entry)
    response = admin.post(
        f"{base}/{team.id}/delete", data={"confirmed": "1"}, follow_redirects=True
    )
    assert "it can no longer be deleted" in response.text
    db.session.expire_all()
    assert db.session.get(EntryQuestion, team.id).kind == "short_text"


def test_after_submissions_open_the_pages_say_who_is_asked(admin, make_programme):
    programme = make_programme("cda-2025")  # the clock is in the submission window
    text = "is asked of drafts before they are submitted and of submitted entries"
    assert text in admin.get("/admin/programmes/cda-2025/questions").text
    assert text in admin.get("/admin/programmes/cda-2025/questions/new").text
    assert programme.id


# --- jurors and exports ---------------------------------------------------------------------


@pytest.fixture
def judged(asked, make_entry, make_juror, make_user, app):
    """An eligible entry with answers (a PDF among them), a juror and a conflicted juror."""
    programme, questions = asked
    entry = make_entry(programme, title="Odido case", status="eligible")
    stamp = programme.created_at
    plan_file = Path(app.config["UPLOAD_DIR"])
    plan_file.mkdir(parents=True, exist_ok=True)
    (plan_file / "planKeyForTheJuryTest000000000").write_bytes(pdf_bytes())
    db.session.add_all(
        [
            EntryAnswer(
                entry_id=entry.id,
                question_id=questions["team"].id,
                value_text="Team Data",
                updated_at=stamp,
            ),
            EntryAnswer(
                entry_id=entry.id,
                question_id=questions["sector"].id,
                value_text="Zorg",
                updated_at=stamp,
            ),
            EntryAnswer(
                entry_id=entry.id,
                question_id=questions["budget"].id,
                value_number=Decimal("12.5"),
                updated_at=stamp,
            ),
            EntryAnswer(
                entry_id=entry.id,
                question_id=questions["plan"].id,
                value_text="",
                file_key="planKeyForTheJuryTest000000000",
                file_name="plan.pdf",
                file_size=100,
                updated_at=stamp,
            ),
        ]
    )
    juror = make_juror(programme, make_user("jan@jury.nl", locale="en"))
    barred = make_juror(programme, make_user("piet@odido.nl", locale="en"))
    db.session.add(
        Conflict(
            jury_member_id=barred.id,
            entry_id=entry.id,
            source="declared",
            status="pending",
            reason="Werkt bij Odido",
            created_at=stamp,
        )
    )
    db.session.commit()
    return programme, questions, entry, juror, barred


def test_jurors_see_the_answers_and_download_the_pdf_a_conflicted_juror_does_not(
    judged, app, login
):
    _programme, questions, entry, juror, barred = judged
    page_url = f"/jury/cda-2025/entries/{entry.id}"
    file_url = f"/awards/cda-2025/entries/{entry.id}/answers/{questions['plan'].id}/file"
    c = login(juror.user, app.test_client())
    page = c.get(page_url, headers=EN).text
    assert "Question team" in page and "Team Data" in page
    assert "Care" in page and "12.5" in page
    assert file_url in page
    download = c.get(file_url)
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")
    download.close()
    other = f"/awards/cda-2025/entries/{entry.id}/answers/{questions['team'].id}/file"
    assert c.get(other).status_code == 404  # no file for that answer

    c = login(barred.user, app.test_client())
    assert c.get(page_url).status_code == 404
    assert c.get(file_url).status_code == 404


def test_the_entries_export_has_a_column_per_question(judged, app, make_user, login):
    _judged = judged
    c = login(make_user("admin@ddma.nl", admin=True, locale="en"), app.test_client())
    response = c.get("/admin/programmes/cda-2025/entries.csv", headers=EN)
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    header = rows[0]
    assert header[-6:] == ["q_team", "q_story", "q_sector", "q_budget", "q_site", "q_plan"]
    assert rows[1][-6:] == ["Team Data", "", "Zorg", "12.50", "", "plan.pdf"]
    xlsx = c.get("/admin/programmes/cda-2025/entries.xlsx")
    assert xlsx.status_code == 200


def test_the_admin_screening_page_shows_the_answers(judged, app, make_user, login):
    _programme, _questions, entry, _juror, _barred = judged
    c = login(make_user("admin@ddma.nl", admin=True, locale="en"), app.test_client())
    page = c.get(f"/admin/programmes/cda-2025/entries/{entry.id}", headers=EN).text
    assert "Question team" in page and "Team Data" in page and "plan.pdf" in page


def test_a_question_required_after_submission_is_asked_on_the_next_edit(entrant):
    programme, questions, _user, client = entrant
    client.post("/awards/cda-2025/entries/new", data=fields(programme, questions, team="Team Data"))
    entry = only_entry()
    client.post(f"/awards/cda-2025/entries/{entry.id}/submit")
    late = make_question(programme, "late", "short_text", required=True, position=9)
    db.session.commit()
    assert only_entry().status == "submitted"  # not sent back to draft
    response = client.post(
        f"/awards/cda-2025/entries/{entry.id}/edit",
        data=fields(programme, questions, team="Team Data"),
        headers=EN,
    )
    assert response.status_code == 400
    assert "Question late (required to submit)" in response.text
    data = fields(programme, questions, team="Team Data")
    data[f"q_{late.id}"] = "Laat antwoord"
    assert client.post(f"/awards/cda-2025/entries/{entry.id}/edit", data=data).status_code == 302
    assert all_answers()["late"].value_text == "Laat antwoord"
