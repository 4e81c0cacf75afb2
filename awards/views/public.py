"""(being built)"""

from flask import Blueprint

bp = Blueprint("awards_public", __name__)
