"""The site pages: the home page (awards programmes and the next events) and a health check."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import get_locale

from awards.models import Programme
from core.clock import now
from core.extensions import db
from events.views.presenters import upcoming_rows

bp = Blueprint("site", __name__)


@bp.get("/")
def home():
    at = now()
    programmes = db.session.scalars(
        db.select(Programme).order_by(Programme.submissions_open_at.desc())
    ).all()
    locale = "en" if str(get_locale()) == "en" else "nl"
    event_rows = upcoming_rows(at, locale, limit=3)
    return render_template("site/home.html", programmes=programmes, event_rows=event_rows, now=at)


@bp.get("/healthz")
def healthz():
    db.session.execute(db.text("SELECT 1"))
    return {"status": "ok"}
