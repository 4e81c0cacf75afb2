"""Member organisations in the events admin: CRUD, domain rules and the all-or-nothing CSV import."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from core.audit.models import AuditEntry
from core.extensions import db
from events.models import MemberDomain, MemberOrganisation
from tests.factories import NOW, make_event, make_registration


@pytest.fixture
def admin_client(make_user, login):
    client = login(make_user(admin=True))
    with client.session_transaction() as session:
        session["lang"] = "en"
    return client


def _org(name, *domains):
    org = MemberOrganisation(name=name, created_at=NOW)
    org.domains = [MemberDomain(domain=d) for d in domains]
    db.session.add(org)
    db.session.commit()
    return org


def _state():
    db.session.expire_all()
    orgs = db.session.scalars(sa.select(MemberOrganisation).order_by(MemberOrganisation.name))
    return {o.name: sorted(d.domain for d in o.domains) for o in orgs}


def _upload(client, text: str | bytes):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post(
        "/admin/events/members/import",
        data={"file": (io.BytesIO(data), "members.csv")},
        content_type="multipart/form-data",
    )


def test_create_list_edit_delete(admin_client):
    response = admin_client.post(
        "/admin/events/members/new", data={"name": "KPN", "domains": "KPN.com\n@kpn.nl\nkpn.com"}
    )
    assert response.status_code == 302
    assert _state() == {"KPN": ["kpn.com", "kpn.nl"]}
    org = db.session.scalar(sa.select(MemberOrganisation))
    listing = admin_client.get("/admin/events/members/").get_data(as_text=True)
    assert "KPN" in listing and "kpn.nl" in listing
    edit = admin_client.get(f"/admin/events/members/{org.id}/edit").get_data(as_text=True)
    assert "kpn.com\nkpn.nl</textarea>" in edit
    response = admin_client.post(
        f"/admin/events/members/{org.id}/edit", data={"name": "KPN B.V.", "domains": "kpn.com"}
    )
    assert response.status_code == 302
    assert _state() == {"KPN B.V.": ["kpn.com"]}
    assert (
        admin_client.post(
            f"/admin/events/members/{org.id}/delete", data={"confirmed": "1"}
        ).status_code
        == 302
    )
    assert _state() == {}
    assert db.session.scalar(sa.select(sa.func.count(MemberDomain.id))) == 0
    actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == [
        "member_organisation.created",
        "member_organisation.updated",
        "member_organisation.deleted",
    ]


def test_deleting_keeps_registrations_and_clears_their_link(admin_client):
    org = _org("DDMA", "ddma.nl")
    registration = make_registration(make_event(), audience="member", member_organisation_id=org.id)
    assert (
        admin_client.post(
            f"/admin/events/members/{org.id}/delete", data={"confirmed": "1"}
        ).status_code
        == 302
    )
    db.session.expire_all()
    registration = db.session.get(type(registration), registration.id)
    assert (registration.audience, registration.member_organisation_id) == ("member", None)


def test_domain_of_another_organisation_is_refused_by_name(admin_client):
    _org("DDMA", "ddma.nl")
    response = admin_client.post(
        "/admin/events/members/new", data={"name": "Other", "domains": "other.nl\nDDMA.nl"}
    )
    assert response.status_code == 400
    assert "ddma.nl already belongs to DDMA" in response.get_data(as_text=True)
    assert _state() == {"DDMA": ["ddma.nl"]}


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"name": "X", "domains": "not a domain"}, "is not a valid domain name"),
        ({"name": "X", "domains": ""}, "Give at least one e-mail domain"),
        ({"name": "", "domains": "x.nl"}, "Enter the organisation"),
        ({"name": "ddma", "domains": "x.nl"}, "already exists"),
    ],
)
def test_bad_organisation_input_changes_nothing(admin_client, form, message):
    _org("DDMA", "ddma.nl")
    response = admin_client.post("/admin/events/members/new", data=form)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _state() == {"DDMA": ["ddma.nl"]}


def test_edit_keeps_own_domains_and_unknown_ids_are_404(admin_client):
    org = _org("ANWB", "anwb.nl")
    response = admin_client.post(
        f"/admin/events/members/{org.id}/edit", data={"name": "ANWB", "domains": "anwb.nl anwb.com"}
    )
    assert response.status_code == 302
    assert _state() == {"ANWB": ["anwb.com", "anwb.nl"]}
    assert admin_client.get("/admin/events/members/999/edit").status_code == 404
    assert (
        admin_client.post("/admin/events/members/999/delete", data={"confirmed": "1"}).status_code
        == 404
    )


def test_csv_import_upserts_by_name(admin_client):
    _org("KPN", "kpn.com")
    _org("ANWB", "anwb.nl")
    text = "name,domains\nKPN,kpn.com;kpn.nl\nRabobank,rabobank.nl rabobank.com\n\n"
    response = _upload(admin_client, "\ufeff" + text)
    assert response.status_code == 302
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Imported: 1 created, 1 updated." in page
    assert _state() == {
        "ANWB": ["anwb.nl"],
        "KPN": ["kpn.com", "kpn.nl"],
        "Rabobank": ["rabobank.com", "rabobank.nl"],
    }


def test_csv_import_can_move_a_domain_between_organisations_of_the_file(admin_client):
    _org("Old", "shared.nl", "old.nl")
    response = _upload(admin_client, "name,domains\nOld,old.nl\nNew,shared.nl\n")
    assert response.status_code == 302
    assert _state() == {"New": ["shared.nl"], "Old": ["old.nl"]}


def test_csv_import_reports_every_bad_line_and_imports_nothing(admin_client):
    _org("DDMA", "ddma.nl")
    text = (
        "name,domains\n"
        "Good,good.nl\n"
        "Bad domain,not_a_domain\n"
        "Thief,ddma.nl\n"
        ",nameless.nl\n"
        "Too,many,columns\n"
        "good,other.nl\n"
    )
    response = _upload(admin_client, text)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Nothing was imported" in html
    assert "Line 3: “not_a_domain” is not a valid domain name." in html
    assert "Line 4: ddma.nl already belongs to DDMA." in html
    assert "Line 5: Enter the organisation" in html
    assert "Line 6: expected 2 columns, found 3." in html
    assert "Line 7: “good” is listed twice." in html
    assert html.index("Line 3") < html.index("Line 6") < html.index("Line 7")
    assert _state() == {"DDMA": ["ddma.nl"]}
    assert db.session.scalars(sa.select(AuditEntry)).all() == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("naam;domeinen\nDDMA;ddma.nl\n", "the header must be"),
        ("name,domains\n", "lists no organisations"),
        ("name,domains\nCafé,caf\xe9.nl\n".encode("latin-1"), "not UTF-8"),
    ],
)
def test_csv_import_refuses_bad_files(admin_client, content, message):
    response = _upload(admin_client, content)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _state() == {}


def test_csv_import_without_file_is_refused(admin_client):
    response = admin_client.post("/admin/events/members/import", data={})
    assert response.status_code == 400
    assert "Choose a CSV file" in response.get_data(as_text=True)
