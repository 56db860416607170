"""The staff console's shared parts: the guard every staff blueprint runs before its views, and the
menu each feature registers its entry in (with the policy function that says who may see it)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import wraps
from datetime import datetime, timedelta
from typing import Callable

from flask import abort, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from . import clock
from . import policy


def guard_staff():
    """Before every staff request: a logged-in staff member, active recently; else to the login."""
    g.no_store = True
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if not policy.is_staff(current_user):
        abort(403)
    now = clock.now()
    last = session.get("last_seen")
    idle = timedelta(minutes=current_app.config["STAFF_IDLE_MINUTES"])
    if last is None or now - datetime.fromisoformat(last) > idle:
        logout_user()
        session.clear()
        flash(_("Phiên làm việc đã hết hạn do không hoạt động. Vui lòng đăng nhập lại."), "info")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    session["last_seen"] = now.isoformat()
    return None


def requires(check: Callable):
    """The one guard of a staff view: ``@requires(policy.can_x)`` answers 403 unless the policy
    function allows the current user. (The blueprint's ``guard_staff`` has already asked for a
    recent staff login.) A check that needs the case or visit stays in the view, after loading it."""
    def deco(fn):
        @wraps(fn)
        def wrapper(*args, **kwargs):
            if not check(current_user):
                abort(403)
            return fn(*args, **kwargs)
        return wrapper
    return deco


def guard_blueprint(bp, check: Callable | None = None) -> None:
    """Every view of ``bp``: a recent staff login, and (if given) ``check`` for the whole blueprint."""
    bp.before_request(guard_staff)
    if check is not None:
        @bp.before_request
        def _whole_blueprint():
            if not check(current_user):
                abort(403)


@dataclass(frozen=True)
class MenuItem:
    endpoint: str
    label: object
    allowed: Callable
    hint: object = ""
    order: int = 100


_ITEMS: list[MenuItem] = []


def register(endpoint: str, label, allowed: Callable, hint="", order: int = 100) -> None:
    if all(i.endpoint != endpoint for i in _ITEMS):
        _ITEMS.append(MenuItem(endpoint, label, allowed, hint, order))


def staff_menu() -> list[dict]:
    items = sorted(_ITEMS, key=lambda i: i.order)
    return [{"url": url_for(i.endpoint), "label": i.label, "hint": i.hint} for i in items
            if i.endpoint in current_app.view_functions and i.allowed(current_user)]


# The case page, drawn by staff/cases.py. Other staff blueprints whose forms sit on that page (the
# letters' "ban hành văn bản" and "phúc đáp") answer a refused form on it, with the message and the
# typed values, through this one entry instead of importing the staff blueprint.
_CASE_PAGE: list[Callable] = []


def serve_case_page(render: Callable) -> None:
    """staff/cases.py registers ``render(case_id, *, status_code, error, values)`` at import."""
    _CASE_PAGE[:] = [render]


def case_page(case_id: int, *, status_code: int, error: str, values: dict):
    """The case page again, with ``error`` and the form's ``values`` (see :func:`serve_case_page`)."""
    return _CASE_PAGE[0](case_id, status_code=status_code, error=error, values=values)
