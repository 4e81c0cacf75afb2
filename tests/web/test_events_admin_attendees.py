"""Events admin: attendee list, CSV export, check-in, complimentary seats and cancelling."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from core.audit.models import AuditEntry
from core.extensions import db
from events.models import MemberDomain, MemberOrganisation, Payment, Registration
from tests.factories import NOW, make_event, make_invoice, make_registration


@pytest.fixture
def admin_client(make_user, login):
    client = login(make_user(admin=True))
    with client.session_transaction() as session:
        session["lang"] = "en"
    return client


def _pay(registration, cents, *, refunded=0):
    db.session.add(
        Payment(
            registration_id=registration.id,
            provider="test",
            idempotency_key=f"key-{registration.id}-{cents}",
            amount_cents=cents,
            status="paid",
            refunded_cents=refunded,
            expires_at=NOW,
            created_at=NOW,
            paid_at=NOW,
        )
    )
    db.session.commit()


def _registrations(event):
    db.session.expire_all()
    return db.session.scalars(
        sa.select(Registration).where(Registration.event_id == event.id).order_by(Registration.id)
    ).all()


def test_attendee_list_shows_paid_amount_invoices_and_filters(admin_client):
    event = make_event()
    paid = make_registration(event, name="Bea Betaald", audience="non_member", gross_cents=6050)
    _pay(paid, 6050)
    make_invoice(paid, "2025-0007")
    free = make_registration(event, name="Anna Gratis", audience="member")
    make_registration(event, "waitlisted", name="Wim Wachtend")
    other = make_event("other")
    make_invoice(make_registration(other, name="Elders"), "2025-0008")

    html = admin_client.get(f"/admin/events/{event.id}/attendees").get_data(as_text=True)
    assert html.index("Anna Gratis") < html.index("Bea Betaald") < html.index("Wim Wachtend")
    assert "€60.50" in html and "2025-0007" in html
    assert "2025-0008" not in html and "Elders" not in html
    filtered = admin_client.get(f"/admin/events/{event.id}/attendees?state=waitlisted&state=bogus")
    text = filtered.get_data(as_text=True)
    assert "Wim Wachtend" in text and "Anna Gratis" not in text
    assert free.state == "confirmed"


def test_csv_export_has_header_amounts_invoices_and_guards_formulas(admin_client):
    event = make_event()
    evil = make_registration(
        event, name='=HYPERLINK("http://x")', organisation="+31 20 123", email="a@example.org"
    )
    _pay(evil, 6050)
    make_invoice(evil, "2025-0001")
    make_invoice(evil, "2025-0002", series="credit_note")
    response = admin_client.get(f"/admin/events/{event.id}/attendees.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows == [
        {
            "name": '\'=HYPERLINK("http://x")',
            "email": "a@example.org",
            "organisation": "'+31 20 123",
            "state": "confirmed",
            "audience": "",
            "comp": "no",
            "amount_paid": "€60.50",
            "amount_refunded": "€0",
            "invoice_numbers": "2025-0001 2025-0002",
            "checked_in_at": "",
            "registered_at": "2025-03-01T10:00+01:00",
            "voucher_code": "",
        }
    ]


def test_a_refund_shows_beside_what_was_paid(admin_client):
    event = make_event()
    registration = make_registration(event, "refunded", name="Rita Refund")
    _pay(registration, 6050, refunded=6050)
    text = admin_client.get(f"/admin/events/{event.id}/attendees.csv").get_data().decode()
    assert ",€60.50,€60.50," in text  # paid and refunded (test_exports has the XLSX)
    page = admin_client.get(f"/admin/events/{event.id}/attendees").get_data(as_text=True)
    assert "€60.50" in page and "refunded €60.50" in page


def test_check_in_and_undo(admin_client, clock):
    event = make_event()
    registration = make_registration(event, name="Carla Confirmed")
    url = f"/admin/events/{event.id}/registrations/{registration.id}/check-in"
    assert admin_client.post(url, data={"checked_in": "1"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).checked_in_at == clock()
    page = admin_client.get(f"/admin/events/{event.id}/check-in").get_data(as_text=True)
    assert "1 of 1 confirmed attendees checked in" in page and "Undo" in page
    assert 'class="no-print"' in page
    assert admin_client.post(url, data={"checked_in": "0"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).checked_in_at is None
    actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["registration.checked_in", "registration.check_in_undone"]


def test_check_in_refused_for_unconfirmed_and_other_events(admin_client):
    event = make_event()
    waiting = make_registration(event, "waitlisted")
    other = make_registration(make_event("other"))
    url = f"/admin/events/{event.id}/registrations/{waiting.id}/check-in"
    response = admin_client.post(url, data={"checked_in": "1"}, follow_redirects=True)
    assert "Only confirmed registrations can be checked in" in response.get_data(as_text=True)
    wrong = f"/admin/events/{event.id}/registrations/{other.id}/check-in"
    assert admin_client.post(wrong, data={"checked_in": "1"}).status_code == 404
    assert all(r.checked_in_at is None for r in _registrations(event))
    assert _registrations(other.event)[0].checked_in_at is None


def test_checkin_list_needs_csrf_token(app, admin_client):
    event = make_event()
    registration = make_registration(event)
    db.session.commit()  # the CSRF refusal comes before the request commits what a test built
    app.config["WTF_CSRF_ENABLED"] = True
    url = f"/admin/events/{event.id}/registrations/{registration.id}/check-in"
    assert admin_client.post(url, data={"checked_in": "1"}).status_code == 400
    page = admin_client.get(f"/admin/events/{event.id}/check-in").get_data(as_text=True)
    assert 'name="csrf_token"' in page
    assert _registrations(event)[0].checked_in_at is None


@pytest.fixture
def sqlite_locking(app):
    """The SQLite transaction recipe of core.locking on the test engine (as in production)."""
    from core.locking import install_sqlite_locking

    if db.engine.dialect.name == "sqlite":
        install_sqlite_locking(db.engine)
        db.engine.dispose()


def test_comp_takes_a_seat_with_member_audience(admin_client, clock, outbox, sqlite_locking):
    event = make_event(capacity=2)
    org = MemberOrganisation(name="DDMA", created_at=NOW, domains=[MemberDomain(domain="ddma.nl")])
    db.session.add(org)
    db.session.commit()
    form = {"name": "Isa Nieuwstad", "email": "Isa@legal.DDMA.nl", "organisation": "DDMA"}
    assert admin_client.post(f"/admin/events/{event.id}/comp", data=form).status_code == 302
    (comp,) = _registrations(event)
    assert (comp.state, comp.comp, comp.gross_cents, comp.email) == (
        "confirmed",
        True,
        0,
        "isa@legal.ddma.nl",
    )
    assert (comp.audience, comp.member_organisation_id) == ("member", org.id)
    assert comp.confirmed_at == clock()
    assert len(outbox(to="isa@legal.ddma.nl")) == 1  # the confirmation with the .ics
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "registration.comp"))
    assert (entry.object_id, entry.data["to_state"]) == (comp.id, "confirmed")
    page = admin_client.get(f"/admin/events/{event.id}/comp").get_data(as_text=True)
    assert "Seats left: 1." in page


def test_comp_is_refused_when_full(admin_client, sqlite_locking):
    event = make_event(capacity=2)
    make_registration(event, "confirmed")
    make_registration(event, "pending_payment")
    form = {"name": "Laat", "email": "laat@example.org"}
    response = admin_client.post(f"/admin/events/{event.id}/comp", data=form)
    assert response.status_code == 409
    assert "The event is full" in response.get_data(as_text=True)
    assert len(_registrations(event)) == 2


def test_comp_turns_a_waitlisted_registration_into_a_seat(admin_client):
    event = make_event(capacity=1)
    waiting = make_registration(event, "waitlisted", email="wacht@example.org")
    form = {"name": "Wacht", "email": "wacht@example.org"}
    assert admin_client.post(f"/admin/events/{event.id}/comp", data=form).status_code == 302
    (registration,) = _registrations(event)
    assert (registration.id, registration.state, registration.comp) == (
        waiting.id,
        "confirmed",
        True,
    )


@pytest.mark.parametrize(
    ("state", "message"),
    [("confirmed", "already has a seat"), ("pending_payment", "is paying right now")],
)
def test_comp_refused_for_confirmed_or_paying(admin_client, state, message):
    event = make_event()
    make_registration(event, state, email="x@example.org")
    response = admin_client.post(
        f"/admin/events/{event.id}/comp", data={"name": "X", "email": "x@example.org"}
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert [r.comp for r in _registrations(event)] == [False]


def test_comp_refused_after_the_event(admin_client, clock):
    event = make_event()
    clock.set(datetime(2025, 4, 1, tzinfo=UTC))
    response = admin_client.post(
        f"/admin/events/{event.id}/comp", data={"name": "X", "email": "x@example.org"}
    )
    assert response.status_code == 400 and "This event is over" in response.get_data(as_text=True)
    assert _registrations(event) == []


def test_comp_bad_email_refused(admin_client):
    event = make_event()
    response = admin_client.post(
        f"/admin/events/{event.id}/comp", data={"name": "X", "email": "x@localhost"}
    )
    assert response.status_code == 400
    assert "not a valid e-mail address" in response.get_data(as_text=True)
    assert _registrations(event) == []


def test_admin_cancel_is_not_bound_by_the_deadline_and_names_the_admin(
    admin_client, sqlite_locking, clock
):
    event = make_event()
    registration = make_registration(event)
    # past the registrant's own deadline (24 hours before the start): only an admin may cancel
    clock.set(event.starts_at - timedelta(hours=1))
    url = f"/admin/events/{event.id}/registrations/{registration.id}/cancel"
    assert admin_client.post(url, data={"confirmed": "1"}).status_code == 302
    (cancelled,) = _registrations(event)
    assert (cancelled.state, cancelled.cancelled_at) == ("cancelled", clock())
    entry = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "registration.cancel")
    )
    assert entry.object_id == registration.id and entry.actor.is_admin


def test_admin_cancel_uses_the_registration_service(admin_client, sqlite_locking, clock):
    event = make_event()
    registration = make_registration(event, name="Carla Cancel")
    url = f"/admin/events/{event.id}/registrations/{registration.id}/cancel"
    response = admin_client.post(url, data={"confirmed": "1"}, follow_redirects=True)
    assert "Registration of Carla Cancel cancelled." in response.get_data(as_text=True)
    (cancelled,) = _registrations(event)
    assert (cancelled.state, cancelled.cancelled_at) == ("cancelled", clock())
    again = admin_client.post(url, data={"confirmed": "1"}, follow_redirects=True)
    assert "already cancelled" in again.get_data(as_text=True)


def test_vat_ids_are_listed_for_manual_vies_checking(admin_client):
    event = make_event()
    make_registration(event, vat_id="BE0123456749", reverse_charge=True)
    page = admin_client.get(f"/admin/events/{event.id}/attendees").get_data(as_text=True)
    assert "BE0123456749" in page and "reverse charge" in page
    assert "the EU VIES service cannot be reached" in page


def test_no_vies_note_without_vat_ids(admin_client):
    event = make_event()
    make_registration(event)
    page = admin_client.get(f"/admin/events/{event.id}/attendees").get_data(as_text=True)
    assert "VIES" not in page


def test_staff_cancel_is_not_bound_by_the_deadline_either(make_user, login, sqlite_locking, clock):
    staff_client = login(make_user(is_staff=True))
    event = make_event()
    registration = make_registration(event)
    clock.set(event.starts_at - timedelta(hours=1))  # past the registrant's own deadline
    url = f"/admin/events/{event.id}/registrations/{registration.id}/cancel"
    assert staff_client.post(url, data={"confirmed": "1"}).status_code == 302
    (cancelled,) = _registrations(event)
    assert cancelled.state == "cancelled"
