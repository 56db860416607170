"""The staff console: every URL needs a staff login; idle sessions end; nothing is cached.

The case page (``cases``, its actions ``action_views``) and the inbox (``inbox``) add their routes to ``bp``; the app factory
imports them (``register_blueprints``), so this module imports neither."""
from __future__ import annotations

from flask import Blueprint, render_template

from ..console import guard_staff

bp = Blueprint("staff", __name__)
bp.before_request(guard_staff)


@bp.get("/")
def home():
    return render_template("staff/home.html")
