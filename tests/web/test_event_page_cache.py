"""The public event page keeps its article in the page cache (events.views.public.show):
a second view renders nothing again, and any change to what the article shows (the event,
its series, speakers and ticket types, the seats, the registration window, the language, the
page's address) shows at once, as its key names all of it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.extensions import db
from events.models import EventSeries, Speaker
from events.views import public
from tests.factories import START, make_event, make_registration
from tests.ticket_types import make_ticket_type

EN = {"Accept-Language": "en"}


@pytest.fixture
def renders(monkeypatch):
    """How often the article's price lines were computed (once per render of the article)."""
    counted = []
    real = public.price_lines

    def counting(event, locale):
        counted.append(event.id)
        return real(event, locale)

    monkeypatch.setattr(public, "price_lines", counting)
    return counted


def _page(client, event, **headers) -> str:
    response = client.get(f"/events/{event.slug}", headers={**EN, **headers})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_second_view_renders_the_article_no_more(client, renders):
    event = make_event(capacity=10)
    first = _page(client, event)
    assert _page(client, event) == first
    assert renders == [event.id]


def test_another_language_or_host_is_another_article(client, renders):
    event = make_event()
    english = _page(client, event)
    dutch = _page(client, event, **{"Accept-Language": "nl"})
    assert "Free for members" in english and "Gratis" in dutch
    other_host = _page(client, event, Host="podium.example.org")
    assert "podium.example.org" in other_host and "podium.example.org" not in english
    assert len(renders) == 3


def test_an_edit_of_the_event_shows_at_once(client, renders):
    event = make_event()
    _page(client, event)
    event.title_en = "Cookie walls, explained"
    event.price_non_member_cents = 7500
    db.session.flush()
    page = _page(client, event)
    assert "Cookie walls, explained" in page and "€75 excl. VAT" in page


def test_speakers_series_and_ticket_types_show_at_once(client, renders):
    event = make_event()
    event.speakers = [Speaker(name="Isa Nieuwstad", role="Legal Counsel", position=0)]
    db.session.flush()
    assert "Legal Counsel" in _page(client, event)
    event.speakers[0].role = "Privacy Counsel"
    db.session.flush()
    assert "Privacy Counsel" in _page(client, event)

    series = EventSeries(slug="talks", title_nl="Talks", title_en="Digital Talks",
                         created_at=START - timedelta(days=60))  # fmt: skip
    db.session.add(series)
    event.series = series
    db.session.flush()
    assert "Digital Talks" in _page(client, event)
    series.title_en = "Data Talks"
    db.session.flush()
    assert "Data Talks" in _page(client, event)

    student = make_ticket_type(event, "student", name_en="Student", price_cents=1500)
    assert "Student: €15 excl. VAT" in _page(client, event)
    student.price_cents = 2000
    db.session.flush()
    assert "Student: €20 excl. VAT" in _page(client, event)
    assert len(renders) == 6


def test_the_seats_and_the_window_show_as_they_change(client, clock, renders):
    event = make_event(capacity=3)
    assert "Only 3 places left" in _page(client, event)
    make_registration(event, "confirmed")
    assert "Only 2 places left" in _page(client, event)
    make_registration(event, "confirmed")
    make_registration(event, "offered")  # an offer holds a seat too
    assert "Full — join the waiting list" in _page(client, event)
    clock.set(START)
    assert "Registration for this event is closed." in _page(client, event)
    assert len(renders) == 4
