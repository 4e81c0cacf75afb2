"""Events admin: access to every route, event create/edit/delete and the rules on each field."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from core.audit.models import AuditEntry
from core.extensions import db
from events.models import Event, Registration, Speaker
from tests.factories import make_event, make_registration

GOOD = {
    "slug": "digital-talk-ap",
    "title_nl": "DDMA Digital Talk: AP en cookiehandhaving",
    "title_en": "DDMA Digital Talk: the DPA and cookie enforcement",
    "kind": "Digital Talk",
    "description_nl": "In deze Digital Talk ...",
    "description_en": "In this Digital Talk ...",
    "starts_at": "2025-03-27T12:00",
    "ends_at": "2025-03-27T12:45",
    "online": "y",
    "join_url": "https://meet.example.org/talk",
    "location": "",
    "capacity": "100",
    "registration_opens_at": "",
    "registration_closes_at": "",
    "price_member": "0",
    "price_non_member": "50,00",
    "vat_percent": "21",
    "hold_minutes": "30",
    "offer_hours": "24",
    "cancel_until_hours": "24",
    "published": "y",
    "speakers": "Isa Nieuwstad | Legal Counsel | DDMA\n\nJanus de Visser | Operations Director | Cloud Nine Digital",
}


def _form(**changes):
    data = {**GOOD, **changes}
    return {k: v for k, v in data.items() if v is not None}


def _events():
    return db.session.scalars(sa.select(Event)).all()


@pytest.fixture
def admin_client(make_user, login):
    """An admin's client that asked for English (?lang= is kept in the session)."""
    client = login(make_user(admin=True))
    with client.session_transaction() as session:
        session["lang"] = "en"
    return client


def _urls(event_id, registration_id, org_id):
    e, r, o = event_id, registration_id, org_id
    return [
        ("GET", "/admin/events/"),
        ("GET", "/admin/events/new"),
        ("POST", "/admin/events/new"),
        ("GET", f"/admin/events/{e}/edit"),
        ("POST", f"/admin/events/{e}/edit"),
        ("POST", f"/admin/events/{e}/delete"),
        ("GET", f"/admin/events/{e}/attendees"),
        ("GET", f"/admin/events/{e}/attendees.csv"),
        ("GET", f"/admin/events/{e}/attendees.xlsx"),
        ("GET", f"/admin/events/{e}/check-in"),
        ("POST", f"/admin/events/{e}/registrations/{r}/check-in"),
        ("POST", f"/admin/events/{e}/registrations/{r}/cancel"),
        ("GET", f"/admin/events/{e}/comp"),
        ("POST", f"/admin/events/{e}/comp"),
        ("GET", "/admin/events/members/"),
        ("GET", "/admin/events/members/new"),
        ("POST", "/admin/events/members/new"),
        ("GET", f"/admin/events/members/{o}/edit"),
        ("POST", f"/admin/events/members/{o}/edit"),
        ("POST", f"/admin/events/members/{o}/delete"),
        ("GET", "/admin/events/members/import"),
        ("POST", "/admin/events/members/import"),
    ]


@pytest.fixture
def targets():
    """One event, registration and member organisation; returns every admin URL for them."""
    from events.models import MemberDomain, MemberOrganisation

    event = make_event()
    registration = make_registration(event)
    org = MemberOrganisation(name="DDMA", created_at=event.created_at)
    org.domains = [MemberDomain(domain="ddma.nl")]
    db.session.add(org)
    db.session.commit()
    return event, registration, org, _urls(event.id, registration.id, org.id)


def _unchanged(event, registration, org):
    from events.models import MemberOrganisation

    db.session.expire_all()
    assert db.session.get(Event, event.id).capacity == 100
    assert db.session.get(MemberOrganisation, org.id).name == "DDMA"
    assert db.session.get(type(registration), registration.id).checked_in_at is None
    assert db.session.scalars(sa.select(AuditEntry)).all() == []


def test_every_route_is_listed(app):
    blueprints = ("events_admin.", "events_attendees.", "events_members.")
    routes = {r.rule for r in app.url_map.iter_rules() if r.endpoint.startswith(blueprints)}
    listed = {url.replace("/1/", "/<x>/") for _, url in _urls(1, 1, 1)}
    assert len(routes) == 16 and len(listed) == 16  # a new route must be added to _urls


def test_anonymous_users_are_sent_to_log_in(client, targets):
    *objects, urls = targets
    for method, url in urls:
        response = client.open(url, method=method)
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"], url
    _unchanged(*objects)


