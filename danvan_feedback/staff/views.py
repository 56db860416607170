"""The staff console: every URL needs a staff login; idle sessions end; nothing is cached."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from .. import policy

bp = Blueprint("staff", __name__)


def guard_staff():
    """Before every staff request: a logged-in staff member, active recently; else to the login."""
    g.no_store = True
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if not policy.is_staff(current_user):
        abort(403)
    now = datetime.now(timezone.utc)
    last = session.get("last_seen")
    idle = timedelta(minutes=current_app.config["STAFF_IDLE_MINUTES"])
    if last is None or now - datetime.fromisoformat(last) > idle:
        logout_user()
        session.clear()
        flash(_("Phiên làm việc đã hết hạn do không hoạt động. Vui lòng đăng nhập lại."), "info")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    session["last_seen"] = now.isoformat()
    return None


bp.before_request(guard_staff)


@bp.get("/")
def home():
    return render_template("staff/home.html")


from . import cases  # noqa: E402,F401  (the case page and its actions register on bp)


from . import inbox  # noqa: E402,F401
