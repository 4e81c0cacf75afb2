"""(being built)"""

from flask import Blueprint

bp = Blueprint("jury", __name__)
