"""The home page: open programmes and upcoming events."""

from __future__ import annotations

from flask import Blueprint, render_template

from awards.models import Programme
from core.clock import now
from core.extensions import db

bp = Blueprint("core", __name__)


@bp.get("/")
def home():
    programmes = db.session.scalars(
        db.select(Programme).order_by(Programme.submissions_open_at.desc())
    ).all()
    return render_template("core/home.html", programmes=programmes, now=now())


@bp.get("/healthz")
def healthz():
    db.session.execute(db.text("SELECT 1"))
    return {"status": "ok"}
