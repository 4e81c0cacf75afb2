"""Public event pages and registration (built in the events issue)."""

from flask import Blueprint

bp = Blueprint("events", __name__, url_prefix="/events")
