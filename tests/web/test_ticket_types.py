"""Ticket types through the test client: the registration form offers the types on sale, the
choice is decided at verification from the verified address (the only eligible type picked,
else the "choose your ticket" step), a type's own capacity, the quote and the invoice line
from the type, the attendee list and export, and the staff pages (list, add, edit,
deactivate, delete). Every refusal is checked to change nothing in the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from core.audit.models import AuditEntry
from core.errors import NotAllowed
from core.extensions import db
from events.models import Registration, TicketType, Voucher
from events.services import invoices, quotes, tickets
from events.services.tickets import TicketTypeData
from tests.factories import NOW, make_event, make_member_org, make_registration, verify_link
from tests.ticket_types import make_ticket_type

EN = {"Accept-Language": "en"}
BILLING = {
    "billing_company": "Acme BV",
    "billing_address": "Dam 1",
    "billing_postcode": "1012 JS",
    "billing_city": "Amsterdam",
    "billing_country": "NL",
}


@pytest.fixture
def talk(app):
    """A Digital Talk (100 seats) with member (free), non-member (€50) and student (€15, at
    student.uva.nl, 2 of its own) tickets."""
    event = make_event()
    make_member_org("DDMA", "ddma.nl")
    types = {
        "member": make_ticket_type(event, "member", name_en="Member", audience="member"),
        "non_member": make_ticket_type(
            event, "non_member", name_en="Non-member", audience="non_member", price_cents=5000
        ),
        "student": make_ticket_type(
            event, "student", name_en="Student ticket", name_nl="Studententicket",
            price_cents=1500, email_domains=["student.uva.nl"], capacity=2,
        ),
    }  # fmt: skip
    db.session.commit()  # the requests' units of work see it (and a refusal keeps it)
    return event, types


@pytest.fixture
def admin_client(make_user, login):
    client = login(make_user(admin=True))
    with client.session_transaction() as session:
        session["lang"] = "en"
    return client


def _form(email, ticket_type=None, **overrides):
    data = {
        "name": "Sam Student",
        "email": email,
        "privacy_consent": "y",
        "billing_country": "NL",
        **overrides,
    }
    if ticket_type is not None:
        data["ticket_type"] = str(ticket_type.id if hasattr(ticket_type, "id") else ticket_type)
    return data


def _register(client, event, email, ticket_type=None, **overrides):
    return client.post(
        f"/events/{event.slug}/register", data=_form(email, ticket_type, **overrides), headers=EN
    )


def _verify(client, outbox, email):
    (mail,) = outbox(to=email, kind="event_verify")
    return client.get(verify_link(mail), headers=EN)


def _registrations() -> list[Registration]:
    db.session.commit()
    db.session.expire_all()
    return db.session.scalars(sa.select(Registration).order_by(Registration.id)).all()


def _types() -> list[tuple]:
    db.session.commit()
    db.session.expire_all()
    return db.session.execute(
        sa.select(
            TicketType.key, TicketType.price_cents, TicketType.capacity, TicketType.active
        ).order_by(TicketType.id)
    ).all()


# --- the registration form ---------------------------------------------------------------------


def test_the_form_offers_the_types_on_sale_with_price_and_who_may_buy(client, clock, talk):
    event, types = talk
    make_ticket_type(event, "later", sale_starts_at=NOW + timedelta(days=2))
    make_ticket_type(event, "gone", active=False)
    page = client.get(f"/events/{event.slug}/register", headers=EN).get_data(as_text=True)
    assert 'name="ticket_type"' in page
    for t in types.values():
        assert f'value="{t.id}"' in page
    assert "€50 excl. VAT (€60.50 incl. VAT)" in page and "€15 excl. VAT" in page
    assert "Members only" in page and "For addresses at student.uva.nl" in page
    assert "Later" not in page and "Gone" not in page
    clock.set(NOW + timedelta(days=3))
    page = client.get(f"/events/{event.slug}/register", headers=EN).get_data(as_text=True)
    assert "Later" in page
    # the event page lists the types' prices
    show = client.get(f"/events/{event.slug}", headers=EN).get_data(as_text=True)
    assert "Student ticket: €15 excl. VAT (€18.15 incl. VAT)" in show


def test_an_event_without_types_has_no_ticket_choice(client):
    event = make_event()
    page = client.get(f"/events/{event.slug}/register", headers=EN).get_data(as_text=True)
    assert 'name="ticket_type"' not in page
    response = _register(client, event, "jan@example.org", ticket_type=12345)  # ignored
    assert response.status_code == 302
    (registration,) = _registrations()
    assert registration.ticket_type_id is None


@pytest.mark.parametrize("choice", [None, "999999", "abc", "99999999999999999999", "later"])
def test_a_type_must_be_chosen_among_those_on_sale(client, talk, choice):
    event, _ = talk
    if choice == "later":
        choice = make_ticket_type(event, "later", sale_starts_at=NOW + timedelta(days=2)).id
    other = make_event("other-talk")
    make_ticket_type(other, "x")
    response = _register(client, event, "sam@student.uva.nl", ticket_type=choice)
    assert response.status_code == 400
    assert _registrations() == []


def test_another_events_type_is_refused(client, talk):
    event, _ = talk
    other = make_event("other-talk")
    foreign = make_ticket_type(other, "x")
    response = _register(client, event, "sam@student.uva.nl", ticket_type=foreign)
    assert response.status_code == 400 and b"Choose one of the tickets on sale." in response.data
    assert _registrations() == []


# --- verification decides --------------------------------------------------------------------


def test_a_student_buys_a_student_ticket(client, outbox, talk):
    event, types = talk
    _register(client, event, "sam@student.uva.nl", types["student"], **BILLING)
    (registration,) = _registrations()
    assert registration.ticket_type_id == types["student"].id
    assert registration.state == "pending_verification"
    response = _verify(client, outbox, "sam@student.uva.nl")
    (registration,) = _registrations()
    assert registration.state == "pending_payment"
    assert (registration.net_cents, registration.vat_cents, registration.gross_cents) == (
        1500,
        315,
        1815,
    )
    assert registration.token in response.location
    manage = client.get(f"/events/r/{registration.token}", headers=EN).get_data(as_text=True)
    assert "Ticket: Student ticket" in manage


def test_an_address_that_may_not_buy_its_type_chooses_among_those_it_may(client, outbox, talk):
    event, types = talk
    make_ticket_type(event, "early", name_en="Early bird", price_cents=3500)
    _register(client, event, "jan@example.org", types["student"], **BILLING)
    response = _verify(client, outbox, "jan@example.org")
    (registration,) = _registrations()
    choose = f"/events/r/{registration.token}/ticket"
    assert response.location.endswith(choose)
    # verified, but no seat taken and nothing charged
    assert registration.state == "pending_verification" and registration.verified_at
    assert registration.ticket_type_id == types["student"].id
    page = client.get(choose, headers=EN).get_data(as_text=True)
    assert "Non-member" in page and "Early bird" in page
    assert "Student ticket" not in page.split("<form", 1)[1]  # not offered
    assert f'value="{types["member"].id}"' not in page
    manage = client.get(f"/events/r/{registration.token}", headers=EN).get_data(as_text=True)
    assert "Choose your ticket to continue" in manage

    for refused in (types["student"].id, types["member"].id, "", "x"):
        answer = client.post(choose, data={"ticket_type": refused}, headers=EN)
        assert answer.status_code == 400
        (again,) = _registrations()
        assert again.ticket_type_id == types["student"].id
        assert again.state == "pending_verification"

    response = client.post(choose, data={"ticket_type": types["non_member"].id}, headers=EN)
    (registration,) = _registrations()
    assert registration.state == "pending_payment"
    assert registration.ticket_type_id == types["non_member"].id
    assert registration.net_cents == 5000
    # nothing more to choose
    assert client.get(choose, headers=EN).status_code == 302


def test_the_only_eligible_type_is_picked_and_said(client, outbox, talk):
    event, types = talk
    _register(client, event, "isa@ddma.nl", types["non_member"])
    response = _verify(client, outbox, "isa@ddma.nl")
    (registration,) = _registrations()
    assert registration.audience == "member"
    assert registration.ticket_type_id == types["member"].id
    assert registration.state == "confirmed" and registration.gross_cents == 0
    page = client.get(response.location, headers=EN).get_data(as_text=True)
    assert "you have the only ticket that is: Member" in page


def test_a_type_sold_out_while_the_event_is_not_offers_the_others(client, outbox, talk):
    event, types = talk
    make_ticket_type(event, "early", name_en="Early bird", price_cents=3500)
    for _ in range(2):
        make_registration(event, "confirmed", ticket_type_id=types["student"].id)
    page = client.get(f"/events/{event.slug}/register", headers=EN).get_data(as_text=True)
    assert "Sold out" in page
    _register(client, event, "sam@student.uva.nl", types["student"], **BILLING)
    response = _verify(client, outbox, "sam@student.uva.nl")
    registration = _registrations()[-1]
    assert response.location.endswith(f"/events/r/{registration.token}/ticket")
    assert registration.state == "pending_verification"
    assert _student_seats(types) == 2  # no third student seat
    page = client.get(response.location, headers=EN).get_data(as_text=True)
    assert "Early bird" in page and "Non-member" in page
    client.post(
        f"/events/r/{registration.token}/ticket",
        data={"ticket_type": types["non_member"].id},
        headers=EN,
    )
    assert _registrations()[-1].state == "pending_payment"


def test_the_only_other_type_is_picked_when_the_chosen_sold_out(client, outbox, talk):
    event, types = talk
    for _ in range(2):
        make_registration(event, "confirmed", ticket_type_id=types["student"].id)
    _register(client, event, "sam@student.uva.nl", types["student"], **BILLING)
    _verify(client, outbox, "sam@student.uva.nl")
    registration = _registrations()[-1]
    assert registration.ticket_type_id == types["non_member"].id
    assert registration.state == "pending_payment" and registration.net_cents == 5000
    assert _student_seats(types) == 2


def _student_seats(types) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            Registration.state.in_(("confirmed", "pending_payment", "offered")),
            Registration.ticket_type_id == types["student"].id,
        )
    )


def test_a_full_event_puts_an_eligible_type_on_the_waiting_list(client, outbox, talk):
    event, types = talk
    event.capacity = 1
    make_registration(event, "confirmed", ticket_type_id=types["member"].id)
    _register(client, event, "sam@student.uva.nl", types["student"], **BILLING)
    _verify(client, outbox, "sam@student.uva.nl")
    registration = _registrations()[-1]
    assert registration.state == "waitlisted"
    assert registration.ticket_type_id == types["student"].id


# --- price, invoice, attendees -------------------------------------------------------------------


def test_the_quote_uses_the_type_and_a_comp_seat_stays_free(app, talk):
    event, types = talk
    registration = make_registration(event, ticket_type_id=types["student"].id)
    assert quotes.net_price(registration, event) == 1500
    registration.comp = True
    assert quotes.net_price(registration, event) == 0


def test_the_invoice_line_names_the_type_and_reconciles(app, clock, talk):
    event, types = talk
    registration = make_registration(
        event, paying=True, net_cents=1500, ticket_type_id=types["student"].id, state="confirmed"
    )
    db.session.refresh(registration)
    with app.test_request_context():
        invoice = invoices.issue_invoice(registration, now=NOW)
    (line,) = invoice.lines
    assert " — Student ticket (" in line["description"]
    assert line["description"].startswith("Digital Talk: DDMA Digital Talk") or (
        "Digital Talk" in line["description"]
    )
    assert line["net_cents"] + line["vat_cents"] == line["gross_cents"] == invoice.gross_cents
    assert invoice.gross_cents == registration.gross_cents == 1815


def test_the_attendee_list_and_export_show_the_type(admin_client, talk):
    event, types = talk
    make_registration(event, name="Sam Student", ticket_type_id=types["student"].id)
    page = admin_client.get(f"/admin/events/{event.id}/attendees").get_data(as_text=True)
    assert "<th>Ticket type</th>" in page and "Student ticket" in page
    text = admin_client.get(f"/admin/events/{event.id}/attendees.csv").get_data().decode()
    header, row = text.lstrip("\ufeff").splitlines()[:2]
    assert "ticket_type" in header.split(",")
    assert "Studententicket" in row


def test_an_event_without_types_exports_as_before(admin_client):
    event = make_event()
    make_registration(event)
    text = admin_client.get(f"/admin/events/{event.id}/attendees.csv").get_data().decode()
    assert "ticket_type" not in text.splitlines()[0]


# --- staff pages --------------------------------------------------------------------------------

NEW = {
    "key": "partner",
    "name_nl": "Partnerticket",
    "name_en": "Partner ticket",
    "price": "12,50",
    "capacity": "10",
    "sale_starts_at": "2025-03-02T09:00",
    "sale_ends_at": "2025-03-20T17:30",
    "audience": "anyone",
    "email_domains": "@Partner.example\nsub.partner2.example, partner.example",
    "position": "4",
}


def test_staff_list_the_types_with_sold_and_capacity(admin_client, talk):
    event, types = talk
    make_registration(event, "confirmed", ticket_type_id=types["student"].id)
    make_registration(event, "cancelled", ticket_type_id=types["student"].id)
    page = admin_client.get(f"/admin/events/{event.id}/tickets/").get_data(as_text=True)
    row = page.split("Student ticket", 1)[1].split("</tr>", 1)[0]
    assert '<td class="num">1</td>' in row and '<td class="num">2</td>' in row
    assert "shared" in page  # the others share the event's seats
    edit = admin_client.get(f"/admin/events/{event.id}/edit").get_data(as_text=True)
    assert f"/admin/events/{event.id}/tickets/" in edit  # linked from the event's page


def test_staff_add_a_type_in_euros_and_amsterdam_time(admin_client, talk):
    event, _ = talk
    response = admin_client.post(f"/admin/events/{event.id}/tickets/new", data=NEW)
    assert response.status_code == 302
    db.session.rollback()
    added = db.session.scalar(sa.select(TicketType).where(TicketType.key == "partner"))
    assert (added.price_cents, added.capacity, added.position) == (1250, 10, 4)
    assert added.email_domains == ["partner.example", "sub.partner2.example"]
    assert added.sale_starts_at == datetime(2025, 3, 2, 8, 0, tzinfo=UTC)
    assert added.sale_ends_at == datetime(2025, 3, 20, 16, 30, tzinfo=UTC)
    actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert "ticket_type.created" in actions


@pytest.mark.parametrize(
    ("change", "field_message"),
    [
        ({"key": "student"}, "already uses this key"),
        ({"key": "Not A Key"}, "Use lower-case letters"),
        ({"price": "-1"}, "cannot be negative"),
        ({"price": "1,234"}, "at most two decimals"),
        ({"price": "abc"}, "Not a valid decimal value"),
        ({"capacity": "-3"}, "Number must be between"),
        ({"sale_ends_at": "2025-03-01T09:00"}, "The sale must end after it starts."),
        ({"audience": "everyone"}, "Not a valid choice"),
        ({"email_domains": "student uva"}, "Not a domain name: student, uva."),
        ({"name_en": ""}, "This field is required."),
    ],
)
def test_bad_input_gets_a_message_and_changes_nothing(admin_client, talk, change, field_message):
    event, _ = talk
    before = _types()
    response = admin_client.post(f"/admin/events/{event.id}/tickets/new", data={**NEW, **change})
    assert response.status_code == 400
    assert field_message in response.get_data(as_text=True)
    assert _types() == before


def test_staff_edit_a_type_but_not_its_capacity_below_what_it_sold(admin_client, talk):
    event, types = talk
    student = types["student"]
    for _ in range(2):
        make_registration(event, "confirmed", ticket_type_id=student.id)
    url = f"/admin/events/{event.id}/tickets/{student.id}/edit"
    page = admin_client.get(url).get_data(as_text=True)
    assert 'value="15"' in page and "student.uva.nl" in page
    data = {**NEW, "key": "student", "capacity": "1", "email_domains": "student.uva.nl"}
    before = _types()
    refused = admin_client.post(url, data=data)
    assert refused.status_code == 400 and b"2 of these tickets are taken" in refused.data
    assert _types() == before
    response = admin_client.post(url, data={**data, "capacity": "", "price": "17"})
    assert response.status_code == 302
    db.session.rollback()
    changed = db.session.get(TicketType, student.id)
    assert (changed.capacity, changed.price_cents, changed.name_en) == (
        None,
        1700,
        "Partner ticket",
    )


def test_a_larger_capacity_offers_the_waiting_list_a_seat(admin_client, talk, clock):
    event, types = talk
    student = types["student"]
    for _ in range(2):
        make_registration(event, "confirmed", ticket_type_id=student.id)
    waiting = make_registration(
        event, "waitlisted", ticket_type_id=student.id, waitlisted_at=NOW, email="w@student.uva.nl"
    )
    url = f"/admin/events/{event.id}/tickets/{student.id}/edit"
    data = {**NEW, "key": "student", "capacity": "3", "email_domains": "student.uva.nl"}
    assert admin_client.post(url, data=data).status_code == 302
    db.session.rollback()
    assert db.session.get(Registration, waiting.id).state == "offered"


def test_deactivate_stops_the_sale_and_activate_restarts_it(admin_client, client, talk):
    event, types = talk
    student = types["student"]
    base = f"/admin/events/{event.id}/tickets/{student.id}"
    assert admin_client.post(f"{base}/deactivate").status_code == 302
    db.session.rollback()
    assert db.session.get(TicketType, student.id).active is False
    form = client.get(f"/events/{event.slug}/register", headers=EN).get_data(as_text=True)
    assert f'value="{student.id}"' not in form
    assert _register(client, event, "sam@student.uva.nl", student).status_code == 400
    assert _registrations() == []
    assert admin_client.post(f"{base}/activate").status_code == 302
    db.session.rollback()
    assert db.session.get(TicketType, student.id).active is True


def test_delete_asks_first_and_is_refused_while_used(admin_client, talk):
    event, types = talk
    base = f"/admin/events/{event.id}/tickets"
    before = _types()
    asked = admin_client.post(f"{base}/{types['student'].id}/delete")
    assert asked.status_code == 200 and b"Delete ticket type" in asked.data
    assert _types() == before
    make_registration(event, "cancelled", ticket_type_id=types["student"].id)
    before = _types()
    refused = admin_client.post(
        f"{base}/{types['student'].id}/delete", data={"confirmed": "1"}, follow_redirects=True
    )
    assert b"cannot be deleted; deactivate it" in refused.data
    assert _types() == before
    done = admin_client.post(f"{base}/{types['member'].id}/delete", data={"confirmed": "1"})
    assert done.status_code == 302
    assert [row[0] for row in _types()] == ["non_member", "student"]


def test_another_events_type_is_not_found(admin_client, talk):
    _, types = talk
    other = make_event("other-talk")
    url = f"/admin/events/{other.id}/tickets/{types['student'].id}"
    assert admin_client.get(f"{url}/edit").status_code == 404
    assert admin_client.post(f"{url}/deactivate").status_code == 404
    assert admin_client.post(f"{url}/delete", data={"confirmed": "1"}).status_code == 404
    assert _types()[2][3] is True


def test_delete_is_refused_while_a_voucher_is_bound_to_the_type(admin_client, talk):
    event, types = talk
    db.session.add(
        Voucher(code="SPEAKER", kind="free", event_id=event.id,
                ticket_type_id=types["member"].id, created_at=NOW)
    )  # fmt: skip
    db.session.commit()
    before = _types()
    refused = admin_client.post(
        f"/admin/events/{event.id}/tickets/{types['member'].id}/delete",
        data={"confirmed": "1"},
        follow_redirects=True,
    )
    assert b"Vouchers are bound to this ticket type" in refused.data
    assert _types() == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Voucher)) == 1


def test_the_service_refuses_an_actor_without_staff_rights(app, make_user, talk):
    event, types = talk
    entrant = make_user("entrant@example.org")
    data = TicketTypeData(key="x", name_nl="X", name_en="X", price_cents=0)
    before = _types()
    with pytest.raises(NotAllowed):
        tickets.save_ticket_type(event, data, now=NOW, actor=entrant)
    with pytest.raises(NotAllowed):
        tickets.set_active(types["student"], False, now=NOW, actor=entrant)
    with pytest.raises(NotAllowed):
        tickets.delete_ticket_type(types["member"], now=NOW, actor=entrant)
    assert _types() == before
