"""Citizen reception log (sổ tiếp công dân) and dialogue sessions (đối thoại)."""
from flask import Blueprint

from ..staff.views import guard_staff

bp = Blueprint("reception", __name__)
bp.before_request(guard_staff)  # every page here needs a recent staff login