def test_non_admins_get_403_everywhere(client, make_user, login, targets):
    *objects, urls = targets
    login(make_user())
    for method, url in urls:
        assert client.open(url, method=method).status_code == 403, url
    _unchanged(*objects)


def test_create_event_stores_utc_cents_rate_and_speakers(admin_client):
    response = admin_client.post("/admin/events/new", data=_form())
    assert response.status_code == 302
    (event,) = _events()
    assert event.starts_at == datetime(2025, 3, 27, 11, 0, tzinfo=UTC)  # 12:00 CET
    assert event.ends_at == datetime(2025, 3, 27, 11, 45, tzinfo=UTC)
    assert event.registration_opens_at == datetime(2025, 2, 25, 11, 0, tzinfo=UTC)
    assert event.registration_closes_at == event.starts_at
    assert (event.price_member_cents, event.price_non_member_cents) == (0, 5000)
    assert event.vat_rate == Decimal("0.21")
    assert [(s.name, s.role, s.organisation, s.position) for s in event.speakers] == [
        ("Isa Nieuwstad", "Legal Counsel", "DDMA", 0),
        ("Janus de Visser", "Operations Director", "Cloud Nine Digital", 1),
    ]
    audit = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert audit == ["event.created"]


def test_summer_time_is_respected(admin_client):
    form = _form(starts_at="2025-06-12T18:00", ends_at="2025-06-12T19:00")
    assert admin_client.post("/admin/events/new", data=form).status_code == 302
    assert _events()[0].starts_at == datetime(2025, 6, 12, 16, 0, tzinfo=UTC)  # CEST


BAD = [
    ({"slug": "Bad Slug"}, "lower-case letters"),
    ({"slug": "a--b"}, "lower-case letters"),
    ({"title_en": ""}, "This field is required"),
    ({"ends_at": "2025-03-27T11:00"}, "The end must be after the start"),
    ({"ends_at": "not a date"}, "Not a valid datetime"),
    ({"price_non_member": "12,345"}, "at most two decimals"),
    ({"price_non_member": "-1"}, "cannot be negative"),
    ({"price_member": "1.000,00"}, "Enter an amount in euros"),
    ({"price_member": "abc"}, "Enter an amount in euros"),
    ({"vat_percent": "100"}, "Enter a percentage"),
    ({"vat_percent": "21,125"}, "at most two decimals"),
    ({"online": None, "location": "Weesperstraat 5, Amsterdam"}, "has no join URL"),
    ({"online": None, "join_url": ""}, "This field is required"),
    ({"location": "Weesperstraat 5"}, "An online event has no address"),
    ({"join_url": "javascript:alert(1)"}, "web address"),
    ({"capacity": "-1"}, "Capacity must be between"),
    ({"capacity": "many"}, "Not a valid integer"),
    ({"hold_minutes": "29"}, "Hold seats between 30"),
    ({"offer_hours": "0"}, "at least one hour"),
    ({"cancel_until_hours": "-1"}, "cannot be negative"),
    ({"registration_closes_at": "2025-03-27T13:00"}, "close by the end"),
    ({"registration_opens_at": "2025-03-27T12:00"}, "close after it opens"),
    ({"speakers": " | Legal Counsel"}, "name is missing"),
    ({"speakers": "A | B | C | D"}, "at most three parts"),
]


@pytest.mark.parametrize(("changes", "message"), BAD)
def test_bad_input_is_refused_and_changes_nothing(admin_client, changes, message):
    response = admin_client.post("/admin/events/new?lang=en", data=_form(**changes))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _events() == []
    assert db.session.scalars(sa.select(AuditEntry)).all() == []


def test_duplicate_slug_is_refused(admin_client):
    make_event("digital-talk-ap")
    response = admin_client.post("/admin/events/new", data=_form())
    assert response.status_code == 400
    assert "Another event already uses this slug" in response.get_data(as_text=True)
    assert len(_events()) == 1


def test_edit_form_shows_local_times_euros_percent_and_speakers(admin_client):
    event = make_event(price_non_member_cents=6050)
    event.speakers = [Speaker(name="Isa Nieuwstad", role="Legal Counsel", position=0)]
    db.session.commit()
    html = admin_client.get(f"/admin/events/{event.id}/edit").get_data(as_text=True)
    assert 'value="2025-03-20T12:00"' in html
    assert 'value="60,50"' in html
    assert 'value="21"' in html
    assert "Isa Nieuwstad | Legal Counsel</textarea>" in html


