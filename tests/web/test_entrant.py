"""The entrant's path through the test client: draft, upload, submit, edit, withdraw, status."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from awards.models import Entry
from awards.services import entries as entry_services
from core.audit.models import AuditEntry
from core.extensions import db
from tests.factories import pdf_bytes

EN = {"Accept-Language": "en"}


def case(programme, **kw) -> dict:
    return {
        "category": programme.categories[0].id,
        "organisation": "Univé",
        "title": "Klantprofielen in een complexe organisatie",
        "summary": "Een datastrategie met meetbare impact.",
        "case_text": "Eerste alinea.\r\n\r\nTweede alinea.",
        **kw,
    }


def upload(client, path, fields: dict, content: bytes, filename: str = "case.pdf"):
    """POST a multipart form with a file, encoded in memory (the test client would spool a
    large body to a temporary file it never closes)."""
    pdf = FileStorage(io.BytesIO(content), filename=filename, content_type="application/pdf")
    boundary, body = encode_multipart({**{k: str(v) for k, v in fields.items()}, "attachment": pdf})
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def all_entries() -> list[Entry]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Entry).order_by(Entry.id)))


def audit_actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def stored_files(app) -> list[str]:
    directory = Path(app.config["UPLOAD_DIR"])
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


@pytest.fixture
def entrant(make_programme, make_user, login, client):
    """(programme `cda-2025`, a verified English-speaking entrant, the logged-in client)."""
    programme = make_programme("cda-2025")
    user = make_user("anna@unive.nl", name="Anna", locale="en")
    login(user)
    return programme, user, client


def url(programme, entry=None, action=""):
    base = f"/awards/{programme.slug}/entries"
    if entry is None:
        return f"{base}/new"
    return f"{base}/{entry.id}{'/' + action if action else ''}"


# --- the happy path ------------------------------------------------------------------------


def test_draft_upload_submit_receipt_and_status(entrant, app, outbox):
    programme, user, client = entrant
    assert client.get(url(programme)).status_code == 200

    response = client.post(
        url(programme),
        data={**case(programme), "attachment": (io.BytesIO(pdf_bytes()), "Ons plan.pdf")},
    )
    [entry] = all_entries()
    assert response.status_code == 302
    assert response.headers["Location"].endswith(url(programme, entry))
    assert (entry.ref, entry.status, entry.owner_id) == ("CDA-0001", "draft", user.id)
    assert entry.case_text == "Eerste alinea.\n\nTweede alinea."
    assert entry.attachment_name == "Ons_plan.pdf"
    assert stored_files(app) == [entry.attachment_key]
    assert b"Draft" in client.get(url(programme, entry)).data

    response = client.post(url(programme, entry, "submit"))
    assert response.status_code == 302
    [entry] = all_entries()
    assert entry.status == "submitted"
    assert entry.submitted_at is not None
    [mail] = outbox(kind="entry_submitted")
    assert mail.to_addr == "anna@unive.nl"
    assert "CDA-0001" in mail.subject
    assert "Klantprofielen" in mail.body_text
    assert f"/awards/cda-2025/entries/{entry.id}" in mail.body_text

    page = client.get(url(programme, entry)).data
    assert b"Submitted" in page
    assert b"score" not in page.lower()
    dashboard = client.get("/awards/mine").data
    assert b"CDA-0001" in dashboard and b"Submitted" in dashboard
    assert audit_actions() == ["entry.created", "entry.submitted"]


def test_status_page_shows_ineligibility_reason(entrant, make_entry):
    programme, user, client = entrant
    entry = make_entry(
        programme, owner=user, status="ineligible", screening_reason="No customer data"
    )
    page = client.get(url(programme, entry)).data
    assert b"Ineligible: No customer data" in page


def test_programme_page_is_public_with_categories_criteria_and_amsterdam_times(
    make_programme, client
):
    programme = make_programme("cda-2025")
    programme.criteria[0].rubric_en = "Measurable effect on customers and organisation."
    db.session.commit()
    page = client.get("/awards/cda-2025", headers=EN).get_data(as_text=True)
    assert "Data Transformation Award" in page and "Data Innovation Award" in page
    assert "Customer focus" in page
    assert "Measurable effect on customers" in page
    assert "2 April 2025, 00:00" in page  # 2025-04-01 22:00 UTC is midnight in Amsterdam
    assert "12 June 2025, 18:00" in page  # 16:00 UTC = 18:00 CEST
    assert client.get("/awards/no-such-programme", headers=EN).status_code == 404


def test_dashboard_offers_open_programmes(entrant, make_programme, clock):
    programme, _user, client = entrant
    make_programme(
        "closed-2024",
        submissions_open_at=clock() - timedelta(days=90),
        submissions_close_at=clock() - timedelta(days=60),
    )
    page = client.get("/awards/mine").get_data(as_text=True)
    assert url(programme) in page
    assert "/awards/closed-2024/entries/new" not in page


# --- timeline ------------------------------------------------------------------------------


def test_submit_after_close_is_refused_and_changes_nothing(entrant, make_entry, clock, outbox):
    programme, user, client = entrant
    entry = make_entry(programme, owner=user, status="draft")
    clock.set(programme.submissions_close_at)
    response = client.post(url(programme, entry, "submit"), follow_redirects=True)
    assert b"Submissions for this programme closed on" in response.data
    [entry] = all_entries()
    assert (entry.status, entry.submitted_at) == ("draft", None)
    assert outbox() == []


def test_edit_after_close_is_refused_and_changes_nothing(entrant, make_entry, clock):
    programme, user, client = entrant
    entry = make_entry(programme, owner=user, status="submitted", title="Original")
    clock.set(programme.submissions_close_at + timedelta(minutes=1))
    response = client.post(url(programme, entry, "edit"), data=case(programme, title="Changed"))
    assert response.status_code == 400
    assert b"Submissions for this programme closed on" in response.data
    assert all_entries()[0].title == "Original"
    response = client.get(url(programme, entry, "edit"))
    assert response.status_code == 302


def test_no_new_entry_before_submissions_open(entrant, clock):
    programme, _user, client = entrant
    clock.set(programme.submissions_open_at - timedelta(hours=1))
    response = client.post(url(programme), data=case(programme))
    assert response.status_code == 400
    assert b"Submissions for this programme open on" in response.data
    assert all_entries() == []
    assert client.get(url(programme)).status_code == 302


def test_edit_while_open_keeps_status_and_replaces_the_pdf(entrant, app):
    programme, _user, client = entrant
    client.post(
        url(programme), data={**case(programme), "attachment": (io.BytesIO(pdf_bytes()), "v1.pdf")}
    )
    [entry] = all_entries()
    client.post(url(programme, entry, "submit"))
    old_key = entry.attachment_key
    form = client.get(url(programme, entry, "edit")).get_data(as_text=True)
    assert 'value="Univé"' in form and "v1.pdf" in form
    response = client.post(
        url(programme, entry, "edit"),
        data={**case(programme, title="Beter"), "attachment": (io.BytesIO(pdf_bytes()), "v2.pdf")},
    )
    assert response.status_code == 302
    [entry] = all_entries()
    assert (entry.title, entry.status, entry.attachment_name) == ("Beter", "submitted", "v2.pdf")
    assert stored_files(app) == [entry.attachment_key] != [old_key]

    client.post(url(programme, entry, "edit"), data={**case(programme), "remove_attachment": "y"})
    [entry] = all_entries()
    assert entry.attachment_key is None and stored_files(app) == []


def test_withdraw_until_scoring_closes(entrant, make_entry, clock):
    programme, user, client = entrant
    entry = make_entry(programme, owner=user, status="eligible")
    late = make_entry(programme, owner=user, status="submitted")
    clock.set(programme.scoring_open_at + timedelta(days=1))
    assert (
        client.post(url(programme, entry, "withdraw"), data={"confirmed": "1"}).status_code == 302
    )
    clock.set(programme.scoring_close_at)
    client.post(url(programme, late, "withdraw"), data={"confirmed": "1"})
    assert [e.status for e in all_entries()] == ["withdrawn", "submitted"]
    assert audit_actions() == ["entry.withdrawn"]
    assert b"Withdrawn" in client.get(url(programme, entry)).data


# --- who may do what -----------------------------------------------------------------------


def test_another_users_entry_is_not_found(entrant, make_entry, make_user, login, app):
    programme, _user, client = entrant
    entry = make_entry(programme, owner=make_user(), status="draft", title="Secret")
    for path in ("", "edit", "attachment"):
        assert client.get(url(programme, entry, path)).status_code == 404, path
    for path in ("edit", "submit", "withdraw"):
        assert client.post(url(programme, entry, path), data=case(programme)).status_code == 404
    [entry] = all_entries()
    assert (entry.title, entry.status) == ("Secret", "draft")


def test_anonymous_visitors_are_sent_to_log_in(make_programme, make_entry, client):
    programme = make_programme("cda-2025")
    entry = make_entry(programme)
    for path in (
        "/awards/mine",
        url(programme),
        url(programme, entry),
        url(programme, entry, "attachment"),
    ):
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/login" in response.headers["Location"]
    assert client.post(url(programme, entry, "submit")).status_code == 302
    assert all_entries()[0].status == "eligible"


def test_an_unverified_user_cannot_create_or_submit(
    make_programme, make_user, make_entry, login, client
):
    programme = make_programme()
    user = make_user(verified=False, locale="en")
    login(user)
    draft = make_entry(programme, owner=user, status="draft")
    for response in (
        client.get(url(programme)),
        client.post(url(programme), data=case(programme)),
        client.post(url(programme, draft, "submit")),
        client.post(url(programme, draft, "edit"), data=case(programme, title="Changed")),
    ):
        assert response.status_code in (302, 403)
        assert "/login" not in response.headers.get("Location", "")  # logged in, not verified
        assert "/entries/" not in response.headers.get("Location", "")
    assert [(e.status, e.title) for e in all_entries()] == [("draft", draft.title)]
    assert b"Confirm your e-mail address" in client.get("/awards/mine").data


def test_category_must_belong_to_the_programme_and_lengths_are_checked(entrant, make_programme):
    programme, _user, client = entrant
    other = make_programme()
    response = client.post(url(programme), data=case(programme, category=other.categories[0].id))
    assert response.status_code == 400
    response = client.post(url(programme), data=case(programme, summary="x" * 1001))
    assert response.status_code == 400
    assert b"1000" in response.data
    assert all_entries() == []


def test_a_ref_taken_by_a_concurrent_request_is_retried(entrant, make_entry, monkeypatch):
    programme, _user, client = entrant
    make_entry(programme, ref="CDA-0001")
    answers = iter(["CDA-0001", "CDA-0002"])
    monkeypatch.setattr(entry_services, "next_ref", lambda p: next(answers))
    assert client.post(url(programme), data=case(programme)).status_code == 302
    assert [e.ref for e in all_entries()] == ["CDA-0001", "CDA-0002"]


# --- the PDF attachment --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.7\n" + b"junk " * 100, b"damaged or cannot be read"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, b"this file is not a PDF"),
        (pdf_bytes(password="geheim"), b"password-protected"),
        (b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024), b"larger than 10 MB"),
    ],
    ids=["fake-pdf", "renamed-png", "encrypted", "oversized"],
)
def test_an_unusable_upload_is_refused_and_nothing_is_stored(entrant, app, content, message):
    programme, _user, client = entrant
    response = upload(client, url(programme), case(programme), content)
    assert response.status_code == 400
    assert message in response.data
    assert all_entries() == []
    assert stored_files(app) == []


def test_a_refused_replacement_keeps_the_old_pdf(entrant, app):
    programme, _user, client = entrant
    client.post(
        url(programme), data={**case(programme), "attachment": (io.BytesIO(pdf_bytes()), "v1.pdf")}
    )
    [entry] = all_entries()
    response = client.post(
        url(programme, entry, "edit"),
        data={**case(programme, title="New"), "attachment": (io.BytesIO(b"not a pdf"), "v2.pdf")},
    )
    assert response.status_code == 400
    [after] = all_entries()
    assert (after.title, after.attachment_name) == (entry.title, "v1.pdf")
    assert stored_files(app) == [entry.attachment_key]


def test_a_request_over_the_upload_cap_gets_the_413_page(entrant):
    programme, _user, client = entrant
    huge = b"%PDF-1.4\n" + b"0" * (12 * 1024 * 1024 + 1)
    response = upload(client, url(programme), case(programme), huge)
    assert response.status_code == 413
    assert all_entries() == []


@pytest.fixture
def with_pdf(app, make_programme, make_entry):
    """An eligible entry of `cda-2025` with a stored PDF."""
    from awards import storage

    programme = make_programme("cda-2025")
    entry = make_entry(programme, status="eligible")
    stored = storage.save_pdf(io.BytesIO(pdf_bytes()), "Case Univé.pdf")
    entry.attachment_key, entry.attachment_name, entry.attachment_size = (
        stored.key,
        stored.name,
        stored.size,
    )
    db.session.commit()
    return programme, entry


def fetch(client, login, user, programme, entry):
    login(user, client)
    response = client.get(url(programme, entry, "attachment"))
    response.get_data()
    response.close()
    return response


def test_the_owner_and_admins_download_the_pdf(with_pdf, client, login, make_user):
    programme, entry = with_pdf
    for user in (entry.owner, make_user(admin=True)):
        response = fetch(client, login, user, programme, entry)
        assert response.status_code == 200
        assert response.mimetype == "application/pdf"
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert "Case_Unive.pdf" in response.headers["Content-Disposition"]
        assert response.data.startswith(b"%PDF-")


def test_jurors_download_only_when_accepted_not_barred_and_eligible(
    with_pdf, client, login, make_juror, make_programme, make_entry, clock
):
    from awards.models import Conflict

    programme, entry = with_pdf
    accepted = make_juror(programme)
    assert fetch(client, login, accepted.user, programme, entry).status_code == 200

    not_accepted = make_juror(programme, accepted=False)
    assert fetch(client, login, not_accepted.user, programme, entry).status_code == 403

    barred = make_juror(programme)
    db.session.add(
        Conflict(
            jury_member=barred, entry=entry, source="declared", status="upheld", created_at=clock()
        )
    )
    db.session.commit()
    assert fetch(client, login, barred.user, programme, entry).status_code == 404

    other_jury = make_juror(make_programme())
    assert fetch(client, login, other_jury.user, programme, entry).status_code == 404

    for status in ("submitted", "ineligible", "withdrawn"):
        entry.status = status
        db.session.commit()
        assert fetch(client, login, accepted.user, programme, entry).status_code == 404, status


def test_other_users_cannot_download(with_pdf, client, login, make_user):
    programme, entry = with_pdf
    assert fetch(client, login, make_user(), programme, entry).status_code == 404


def test_forms_carry_a_csrf_token_and_a_post_without_it_is_refused(entrant, app):
    import re

    programme, _user, client = entrant
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get(url(programme)).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post(url(programme), data=case(programme)).status_code == 400
    assert all_entries() == []
    response = client.post(url(programme), data={**case(programme), "csrf_token": token})
    assert response.status_code == 302
    [entry] = all_entries()
    show = client.get(url(programme, entry)).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', show).group(1)
    assert client.post(url(programme, entry, "submit")).status_code == 400
    client.post(url(programme, entry, "submit"), data={"csrf_token": token})
    assert all_entries()[0].status == "submitted"


def test_home_page_links_to_the_programme_page(make_programme, client):
    make_programme("cda-2025")
    page = client.get("/", headers=EN).get_data(as_text=True)
    assert 'href="/awards/cda-2025"' in page


def test_the_language_switch_of_a_confirmation_step_leads_back_to_the_form_page(
    entrant, make_entry
):
    """The withdrawal's confirmation page answers a POST; its language link must not point at
    the POST-only URL (a GET there is a 405), but at the page the button was on."""
    programme, user, client = entrant
    entry = make_entry(programme, owner=user, status="submitted")
    page = url(programme, entry)
    asked = client.post(
        url(programme, entry, "withdraw"), headers={"Referer": f"http://localhost{page}?x=1"}
    ).get_data(as_text=True)
    assert re.search(rf'href="{page}\?x=1&amp;lang=(nl|en)"', asked)
    assert client.get(f"{page}?lang=nl").status_code == 200
    # without a same-site Referer: home
    asked = client.post(
        url(programme, entry, "withdraw"), headers={"Referer": "http://evil.example/x"}
    ).get_data(as_text=True)
    assert re.search(r'href="/\?lang=(nl|en)"', asked)
    assert "/withdraw?lang=" not in asked
