"""Administration: users, units, role names, templates, legal time limits, holiday overrides."""
from flask import Blueprint

bp = Blueprint("admin", __name__)
