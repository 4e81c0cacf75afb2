"""The demo events: `demo/events.json` loaded through the same loader as `flask events load`.

Dates: the file holds the real dates of the two seed events as Amsterdam wall-clock times.
`load_demo_events(now)` moves every date of every event by the same whole number of WEEKS, the
smallest that puts the first event at least `LEAD` (14 days) after `now`'s Amsterdam date (no
move when it already is). The shift is applied to the local calendar date, so each event keeps
its weekday and its local time of day (12:00–12:45 stays 12:00–12:45 across a DST change),
and the events keep their order and distance.

Series: the Digital Talk is the first of the series "Digital Talks" (`load_demo_series`):
`DEMO_TALKS` (3) more talks a month apart, on the same weekday of the month at the same
Amsterdam time, made from it in one go by the same service as the admin's "Make a series"
(`events.services.series.make_recurring`) — copies of its texts, speakers, prices, ticket
types and questions, not yet published (staff publish each once its topic is known), so the
public list shows the series with its published talk. Loading again makes nothing twice: the
series is found by slug and, once it holds more than the Digital Talk, left as it is.

Seats: the Afternoon Update (capacity 40) gets `DEMO_SEATS_TAKEN` (37) confirmed complimentary
registrations of fictional people at example.com / example.org / example.net, so its public
page shows that only a few places are left. Loading again creates nothing twice: events are
upserted by slug and a demo attendee who already has a live registration is skipped.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask_babel import force_locale

from core.clock import local
from core.extensions import db
from events.models import Event, EventSeries, Registration
from events.payments import TERMINAL
from events.recurrence import next_date
from events.services.admin_registrations import SoldOut, add_comp
from events.services.loader import load_document, parse_moment
from events.services.series import SeriesData, make_recurring, save_series, talks

EVENTS_FILE = Path(__file__).resolve().parent / "events.json"
LEAD = timedelta(days=14)
FEW_LEFT_EVENT = "afternoon-update-impact-marketplaces"
DEMO_SEATS_TAKEN = 37
SERIES_TEMPLATE = "digital-talk-ap-cookiehandhaving"
DEMO_TALKS = 3
DEMO_SERIES = SeriesData(
    slug="digital-talks",
    title_nl="DDMA Digital Talks",
    title_en="DDMA Digital Talks",
    description_nl="Korte online talks over wat er speelt in data-driven marketing: wetgeving, "
    "techniek en praktijk, met experts uit het DDMA-netwerk. Gratis voor DDMA-leden.",
    description_en="Short online talks on what is going on in data-driven marketing: law, "
    "technology and practice, with experts from the DDMA network. Free for DDMA members.",
)
_MOMENTS = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at")
_FIRST = ("Anouk", "Bram", "Charlotte", "Daan", "Eva", "Floor", "Gijs", "Hanna", "Ilse", "Joris",
          "Kim", "Lars", "Maaike", "Niels", "Olga", "Pieter", "Roos", "Sem", "Tess")  # fmt: skip
_LAST = ("de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "de Boer",
         "Bos", "Peters", "Hendriks", "Dekker", "van Dijk", "Kok", "Vos", "Brouwer")  # fmt: skip
_DOMAINS = ("example.com", "example.org", "example.net")


def demo_attendees(n: int = DEMO_SEATS_TAKEN) -> list[tuple[str, str, str]]:
    """`n` distinct fictional (name, e-mail, organisation) triples on example domains."""
    people = []
    for i in range(n):
        first, last = _FIRST[i % len(_FIRST)], _LAST[(i * 7) % len(_LAST)]
        slug = f"{first}.{last}".lower().replace(" ", "")
        domain = _DOMAINS[i % len(_DOMAINS)]
        people.append((f"{first} {last}", f"{slug}.{i + 1:02d}@{domain}", f"Demo B.V. {i % 5 + 1}"))
    return people


def shift_days(doc: dict, now: datetime) -> int:
    """Whole days (a multiple of 7, at least 0) to move the document's dates by (module doc)."""
    starts = [local(parse_moment(event["starts_at"])).date() for event in doc["events"]]
    days = (local(now).date() + LEAD - min(starts)).days
    return max(0, -(-days // 7)) * 7


def shifted(doc: dict, days: int) -> dict:
    """A copy of `doc` whose event dates are moved `days` calendar days in Amsterdam time,
    written as naive (Amsterdam) ISO 8601 so the loader reads them as wall-clock times."""
    doc = json.loads(json.dumps(doc))
    for event in doc["events"]:
        for key in _MOMENTS:
            if event.get(key) is not None:
                wall = local(parse_moment(event[key])).replace(tzinfo=None)
                event[key] = (wall + timedelta(days=days)).isoformat()
    return doc


def _take_demo_seats(event: Event, *, now: datetime) -> int:
    live = {
        email.lower()
        for email in db.session.scalars(
            sa.select(Registration.email).where(
                Registration.event_id == event.id,
                Registration.state.not_in([s.value for s in TERMINAL]),
            )
        )
    }
    added = 0
    for name, email, organisation in demo_attendees():
        if email in live:
            continue
        try:
            add_comp(
                event,
                name=name,
                email=email,
                organisation=organisation,
                now=now,
                actor=None,
                notify=False,
            )
        except SoldOut:
            break
        added += 1
    return added


def load_demo_events(now: datetime) -> list[str]:
    """Load `events.json` (dates moved into the future of `now`, see the module doc) and fill
    the Afternoon Update to 37 of 40 seats. Returns lines to print. Flushes; the caller commits.

    Raises InvalidInput if the file breaks a rule (nothing is written then).
    """
    doc = json.loads(EVENTS_FILE.read_text(encoding="utf-8"))
    days = shift_days(doc, now)
    with force_locale("en"):  # any message in English: a command has no request to ask
        summary = load_document(shifted(doc, days), now=now)
        event = db.session.scalar(sa.select(Event).where(Event.slug == FEW_LEFT_EVENT))
        added = _take_demo_seats(event, now=now) if event is not None else 0
        made = load_demo_series(now)
    return [
        f"Demo events ({EVENTS_FILE.name}, dates moved {days} days): {summary}.",
        f"{FEW_LEFT_EVENT}: {added} demo registrations added.",
        f"{DEMO_SERIES.slug}: {made} recurring talks made.",
    ]


def load_demo_series(now: datetime) -> int:
    """The Digital Talks series (module doc); returns how many talks were made (0 when the
    series already holds more than its first talk, or the Digital Talk is missing). Flushes."""
    template = db.session.scalar(sa.select(Event).where(Event.slug == SERIES_TEMPLATE))
    if template is None:
        return 0
    series = db.session.scalar(sa.select(EventSeries).where(EventSeries.slug == DEMO_SERIES.slug))
    if series is None:
        series = save_series(DEMO_SERIES, actor=None, now=now)
    elif [e.id for e in talks(series)] not in ([], [template.id]):
        return 0
    _series, made = make_recurring(
        template,
        series=series,
        new_series=None,
        first=next_date(local(template.starts_at).date(), "monthly"),
        count=DEMO_TALKS,
        interval="monthly",
        slug_prefix="digital-talk",
        actor=None,
        now=now,
    )
    return len(made)
