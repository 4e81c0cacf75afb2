"""The demo's Digital Talk sells member, non-member and student tickets (demo/events_demo.py)."""

from __future__ import annotations

import sqlalchemy as sa

from core.audit.models import AuditEntry
from core.extensions import db
from demo.events_demo import TICKETS_EVENT, load_demo_events
from events.models import Event
from events.services import ticket_choice
from tests.factories import NOW


def _load(app) -> Event:
    with app.test_request_context():
        load_demo_events(NOW)
    db.session.commit()
    return db.session.scalar(sa.select(Event).where(Event.slug == TICKETS_EVENT))


def test_the_digital_talk_sells_three_ticket_types_once(app, clock):
    event = _load(app)
    types = {t.key: t for t in event.ticket_types}
    assert list(types) == ["member", "non_member", "student"]
    assert (types["member"].price_cents, types["member"].audience) == (0, "member")
    assert (types["non_member"].price_cents, types["non_member"].audience) == (5000, "non_member")
    student = types["student"]
    assert student.price_cents == 1500 and student.capacity == 20
    assert "student.uva.nl" in student.email_domains and "student.vu.nl" in student.email_domains
    audit = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    event = _load(app)  # again: nothing new
    assert [t.key for t in event.ticket_types] == ["member", "non_member", "student"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == audit


def test_a_student_address_may_buy_the_student_ticket(app, clock):
    event = _load(app)
    clock.set(event.registration_opens_at)
    options = ticket_choice.options(
        event, now=clock(), email="sam@student.uva.nl", audience="non_member"
    )
    allowed = {o.ticket_type.key for o in options if o.sale.ok and o.allowed and o.allowed.ok}
    assert allowed == {"non_member", "student"}
    others = ticket_choice.options(
        event, now=clock(), email="jan@example.org", audience="non_member"
    )
    assert {o.ticket_type.key for o in others if o.allowed and o.allowed.ok} == {"non_member"}
