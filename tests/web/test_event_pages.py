"""Public event pages in Dutch and English: prices, seat signals, share links, .ics download."""

from __future__ import annotations

import re
from datetime import timedelta

from core.extensions import db
from events.models import Speaker
from tests.factories import (
    START,
    make_event,
    make_registration,
)

EN = {"Accept-Language": "en"}


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_event_page_shows_prices_the_dutch_way(client):
    event = make_event()
    page = _text(client.get(f"/events/{event.slug}?lang=nl"))
    assert "€50 excl. btw (€60,50 incl. btw)" in page
    assert "Gratis" in page
    assert "DDMA Digital Talk: AP en cookiehandhaving" in page


def test_event_page_in_english(client):
    event = make_event()
    page = _text(client.get(f"/events/{event.slug}", headers=EN))
    assert "Free for members" in page
    assert "€50 excl. VAT (€60.50 incl. VAT) for non-members" in page
    assert "DDMA Digital Talk: the DPA and cookie enforcement" in page


def test_event_page_shows_amsterdam_time_speakers_and_register_button(client):
    event = make_event()  # 11:00 UTC in March = 12:00 in Amsterdam
    event.speakers = [Speaker(name="Isa Nieuwstad", role="Legal Counsel", position=1)]
    db.session.commit()
    page = _text(client.get(f"/events/{event.slug}", headers=EN))
    assert "Thursday 20 March 2025, 12:00" in page and "12:45" in page
    assert "Isa Nieuwstad" in page and "Legal Counsel" in page
    assert f'href="/events/{event.slug}/register"' in page
    assert "Register" in page


def test_few_places_left_signal(client):
    event = make_event(capacity=10)
    for _ in range(8):
        make_registration(event, "confirmed")
    assert "Only 2 places left" in _text(client.get(f"/events/{event.slug}", headers=EN))
    assert "Only 2 places left" in _text(client.get("/events/", headers=EN))
    roomy = make_event(slug="roomy", capacity=10)
    assert "places left" not in _text(client.get(f"/events/{roomy.slug}", headers=EN))


def test_full_event_invites_to_the_waiting_list(client):
    event = make_event(capacity=2)
    make_registration(event, "confirmed")
    make_registration(event, "offered")  # an offer holds a seat too
    page = _text(client.get(f"/events/{event.slug}", headers=EN))
    assert "Full — join the waiting list" in page and "Join the waiting list" in page
    form = _text(client.get(f"/events/{event.slug}/register", headers=EN))
    assert "This event is full" in form


def test_share_links_load_no_third_party_script(client):
    event = make_event()
    page = _text(client.get(f"/events/{event.slug}", headers=EN))
    assert "<script" not in page and "<iframe" not in page
    encoded = "http%3A%2F%2Flocalhost%2Fevents%2Fdigital-talk"
    assert f"https://www.linkedin.com/sharing/share-offsite/?url={encoded}" in page
    assert f"https://x.com/intent/post?url={encoded}" in page
    assert "mailto:?subject=" in page


def test_index_lists_upcoming_published_events_only(client, clock):
    make_event()
    make_event(slug="hidden", title_en="Hidden talk", published=False)
    make_event(
        slug="past",
        title_en="Past talk",
        starts_at=START - timedelta(days=30),
        ends_at=START - timedelta(days=30, minutes=-45),
    )
    page = _text(client.get("/events/", headers=EN))
    assert "DDMA Digital Talk: the DPA and cookie enforcement" in page
    assert "Hidden talk" not in page and "Past talk" not in page
    assert "€50 excl. VAT (€60.50 incl. VAT) for non-members" in page


def test_index_in_dutch(client):
    make_event()
    page = _text(client.get("/events/?lang=nl"))
    assert "DDMA Digital Talk: AP en cookiehandhaving" in page
    assert "€50 excl. btw (€60,50 incl. btw)" in page


def test_public_ics_has_amsterdam_time_and_no_join_link(client):
    event = make_event(join_url="https://meet.example.org/secret")
    response = client.get(f"/events/{event.slug}/calendar.ics", headers=EN)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    body = response.get_data(as_text=True)
    assert "DTSTART;TZID=Europe/Amsterdam:20250320T120000" in body
    assert "BEGIN:VTIMEZONE" in body
    assert "meet.example.org" not in body
    assert re.search(r"URL:http://localhost/events/digital-talk", body)


def test_attendee_ics_has_the_join_link_once_confirmed(client):
    event = make_event(join_url="https://meet.example.org/secret")
    confirmed = make_registration(event, "confirmed")
    waiting = make_registration(event, "waitlisted")
    body = client.get(f"/events/r/{confirmed.token}/calendar.ics", headers=EN).get_data(
        as_text=True
    )
    assert "https://meet.example.org/secret" in body.replace("\r\n ", "")
    body = client.get(f"/events/r/{waiting.token}/calendar.ics", headers=EN).get_data(as_text=True)
    assert "meet.example.org" not in body
