"""(being built)"""

from flask import Blueprint

bp = Blueprint("outbox", __name__)
