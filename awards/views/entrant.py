"""(being built)"""

from flask import Blueprint

bp = Blueprint("entrant", __name__)
