"""The site pages: the home page (awards programmes and the next events) and a health check."""

from __future__ import annotations

from flask import Blueprint, render_template

from awards.models import Programme
from awards.timeline import Timeline
from core.clock import now
from core.extensions import db
from core.i18n import current_locale
from events.views.presenters import group_by_series, upcoming_rows

bp = Blueprint("site", __name__)


@bp.get("/")
def home():
    at = now()
    programmes = db.session.scalars(
        db.select(Programme).order_by(Programme.submissions_open_at.desc())
    ).all()
    locale = current_locale()
    event_rows = upcoming_rows(at, locale, limit=3)
    phases = {p.id: Timeline.of(p).phase(at) for p in programmes}
    return render_template(
        "site/home.html",
        programmes=programmes,
        phases=phases,
        event_rows=event_rows,
        event_groups=group_by_series(event_rows),
    )


@bp.get("/healthz")
def healthz():
    db.session.execute(db.text("SELECT 1"))
    return {"status": "ok"}
