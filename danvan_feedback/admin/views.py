"""Administration: users, units, role names, templates, legal time limits, holiday overrides.

Views parse the form, call one function of ``admin.service``, commit once, log, flash and redirect.
Only the admin role comes in (``policy.can_manage_reference_data``); every change is logged as one
structured line (never a password or a TOTP secret).
"""
from __future__ import annotations

import json
from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from wtforms.fields.choices import SelectChoice

from .. import clock
from .. import policy
from ..domain.templates_text import (MALFORMED, PLACEHOLDERS, STRAY_CLOSE, STRAY_OPEN, UNKNOWN,
                                     render_template_text, template_problems)
from ..extensions import db
from ..models import CaseKind, DeadlineRule, HolidayOverride, OrgSetting, ReplyTemplate, Service, Unit, User
from ..models.auth import ROLES
from ..console import guard_staff, register
from ..labels import role_label
from . import service as ops
from .forms import (YEAR_MAX, YEAR_MIN, ActionForm, DeadlineRuleForm, HolidayForm, PasswordResetForm,
                    ServiceForm, SettingsForm, TemplateForm, UnitForm, UserCreateForm, UserEditForm)

bp = Blueprint("admin", __name__)
bp.before_request(guard_staff)  # every page here needs a recent staff login


@bp.before_request
def _admins_only():
    if not policy.can_manage_reference_data(current_user):
        abort(403)


register("admin.index", _l("Quản trị"), policy.can_manage_reference_data,
         _l("Người dùng, đơn vị, tên vai trò, mẫu trả lời và lý do, thời hạn luật định, ngày nghỉ và ngày làm bù."),
         order=90)

UNIT_TYPES = {"office": _l("Văn phòng"), "department": _l("Phòng chuyên môn"), "inspectorate": _l("Thanh tra"),
              "subordinate": _l("Đơn vị trực thuộc")}
SAMPLE_VALUES = {"ten": "Nguyễn Văn A", "ma": "K7QX-4M2P", "ngay_nhan": "13/02/2026", "ngay_han": "06/03/2026",
                 "don_vi": "Chi cục Kiểm lâm"}


# --------------------------------------------------------------------------- helpers

def _log(action: str, target: str, changes: dict | None = None) -> None:
    """One structured line per change; callers never pass passwords or secrets."""
    record = {"event": "admin_change", "action": action, "actor_id": current_user.id, "target": target,
              "changes": changes or {}}
    current_app.logger.info("admin_change %s", json.dumps(record, ensure_ascii=False, default=str, sort_keys=True))


def _audit(action: str, target: str, changes: dict | None = None) -> None:
    """The same change as an audit record, in the change's own transaction (call before the commit):
    rules, holidays, users and roles, settings and templates are part of the record."""

    from ..services.audit import record_change
    record_change(current_user.id, f"admin.{action}", clock.now(), target=target,
                  changes=changes or {})


def _refuse(form, exc: ops.Refused) -> dict:
    """Put a service refusal on its field; a refusal without a field goes to the summary (returned)."""
    db.session.rollback()
    if exc.field and exc.field in form:
        form[exc.field].errors = list(form[exc.field].errors) + [str(exc.message)]
        return {}
    return {"refused": str(exc.message)}


