"""Service satisfaction survey: public (QR at the counter, after a case) and staff pages."""
from flask import Blueprint

from ..staff.views import guard_staff

bp = Blueprint("survey", __name__)
staff_bp = Blueprint("survey_staff", __name__)
staff_bp.before_request(guard_staff)  # every page here needs a recent staff login
