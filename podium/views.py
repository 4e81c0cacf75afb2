"""The site pages: the home page (awards programmes and the next events) and a health check."""

from __future__ import annotations

from flask import Blueprint, render_template

from awards.models import Programme
from awards.timeline import Timeline
from core import health
from core.clock import now
from core.extensions import db
from core.i18n import current_locale
from core.paging import paginate
from events.views.presenters import group_by_series, upcoming_rows

bp = Blueprint("site", __name__)
#: programmes on one page of the home page
PROGRAMMES_PER_PAGE = 12


@bp.get("/")
def home():
    """The awards programmes, newest first (`PROGRAMMES_PER_PAGE` a page, `?page=`: 404 past
    the last page), and the next three events."""
    at = now()
    page = paginate(
        db.select(Programme).order_by(Programme.submissions_open_at.desc(), Programme.id.desc()),
        size=PROGRAMMES_PER_PAGE,
    )
    programmes = page.items
    locale = current_locale()
    event_rows = upcoming_rows(at, locale, limit=3)
    phases = {p.id: Timeline.of(p).phase(at) for p in programmes}
    return render_template(
        "site/home.html",
        programmes=programmes,
        page=page,
        phases=phases,
        event_rows=event_rows,
        event_groups=group_by_series(event_rows),
    )


@bp.get("/healthz")
def healthz():
    """200 when the database (and Redis, when configured) answer, else 503 (`core.health`)."""
    found = health.checks()
    healthy = all(state == "ok" for state in found.values())
    return {"status": "ok" if healthy else "error", "checks": found}, 200 if healthy else 503
