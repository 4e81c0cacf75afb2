"""(being built)"""

from flask import Blueprint

bp = Blueprint("audit", __name__)
