"""What deadlines are counted with: the legal time limits and the holiday overrides of the calendar."""
from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import clock
from ..extensions import db
from ..models import CaseKind, DeadlineRule, HolidayOverride
from ..services import admin as ops
from ..services import uow
from .common import audit, check_version, commit, conflict_notice, get_or_404, lock_row, log, refuse, render, seen
from .forms import YEAR_MAX, YEAR_MIN, ActionForm, DeadlineRuleForm, HolidayForm
from .views import bp


@bp.get("/thoi-han")
def rules():
    kinds = db.session.execute(select(CaseKind).order_by(CaseKind.sort_order)).scalars().all()
    rows = db.session.execute(select(DeadlineRule).order_by(DeadlineRule.code)).scalars().all()
    groups = [(k.name_vi, [r for r in rows if r.kind_code == k.code]) for k in kinds]
    known = {k.code for k in kinds}
    other = [r for r in rows if r.kind_code not in known]
    if other:
        groups.append((_("Chung"), other))
    return render_template("admin/rules.html", groups=[g for g in groups if g[1]])


@bp.route("/thoi-han/<int:rule_id>", methods=["GET", "POST"])
def rule_edit(rule_id: int):
    rule = get_or_404(DeadlineRule, rule_id)
    if request.method == "GET":
        form = DeadlineRuleForm(formdata=None, obj=rule)
        form.days.data = str(rule.days)
        return render("admin/rule_form.html", form, rule=rule, extra={}, version=ops.version(rule))
    form = DeadlineRuleForm()
    extra = {}
    if form.validate():
        rule = lock_row(DeadlineRule, rule_id)
        try:
            check_version(ops.version(rule))
            changes = ops.update_rule(rule, days=form.days.number, day_unit=form.day_unit.data,
                                      description=form.description.data, source=form.source.data,
                                      active=form.active.data)
            audit("deadline_rule_update", f"deadline_rule:{rule.code}", changes)
            db.session.commit()
        except uow.Conflict:
            code = rule.code
            conflict = conflict_notice(f"deadline_rule:{code}", form)
            rule = get_or_404(DeadlineRule, rule_id)
            form = DeadlineRuleForm(formdata=None, obj=rule)
            form.days.data = str(rule.days)
            return render("admin/rule_form.html", form, status=409, rule=rule, extra={}, conflict=conflict,
                           version=ops.version(rule))
        except ops.Refused as exc:
            extra = refuse(form, exc)
            rule = get_or_404(DeadlineRule, rule_id)
        else:
            log("deadline_rule_update", f"deadline_rule:{rule.code}", changes)
            flash(_("Đã lưu thời hạn “%(name)s”.", name=rule.description), "success")
            return redirect(url_for(".rules") + f"#rule-{rule.id}")
    return render("admin/rule_form.html", form, rule=rule, extra=extra, version=seen(ops.version(rule)))


# --------------------------------------------------------------------------- holiday overrides

def _year_arg() -> tuple[int, str | None]:
    raw = request.args.get("nam", "").strip()
    today = clock.today().year
    if not raw:
        return today, None
    if raw.isascii() and raw.isdigit() and len(raw) <= 4 and YEAR_MIN <= int(raw) <= YEAR_MAX:
        return int(raw), None
    return today, _("Năm phải là một số từ %(a)d đến %(b)d.", a=YEAR_MIN, b=YEAR_MAX)


def _holidays_page(year: int, form, year_error=None, extra=None, status=None):
    rows = db.session.execute(select(HolidayOverride).where(HolidayOverride.day >= date(year, 1, 1),
                                                            HolidayOverride.day <= date(year, 12, 31))
                              .order_by(HolidayOverride.day)).scalars().all()
    days_off, worked = ops.known_days(year)
    return render("admin/holidays.html", form, status=status, year=year, rows=rows, days_off=days_off,
                   worked=worked, year_error=year_error, extra=extra or {}, action_form=ActionForm())


@bp.route("/ngay-nghi", methods=["GET", "POST"])
def holidays():
    year, year_error = _year_arg()
    if request.method == "GET":
        return _holidays_page(year, HolidayForm(formdata=None, data={"is_working": "0"}), year_error)
    form = HolidayForm()
    extra = {}
    if form.validate():
        day = form.day.day
        lock_row(None, None, name="admin:holidays")
        try:
            ops.add_holiday(day, form.is_working.data == "1", form.note.data or "")
            audit("holiday_add", f"holiday:{day.isoformat()}", {"is_working": form.is_working.data == "1",
                                                                  "note": form.note.data or ""})
            commit("day", _l("Ngày %(day)s đã có trong danh sách điều chỉnh.", day=day.strftime("%d/%m/%Y")))
        except ops.Refused as exc:
            extra = refuse(form, exc)
        else:
            log("holiday_add", f"holiday:{day.isoformat()}", {"is_working": form.is_working.data == "1"})
            flash(_("Đã thêm ngày %(day)s.", day=day.strftime("%d/%m/%Y")), "success")
            return redirect(url_for(".holidays", nam=day.year))
    if getattr(form.day, "day", None) is not None:
        year = form.day.day.year  # show the year of the date typed
    return _holidays_page(year, form, extra=extra, status=422)


@bp.post("/ngay-nghi/<day>/xoa")
def holiday_delete(day: str):
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        abort(404)
    lock_row(None, None, name="admin:holidays")
    row = uow.lock(HolidayOverride, parsed, begin=False)
    if row is None:
        from ..models import AuditRecord
        db.session.rollback()
        removed = db.session.execute(select(AuditRecord.seq).where(
            AuditRecord.action == "admin.holiday_remove",
            AuditRecord.detail.like(f'%"target": "holiday:{parsed.isoformat()}"%')).limit(1)).first()
        if removed is None:
            abort(404)
        # removed a moment ago (by another administrator, or a second click)
        flash(_("Ngày %(day)s không còn trong danh sách điều chỉnh (đã được xoá trước đó).",
                day=parsed.strftime("%d/%m/%Y")), "warn")
        return redirect(url_for(".holidays", nam=parsed.year))
    audit("holiday_remove", f"holiday:{parsed.isoformat()}", {"is_working": row.is_working, "note": row.note})
    db.session.delete(row)
    db.session.commit()
    log("holiday_remove", f"holiday:{parsed.isoformat()}")
    flash(_("Đã xoá ngày %(day)s khỏi danh sách điều chỉnh.", day=parsed.strftime("%d/%m/%Y")), "success")
    return redirect(url_for(".holidays", nam=parsed.year))
