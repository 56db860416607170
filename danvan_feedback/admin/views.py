"""Administration: users, units, role names, templates, legal time limits, holiday overrides.

This module holds the blueprint, its guards and the home page; the pages add their routes to ``bp``
(``users``, ``units``, ``settings``, ``texts``, ``rules``; the app factory imports them). Views parse
the form, call one function of ``services.admin``, commit once, log, flash and redirect (``common``).
Only the admin role comes in (``policy.can_manage_reference_data``); every change is logged as one
structured line (never a password or a TOTP secret).
"""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from .. import policy
from ..console import guard_staff, register
from ..extensions import db
from ..models import DeadlineRule, HolidayOverride, ReplyTemplate, Unit, User

bp = Blueprint("admin", __name__)
bp.before_request(guard_staff)  # every page here needs a recent staff login


@bp.before_request
def _admins_only():
    if not policy.can_manage_reference_data(current_user):
        abort(403)


register("admin.index", _l("Quản trị"), policy.can_manage_reference_data,
         _l("Người dùng, đơn vị, tên vai trò, mẫu trả lời và lý do, thời hạn luật định, ngày nghỉ và ngày làm bù."),
         order=90)


@bp.get("/")
def index():
    counts = {
        "users": db.session.scalar(select(func.count()).select_from(User)),
        "units": db.session.scalar(select(func.count()).select_from(Unit)),
        "templates": db.session.scalar(select(func.count()).select_from(ReplyTemplate)),
        "rules": db.session.scalar(select(func.count()).select_from(DeadlineRule)),
        "holidays": db.session.scalar(select(func.count()).select_from(HolidayOverride)),
    }
    return render_template("admin/index.html", counts=counts)

