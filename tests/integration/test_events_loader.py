"""`flask events load` and the demo events: create, update by slug, report every problem by path."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from core.clock import local
from core.extensions import db
from demo.events_demo import DEMO_SEATS_TAKEN, FEW_LEFT_EVENT, load_demo_events
from events.cli import events_cli
from events.models import Event, MemberDomain, MemberOrganisation, Registration, Speaker
from events.payments import few_left, seats_left
from tests.factories import make_registration

DOC = {
    "member_organisations": [
        {"name": "DDMA", "domains": ["ddma.nl"]},
        {"name": "KPN", "domains": ["KPN.com"]},
    ],
    "events": [
        {
            "slug": "digital-talk-ap",
            "title": {"nl": "DDMA Digital Talk: AP en cookiehandhaving", "en": "Digital Talk"},
            "kind": "Digital Talk",
            "description": {"nl": "Nederlands", "en": "English"},
            "starts_at": "2025-11-27T12:00",
            "ends_at": "2025-11-27T12:45",
            "online": True,
            "join_url": "https://meet.example.org/x",
            "capacity": 100,
            "prices": {"member": 0, "non_member": 5000},
            "vat_rate": "0.21",
            "speakers": [
                {"name": "Isa Nieuwstad", "role": "Legal Counsel", "organisation": "DDMA"},
                {"name": "Janus de Visser", "role": "Operations Director",
                 "organisation": "Cloud Nine Digital"},
            ],
        },
        {
            "slug": "afternoon-update",
            "title": {"nl": "Afternoon Update", "en": "Afternoon Update"},
            "kind": "Afternoon Update",
            "starts_at": "2026-03-05T14:00:00+00:00",
            "ends_at": "2026-03-05T16:30:00Z",
            "online": False,
            "location": "Weesperstraat 5, Amsterdam",
            "capacity": 40,
            "registration_opens_at": "2026-02-01T09:00",
            "registration_closes_at": "2026-03-05T12:00",
            "prices": {"member": 0, "non_member": 2500},
            "vat_rate": "0.21",
        },
    ],
}  # fmt: skip


@pytest.fixture
def run(app, tmp_path):
    """run(doc or text) -> click result of `events load FILE` through the events CLI group."""
    group = events_cli
    runner = app.test_cli_runner()

    def _run(doc):
        path = tmp_path / "events.json"
        path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
        return runner.invoke(group, ["load", str(path)])

    return _run


def _snapshot():
    db.session.expire_all()
    events = db.session.scalars(sa.select(Event).order_by(Event.slug)).all()
    return (
        [
            (e.slug, e.title_en, e.capacity, e.starts_at, [s.name for s in e.speakers])
            for e in events
        ],
        sorted(db.session.scalars(sa.select(MemberDomain.domain))),
    )


def test_load_creates_then_updates_without_duplicates(run):
    result = run(DOC)
    assert result.exit_code == 0, result.output
    assert "events: 2 created, 0 updated" in result.output
    assert "member organisations: 2 created, 0 updated" in result.output
    talk = db.session.scalar(sa.select(Event).where(Event.slug == "digital-talk-ap"))
    assert talk.starts_at == datetime(2025, 11, 27, 11, 0, tzinfo=UTC)  # naive = Amsterdam
    assert talk.registration_opens_at == talk.starts_at - timedelta(days=30)
    assert talk.registration_closes_at == talk.starts_at
    assert (talk.price_non_member_cents, talk.vat_rate) == (5000, Decimal("0.21"))
    assert [s.organisation for s in talk.speakers] == ["DDMA", "Cloud Nine Digital"]
    update = db.session.scalar(sa.select(Event).where(Event.slug == "afternoon-update"))
    assert update.ends_at == datetime(2026, 3, 5, 16, 30, tzinfo=UTC)
    assert update.registration_closes_at == datetime(2026, 3, 5, 11, 0, tzinfo=UTC)
    assert _snapshot()[1] == ["ddma.nl", "kpn.com"]

    changed = copy.deepcopy(DOC)
    changed["events"][0]["capacity"] = 120
    changed["events"][0]["speakers"] = changed["events"][0]["speakers"][:1]
    changed["member_organisations"][1]["domains"] = ["kpn.com", "kpn.nl"]
    result = run(changed)
    assert result.exit_code == 0, result.output
    assert "events: 0 created, 2 updated" in result.output
    assert "member organisations: 0 created, 1 updated" in result.output
    events, domains = _snapshot()
    assert [(slug, capacity, speakers) for slug, _, capacity, _, speakers in events] == [
        ("afternoon-update", 40, []),
        ("digital-talk-ap", 120, ["Isa Nieuwstad"]),
    ]
    assert domains == ["ddma.nl", "kpn.com", "kpn.nl"]
    assert db.session.scalar(sa.select(sa.func.count(Speaker.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(MemberOrganisation.id))) == 2


def test_validation_errors_have_paths_and_change_nothing(run):
    assert run(DOC).exit_code == 0
    before = _snapshot()
    bad = copy.deepcopy(DOC)
    talk, update = bad["events"]
    talk.update(capacity=-1, vat_rate=0.21, colour="red", ends_at="2025-11-27T11:00")
    talk["prices"] = {"member": "free", "non_member": 5000}
    talk["title"]["en"] = ""
    talk["speakers"][1] = {"role": "Director"}
    update.update(slug="digital-talk-ap", join_url="https://x.example.org", starts_at="soon")
    del update["kind"]
    bad["member_organisations"].append({"name": "Thief", "domains": ["ddma.nl", "bad domain"]})
    result = run(bad)
    assert result.exit_code == 1
    for expected in (
        "events[0].capacity: Capacity must be between",
        "events[0].vat_rate: Give the rate as a decimal string",
        "events[0].colour: Unknown field.",
        "events[0].ends_at: The end must be after the start.",
        "events[0].prices.member: Must be a whole number.",
        "events[0].title.en: This field is required.",
        "events[0].speakers[1].name: This field is required.",
        "events[1].slug: Also used by events[0].",
        "events[1].join_url: An event in person has no join URL",
        "events[1].starts_at: “soon” is not an ISO 8601 date-time.",
        "events[1].kind: This field is required.",
        "member_organisations[2].domains: ddma.nl already belongs to DDMA.",
        "member_organisations[2].domains[1]: “bad domain” is not a valid domain name.",
        "nothing was changed",
    ):
        assert expected in result.output, expected
    assert "events[1].ends_at" not in result.output  # no follow-up noise from the bad start
    assert _snapshot() == before


def test_capacity_below_seats_held_is_refused_on_update(run):
    assert run(DOC).exit_code == 0
    event = db.session.scalar(sa.select(Event).where(Event.slug == "afternoon-update"))
    for _ in range(3):
        make_registration(event, "confirmed")
    bad = copy.deepcopy(DOC)
    bad["events"][1]["capacity"] = 2
    result = run(bad)
    assert result.exit_code == 1
    assert "events[1].capacity: 3 seats are already taken" in result.output
    db.session.expire_all()
    assert db.session.get(Event, event.id).capacity == 40


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "Not valid JSON"),
        ("[]", "must be a JSON object"),
        ('{"events": {}}', "events: Must be a list."),
        ('{"events": [1], "member_organisations": ["x"]}', "events[0]: Must be an object."),
    ],
)
def test_malformed_documents_are_refused(run, text, message):
    result = run(text)
    assert result.exit_code == 1
    assert message in result.output
    assert _snapshot() == ([], [])


def test_load_demo_events_twice_is_idempotent_and_in_the_future(app):
    now = datetime(2027, 6, 15, 10, 0, tzinfo=UTC)
    lines = load_demo_events(now)
    db.session.commit()
    assert any("2 created" in line for line in lines)
    load_demo_events(now)
    db.session.commit()
    # the file's two events (the Digital Talks made from the talk: tests/integration/test_demo_series.py)
    from_file = Event.slug.in_(["digital-talk-ap-cookiehandhaving", FEW_LEFT_EVENT])
    events = db.session.scalars(sa.select(Event).where(from_file).order_by(Event.starts_at)).all()
    assert [e.slug for e in events] == ["digital-talk-ap-cookiehandhaving", FEW_LEFT_EVENT]
    talk, update = events
    assert all(e.starts_at >= now + timedelta(days=14) for e in events)
    assert talk.starts_at < now + timedelta(days=21)
    for event, (start, end) in ((talk, ("12:00", "12:45")), (update, ("15:00", "17:30"))):
        assert local(event.starts_at).strftime("%H:%M") == start
        assert local(event.ends_at).strftime("%H:%M") == end
        assert local(event.starts_at).strftime("%A") == "Thursday"
        assert event.registration_opens_at <= now < event.registration_closes_at
    assert [s.name for s in talk.speakers] == ["Isa Nieuwstad", "Janus de Visser"]
    held = db.session.scalar(
        sa.select(sa.func.count(Registration.id)).where(
            Registration.event_id == update.id, Registration.state == "confirmed"
        )
    )
    assert held == DEMO_SEATS_TAKEN
    assert seats_left(update.capacity, held) == 3 and few_left(update.capacity, held)
    orgs = db.session.scalars(sa.select(MemberOrganisation.name).order_by(MemberOrganisation.name))
    assert list(orgs) == ["ANWB", "DDMA", "KPN", "Podium Demo Member", "Rabobank"]
    assert db.session.scalar(
        sa.select(MemberDomain.domain).where(MemberDomain.domain == "member.example")
    )


def test_demo_dates_keep_local_time_across_summer_time(app):
    # loaded in summer: the November talk moves into summer time, still 12:00 in Amsterdam
    now = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    load_demo_events(now)
    talk = db.session.scalar(
        sa.select(Event).where(Event.slug == "digital-talk-ap-cookiehandhaving")
    )
    assert local(talk.starts_at).utcoffset() == timedelta(hours=2)
    assert local(talk.starts_at).strftime("%H:%M") == "12:00"
    assert talk.starts_at.strftime("%H:%M") == "10:00"
