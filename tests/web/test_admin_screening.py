"""Screening entries and exporting them, as the admin, through the test client."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from awards.models import Entry
from core.audit.models import AuditEntry
from core.extensions import db


@pytest.fixture
def admin(make_user, login, client):
    login(make_user("admin@ddma.nl", admin=True, locale="en"))
    return client


@pytest.fixture
def programme(make_programme):
    return make_programme("cda-2025")


def screen(client, entry, outcome, reason=""):
    return client.post(
        f"/admin/programmes/cda-2025/entries/{entry.id}/screen",
        data={"outcome": outcome, "reason": reason},
    )


def reload(entry) -> Entry:
    db.session.expire_all()
    return db.session.get(Entry, entry.id)


def audits(action="entry.screened") -> list[AuditEntry]:
    return list(
        db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
    )


def test_entries_list_filters_by_status_and_category(admin, programme, make_entry):
    first, second = programme.categories
    make_entry(programme, ref="CDA-0001", category=first, status="submitted")
    make_entry(programme, ref="CDA-0002", category=second, status="submitted")
    make_entry(programme, ref="CDA-0003", category=first, status="withdrawn")
    page = admin.get("/admin/programmes/cda-2025/entries").get_data(as_text=True)
    assert all(ref in page for ref in ("CDA-0001", "CDA-0002", "CDA-0003"))
    page = admin.get(f"/admin/programmes/cda-2025/entries?status=submitted&category={first.id}")
    text = page.get_data(as_text=True)
    assert "CDA-0001" in text and "CDA-0002" not in text and "CDA-0003" not in text
    bad = admin.get("/admin/programmes/cda-2025/entries?status=nonsense&category=abc")
    assert bad.status_code == 200 and "CDA-0003" in bad.get_data(as_text=True)


def test_screen_eligible_is_audited_without_mail(admin, programme, make_entry, outbox):
    entry = make_entry(programme, status="submitted")
    assert b"Save screening" in admin.get(f"/admin/programmes/cda-2025/entries/{entry.id}").data
    response = screen(admin, entry, "eligible")
    assert response.status_code == 302
    assert reload(entry).status == "eligible"
    [row] = audits()
    assert row.data == {"outcome": "eligible", "reason": "", "previous": "submitted"}
    assert (row.scope_type, row.scope_id) == (
        "Programme",
        programme.id,
    ) and row.object_id == entry.id
    assert outbox() == []


def test_ineligible_needs_a_reason_and_mails_the_entrant(
    admin, programme, make_entry, make_user, outbox
):
    owner = make_user("anna@unive.nl", locale="en")
    entry = make_entry(programme, owner=owner, status="submitted", ref="CDA-0007")
    response = screen(admin, entry, "ineligible", "   ")
    assert response.status_code == 400
    assert b"Give the reason why the entry is ineligible." in response.data
    assert reload(entry).status == "submitted"
    assert audits() == [] and outbox() == []

    assert screen(admin, entry, "ineligible", "Het bedrijf is geen DDMA-lid.").status_code == 302
    entry = reload(entry)
    assert (entry.status, entry.screening_reason) == ("ineligible", "Het bedrijf is geen DDMA-lid.")
    [mail] = outbox(kind="entry_ineligible")
    assert mail.to_addr == "anna@unive.nl"
    assert "CDA-0007" in mail.subject
    assert "Het bedrijf is geen DDMA-lid." in mail.body_text
    [row] = audits()
    assert (
        row.data["outcome"] == "ineligible"
        and row.data["reason"] == "Het bedrijf is geen DDMA-lid."
    )


def test_screened_entries_can_be_screened_again(admin, programme, make_entry):
    entry = make_entry(programme, status="ineligible", screening_reason="Te laat")
    assert screen(admin, entry, "eligible").status_code == 302
    assert reload(entry).status == "eligible"
    assert screen(admin, entry, "ineligible", "Toch te laat").status_code == 302
    assert reload(entry).status == "ineligible"
    assert [a.data["previous"] for a in audits()] == ["ineligible", "eligible"]


@pytest.mark.parametrize("status", ["draft", "withdrawn"])
def test_drafts_and_withdrawn_entries_cannot_be_screened(admin, programme, make_entry, status):
    entry = make_entry(programme, status=status)
    response = screen(admin, entry, "eligible")
    assert response.status_code == 400
    assert b"Only submitted entries can be screened" in response.data
    assert reload(entry).status == status
    assert audits() == []
    page = admin.get(f"/admin/programmes/cda-2025/entries/{entry.id}").data
    assert b"cannot be screened" in page


def test_an_entry_of_another_programme_is_not_found(admin, programme, make_entry):
    other = make_entry(status="submitted")
    assert screen(admin, other, "eligible").status_code == 404
    assert admin.get(f"/admin/programmes/cda-2025/entries/{other.id}").status_code == 404
    assert reload(other).status == "submitted"


def test_csv_export(admin, programme, make_entry, make_user, clock):
    owner = make_user("anna@unive.nl")
    make_entry(
        programme,
        ref="CDA-0001",
        organisation="Univé",
        title="Klantprofielen",
        owner=owner,
        status="ineligible",
        screening_reason="Te laat",
    )
    make_entry(
        programme,
        ref="CDA-0002",
        organisation="=cmd|' /C calc'!A0",
        title="+SUM(1,2)",
        status="draft",
        category=programme.categories[1],
    )
    make_entry(programme, ref="CDA-0003", organisation="@evil", title="-2+3", status="eligible")

    response = admin.get("/admin/programmes/cda-2025/entries.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.mimetype_params["charset"] == "utf-8"
    assert 'filename="cda-2025-entries.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))  # English: ","
    assert rows[0] == [
        "ref",
        "category",
        "organisation",
        "title",
        "status",
        "screening_reason",
        "submitted_at",
        "owner_email",
    ]
    assert clock() == datetime(2025, 3, 1, 9, 0, tzinfo=UTC)  # the factory's submitted_at
    assert rows[1] == [
        "CDA-0001",
        "data-transformation",
        "Univé",
        "Klantprofielen",
        "ineligible",
        "Te laat",
        "2025-03-01T10:00+01:00",  # Europe/Amsterdam, as every export
        "anna@unive.nl",
    ]
    assert rows[2][1:4] == ["data-innovation", "'=cmd|' /C calc'!A0", "'+SUM(1,2)"]
    assert rows[2][6] == ""  # a draft has not been submitted
    assert rows[3][2:4] == ["'@evil", "'-2+3"]
    assert len(audits("entries.exported")) == 1

    filtered = admin.get("/admin/programmes/cda-2025/entries.csv?status=eligible")
    filtered_rows = csv.reader(io.StringIO(filtered.data.decode("utf-8-sig")))
    assert [r[0] for r in filtered_rows] == ["ref", "CDA-0003"]


def test_admin_dashboard_lists_programmes_and_tools(admin, programme):
    page = admin.get("/admin").get_data(as_text=True)
    assert "/admin/programmes/cda-2025" in page
    assert "/admin/programmes/new" in page
    assert "/admin/outbox" in page
    assert "/admin/audit" in page


def test_admin_programme_page_links_the_jury_and_results_pages(admin, programme):
    page = admin.get("/admin/programmes/cda-2025").get_data(as_text=True)
    for path in ("jury", "jury/conflicts", "jury/progress", "results"):
        assert f'href="/admin/awards/cda-2025/{path}"' in page


def test_screening_eligible_runs_conflict_detection(admin, programme, make_entry, make_juror):
    from awards.models import Conflict

    member = make_juror(programme, affiliation="Univé")
    entry = make_entry(programme, organisation="Univé", status="submitted")
    assert screen(admin, entry, "eligible").status_code == 302
    found = db.session.scalars(sa.select(Conflict).where(Conflict.entry_id == entry.id)).all()
    assert [(c.jury_member_id, c.source) for c in found] == [(member.id, "detected")]


def test_the_outcome_radio_buttons_are_a_named_required_radiogroup(admin, programme, make_entry):
    """aria-required is not allowed on a plain list (axe: aria-allowed-attr, critical): the
    list of radio buttons sits in a radiogroup, named by the field's label."""
    entry = make_entry(programme, status="submitted")
    page = admin.get(f"/admin/programmes/{programme.slug}/entries/{entry.id}").get_data(
        as_text=True
    )
    group = re.search(r'<div role="radiogroup"[^>]*>\s*<ul[^>]*id="outcome"', page)
    assert group, page
    assert 'aria-required="true"' in group.group(0)
    assert 'aria-labelledby="outcome-label"' in group.group(0)
    assert not re.search(r"<ul[^>]*aria-required", page)
    assert 'id="outcome-label"' in page
