"""Copy an event (/admin/events/<id>/copy): preview first, then the copy with every date moved
on the Amsterdam clock, carrying speakers, prices, texts, ticket types and questions,
unpublished; refusals change nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from core.audit.models import AuditEntry
from core.extensions import db
from events.models import Event, EventQuestion, EventSeries, Registration, Speaker, TicketType
from tests.factories import make_event, make_registration

# make_event's START: Thursday 20 March 2025, 12:00 in Amsterdam (CET, UTC+1)
START = datetime(2025, 3, 20, 11, 0, tzinfo=UTC)


@pytest.fixture
def staff_client(make_user, login):
    client = login(make_user(is_staff=True))
    with client.session_transaction() as session:
        session["lang"] = "en"
    return client


@pytest.fixture
def talk(app):
    """A talk in a series with two speakers, two ticket types (one with a sale window, one
    without), a choice question, a registration and a sent reminder."""
    series = EventSeries(slug="digital-talks", title_nl="Digital Talks", title_en="Digital Talks",
                         created_at=START - timedelta(days=60))  # fmt: skip
    db.session.add(series)
    event = make_event(
        "digital-talk-cookies",
        description_nl="## Wat neem je mee?\n\nVeel.",
        description_en="## What will you take away?\n\nA lot.",
        join_url="https://meet.example.org/cookies",
        price_member_cents=1000,
        price_non_member_cents=5000,
        vat_rate=Decimal("0.09"),
        hold_minutes=45,
        cancel_until_hours=48,
        capacity=80,
        reminder_sent_at=START - timedelta(days=1),
        series=series,
    )
    event.speakers = [
        Speaker(name="Isa Nieuwstad", role="Legal Counsel", organisation="DDMA", position=0),
        Speaker(name="Janus de Visser", role="Director", organisation="Cloud9", position=1),
    ]
    event.ticket_types = [
        TicketType(key="early", name_nl="Vroeg", name_en="Early bird", price_cents=2500,
                   capacity=20, sale_starts_at=START - timedelta(days=30),
                   sale_ends_at=START - timedelta(days=10), audience="anyone",
                   email_domains=[], position=0, created_at=START),
        TicketType(key="student", name_nl="Student", name_en="Student", price_cents=0,
                   audience="non_member", email_domains=["uva.nl", "vu.nl"], position=1,
                   active=False, created_at=START),
    ]  # fmt: skip
    event.questions = [
        EventQuestion(key="diet", kind="choice", label_nl="Dieetwensen", label_en="Dietary needs",
                      help_nl="Voor de borrel", help_en="For the drinks", required=True,
                      choices=[{"nl": "Vegetarisch", "en": "Vegetarian"}], position=0,
                      created_at=START),
    ]  # fmt: skip
    make_registration(event)
    db.session.commit()
    return event


def _form(**changes):
    data = {
        "slug": "digital-talk-cookies-2",
        "title_nl": "Digital Talk: cookies, deel 2",
        "title_en": "Digital Talk: cookies, part 2",
        "start_date": "",
        "shift_days": "7",
    }
    return {**data, **changes}


def _copy():
    db.session.expire_all()
    return db.session.scalar(sa.select(Event).where(Event.slug == "digital-talk-cookies-2"))


def _snapshot():
    db.session.expire_all()
    return {
        model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Event, Speaker, TicketType, EventQuestion, Registration, AuditEntry)
    }


def test_the_form_suggests_a_slug_and_a_week_later(staff_client, talk):
    page = staff_client.get(f"/admin/events/{talk.id}/copy")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'value="digital-talk-cookies-2"' in text and 'value="7"' in text


def test_the_preview_shows_every_date_moved_and_writes_nothing(staff_client, talk):
    before = _snapshot()
    page = staff_client.post(f"/admin/events/{talk.id}/copy", data=_form(start_date="2025-04-03"))
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Preview" in text and 'name="confirmed" value="1"' in text
    # Thursday 3 April 2025 at 12:00: summer time by then, the wall clock stays at 12:00
    assert "<td>20 March 2025, 12:00</td><td>3 April 2025, 12:00</td>" in text
    assert "Early bird: sale ends" in text
    assert _snapshot() == before


def test_the_copy_carries_everything_with_the_dates_moved(staff_client, talk):
    response = staff_client.post(
        f"/admin/events/{talk.id}/copy", data=_form(start_date="2025-04-03", confirmed="1")
    )
    copy = _copy()
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/events/{copy.id}/edit")
    original = db.session.get(Event, talk.id)
    # 12:00 CET on 20 March -> 12:00 CEST on 3 April: 10:00 UTC, 14 days on the wall clock
    assert copy.starts_at == datetime(2025, 4, 3, 10, 0, tzinfo=UTC)
    assert copy.ends_at == datetime(2025, 4, 3, 10, 45, tzinfo=UTC)
    assert copy.registration_opens_at == datetime(2025, 3, 4, 11, 0, tzinfo=UTC)  # CET still
    assert copy.registration_closes_at == copy.starts_at
    assert copy.published is False and copy.reminder_sent_at is None
    assert (copy.title_nl, copy.title_en) == ("Digital Talk: cookies, deel 2",
                                              "Digital Talk: cookies, part 2")  # fmt: skip
    for name in ("description_nl", "description_en", "kind", "online", "join_url", "location",
                 "capacity", "price_member_cents", "price_non_member_cents", "vat_rate",
                 "hold_minutes", "offer_hours", "cancel_until_hours", "series_id"):  # fmt: skip
        assert getattr(copy, name) == getattr(original, name), name
    assert [(s.name, s.role, s.organisation, s.position) for s in copy.speakers] == [
        (s.name, s.role, s.organisation, s.position) for s in original.speakers
    ]
    early, student = copy.ticket_types
    assert (early.key, early.name_en, early.price_cents, early.capacity) == (
        "early", "Early bird", 2500, 20)  # fmt: skip
    assert early.sale_starts_at == datetime(2025, 3, 4, 11, 0, tzinfo=UTC)
    assert early.sale_ends_at == datetime(2025, 3, 24, 11, 0, tzinfo=UTC)
    assert (student.sale_starts_at, student.sale_ends_at) == (None, None)
    assert (student.audience, student.email_domains, student.active) == (
        "non_member", ["uva.nl", "vu.nl"], False)  # fmt: skip
    (question,) = copy.questions
    assert (question.key, question.kind, question.label_en, question.help_nl, question.required,
            question.choices) == ("diet", "choice", "Dietary needs", "Voor de borrel", True,
                                  [{"nl": "Vegetarisch", "en": "Vegetarian"}])  # fmt: skip
    # nobody is registered for the copy; the original keeps its own rows
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(Registration.event_id == copy.id)) == 0
    )
    assert len(original.ticket_types) == 2 and len(original.questions) == 1
    audit = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [a.action for a in audit] == ["event.copied"]
    assert audit[0].data["source"] == "digital-talk-cookies" and audit[0].data["shift_days"] == 14


def test_a_shift_in_days_works_as_well(staff_client, talk):
    response = staff_client.post(
        f"/admin/events/{talk.id}/copy", data=_form(shift_days="7", confirmed="1")
    )
    assert response.status_code == 302
    assert _copy().starts_at == START + timedelta(days=7)


def test_the_copy_is_not_public_until_published(staff_client, client, talk):
    staff_client.post(f"/admin/events/{talk.id}/copy", data=_form(shift_days="7", confirmed="1"))
    assert client.get("/events/digital-talk-cookies-2").status_code == 404


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"slug": "digital-talk-cookies"}, "slug", "Another event already uses this slug."),
        ({"slug": "Not A Slug"}, "slug", "Use lower-case letters"),
        ({"title_en": ""}, "title_en", "This field is required."),
        ({"shift_days": "-30"}, "shift_days", "The copy would start in the past."),
        ({"start_date": "2025-02-20"}, "start_date", "The copy would start in the past."),
        ({"shift_days": "99999"}, "shift_days", ""),
        ({"shift_days": ""}, "start_date", "Enter a new date or a number of days."),
    ],
)
def test_refusals_change_nothing(staff_client, talk, changes, field, message):
    before = _snapshot()
    for confirmed in ("", "1"):
        response = staff_client.post(
            f"/admin/events/{talk.id}/copy", data=_form(**changes, confirmed=confirmed)
        )
        assert response.status_code == 400, changes
        assert message in response.get_data(as_text=True)
    assert _snapshot() == before


def test_a_copy_whose_registration_would_be_closed_is_refused(staff_client, talk):
    talk.registration_closes_at = START - timedelta(days=3)
    db.session.commit()
    before = _snapshot()
    response = staff_client.post(
        f"/admin/events/{talk.id}/copy", data=_form(start_date="2025-03-02", confirmed="1")
    )
    assert response.status_code == 400
    assert "Registration for the copy would already be closed" in response.get_data(as_text=True)
    assert _snapshot() == before


def test_a_slug_taken_meanwhile_is_refused_on_confirm(staff_client, talk):
    make_event("digital-talk-cookies-2", starts_at=START + timedelta(days=50))
    db.session.commit()
    before = _snapshot()
    response = staff_client.post(
        f"/admin/events/{talk.id}/copy", data=_form(shift_days="7", confirmed="1")
    )
    assert response.status_code == 400
    assert _snapshot() == before


def test_others_may_not_copy(client, make_user, login, talk):
    before = _snapshot()
    url = f"/admin/events/{talk.id}/copy"
    assert client.post(url, data=_form(shift_days="7", confirmed="1")).status_code == 302
    login(make_user())
    assert client.post(url, data=_form(shift_days="7", confirmed="1")).status_code == 403
    assert _snapshot() == before


def test_an_unknown_event_is_404(staff_client, app):
    assert staff_client.get("/admin/events/999999/copy").status_code == 404
