"""The .ics files: time zone, local time, language, location and who gets the join link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from events.calendar import event_calendar, event_uid
from events.models import Event, Registration, Speaker

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
PAGE = "https://events.example.org/events/digital-talk"


def _event(**kw) -> Event:
    starts = kw.pop("starts_at", datetime(2025, 11, 27, 15, 0, tzinfo=UTC))
    return Event(
        id=7,
        slug="digital-talk",
        title_nl="DDMA Digital Talk: AP en cookiehandhaving",
        title_en="DDMA Digital Talk: the DPA and cookie enforcement",
        description_nl=kw.pop("description_nl", "Wat speelt er rond cookiehandhaving?"),
        description_en=kw.pop("description_en", "What is going on with cookie enforcement?"),
        starts_at=starts,
        ends_at=kw.pop("ends_at", starts + timedelta(hours=1)),
        online=kw.pop("online", True),
        join_url=kw.pop("join_url", "https://meet.example.org/talk"),
        location=kw.pop("location", ""),
        speakers=[Speaker(name="Janus de Visser", role="Operations Director", position=1)],
        **kw,
    )


def _vevent(data: bytes):
    calendar = Calendar.from_ical(data)
    (vevent,) = calendar.walk("VEVENT")
    return calendar, vevent


def _ics(event, **kw) -> tuple[str, object]:
    kw.setdefault("locale", "nl")
    data = event_calendar(event, now=NOW, page_url=PAGE, uid_domain="podium.test", **kw)
    return data.decode(), _vevent(data)[1]


def test_start_and_end_carry_the_amsterdam_zone_and_local_time():
    text, vevent = _ics(_event())  # 15:00 UTC on 27 November = 16:00 CET
    assert "DTSTART;TZID=Europe/Amsterdam:20251127T160000" in text
    assert "DTEND;TZID=Europe/Amsterdam:20251127T170000" in text
    assert "BEGIN:VTIMEZONE" in text and "TZID:Europe/Amsterdam" in text
    assert vevent.decoded("dtstart").astimezone(UTC) == datetime(2025, 11, 27, 15, 0, tzinfo=UTC)
    assert "DTSTAMP:20250301T090000Z" in text


def test_summer_time_is_two_hours_ahead():
    text, _ = _ics(_event(starts_at=datetime(2025, 6, 12, 16, 0, tzinfo=UTC)))
    assert "DTSTART;TZID=Europe/Amsterdam:20250612T180000" in text


def test_summary_and_description_follow_the_language():
    _, nl = _ics(_event(), locale="nl")
    _, en = _ics(_event(), locale="en")
    assert str(nl["summary"]) == "DDMA Digital Talk: AP en cookiehandhaving"
    assert str(en["summary"]) == "DDMA Digital Talk: the DPA and cookie enforcement"
    assert "Sprekers" in str(nl["description"]) and "Janus de Visser" in str(nl["description"])
    assert "Speakers" in str(en["description"])


def test_location_is_online_or_the_address():
    assert str(_ics(_event())[1]["location"]) == "Online"
    place = _event(online=False, location="Weesperstraat 5, Amsterdam")
    assert str(_ics(place)[1]["location"]) == "Weesperstraat 5, Amsterdam"


def test_join_link_only_in_a_confirmed_attendees_file():
    event = _event()
    public_text, public = _ics(event)
    assert "meet.example.org" not in public_text and str(public["url"]) == PAGE
    confirmed = Registration(state="confirmed")
    _, attendee = _ics(event, registration=confirmed)
    assert str(attendee["url"]) == "https://meet.example.org/talk"
    assert "https://meet.example.org/talk" in str(attendee["description"])
    pending_text, _ = _ics(event, registration=Registration(state="pending_payment"))
    assert "meet.example.org" not in pending_text
    in_person = _event(online=False, location="Amsterdam")
    in_person_text, _ = _ics(in_person, registration=confirmed)
    assert "meet.example.org" not in in_person_text


def test_uid_is_stable_per_event():
    event = _event()
    _, first = _ics(event)
    _, second = _ics(event, registration=Registration(state="confirmed"))
    assert str(first["uid"]) == str(second["uid"]) == event_uid(event, "podium.test")
    assert event_uid(event, "podium.test") == "podium-event-7@podium.test"


def test_naive_times_are_refused():
    with pytest.raises(ValueError):
        event_calendar(
            _event(), locale="nl", now=datetime(2025, 3, 1), page_url=PAGE, uid_domain="x"
        )


def test_a_cancellation_cancels_the_same_meeting_with_a_higher_sequence():
    event = _event()
    confirmed = Registration(state="confirmed")
    published = event_calendar(
        event, locale="nl", now=NOW, page_url=PAGE, uid_domain="podium.test", registration=confirmed
    )
    cancelled = event_calendar(
        event, locale="nl", now=NOW, page_url=PAGE, uid_domain="podium.test", cancelled=True
    )
    (published_cal, before), (cancel_cal, after) = _vevent(published), _vevent(cancelled)
    assert (str(published_cal["method"]), str(cancel_cal["method"])) == ("PUBLISH", "CANCEL")
    assert str(after["uid"]) == str(before["uid"]) == event_uid(event, "podium.test")
    assert int(after["sequence"]) > int(before["sequence"])
    assert str(after["status"]) == "CANCELLED"
    assert "meet.example.org" not in cancelled.decode()  # no join link in a cancellation


def test_the_description_is_plain_text_not_markdown():
    markdown = (
        "## Wat neem je mee?\n\n- **Urgentie**: de AP handhaaft\n- [Het plan](https://x.example)"
    )
    _, vevent = _ics(_event(description_nl=markdown))
    assert str(vevent["description"]).startswith(
        "Wat neem je mee?\n\n• Urgentie: de AP handhaaft\n• Het plan (https://x.example)\n\n"
    )
