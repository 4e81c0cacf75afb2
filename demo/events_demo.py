"""The demo events: `demo/events.json` loaded through the same loader as `flask events load`.

Dates: the file holds the real dates of the two seed events as Amsterdam wall-clock times.
`load_demo_events(now)` moves every date of every event by the same whole number of WEEKS, the
smallest that puts the first event at least `LEAD` (14 days) after `now`'s Amsterdam date (no
move when it already is). The shift is applied to the local calendar date, so each event keeps
its weekday and its local time of day (12:00–12:45 stays 12:00–12:45 across a DST change),
and the events keep their order and distance.

Ticket types: the Digital Talk sells a free member ticket, a non-member ticket (€50 excl. VAT,
the seed's prices) and a student ticket (€15 excl. VAT, 20 of its 100 seats) for addresses
at Dutch universities' student domains (`DEMO_TICKET_TYPES`), saved by the same service as
the staff pages (`events.services.tickets.save_ticket_type`; upserted by key).

Series: the Digital Talk is the first of the series "Digital Talks" (`load_demo_series`):
`DEMO_TALKS` (3) more talks a month apart, on the same weekday of the month at the same
Amsterdam time, made from it in one go by the same service as the admin's "Make a series"
(`events.services.series.make_recurring`) — copies of its texts, speakers, prices, ticket
types and questions, not yet published (staff publish each once its topic is known), so the
public list shows the series with its published talk. Loading again makes nothing twice: the
series is found by slug and, once it holds more than the Digital Talk, left as it is.

Seats: the Afternoon Update (capacity 40) gets `DEMO_SEATS_TAKEN` (37) confirmed complimentary
registrations of fictional people at example.com / example.org / example.net, so its public
page shows that only a few places are left; each has its ticket code (given on confirming,
`events.services.ticket_codes`), so the check-in page can be tried on them. Loading again creates nothing twice: events are
upserted by slug and a demo attendee who already has a live registration is skipped.

Funnel figures: `FUNNEL_DAYS` (30) days of See/Think/Do counts for every demo event, up to
`now`'s Amsterdam date (`demo_funnel`: deterministic, page views far above registrations
started, above confirmed ones). No Care: the events have not taken place yet. Each row is
set to its value (not added to), so loading again changes nothing.

Vouchers: the Digital Talk's speakers register free with `SPEAKER_CODE` (3 uses, valid until
the talk starts), made once by the admin screens' save function.

Questions: the Afternoon Update asks its registrants about dietary needs for the drinks (a
required choice: none, vegetarian, vegan, other, and a free text for "other"), added through
`events.services.event_questions` unless it has them already; a few demo attendees have
answered (`DEMO_DIETS`), once.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask_babel import force_locale

from core.clock import local
from core.extensions import db
from events.models import Event, EventSeries, FunnelCount, Registration
from events.payments import TERMINAL
from events.recurrence import next_date
from events.services import event_questions, vouchers
from events.services.admin_registrations import SoldOut, add_comp
from events.services.event_questions import QuestionData
from events.services.loader import load_document, parse_moment
from events.services.series import SeriesData, make_recurring, save_series, talks
from events.services.tickets import TicketTypeData, save_ticket_type

EVENTS_FILE = Path(__file__).resolve().parent / "events.json"
LEAD = timedelta(days=14)
FEW_LEFT_EVENT = "afternoon-update-impact-marketplaces"
DEMO_SEATS_TAKEN = 37
# vouchers: the speakers of the Digital Talk register free with this code
SPEAKER_EVENT = "digital-talk-ap-cookiehandhaving"
SPEAKER_CODE = "SPREKER-COOKIES"
SPEAKER_USES = 3
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
FUNNEL_DAYS = 30
DIET_QUESTIONS = (
    QuestionData(
        key="dieet",
        kind="choice",
        label_nl="Dieetwensen voor de borrel",
        label_en="Dietary needs for the drinks",
        help_nl="Na afloop is er een borrel met hapjes.",
        help_en="The afternoon ends with drinks and snacks.",
        choices=[
            {"nl": "Geen", "en": "None"},
            {"nl": "Vegetarisch", "en": "Vegetarian"},
            {"nl": "Veganistisch", "en": "Vegan"},
            {"nl": "Anders", "en": "Other"},
        ],
        required=True,
    ),
    QuestionData(
        key="dieet_anders",
        kind="text",
        label_nl="Anders, namelijk",
        label_en="Other, namely",
        help_nl="Bijvoorbeeld een allergie.",
        help_en="For example an allergy.",
    ),
)
#: demo attendee (by number, 1-based) -> their answers by question key
DEMO_DIETS = {
    1: {"dieet": "Vegetarisch"},
    2: {"dieet": "Geen"},
    4: {"dieet": "Veganistisch"},
    7: {"dieet": "Anders", "dieet_anders": "Glutenvrij"},
    9: {"dieet": "Geen"},
}


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


def demo_funnel(index: int, day: int) -> dict[str, int]:
    """The demo counts of the `index`-th event on the `day`-th of the FUNNEL_DAYS days (0 the
    oldest): views rising towards today with a weekly ripple; about one in nine views starts
    a registration, about half of those are confirmed."""
    see = 12 + 2 * day + (day * 7 + index * 13) % 11
    think = see // 9 + (1 if (day + index) % 3 == 0 else 0)
    return {"see": see, "think": think, "do": think // 2}


def _load_funnel(events: list[Event], today: date) -> int:
    rows = 0
    for index, event in enumerate(events):
        for day in range(FUNNEL_DAYS):
            when = today - timedelta(days=FUNNEL_DAYS - 1 - day)
            for stage, count in demo_funnel(index, day).items():
                db.session.merge(FunnelCount(event_id=event.id, day=when, stage=stage, count=count))
                rows += 1
    db.session.flush()
    return rows


TICKETS_EVENT = "digital-talk-ap-cookiehandhaving"
#: student e-mail domains of Dutch universities (UvA, VU, Erasmus, Utrecht, TU Delft,
#: Groningen, Leiden)
STUDENT_DOMAINS = (
    "student.uva.nl", "student.vu.nl", "student.eur.nl", "students.uu.nl",
    "student.tudelft.nl", "student.rug.nl", "umail.leidenuniv.nl",
)  # fmt: skip
DEMO_TICKET_TYPES = (
    TicketTypeData(key="member", name_nl="DDMA-lid", name_en="DDMA member", price_cents=0,
                   audience="member", position=0,
                   description_nl="Gratis voor medewerkers van DDMA-leden.",
                   description_en="Free for staff of DDMA members."),
    TicketTypeData(key="non_member", name_nl="Niet-lid", name_en="Non-member", price_cents=5000,
                   audience="non_member", position=1),
    TicketTypeData(key="student", name_nl="Studententicket", name_en="Student ticket",
                   price_cents=1500, capacity=20, email_domains=STUDENT_DOMAINS, position=2,
                   description_nl="Voor studenten met een e-mailadres van hun universiteit.",
                   description_en="For students with their university's e-mail address."),
)  # fmt: skip


def _demo_ticket_types(event: Event, *, now: datetime) -> int:
    """Save `DEMO_TICKET_TYPES` on `event` (changing an existing type of the same key);
    returns how many were created."""
    created = 0
    for data in DEMO_TICKET_TYPES:
        existing = next((t for t in event.ticket_types if t.key == data.key), None)
        save_ticket_type(event, data, ticket_type=existing, now=now, actor=None)
        created += existing is None
    return created


def _speaker_voucher(event: Event, *, now: datetime) -> str:
    """The speakers' voucher of `event` (free, SPEAKER_USES uses, valid until the talk starts),
    through the admin screens' save functions; created once, its end moved with the dates."""
    data = vouchers.VoucherData(
        kind="free",
        event_id=event.id,
        max_uses=SPEAKER_USES,
        valid_until=event.starts_at,
        note="Demo: speakers of the Digital Talk",
        code=SPEAKER_CODE,
    )
    voucher = vouchers.find_code(SPEAKER_CODE)
    if voucher is None:
        vouchers.create_voucher(data, now=now, actor=None)
    elif voucher.valid_until != event.starts_at or voucher.event_id != event.id:
        vouchers.update_voucher(voucher, data, now=now, actor=None)
    return f"{SPEAKER_EVENT}: speaker voucher {SPEAKER_CODE} (free, {SPEAKER_USES} uses)."


