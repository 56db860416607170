"""Administration: users, units, role names, templates, legal time limits, holiday overrides."""
from flask import Blueprint

from ..staff.views import guard_staff

bp = Blueprint("admin", __name__)
bp.before_request(guard_staff)  # every page here needs a recent staff login