def _commit(field: str, message) -> None:
    """Commit; a unique constraint hit by a concurrent request becomes a refusal on ``field``."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ops.Refused(field, message) from None


def _get_or_404(model, ident):
    row = db.session.get(model, ident)
    if row is None:
        abort(404)
    return row


def _render(template: str, form=None, status: int | None = None, **ctx):
    if status is None:
        status = 422 if request.method == "POST" else 200
    return render_template(template, form=form, **ctx), status


def _opt_int(value: str) -> int | None:
    return int(value) if value else None


def _unit_choices(blank):
    rows = db.session.execute(select(Unit.id, Unit.name, Unit.active).order_by(Unit.sort_order, Unit.name)).all()
    return [SelectChoice("", blank)] + [SelectChoice(str(i), n if a else _("%(name)s (ngừng hoạt động)", name=n))
                                        for i, n, a in rows]


# --------------------------------------------------------------------------- home

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


# --------------------------------------------------------------------------- users

def _user_form_choices(form) -> None:
    form.role.choices = [SelectChoice(r, role_label(r)) for r in ROLES]
    form.unit_id.choices = _unit_choices(_("— Không thuộc đơn vị nào —"))


@bp.get("/nguoi-dung")
def users():
    rows = db.session.execute(select(User).order_by(User.active.desc(), User.username)).scalars().all()
    return render_template("admin/users.html", users=rows)


@bp.route("/nguoi-dung/them", methods=["GET", "POST"])
def user_new():
    form = UserCreateForm()
    _user_form_choices(form)
    extra = {}
    if request.method == "POST" and form.validate():
        try:
            user = ops.create_user(username=form.username.data, full_name=form.full_name.data,
                                   email=form.email.data, role=form.role.data,
                                   unit_id=_opt_int(form.unit_id.data), password=form.password.data)
            _audit("user_create", f"user:{user.id}", {"username": user.username, "role": user.role, "unit_id": user.unit_id})
            _commit("username", _l("Tên đăng nhập “%(name)s” đã có người dùng.", name=form.username.data))
        except ops.Refused as exc:
            extra = _refuse(form, exc)
        else:
            _log("user_create", f"user:{user.id}", {"username": user.username, "role": user.role, "unit_id": user.unit_id})
            flash(_("Đã tạo tài khoản %(name)s. Người dùng đăng nhập bằng mật khẩu ban đầu rồi tự đổi mật khẩu.",
                    name=user.username), "success")
            return redirect(url_for(".user_edit", user_id=user.id))
    return _render("admin/user_new.html", form, extra=extra)


def _user_page(user: User, form=None, pw_form=None, extra=None, status=None):
    if form is None:
        form = UserEditForm(formdata=None, obj=user)
        form.unit_id.data = str(user.unit_id or "")
        _user_form_choices(form)
    return _render("admin/user_edit.html", form, status=status, user=user,
                   pw_form=pw_form or PasswordResetForm(formdata=None), action_form=ActionForm(),
                   extra=extra or {})


@bp.route("/nguoi-dung/<int:user_id>", methods=["GET", "POST"])
def user_edit(user_id: int):
    user = _get_or_404(User, user_id)
    if request.method == "GET":
        return _user_page(user)
    form = UserEditForm()
    _user_form_choices(form)
    extra = {}
    if form.validate():
        try:
            changes = ops.update_user(current_user, user, full_name=form.full_name.data, email=form.email.data,
                                      role=form.role.data, unit_id=_opt_int(form.unit_id.data),
                                      active=form.active.data)
            _audit("user_update", f"user:{user.id}", changes)
            db.session.commit()
        except ops.Refused as exc:
            extra = _refuse(form, exc)
            user = _get_or_404(User, user_id)
        else:
            _log("user_update", f"user:{user.id}", changes)
            if changes.get("sessions_ended"):
                flash(_("Đã lưu. Các phiên đăng nhập hiện tại của %(name)s đã kết thúc.", name=user.username), "success")
            else:
                flash(_("Đã lưu thông tin tài khoản %(name)s.", name=user.username), "success")
            return redirect(url_for(".user_edit", user_id=user.id))
    return _user_page(user, form=form, extra=extra, status=422)


@bp.post("/nguoi-dung/<int:user_id>/mat-khau")
def user_password(user_id: int):
    user = _get_or_404(User, user_id)
    pw_form = PasswordResetForm()
    extra = {}
    if pw_form.validate():
        try:
            ops.reset_password(current_user, user, pw_form.new.data)
            _audit("user_password_reset", f"user:{user.id}")
            db.session.commit()
        except ops.Refused as exc:
            extra = _refuse(pw_form, exc)
            user = _get_or_404(User, user_id)
        else:
            _log("user_password_reset", f"user:{user.id}")
            flash(_("Đã đặt mật khẩu mới cho %(name)s; các phiên đăng nhập của người này đã kết thúc. "
                    "Hãy trao mật khẩu trực tiếp và đề nghị đổi ngay.", name=user.username), "success")
            return redirect(url_for(".user_edit", user_id=user.id))
    return _user_page(user, pw_form=pw_form, extra=extra, status=422)


@bp.post("/nguoi-dung/<int:user_id>/xac-thuc-hai-lop")
def user_totp(user_id: int):
    user = _get_or_404(User, user_id)
    try:
        ops.reset_totp(current_user, user)
        _audit("user_totp_reset", f"user:{user.id}")
        db.session.commit()
    except ops.Refused as exc:
        db.session.rollback()
        flash(str(exc.message), "warn")
        return redirect(url_for(".user_edit", user_id=user_id))
    _log("user_totp_reset", f"user:{user.id}")
    flash(_("Đã đặt lại xác thực hai lớp của %(name)s. Lần đăng nhập tới, người này sẽ thiết lập lại ứng dụng xác thực.",
            name=user.username), "success")
    return redirect(url_for(".user_edit", user_id=user_id))


# --------------------------------------------------------------------------- units and services

def _unit_form_choices(form, unit: Unit | None) -> None:
    types = dict(UNIT_TYPES)
    if unit is not None and unit.unit_type not in types:
        types[unit.unit_type] = unit.unit_type
    form.unit_type.choices = [SelectChoice(k, str(v)) for k, v in types.items()]
    choices = _unit_choices(_("— Không có (cấp cao nhất) —"))
    if unit is not None:
        choices = [c for c in choices if c.value != str(unit.id)]
    form.parent_id.choices = choices


@bp.get("/don-vi")
def units():
    rows = db.session.execute(select(Unit).order_by(Unit.sort_order, Unit.name)).scalars().all()
    names = {u.id: u.name for u in rows}
    return render_template("admin/units.html", units=rows, names=names, unit_types=UNIT_TYPES)


def _save_unit(unit: Unit | None, form):
    """(a redirect when saved, else None; refusals for the error summary)."""
    extra = {}
    if form.validate():
        try:
            unit, changes = ops.save_unit(unit, code=form.code.data, name=form.name.data, unit_type=form.unit_type.data,
                                          parent_id=_opt_int(form.parent_id.data), active=form.active.data,
                                          sort_order=form.sort_order.number)
            _audit("unit_save", f"unit:{unit.id}", changes)
            _commit("code", _l("Mã đơn vị “%(code)s” đã được dùng cho đơn vị khác.", code=form.code.data))
        except ops.Refused as exc:
            extra = _refuse(form, exc)
        else:
            _log("unit_save", f"unit:{unit.id}", changes)
            flash(_("Đã lưu đơn vị %(name)s.", name=unit.name), "success")
            return redirect(url_for(".unit_edit", unit_id=unit.id)), {}
    return None, extra


@bp.route("/don-vi/them", methods=["GET", "POST"])
def unit_new():
    form = UnitForm(data={"active": True, "sort_order": "100"} if request.method == "GET" else None)
    _unit_form_choices(form, None)
    extra = {}
    if request.method == "POST":
        done, extra = _save_unit(None, form)
        if done:
            return done
    return _render("admin/unit_form.html", form, unit=None, extra=extra)


@bp.route("/don-vi/<int:unit_id>", methods=["GET", "POST"])
def unit_edit(unit_id: int):
    unit = _get_or_404(Unit, unit_id)
    if request.method == "GET":
        form = UnitForm(formdata=None, obj=unit)
        form.parent_id.data, form.sort_order.data = str(unit.parent_id or ""), str(unit.sort_order)
    else:
        form = UnitForm()
    _unit_form_choices(form, unit)
    extra = {}
    if request.method == "POST":
        done, extra = _save_unit(unit, form)
        if done:
            return done
        unit = _get_or_404(Unit, unit_id)
    services = db.session.execute(select(Service).where(Service.unit_id == unit.id)
                                  .order_by(Service.active.desc(), Service.name)).scalars().all()
    return _render("admin/unit_form.html", form, unit=unit, services=services, extra=extra)


@bp.route("/don-vi/<int:unit_id>/dich-vu/them", methods=["GET", "POST"])
def service_new(unit_id: int):
    unit = _get_or_404(Unit, unit_id)
    form = ServiceForm(data={"active": True} if request.method == "GET" else None)
    return _save_service(None, unit, form)


@bp.route("/dich-vu/<int:service_id>", methods=["GET", "POST"])
def service_edit(service_id: int):
    svc = _get_or_404(Service, service_id)
    form = ServiceForm(formdata=None, obj=svc) if request.method == "GET" else ServiceForm()
    return _save_service(svc, svc.unit, form)


def _save_service(svc: Service | None, unit: Unit, form):
    extra = {}
    if request.method == "POST" and form.validate():
        try:
            svc, changes = ops.save_service(svc, unit, code=form.code.data, name=form.name.data, active=form.active.data)
            _audit("service_save", f"service:{svc.id}", changes)
            _commit("code", _l("Mã dịch vụ “%(code)s” đã được dùng.", code=form.code.data))
        except ops.Refused as exc:
            extra = _refuse(form, exc)
        else:
            _log("service_save", f"service:{svc.id}", changes)
            flash(_("Đã lưu dịch vụ %(name)s.", name=svc.name), "success")
            return redirect(url_for(".unit_edit", unit_id=unit.id))
    unit = _get_or_404(Unit, unit.id)
    if svc is not None:
        svc = _get_or_404(Service, svc.id)
    return _render("admin/service_form.html", form, unit=unit, service=svc, extra=extra)


# --------------------------------------------------------------------------- organisation settings

@bp.route("/cai-dat", methods=["GET", "POST"])
def settings():
    if request.method == "GET":
        form = SettingsForm(formdata=None, data=ops.current_settings())
        return _render("admin/settings.html", form, extra={}, roles=ROLES)
    form = SettingsForm()
    extra = {}
    if form.validate():
        values = {k: form[k].data for k in ops.SETTING_KEYS}
        values["due_soon_days"] = str(form.due_soon_days.number)
        values["satisfaction_target"] = str(form.satisfaction_target.number) if form.satisfaction_target.data else ""
        try:
            changes = ops.save_settings(values)
            _audit("settings_save", "org_settings", changes)
            db.session.commit()
        except ops.Refused as exc:
            extra = _refuse(form, exc)
        else:
            _log("settings_save", "org_settings", changes)
            flash(_("Đã lưu cài đặt của cơ quan."), "success")
            return redirect(url_for(".settings"))
    return _render("admin/settings.html", form, extra=extra, roles=ROLES)


# --------------------------------------------------------------------------- reply / reason templates

PROBLEM_MESSAGES = {
    UNKNOWN: _l("Nội dung có chỗ trống không được hỗ trợ: %(text)s."),
    MALFORMED: _l("Chỗ trống viết sai: %(text)s (viết liền, chữ thường không dấu, ví dụ {ten})."),
    STRAY_OPEN: _l("Có dấu “{” không được đóng (ở ký tự thứ %(pos)d). Muốn viết dấu ngoặc, hãy gõ {{."),
    STRAY_CLOSE: _l("Có dấu “}” thừa (ở ký tự thứ %(pos)d). Muốn viết dấu ngoặc, hãy gõ }}."),
}


def _body_problems(form) -> bool:
    """Add one message per template problem to the body field; True when the body is accepted."""
    problems = template_problems(form.body.data or "")
    for p in problems:
        form.body.errors = list(form.body.errors) + [
            str(PROBLEM_MESSAGES[p.kind]) % {"text": p.text, "pos": p.position + 1}]
    return not problems


def _template_ctx():
    return {"placeholders": PLACEHOLDERS}


@bp.get("/mau-van-ban")
def templates():
    rows = db.session.execute(select(ReplyTemplate).order_by(ReplyTemplate.purpose.desc(), ReplyTemplate.active.desc(),
                                                             ReplyTemplate.code)).scalars().all()
    return render_template("admin/templates.html", rows=rows)


def _save_template(tpl: ReplyTemplate | None, form):
    extra = {}
    if request.method == "POST" and form.validate() & _body_problems(form):
        try:
            tpl, changes = ops.save_template(tpl, purpose=form.purpose.data, code=form.code.data,
                                             title=form.title.data, body=form.body.data, active=form.active.data)
            _audit("template_save", f"template:{tpl.id}", changes)
            _commit("code", _l("Mã mẫu “%(code)s” đã được dùng.", code=form.code.data))
        except ops.Refused as exc:
            extra = _refuse(form, exc)
        else:
            _log("template_save", f"template:{tpl.id}", changes)
            flash(_("Đã lưu mẫu “%(title)s”.", title=tpl.title), "success")
            return redirect(url_for(".template_edit", tpl_id=tpl.id))
    if tpl is not None:
        tpl = _get_or_404(ReplyTemplate, tpl.id)
    preview = None
    if tpl is not None and not template_problems(tpl.body):
        preview = render_template_text(tpl.body, {**SAMPLE_VALUES, "co_quan": OrgSetting.get("org_name", "")})
    return _render("admin/template_form.html", form, tpl=tpl, preview=preview, extra=extra, **_template_ctx())


@bp.route("/mau-van-ban/them", methods=["GET", "POST"])
def template_new():
    form = TemplateForm(data={"active": True, "purpose": request.args.get("loai", "reply")}
                        if request.method == "GET" else None)
    return _save_template(None, form)


@bp.route("/mau-van-ban/<int:tpl_id>", methods=["GET", "POST"])
def template_edit(tpl_id: int):
    tpl = _get_or_404(ReplyTemplate, tpl_id)
    form = TemplateForm(formdata=None, obj=tpl) if request.method == "GET" else TemplateForm()
    return _save_template(tpl, form)


# --------------------------------------------------------------------------- legal time limits

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
    rule = _get_or_404(DeadlineRule, rule_id)
    if request.method == "GET":
        form = DeadlineRuleForm(formdata=None, obj=rule)
        form.days.data = str(rule.days)
        return _render("admin/rule_form.html", form, rule=rule, extra={})
    form = DeadlineRuleForm()
    extra = {}
    if form.validate():
        try:
            changes = ops.update_rule(rule, days=form.days.number, day_unit=form.day_unit.data,
                                      description=form.description.data, source=form.source.data,
                                      active=form.active.data)
            _audit("deadline_rule_update", f"deadline_rule:{rule.code}", changes)
            db.session.commit()
        except ops.Refused as exc:
            extra = _refuse(form, exc)
            rule = _get_or_404(DeadlineRule, rule_id)
        else:
            _log("deadline_rule_update", f"deadline_rule:{rule.code}", changes)
            flash(_("Đã lưu thời hạn “%(name)s”.", name=rule.description), "success")
            return redirect(url_for(".rules") + f"#rule-{rule.id}")
    return _render("admin/rule_form.html", form, rule=rule, extra=extra)


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
    return _render("admin/holidays.html", form, status=status, year=year, rows=rows, days_off=days_off,
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
        try:
            ops.add_holiday(day, form.is_working.data == "1", form.note.data or "")
            _audit("holiday_add", f"holiday:{day.isoformat()}", {"is_working": form.is_working.data == "1",
                                                                  "note": form.note.data or ""})
            _commit("day", _l("Ngày %(day)s đã có trong danh sách điều chỉnh.", day=day.strftime("%d/%m/%Y")))
        except ops.Refused as exc:
            extra = _refuse(form, exc)
        else:
            _log("holiday_add", f"holiday:{day.isoformat()}", {"is_working": form.is_working.data == "1"})
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
    row = _get_or_404(HolidayOverride, parsed)
    _audit("holiday_remove", f"holiday:{parsed.isoformat()}", {"is_working": row.is_working, "note": row.note})
    db.session.delete(row)
    db.session.commit()
    _log("holiday_remove", f"holiday:{parsed.isoformat()}")
    flash(_("Đã xoá ngày %(day)s khỏi danh sách điều chỉnh.", day=parsed.strftime("%d/%m/%Y")), "success")
    return redirect(url_for(".holidays", nam=parsed.year))
