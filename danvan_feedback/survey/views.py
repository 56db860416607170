"""Service satisfaction survey: public (QR at the counter, after a case) and staff pages."""
from flask import Blueprint

bp = Blueprint("survey", __name__)
staff_bp = Blueprint("survey_staff", __name__)
