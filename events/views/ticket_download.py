"""The registrant's ticket (blueprint `events_ticket`, /events/r/<token>/ticket.pdf).

Reached by the registration's secret link token like its status page; only a confirmed
registration has a ticket (404 for any other state and for an unknown token). The PDF comes
as a download that no browser sniffs, renders with scripts, or keeps.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort

from core.clock import now
from events.payments import RegState
from events.services import notices, registrations

bp = Blueprint("events_ticket", __name__, url_prefix="/events")
#: the headers of a downloaded PDF (as `awards.storage.send_attachment` sends an entry's)
SANDBOX = "sandbox; default-src 'none'"


@bp.get("/r/<token>/ticket.pdf")
def ticket(token: str):
    """The ticket PDF (QR code and code) of a confirmed registration; 404 otherwise."""
    registration = registrations.get_registration(token)
    if registration.state != RegState.CONFIRMED:
        abort(404)
    body = notices.ticket_file(registration, now=now())
    return Response(
        body,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="ticket-{registration.event.slug}.pdf"',
            "Content-Security-Policy": SANDBOX,
            "Cache-Control": "private, no-store",
        },
    )
