"""Voucher admin pages through the test client: list with uses and filters, create one,
generate a batch, edit, end, delete (asked first; refused once used), CSV and XLSX export,
audit entries. Every refusal is checked to change nothing in the database."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from core.audit.models import AuditEntry
from core.extensions import db
from events.models import EventSeries, Voucher
from events.services import vouchers
from tests.factories import NOW, make_event, make_registration
from tests.property.hostile import snapshot

BASE = "/admin/events/vouchers"


@pytest.fixture
def staff_client(make_user, login):
    client = login(make_user("staff@example.org", is_staff=True))
    with client.session_transaction() as session:
        session["lang"] = "en"
    return client


def make_voucher(code="SPK-1", kind="free", **kw) -> Voucher:
    voucher = Voucher(code=code, kind=kind, created_at=NOW, **{"used_count": 0, **kw})
    db.session.add(voucher)
    db.session.flush()
    return voucher


def _vouchers() -> list[Voucher]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(Voucher).order_by(Voucher.id)))


def _actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def test_the_list_shows_uses_of_the_maximum_and_filters(staff_client):
    event = make_event()
    other = make_event("other-talk", title_en="Another talk")
    series = EventSeries(slug="s", title_nl="Reeks", title_en="The series", created_at=NOW)
    db.session.add(series)
    db.session.flush()
    make_voucher("SPK-1", event_id=event.id, max_uses=5, used_count=2, batch="speakers")
    make_voucher("PRESS-1", kind="percent", percent=Decimal("12.5"), series_id=series.id)
    make_voucher("ALL-1", kind="fixed", amount_cents=1250, event_id=other.id)
    db.session.commit()
    html = staff_client.get(f"{BASE}/").get_data(as_text=True)
    assert "SPK-1" in html and "2 / 5" in html
    assert "12.5%" in html and "The series" in html
    assert "€12.50" in html and "∞" in html
    html = staff_client.get(f"{BASE}/?event_id={event.id}").get_data(as_text=True)
    assert "SPK-1" in html and "PRESS-1" not in html and "ALL-1" not in html
    html = staff_client.get(f"{BASE}/?series_id={series.id}").get_data(as_text=True)
    assert "PRESS-1" in html and "SPK-1" not in html
    html = staff_client.get(f"{BASE}/?batch=speakers").get_data(as_text=True)
    assert "SPK-1" in html and "PRESS-1" not in html
    # linked from the events admin
    assert f'href="{BASE}/"' in staff_client.get("/admin/events/").get_data(as_text=True)
    attendees = staff_client.get(f"/admin/events/{event.id}/attendees").get_data(as_text=True)
    assert f'href="{BASE}/?event_id={event.id}"' in attendees
    assert "12,5%" in staff_client.get(f"{BASE}/?lang=nl").get_data(as_text=True)


def _queries(request) -> int:
    """How many statements `request()` runs (it must answer 200)."""
    statements: list[str] = []

    def count(*_args, **_kw):
        statements.append("q")

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert request().status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_the_list_loads_in_a_fixed_number_of_queries(staff_client, app):
    event = make_event()
    for i in range(3):
        make_voucher(f"Q-{i}", event_id=event.id)
    db.session.commit()
    counts = []
    for extra in range(2):
        for i in range(5):
            make_voucher(f"Q{extra}-{i}", event_id=make_event(f"e-{extra}-{i}").id)
        db.session.commit()
        counts.append(_queries(lambda: staff_client.get(f"{BASE}/")))
    assert counts[0] == counts[1]


def test_staff_create_a_voucher(staff_client):
    event = make_event()
    db.session.commit()
    response = staff_client.post(
        f"{BASE}/new",
        data={
            "code": " partner-2025 ",
            "kind": "percent",
            "percent": "12,5",
            "event_id": str(event.id),
            "email_domain": "@Partner.NL",
            "max_uses": "10",
            "valid_until": "2025-03-19T18:00",
            "note": "For our partners",
        },
    )
    assert response.status_code == 302
    [voucher] = _vouchers()
    assert voucher.code == "PARTNER-2025" and voucher.percent == Decimal("12.5")
    assert (voucher.event_id, voucher.email_domain, voucher.max_uses) == (
        event.id,
        "partner.nl",
        10,
    )
    assert voucher.valid_until.hour == 17  # 18:00 in Amsterdam (CET) is 17:00 UTC
    assert "voucher.created" in _actions()


def test_a_fixed_voucher_is_typed_in_euros_and_stored_in_cents(staff_client):
    response = staff_client.post(
        f"{BASE}/new", data={"code": "TIEN", "kind": "fixed", "amount": "10,50"}
    )
    assert response.status_code == 302
    [voucher] = _vouchers()
    assert voucher.amount_cents == 1050 and voucher.percent is None


@pytest.mark.parametrize(
    ("data", "field_text"),
    [
        ({"kind": "percent"}, "Enter a percentage above 0 and at most 100."),
        ({"kind": "percent", "percent": "150"}, "Enter a number from"),
        ({"kind": "fixed", "amount": "0"}, "Enter an amount above zero."),
        ({"kind": "fixed", "amount": "1,234"}, "at most two decimals"),
        ({"kind": "free", "email_domain": "not a domain"}, "Enter a domain like ddma.nl"),
        ({"kind": "free", "max_uses": "0"}, "Number must be between"),
        (
            {"kind": "free", "valid_from": "2025-03-10T10:00", "valid_until": "2025-03-09T10:00"},
            "The end must come after the start.",
        ),
        ({"kind": "free", "code": "HAS SPACE"}, "Use at most 40 letters"),
        ({"kind": "free", "code": "taken"}, "Another voucher has this code."),
        ({"kind": "gift"}, "Not a valid choice"),
    ],
)
def test_a_bad_voucher_is_refused_and_nothing_is_stored(staff_client, data, field_text):
    make_voucher("TAKEN")
    db.session.commit()
    before = snapshot()
    response = staff_client.post(f"{BASE}/new", data=data)
    assert response.status_code == 400
    assert field_text in response.get_data(as_text=True)
    db.session.rollback()
    assert snapshot() == before


def test_an_event_and_a_series_together_are_refused(staff_client):
    event = make_event()
    series = EventSeries(slug="s", title_nl="Reeks", title_en="Series", created_at=NOW)
    db.session.add(series)
    db.session.commit()
    response = staff_client.post(
        f"{BASE}/new", data={"kind": "free", "event_id": event.id, "series_id": series.id}
    )
    assert response.status_code == 400
    assert "not both" in response.get_data(as_text=True)
    assert _vouchers() == []


def test_staff_generate_a_batch_of_unique_unambiguous_codes(staff_client):
    make_voucher("PRESS-EXISTING")
    db.session.commit()
    response = staff_client.post(
        f"{BASE}/generate",
        data={
            "count": "25",
            "prefix": "press-",
            "kind": "fixed",
            "amount": "20",
            "max_uses": "1",
            "batch": "Press 2025",
        },
    )
    assert response.status_code == 302
    assert "batch=Press+2025" in response.headers["Location"]
    made = [v for v in _vouchers() if v.batch == "Press 2025"]
    assert len(made) == 25 and len({v.code for v in made}) == 25
    for v in made:
        assert v.code.startswith("PRESS-") and len(v.code) == len("PRESS-") + 8
        assert set(v.code.removeprefix("PRESS-")) <= set(vouchers.ALPHABET)
        assert (v.kind, v.amount_cents, v.max_uses, v.used_count) == ("fixed", 2000, 1, 0)
    assert not set(vouchers.ALPHABET) & set("0O1IL5S8B")
    [entry] = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "voucher.generated")
    ).all()
    assert entry.data["count"] == 25
    html = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "25 vouchers generated." in html


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ({"count": "0", "kind": "free"}, "Number must be between 1 and 1000"),
        ({"count": "1001", "kind": "free"}, "Number must be between 1 and 1000"),
        ({"count": "", "kind": "free"}, "Enter a whole number."),
        ({"count": "3", "kind": "free", "prefix": "bad prefix"}, "Use at most 32 letters"),
        ({"count": "3", "kind": "percent"}, "Enter a percentage above 0"),
    ],
)
def test_a_bad_batch_is_refused_and_nothing_is_stored(staff_client, data, text):
    before = snapshot()
    response = staff_client.post(f"{BASE}/generate", data=data)
    assert response.status_code == 400
    assert text in response.get_data(as_text=True)
    db.session.rollback()
    assert snapshot() == before


def test_staff_edit_a_voucher_but_not_below_its_uses(staff_client):
    voucher = make_voucher("EDIT-1", max_uses=5, used_count=3)
    db.session.commit()
    page = staff_client.get(f"{BASE}/{voucher.id}/edit").get_data(as_text=True)
    assert 'value="EDIT-1"' in page and "Used 3 times." in page
    before = snapshot()
    refused = staff_client.post(
        f"{BASE}/{voucher.id}/edit", data={"code": "EDIT-1", "kind": "free", "max_uses": "2"}
    )
    assert refused.status_code == 400
    assert "It has been used 3 times already." in refused.get_data(as_text=True)
    db.session.rollback()
    assert snapshot() == before
    response = staff_client.post(
        f"{BASE}/{voucher.id}/edit", data={"code": "edit-2", "kind": "free", "max_uses": "3"}
    )
    assert response.status_code == 302
    [voucher] = _vouchers()
    assert (voucher.code, voucher.max_uses) == ("EDIT-2", 3)
    assert "voucher.updated" in _actions()


def test_delete_asks_first_then_deletes_an_unused_voucher(staff_client):
    voucher = make_voucher("GONE")
    db.session.commit()
    before = snapshot()
    asked = staff_client.post(f"{BASE}/{voucher.id}/delete")
    assert asked.status_code == 200 and "Delete voucher GONE?" in asked.get_data(as_text=True)
    db.session.rollback()
    assert snapshot() == before
    done = staff_client.post(f"{BASE}/{voucher.id}/delete", data={"confirmed": "1"})
    assert done.status_code == 302
    assert _vouchers() == []
    assert "voucher.deleted" in _actions()


def test_a_used_voucher_cannot_be_deleted_only_ended(staff_client, clock):
    event = make_event()
    voucher = make_voucher("USED", used_count=1, max_uses=3)
    make_registration(event, voucher_id=voucher.id)
    db.session.commit()
    before = snapshot()
    refused = staff_client.post(
        f"{BASE}/{voucher.id}/delete", data={"confirmed": "1"}, follow_redirects=True
    )
    assert "cannot be deleted" in refused.get_data(as_text=True)
    db.session.rollback()
    assert snapshot() == before
    asked = staff_client.post(f"{BASE}/{voucher.id}/end")
    assert "End voucher USED now?" in asked.get_data(as_text=True)
    db.session.rollback()
    assert snapshot() == before
    ended = staff_client.post(f"{BASE}/{voucher.id}/end", data={"confirmed": "1"})
    assert ended.status_code == 302
    [voucher] = _vouchers()
    assert voucher.valid_until == clock() and voucher.used_count == 1
    assert "voucher.ended" in _actions()
    # ended: a registrant's code is refused on the form from now on
    assert vouchers.event_problem(voucher, event, now=clock()) == "expired"
    clock.advance(minutes=1)
    assert vouchers.event_problem(voucher, event, now=clock()) == "expired"


def test_export_csv_and_xlsx_of_the_filtered_list(staff_client):
    event = make_event()
    make_voucher("CSV-1", kind="percent", percent=Decimal("12.5"), event_id=event.id, max_uses=4)
    make_voucher("=CMD", kind="fixed", amount_cents=1000, batch="other")
    db.session.commit()
    response = staff_client.get(f"{BASE}/vouchers.csv?event_id={event.id}")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["Code", "Kind", "Percentage"]
    assert [r[0] for r in rows[1:]] == ["CSV-1"]
    assert rows[1][2] == "12.50" and rows[1][8] == "4"
    everything = staff_client.get(f"{BASE}/vouchers.csv").get_data().decode("utf-8-sig")
    assert "'=CMD" in everything  # guarded against formulas
    book = load_workbook(io.BytesIO(staff_client.get(f"{BASE}/vouchers.xlsx").get_data()))
    sheet = book.active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Code"
    assert {row[0] for row in values[1:]} == {"CSV-1", "=CMD"}
    assert any(row[3] == 10 for row in values[1:])  # euros as a number


def test_non_staff_cannot_reach_the_voucher_pages(client, make_user, login):
    voucher = make_voucher("SECRET")
    db.session.commit()
    assert client.get(f"{BASE}/").status_code == 302  # to log in
    entrant = login(make_user("someone@example.org"))
    assert entrant.get(f"{BASE}/").status_code == 403
    assert entrant.post(f"{BASE}/{voucher.id}/delete", data={"confirmed": "1"}).status_code == 403
    assert [v.code for v in _vouchers()] == ["SECRET"]


def test_ending_a_voucher_is_refused_on_the_form_afterwards(staff_client, client, clock):
    event = make_event()
    voucher = make_voucher("END-ME", event_id=event.id, valid_until=NOW + timedelta(days=30))
    db.session.commit()
    staff_client.post(f"{BASE}/{voucher.id}/end", data={"confirmed": "1"})
    response = client.post(
        f"/events/{event.slug}/register",
        data={
            "name": "N",
            "email": "n@example.org",
            "privacy_consent": "y",
            "voucher_code": "end-me",
        },
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 400
    assert "no longer valid" in response.get_data(as_text=True)


def test_the_attendee_list_and_its_export_show_the_voucher_code(staff_client):
    event = make_event()
    voucher = make_voucher("SPEAKER-42", event_id=event.id, used_count=1)
    make_registration(event, name="Sam Spreker", voucher_id=voucher.id, discount_cents=5000)
    make_registration(event, name="Zonder Voucher")
    db.session.commit()
    html = staff_client.get(f"/admin/events/{event.id}/attendees").get_data(as_text=True)
    assert "<code>SPEAKER-42</code>" in html
    text = staff_client.get(f"/admin/events/{event.id}/attendees.csv").get_data()
    rows = list(csv.DictReader(io.StringIO(text.decode("utf-8-sig"))))
    assert [(r["name"], r["voucher_code"]) for r in rows] == [
        ("Sam Spreker", "SPEAKER-42"),
        ("Zonder Voucher", ""),
    ]