def test_edit_event_saves_changes_and_replaces_speakers(admin_client):
    event = make_event("digital-talk-ap")
    form = _form(capacity="80", speakers="Isa Nieuwstad | Legal Counsel | DDMA", published=None)
    response = admin_client.post(f"/admin/events/{event.id}/edit", data=form)
    assert response.status_code == 302
    db.session.expire_all()
    event = db.session.get(Event, event.id)
    assert (event.capacity, event.published) == (80, False)
    assert [s.name for s in event.speakers] == ["Isa Nieuwstad"]
    assert db.session.scalar(sa.select(sa.func.count(Speaker.id))) == 1
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "event.updated"))
    assert entry.data["changed"]["capacity"] == 80


def test_capacity_below_seats_held_is_refused(admin_client):
    event = make_event("digital-talk-ap", capacity=5)
    for state in ("confirmed", "pending_payment", "offered"):
        make_registration(event, state)
    make_registration(event, "cancelled")
    response = admin_client.post(f"/admin/events/{event.id}/edit", data=_form(capacity="2"))
    assert response.status_code == 400
    assert "3 seats are already taken" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Event, event.id).capacity == 5
    ok = admin_client.post(f"/admin/events/{event.id}/edit", data=_form(capacity="3"))
    assert ok.status_code == 302


def test_unknown_event_is_404(admin_client):
    assert admin_client.get("/admin/events/999/edit").status_code == 404
    assert admin_client.get("/admin/events/999/attendees").status_code == 404


def test_delete_only_without_registrations(admin_client):
    kept = make_event("kept")
    make_registration(kept, "cancelled")
    gone = make_event("gone")
    response = admin_client.post(f"/admin/events/{kept.id}/delete", data={"confirmed": "1"})
    assert response.status_code == 302
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "cannot be deleted" in page
    assert (
        admin_client.post(f"/admin/events/{gone.id}/delete", data={"confirmed": "1"}).status_code
        == 302
    )
    assert [e.slug for e in _events()] == ["kept"]


def test_index_lists_upcoming_and_past_with_counts(admin_client, clock):
    upcoming = make_event("upcoming")
    past = make_event("past", starts_at=datetime(2025, 2, 1, 11, 0, tzinfo=UTC))
    for state in ("confirmed", "confirmed", "waitlisted"):
        make_registration(upcoming, state)
    html = admin_client.get("/admin/events/").get_data(as_text=True)
    assert "Confirmed: 2" in html and "On the waiting list: 1" in html
    assert html.index("Upcoming") < html.index("upcoming") < html.index("Past") < html.index("past")
    assert past.slug in html


def test_every_admin_page_renders_with_the_demo_events(admin_client, clock):
    from demo.events_demo import FEW_LEFT_EVENT, load_demo_events

    load_demo_events(clock())
    db.session.commit()
    events = sorted(_events(), key=lambda e: e.starts_at)  # the talks of a series, the update
    ids = [e.id for e in events]
    update = next(e.id for e in events if e.slug == FEW_LEFT_EVENT)
    pages = ["/admin/events/", "/admin/events/new", "/admin/events/members/",
             "/admin/events/members/new", "/admin/events/members/import"]  # fmt: skip
    for event_id in ids:
        pages += [
            f"/admin/events/{event_id}/{p}" for p in ("edit", "attendees", "check-in", "comp")
        ]
    for url in pages:
        response = admin_client.get(url)
        assert response.status_code == 200, url
    html = admin_client.get(f"/admin/events/{update}/check-in").get_data(as_text=True)
    assert "0 of 37 confirmed attendees checked in." in html
    comp = admin_client.get(f"/admin/events/{update}/comp").get_data(as_text=True)
    assert "Seats left: 3." in comp


def test_raising_the_capacity_offers_the_new_seats_to_the_waiting_list(admin_client, outbox):
    event = make_event("digital-talk-ap", capacity=1)
    make_registration(event, "confirmed")
    first = make_registration(event, "waitlisted", email="first@example.org")
    second = make_registration(event, "waitlisted", email="second@example.org")
    response = admin_client.post(f"/admin/events/{event.id}/edit", data=_form(capacity="2"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Registration, first.id).state == "offered"
    assert db.session.get(Registration, second.id).state == "waitlisted"
    assert outbox(to="first@example.org", kind="event_offer")
