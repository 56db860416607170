"""Open311 GeoReport v2 (JSON) at /open311/v2/."""
from __future__ import annotations

from flask import Blueprint, jsonify

bp = Blueprint("api", __name__)


def api_error(code: int, description: str):
    """Errors in the form the spec gives: a list of {code, description}."""
    resp = jsonify([{"code": code, "description": description}])
    resp.status_code = code
    return resp
