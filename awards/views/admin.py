"""(being built)"""

from flask import Blueprint

bp = Blueprint("awards_admin", __name__)
