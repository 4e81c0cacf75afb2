"""An entry's PDF reaches the owner, admins and jurors only as a download that no browser
sniffs, renders with scripts, or keeps; and a PDF with active content never gets stored."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from awards import storage
from awards.models import Entry
from core.extensions import db
from tests import hostile_pdfs as hostile
from tests.factories import pdf_bytes
from tests.hostile_pdfs import MIB, build, with_streams, zeros_deflated

SANDBOX = "sandbox; default-src 'none'"


@pytest.fixture
def stored_entry(app, make_programme, make_entry, make_juror):
    """An eligible entry of `cda-2025` with a stored PDF, and an accepted juror."""

    def _stored_entry(attachment_name: str | None):
        programme = make_programme("cda-2025")
        entry = make_entry(programme, status="eligible", ref="CDA-0007")
        stored = storage.save_pdf(io.BytesIO(pdf_bytes()), "case.pdf")
        entry.attachment_key, entry.attachment_name, entry.attachment_size = (
            stored.key,
            attachment_name,
            stored.size,
        )
        return programme, entry, make_juror(programme)

    return _stored_entry


def download(client, login, user, path):
    login(user)
    response = client.get(path)
    response.get_data()
    response.close()
    return response


def both_downloads(client, login, programme, entry, juror):
    yield download(
        client, login, entry.owner, f"/awards/{programme.slug}/entries/{entry.id}/attachment"
    )
    yield download(
        client, login, juror.user, f"/jury/{programme.slug}/entries/{entry.id}/attachment"
    )


@pytest.mark.parametrize(
    ("attachment_name", "download_name"),
    [
        ("Ons_plan.pdf", "filename=Ons_plan.pdf"),
        (None, "filename=CDA-0007.pdf"),
        # a name stored before names were cleaned, or by hand: cleaned again on the way out
        (
            'plan"; filename=evil.html\r\nSet-Cookie: x=1',
            "filename=plan_filenameevil.html_Set-Cookie_x1.pdf",
        ),
        ("../../../etc/passwd", "filename=etc_passwd.pdf"),
    ],
    ids=["clean", "no-name", "header-injection", "path"],
)
def test_the_owner_and_jurors_get_a_sandboxed_download_under_a_safe_name(
    client, login, stored_entry, attachment_name, download_name
):
    programme, entry, juror = stored_entry(attachment_name)
    for response in both_downloads(client, login, programme, entry, juror):
        assert response.status_code == 200
        assert response.data.startswith(b"%PDF-")
        assert response.mimetype == "application/pdf"
        disposition = response.headers["Content-Disposition"]
        assert disposition == f"attachment; {download_name}"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Security-Policy"] == SANDBOX
        assert "no-store" in response.headers["Cache-Control"]


def test_pages_keep_their_own_policy(client, login, stored_entry):
    programme, entry, _juror = stored_entry("case.pdf")
    page = download(client, login, entry.owner, f"/awards/{programme.slug}/entries/{entry.id}")
    assert page.status_code == 200
    assert "sandbox" not in page.headers["Content-Security-Policy"]


# --- uploads with active content or that inflate too far -----------------------------------


def upload(client, programme, content: bytes):
    pdf = FileStorage(io.BytesIO(content), filename="case.pdf", content_type="application/pdf")
    fields = {
        "category": str(programme.categories[0].id),
        "organisation": "Univé",
        "title": "Klantprofielen",
        "summary": "Een datastrategie.",
        "case_text": "De case.",
        "attachment": pdf,
    }
    boundary, body = encode_multipart(fields)
    return client.post(
        f"/awards/{programme.slug}/entries/new",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def nothing_stored(app) -> bool:
    db.session.expire_all()
    directory = Path(app.config["UPLOAD_DIR"])
    files = list(directory.iterdir()) if directory.exists() else []
    return files == [] and db.session.scalar(sa.select(sa.func.count(Entry.id))) == 0


@pytest.fixture
def entrant(make_programme, make_user, login):
    programme = make_programme("cda-2025")
    login(make_user("anna@unive.nl", locale="en"))
    return programme


@pytest.mark.parametrize(
    ("decorate", "message"),
    [
        (hostile.document_javascript, b"This PDF contains JavaScript"),
        (hostile.launch_on_open, b"starts a program or opens another file"),
        (hostile.attached_file, b"This PDF contains embedded files"),
    ],
    ids=["javascript", "launch", "embedded-file"],
)
def test_an_upload_with_active_content_is_refused_saying_why(
    client, app, entrant, decorate, message
):
    response = upload(client, entrant, build(decorate))
    assert response.status_code == 400
    assert message in response.data
    assert nothing_stored(app)


def test_an_upload_that_inflates_past_the_configured_limit_is_refused(client, app, entrant):
    app.config["MAX_PDF_INFLATED_BYTES"] = 2 * MIB
    response = upload(client, entrant, build(with_streams(zeros_deflated(3))))
    assert response.status_code == 400
    assert b"unpacks to more than 2 MB" in response.data
    assert nothing_stored(app)

    app.config["MAX_PDF_INFLATED_BYTES"] = 4 * MIB
    assert upload(client, entrant, build(with_streams(zeros_deflated(3)))).status_code == 302


def test_the_refusal_is_in_dutch_for_a_dutch_entrant(client, app, make_programme, make_user, login):
    programme = make_programme("cda-2025")
    login(make_user("jan@unive.nl", locale="nl"))
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nl"
    response = upload(client, programme, build(hostile.document_javascript))
    assert response.status_code == 400
    assert "Deze pdf bevat JavaScript" in response.get_data(as_text=True)
