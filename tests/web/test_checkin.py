"""The door: ticket codes, the staff check-in page (typed codes), its offline list and the
batch of check-ins the page's script sends; one write path for every check-in."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from core.audit.models import AuditEntry
from core.extensions import db
from events.models import Registration, TicketType
from events.services import ticket_codes
from tests.factories import NOW, fresh, make_event, make_registration, register

CODE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


@pytest.fixture
def staff_client(make_user, login):
    client = login(make_user(is_staff=True))
    with client.session_transaction() as session:
        session["lang"] = "en"
    return client


def _confirmed(event, name="Ada Lovelace", **kw) -> Registration:
    registration = make_registration(event, name=name, **kw)
    ticket_codes.assign_code(registration)
    db.session.commit()
    return registration


def _scan(client, event, code):
    return client.post(f"/admin/events/{event.id}/check-in/scan", data={"code": code})


def _checked_in_at(registration):
    return fresh(Registration, registration.id).checked_in_at


def _audits(action="registration.checked_in"):
    db.session.rollback()
    return db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    ).all()


def test_a_confirmed_registration_gets_a_short_unguessable_code_once(app, outbox):
    event = make_event(price_non_member_cents=0)
    with app.test_request_context():
        first = register(event, "ada@example.org")
        second = register(event, "bob@example.org")
    assert first.state == second.state == "confirmed"
    assert CODE.match(first.ticket_code) and CODE.match(second.ticket_code)
    assert first.ticket_code != second.ticket_code
    assert first.ticket_code not in first.token and first.token not in first.ticket_code
    before = first.ticket_code
    assert ticket_codes.assign_code(first) == before  # written once, never replaced


def test_codes_are_read_as_people_type_them():
    assert ticket_codes.normalise(" abcd efgh jkmn ") == "ABCD-EFGH-JKMN"
    assert ticket_codes.normalise("ABCDEFGHJKMN") == "ABCD-EFGH-JKMN"
    assert ticket_codes.normalise("OOOO-IIII-LLLL") == "0000-1111-1111"
    scanned = "https://podium.example/admin/events/3/check-in/scan?code=ABCD-EFGH-JKMN"
    assert ticket_codes.normalise(scanned) == "ABCD-EFGH-JKMN"
    for bad in ("", "ABCD-EFGH-JKM", "ABCD-EFGH-JKMNP", "ABCD-EFGH-JKMU", "x" * 600):
        assert ticket_codes.normalise(bad) is None


def test_typing_a_code_checks_in_once_and_refuses_the_second_time(staff_client, clock):
    event = make_event()
    kind = TicketType(
        event_id=event.id, key="student", name_nl="Student", name_en="Student", created_at=NOW
    )
    db.session.add(kind)
    db.session.flush()
    ada = _confirmed(event, ticket_type_id=kind.id)
    code = ada.ticket_code

    response = _scan(staff_client, event, code.lower().replace("-", " "))
    assert response.status_code == 302
    page = staff_client.get(response.location).get_data(as_text=True)
    assert "Checked in: Ada Lovelace (Student)" in page
    assert "1 of 1 confirmed attendees checked in." in page
    assert _checked_in_at(ada) == NOW
    assert len(_audits()) == 1

    clock.advance(minutes=5)
    again = _scan(staff_client, event, code)
    assert again.status_code == 409
    local = (NOW + timedelta(hours=1)).strftime("%H:%M")  # Amsterdam in March: UTC+1
    assert f"Already checked in at {local}: Ada Lovelace (Student)" in again.get_data(as_text=True)
    assert _checked_in_at(ada) == NOW  # the first check-in stands
    assert len(_audits()) == 1


@pytest.mark.parametrize("state", ["cancelled", "refunded"])
def test_a_cancelled_ticket_is_refused_and_nothing_changes(staff_client, state):
    event = make_event()
    gone = _confirmed(event, name="Carl Cancelled")
    gone.state = state
    db.session.commit()
    response = _scan(staff_client, event, gone.ticket_code)
    assert response.status_code == 409
    assert "This ticket is cancelled: Carl Cancelled" in response.get_data(as_text=True)
    assert _checked_in_at(gone) is None
    assert _audits() == []


def test_another_events_ticket_and_an_unknown_code_are_refused(staff_client):
    event, other = make_event(), make_event("other-talk")
    elsewhere = _confirmed(other, name="Eve Elsewhere")
    response = _scan(staff_client, event, elsewhere.ticket_code)
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "Not a ticket for this event." in text and "Eve Elsewhere" not in text
    unknown = _scan(staff_client, event, "ZZZZ-ZZZZ-ZZZZ")
    assert unknown.status_code == 404
    assert "Unknown code: ZZZZ-ZZZZ-ZZZZ" in unknown.get_data(as_text=True)
    assert _checked_in_at(elsewhere) is None
    assert _audits() == []


def test_a_registration_link_token_is_not_a_ticket(staff_client):
    event = make_event()
    ada = _confirmed(event)
    response = _scan(staff_client, event, ada.token)
    assert response.status_code == 404
    assert _checked_in_at(ada) is None


def test_an_empty_code_is_a_field_error(staff_client):
    event = make_event()
    response = _scan(staff_client, event, "")
    assert response.status_code == 400
    assert "Type the code on the ticket." in response.get_data(as_text=True)


def test_the_qr_address_fills_in_the_code_and_checks_in_nobody(staff_client):
    event = make_event()
    ada = _confirmed(event)
    page = staff_client.get(f"/admin/events/{event.id}/check-in/scan?code={ada.ticket_code}")
    assert page.status_code == 200
    assert f'value="{ada.ticket_code}"' in page.get_data(as_text=True)
    assert _checked_in_at(ada) is None


def test_the_page_loads_its_script_from_static_and_offers_the_camera(staff_client):
    event = make_event()
    page = staff_client.get(f"/admin/events/{event.id}/check-in/scan")
    html = page.get_data(as_text=True)
    assert '<script src="/static/checkin.js" defer></script>' in html
    assert "Scan with camera" in html
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "<script>" not in html  # no inline script: the CSP forbids it
    script = staff_client.get("/static/checkin.js")
    assert script.status_code == 200 and b"BarcodeDetector" in script.data
    script.close()


def test_the_attendee_list_button_and_the_door_share_one_write_path(staff_client):
    event = make_event()
    ada = _confirmed(event)
    staff_client.post(
        f"/admin/events/{event.id}/registrations/{ada.id}/check-in", data={"checked_in": "1"}
    )
    assert _checked_in_at(ada) == NOW
    response = _scan(staff_client, event, ada.ticket_code)
    assert response.status_code == 409  # already checked in by hand
    assert len(_audits()) == 1


# --- the offline list and the batch -------------------------------------------------------


def test_the_offline_list_has_every_ticket_with_names_and_is_never_cached(staff_client):
    event = make_event()
    ada = _confirmed(event, name="Ada")
    old = make_registration(event, name="Bea Before Codes")  # confirmed before codes existed
    gone = _confirmed(event, name="Carl")
    gone.state = "cancelled"
    make_registration(event, "waitlisted", name="Wim Waiting")
    _confirmed(make_event("other-talk"), name="Eve Elsewhere")
    db.session.commit()

    response = staff_client.get(f"/admin/events/{event.id}/check-in/tickets.json")
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    body = response.get_json()
    by_name = {t["name"]: t for t in body["tickets"]}
    assert sorted(by_name) == ["Ada", "Bea Before Codes", "Carl"]
    assert by_name["Ada"]["code"] == ada.ticket_code and by_name["Ada"]["state"] == "confirmed"
    assert by_name["Carl"]["state"] == "cancelled"
    bea = fresh(Registration, old.id)
    assert CODE.match(bea.ticket_code) and by_name["Bea Before Codes"]["code"] == bea.ticket_code


def test_the_batch_applies_each_check_in_once_and_reports_refusals(staff_client, clock):
    event = make_event()
    ada, bob = _confirmed(event, name="Ada"), _confirmed(event, name="Bob")
    gone = _confirmed(event, name="Carl")
    gone.state = "cancelled"
    db.session.commit()
    url = f"/admin/events/{event.id}/check-in/batch"
    codes = [ada.ticket_code, bob.ticket_code.lower(), gone.ticket_code, "NOPE", ada.ticket_code]

    first = staff_client.post(url, json={"codes": codes})
    assert first.status_code == 200
    outcomes = [r["outcome"] for r in first.get_json()["results"]]
    assert outcomes == ["checked_in", "checked_in", "cancelled", "unknown", "already"]
    assert _checked_in_at(ada) == _checked_in_at(bob) == NOW
    assert _checked_in_at(gone) is None
    assert len(_audits()) == 2

    clock.advance(minutes=10)  # the network came back and the script posts the same again
    again = staff_client.post(url, json={"codes": codes})
    results = again.get_json()["results"]
    expected = ["already", "already", "cancelled", "unknown", "already"]
    assert [r["outcome"] for r in results] == expected
    assert results[0]["checked_in_at"] == NOW.isoformat()
    assert results[2]["message"] == "This ticket is cancelled: Carl"
    assert _checked_in_at(ada) == NOW  # first check-in wins
    assert len(_audits()) == 2


@pytest.mark.parametrize(
    "body",
    [None, [], {"codes": "ABCD"}, {"codes": []}, {"codes": [1]}, {"codes": ["A" * 101]}],
    ids=["none", "list", "string", "empty", "number", "long"],
)
def test_a_batch_that_is_not_a_list_of_codes_is_refused(staff_client, body):
    event = make_event()
    ada = _confirmed(event)
    url = f"/admin/events/{event.id}/check-in/batch"
    response = staff_client.post(url, json=body) if body is not None else staff_client.post(url)
    assert response.status_code == 400
    assert "error" in response.get_json()
    assert _checked_in_at(ada) is None


def test_a_batch_holds_at_most_500_codes(staff_client):
    event = make_event()
    ada = _confirmed(event)
    url = f"/admin/events/{event.id}/check-in/batch"
    assert staff_client.post(url, json={"codes": [ada.ticket_code] * 501}).status_code == 400
    assert _checked_in_at(ada) is None
    assert staff_client.post(url, json={"codes": [ada.ticket_code] * 500}).status_code == 200


def test_entrants_reach_none_of_the_door(client, make_user, login):
    event = make_event()
    ada = _confirmed(event)
    login(make_user())
    base = f"/admin/events/{event.id}/check-in"
    assert client.get(f"{base}/scan").status_code == 403
    assert client.get(f"{base}/tickets.json").status_code == 403
    assert client.post(f"{base}/batch", json={"codes": [ada.ticket_code]}).status_code == 403
    assert _scan(client, event, ada.ticket_code).status_code == 403
    assert _checked_in_at(ada) is None
