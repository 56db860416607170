"""Reception sessions: a day of periodic (định kỳ) or unscheduled (đột xuất) reception by the head of
the agency, in person or delegated (Law on Citizen Reception 2013 arts. 12, 18; TT 04/2021/TT-TTCP).
Visits may belong to a session; form 01/TCD counts the sessions as well as the visits
(:func:`session_counts`)."""
from __future__ import annotations

import uuid
from datetime import date, timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select, text
from wtforms.fields.choices import SelectChoice

from .. import clock
from .. import policy
from ..extensions import db
from ..models.reception import ReceptionSession, ReceptionVisit
from ..services import reception as service
from ..services import uow
from .. import console
from ..labels import HEAD_MODE, RECEPTION_TYPE
from .forms import SessionForm
from ..console import requires
from .base import _add_errors, _conflict, _token_ok, bp

console.register("reception.sessions", _l("Buổi tiếp của Thủ trưởng"), policy.can_view_reception_log,
              _l("Các buổi tiếp định kỳ, đột xuất của Thủ trưởng (trực tiếp hoặc ủy quyền); lượt tiếp thuộc buổi tiếp."), 42)


def session_choices(today: date, chosen: str | None) -> list[SelectChoice]:
    """Sessions of the last 90 days (and the one already chosen), newest first."""
    rows = db.session.execute(select(ReceptionSession).where(
        ReceptionSession.held_on >= today - timedelta(days=90)).order_by(ReceptionSession.held_on.desc())).scalars().all()
    if chosen and str(chosen).isdigit() and all(r.id != int(chosen) for r in rows):
        extra = db.session.get(ReceptionSession, int(chosen))
        if extra is not None:
            rows.append(extra)
    return [SelectChoice("", _("— Không thuộc buổi tiếp nào —"))] + [
        SelectChoice(str(r.id), f"{r.held_on:%d/%m/%Y} · {RECEPTION_TYPE[r.reception_type]} · {r.chair}") for r in rows]


def check_visit_session(v: dict) -> dict[str, str]:
    """A visit in a session happens on the session's day, under its type; it takes its head mode."""
    sid = v.get("session_id")
    if not sid:
        return {}
    s = db.session.get(ReceptionSession, sid)
    if s is None:
        return {"session_id": "session_unknown"}
    if v.get("visit_date") != s.held_on or v.get("reception_type") != s.reception_type:
        return {"session_id": "session_mismatch"}
    if not v.get("head_mode"):
        v["head_mode"] = s.head_mode
    return {}


def session_counts(conn, start: date, end: date) -> dict[str, int]:
    """For form 01/TCD: the head's reception sessions held in ``[start, end]`` (local days) by type
    and mode, and the visits recorded in them."""
    row = conn.execute(text(
        "SELECT COUNT(*),"
        " SUM(CASE WHEN reception_type = 'periodic' THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN reception_type = 'unscheduled' THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN head_mode = 'in_person' THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN head_mode = 'delegated' THEN 1 ELSE 0 END),"
        " (SELECT COUNT(*) FROM reception_visits v JOIN reception_sessions s2 ON s2.id = v.session_id"
        "  WHERE s2.held_on >= :a AND s2.held_on <= :b)"
        " FROM reception_sessions WHERE held_on >= :a AND held_on <= :b"), {"a": start, "b": end}).one()
    keys = ("sessions", "sessions_periodic", "sessions_unscheduled", "sessions_in_person", "sessions_delegated",
            "session_visits")
    return {k: int(v or 0) for k, v in zip(keys, row)}


@bp.get("/buoi-tiep")
@requires(policy.can_view_reception_log)
def sessions():
    rows = db.session.execute(
        select(ReceptionSession, func.count(ReceptionVisit.id)).outerjoin(
            ReceptionVisit, ReceptionVisit.session_id == ReceptionSession.id)
        .group_by(ReceptionSession.id).order_by(ReceptionSession.held_on.desc(), ReceptionSession.id.desc())
        .limit(200)).all()
    return render_template("reception/sessions.html", rows=rows, type_labels=RECEPTION_TYPE, head_labels=HEAD_MODE,
                           can_log=policy.can_log_reception(current_user))


def _render(form, status=200, extra=None, conflict=None):
    return render_template("reception/session_form.html", form=form, extra_errors=extra or {}, today=clock.today(),
                           conflict=conflict), status


@bp.route("/buoi-tiep/moi", methods=["GET", "POST"])
@requires(policy.can_log_reception)
def session_new():
    form = SessionForm()
    if request.method == "GET":
        form.token.data = uuid.uuid4().hex
        form.held_on.data = clock.today()
        return _render(form)
    ok = form.validate()
    errors: dict[str, str] = {}
    if form.held_on.data is None:
        errors["held_on"] = "date_required"
    elif form.held_on.data > clock.today():
        errors["held_on"] = "date_future"
    if form.reception_type.data not in ("periodic", "unscheduled"):
        errors["reception_type"] = "choice_required"
    if form.head_mode.data not in HEAD_MODE:
        errors["head_mode"] = "choice_required"
    if not form.chair.data:
        errors["chair"] = "required"
    # one session per day and type: checked by the service under that day's lock (a 409 naming who)
    _add_errors(form, errors)
    extra = {} if _token_ok(form.token.data) else {"token": _("Biểu mẫu thiếu mã phiên. Vui lòng tải lại trang rồi gửi lại.")}
    if not ok or errors or extra:
        return _render(form, 422, extra)
    try:
        _sid, duplicate = service.record_session(
            held_on=form.held_on.data, reception_type=form.reception_type.data, head_mode=form.head_mode.data,
            chair=form.chair.data, location=form.location.data or None, notes=form.notes.data or None,
            token=form.token.data, actor_id=current_user.id, now=clock.now())
    except uow.Conflict as exc:  # one session per day and type: recorded already, or a moment ago
        _add_errors(form, {"held_on": "session_duplicate"})
        return _render(form, 409, conflict=_conflict(exc))
    if duplicate:
        flash(_("Buổi tiếp này đã được ghi trước đó; không ghi thêm lần nữa."), "info")
    else:
        flash(_("Đã ghi buổi tiếp ngày %(d)s.", d=form.held_on.data.strftime("%d/%m/%Y")), "success")
    return redirect(url_for("reception.sessions"), code=303)
