"""The organisation's settings (names, who must use a second factor, thresholds)."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from ..extensions import db
from ..models.auth import ROLES
from ..services import admin as ops
from ..services import uow
from .common import audit, check_version, conflict_notice, lock_row, log, refuse, render, seen
from .forms import SettingsForm
from .views import bp


@bp.route("/cai-dat", methods=["GET", "POST"])
def settings():
    if request.method == "GET":
        current = ops.current_settings()
        form = SettingsForm(formdata=None, data=current)
        return render("admin/settings.html", form, extra={}, roles=ROLES, version=ops.version(current))
    form = SettingsForm()
    extra = {}
    if form.validate():
        values = {k: form[k].data for k in ops.SETTING_KEYS}
        values["due_soon_days"] = str(form.due_soon_days.number)
        values["satisfaction_target"] = str(form.satisfaction_target.number) if form.satisfaction_target.data else ""
        lock_row(None, None, name="admin:settings")
        try:
            check_version(ops.version(ops.current_settings()))
            changes = ops.save_settings(values)
            audit("settings_save", "org_settings", changes)
            db.session.commit()
        except uow.Conflict:
            conflict = conflict_notice("org_settings", form)
            current = ops.current_settings()
            return render("admin/settings.html", SettingsForm(formdata=None, data=current), status=409, extra={},
                           roles=ROLES, version=ops.version(current), conflict=conflict)
        except ops.Refused as exc:
            extra = refuse(form, exc)
        else:
            log("settings_save", "org_settings", changes)
            flash(_("Đã lưu cài đặt của cơ quan."), "success")
            return redirect(url_for(".settings"))
    return render("admin/settings.html", form, extra=extra, roles=ROLES,
                   version=seen(ops.version(ops.current_settings())))
