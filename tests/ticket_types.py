"""Ticket types for the tests (tests/web/test_ticket_types.py, the hostile-forms world)."""

from __future__ import annotations

from core.clock import now
from core.extensions import db
from events.models import Event, TicketType
from tests.factories import make_event, make_registration


def make_ticket_type(event: Event, key: str, **kw) -> TicketType:
    """A ticket type of `event` (for anyone, €0, sharing the event's seats); `kw` overrides."""
    values: dict = {
        "key": key,
        "name_nl": kw.pop("name_nl", key.capitalize()),
        "name_en": kw.pop("name_en", key.capitalize()),
        "price_cents": 0,
        "audience": "anyone",
        "email_domains": [],
        "position": len(event.ticket_types),
        "created_at": now(),
    }
    ticket_type = TicketType(**{**values, **kw})
    event.ticket_types.append(ticket_type)
    db.session.flush()
    return ticket_type


def typed_world() -> dict[str, str]:
    """An event selling a student and a regular ticket, and a verified registrant of it whose
    address may not buy the student ticket it picked: ids for URL arguments."""
    event = make_event("typed-talk")
    student = make_ticket_type(
        event, "student", price_cents=1500, email_domains=["student.uva.nl"], capacity=5
    )
    make_ticket_type(event, "regular", price_cents=5000)
    choosing = make_registration(
        event,
        "pending_verification",
        verified_at=now(),
        audience="non_member",
        ticket_type_id=student.id,
    )
    return {
        "typed_event_id": str(event.id),
        "ticket_type": str(student.id),
        "choosing": choosing.token,
    }
