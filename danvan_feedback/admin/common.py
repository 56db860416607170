"""What every administration page shares: the one rule for writes (lock, check the actor again,
check the page's version), refusals put on their fields, the 409 notice, the change log line and its
audit record."""
from __future__ import annotations

import json

from flask import abort, current_app, render_template, request
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms.fields.choices import SelectChoice

from .. import clock, policy
from ..extensions import db
from ..models import Unit, User
from ..services import admin as ops
from ..services import uow
from ..services.audit import record_change


def log(action: str, target: str, changes: dict | None = None) -> None:
    """One structured line per change; callers never pass passwords or secrets."""
    record = {"event": "admin_change", "action": action, "actor_id": current_user.id, "target": target,
              "changes": changes or {}}
    current_app.logger.info("admin_change %s", json.dumps(record, ensure_ascii=False, default=str, sort_keys=True))


def audit(action: str, target: str, changes: dict | None = None) -> None:
    """The same change as an audit record, in the change's own transaction (call before the commit):
    rules, holidays, users and roles, settings and templates are part of the record."""
    record_change(current_user.id, f"admin.{action}", clock.now(), target=target,
                  changes=changes or {})


def refuse(form, exc: ops.Refused) -> dict:
    """Put a service refusal on its field; a refusal without a field goes to the summary (returned)."""
    db.session.rollback()
    if exc.field and exc.field in form:
        form[exc.field].errors = list(form[exc.field].errors) + [str(exc.message)]
        return {}
    return {"refused": str(exc.message)}


def commit(field: str, message) -> None:
    """Commit; a unique constraint hit by a concurrent request becomes a refusal on ``field``."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ops.Refused(field, message) from None


def lock_row(model, ident, *, name: str | None = None):
    """One rule for writes: start the write, take the row's lock (and ``name``'s, to serialise a
    whole kind of change), then check the actor again under it (an administrator demoted a moment
    ago by another no longer changes anything). 404 when the row is gone."""
    if name:
        uow.lock_name(name)
    row = uow.lock(model, ident, begin=not name) if model is not None else None
    if model is not None and row is None:
        db.session.rollback()
        abort(404)
    db.session.refresh(current_user._get_current_object())
    if not policy.can_manage_reference_data(current_user):
        db.session.rollback()
        abort(403)
    return row


def check_version(current: str) -> None:
    """The form was rendered from version ``request.form['version']``; a save from a page older than
    the row is a conflict (someone saved in between), never a silent overwrite."""
    seen = request.form.get("version")
    if seen and seen != current:
        raise uow.Conflict("stale")


def conflict_notice(target: str, form=None) -> str:
    """What the 409 notice says: who saved this item last, when, and which fields."""
    from ..models import AuditRecord
    db.session.rollback()
    rec = db.session.execute(select(AuditRecord).where(AuditRecord.detail.like(f'%"target": "{target}"%'))
                             .order_by(AuditRecord.seq.desc()).limit(1)).scalar_one_or_none()
    if rec is None:
        return _("Mục này vừa được thay đổi trong lúc bạn sửa.")
    who = db.session.get(User, rec.actor_id) if rec.actor_id else None
    try:
        names = list(json.loads(rec.detail).get("changes", {}))
    except ValueError:
        names = []
    labels = [str(form[n].label.text) for n in names if form is not None and n in form]
    return _("%(who)s đã lưu mục này lúc %(at)s%(fields)s.", who=(who.full_name or who.username) if who else "—",
             at=format_datetime(rec.created_at, "HH:mm:ss dd/MM/yyyy"),
             fields=(" (" + ", ".join(labels) + ")") if labels else "")


def seen(current: str) -> str:
    """The version the page keeps after a refused save: still the one the user started from."""
    return request.form.get("version") or current


def get_or_404(model, ident):
    row = db.session.get(model, ident)
    if row is None:
        abort(404)
    return row


def render(template: str, form=None, status: int | None = None, **ctx):
    if status is None:
        status = 422 if request.method == "POST" else 200
    return render_template(template, form=form, **ctx), status


def opt_int(value: str) -> int | None:
    return int(value) if value else None


def unit_choices(blank):
    rows = db.session.execute(select(Unit.id, Unit.name, Unit.active).order_by(Unit.sort_order, Unit.name)).all()
    return [SelectChoice("", blank)] + [SelectChoice(str(i), n if a else _("%(name)s (ngừng hoạt động)", name=n))
                                        for i, n, a in rows]