def _ask_about_diets(event: Event, *, now: datetime) -> int:
    """Add the dietary questions the event does not have yet, and the demo answers of the
    attendees who have none yet; returns how many answers were added."""
    asked = {q.key: q for q in event_questions.event_questions(event)}
    for data in DIET_QUESTIONS:
        if data.key not in asked:
            asked[data.key] = event_questions.save_question(event, data, actor=None, now=now)
    people = demo_attendees()
    registrations = {
        r.email: r
        for r in db.session.scalars(
            sa.select(Registration).where(Registration.event_id == event.id)
        )
    }
    answered = event_questions.answers_by_registration(r.id for r in registrations.values())
    added = 0
    for number, answers in DEMO_DIETS.items():
        registration = registrations.get(people[number - 1][1])
        if registration is None or answered.get(registration.id):
            continue
        values = event_questions.clean_answers(
            asked.values(), {f"q_{key}": value for key, value in answers.items()}
        )
        event_questions.store_answers(registration, values)
        added += len(values)
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
        answers = _ask_about_diets(event, now=now) if event is not None else 0
        talk = db.session.scalar(sa.select(Event).where(Event.slug == TICKETS_EVENT))
        types = _demo_ticket_types(talk, now=now) if talk is not None else 0
        talk = db.session.scalar(sa.select(Event).where(Event.slug == SPEAKER_EVENT))
        speakers = [_speaker_voucher(talk, now=now)] if talk is not None else []
        made = load_demo_series(now)
    slugs = [e["slug"] for e in doc["events"]]
    events = db.session.scalars(
        sa.select(Event).where(Event.slug.in_(slugs)).order_by(Event.starts_at, Event.id)
    ).all()
    funnel_rows = _load_funnel(list(events), local(now).date())
    return [
        f"Demo events ({EVENTS_FILE.name}, dates moved {days} days): {summary}.",
        f"{FEW_LEFT_EVENT}: {added} demo registrations added.",
        f"Funnel figures: {funnel_rows} daily counts for {len(events)} events.",
        f"{TICKETS_EVENT}: {types} ticket types added.",
        *speakers,
        f"{FEW_LEFT_EVENT}: dietary questions asked, {answers} demo answers added.",
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
