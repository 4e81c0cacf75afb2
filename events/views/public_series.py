"""The public page of a series (blueprint `events_series_public`, /events/series/<slug>): its
text and its published talks, upcoming (with prices and the seat signal, as on the events
list) and past. Shows nothing personal: listed in `core.http_headers.PUBLIC_PAGES`. A fixed
number of queries whatever the number of talks."""

from __future__ import annotations

from flask import Blueprint, render_template

from core.clock import now
from core.i18n import current_locale
from events.services import series
from events.views.presenters import event_rows

bp = Blueprint("events_series_public", __name__, url_prefix="/events/series")


@bp.get("/<slug>")
def show(slug: str):
    """A series with a published talk (404 otherwise): upcoming talks soonest first, past
    talks latest first."""
    found, upcoming, past = series.public_series(slug, now=now())
    return render_template(
        "events/series.html",
        series=found,
        rows=event_rows(upcoming, current_locale()),
        past=past,
    )
