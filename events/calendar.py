"""Calendar files (.ics, RFC 5545) for events, made with the icalendar library.

Pure apart from reading the event's (and registration's) attributes: no Flask, no queries;
the caller passes the clock, the page URL and the domain for the UID.

- One VEVENT whose UID is stable per event (``podium-event-<id>@<domain>``): the public file
  and an attendee's file describe the same meeting, so importing both updates one entry
  instead of creating two.
- DTSTART/DTEND carry ``TZID=Europe/Amsterdam`` with the wall-clock time there, and the
  calendar includes the matching VTIMEZONE, so clients show the right local time.
- SUMMARY and DESCRIPTION are in the requested language; the description's Markdown is
  written as plain text (`core.markdown.to_plain_text`: no `##` or `**` in a calendar);
  LOCATION is the address, or "Online" for online events.
- A cancelled registration gets a file with METHOD:CANCEL, STATUS:CANCELLED and the same UID
  with SEQUENCE 1 (the published file's is 0), so the calendar removes the meeting it imported.
- The join link (URL and in the description) is only in an attendee's file, and only when
  that registration is confirmed and the event is online; the public file links the event page.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar
from icalendar import Event as VEvent

from core.markdown import to_plain_text

TZ = ZoneInfo("Europe/Amsterdam")
PRODID = "-//Podium//Events//NL"
#: SEQUENCE of the published (and attendee) file, and of the cancellation that replaces it
PUBLISH_SEQUENCE, CANCEL_SEQUENCE = 0, 1

_WORDS = {
    "nl": {"speakers": "Sprekers", "join": "Deelnemen", "page": "Meer informatie"},
    "en": {"speakers": "Speakers", "join": "Join", "page": "More information"},
}


def _words(locale: str) -> dict[str, str]:
    return _WORDS["en" if (locale or "").lower().startswith("en") else "nl"]


def event_uid(event, domain: str) -> str:
    """The UID of `event`'s VEVENT: ``podium-event-<id>@<domain>``."""
    return f"podium-event-{event.id}@{domain}"


def attendee_join_url(event, registration) -> str:
    """The join link for `registration`: the event's join URL when the event is online and the
    registration is confirmed, else ""."""
    if registration is None or registration.state != "confirmed" or not event.online:
        return ""
    return event.join_url or ""


def _description(event, locale: str, page_url: str, join_url: str) -> str:
    words = _words(locale)
    parts = [to_plain_text(event.description(locale))]
    if event.speakers:
        lines = []
        for speaker in event.speakers:
            extra = ", ".join(p for p in (speaker.role, speaker.organisation) if p)
            lines.append(f"- {speaker.name}" + (f" ({extra})" if extra else ""))
        parts.append(f"{words['speakers']}:\n" + "\n".join(lines))
    if join_url:
        parts.append(f"{words['join']}: {join_url}")
    parts.append(f"{words['page']}: {page_url}")
    return "\n\n".join(p for p in parts if p)


def event_calendar(
    event,
    *,
    locale: str,
    now: datetime,
    page_url: str,
    uid_domain: str,
    registration=None,
    cancelled: bool = False,
) -> bytes:
    """The .ics file for `event` in `locale` (see module doc); attendee version with `registration`;
    with `cancelled` the cancellation (METHOD:CANCEL, STATUS:CANCELLED, SEQUENCE 1, no join link).

    Raises ValueError for a naive `now` or event time.
    """
    for moment in (now, event.starts_at, event.ends_at):
        if moment.tzinfo is None:
            raise ValueError("calendar times must be timezone-aware")
    join_url = "" if cancelled else attendee_join_url(event, registration)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "CANCEL" if cancelled else "PUBLISH")
    vevent = VEvent()
    vevent.add("uid", event_uid(event, uid_domain))
    vevent.add("sequence", CANCEL_SEQUENCE if cancelled else PUBLISH_SEQUENCE)
    vevent.add("dtstamp", now.astimezone(UTC))
    vevent.add("dtstart", event.starts_at.astimezone(TZ))
    vevent.add("dtend", event.ends_at.astimezone(TZ))
    vevent.add("summary", event.title(locale))
    vevent.add("location", "Online" if event.online else (event.location or "").strip())
    vevent.add("description", _description(event, locale, page_url, join_url))
    vevent.add("url", join_url or page_url)
    vevent.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    cal.add_component(vevent)
    cal.add_missing_timezones(
        first_date=date(event.starts_at.year - 1, 1, 1),
        last_date=date(event.ends_at.year + 2, 1, 1),
    )
    return cal.to_ical()
