"""Reply and reason templates: texts with placeholders, checked and previewed on save."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..domain.templates_text import (MALFORMED, PLACEHOLDERS, STRAY_CLOSE, STRAY_OPEN, UNKNOWN, render_template_text,
                                     template_problems)
from ..extensions import db
from ..models import OrgSetting, ReplyTemplate
from ..services import admin as ops
from ..services import uow
from .common import audit, check_version, commit, conflict_notice, get_or_404, lock_row, log, refuse, render, seen
from .forms import TemplateForm
from .views import bp

SAMPLE_VALUES = {"ten": "Nguyễn Văn A", "ma": "K7QX-4M2P", "ngay_nhan": "13/02/2026", "ngay_han": "06/03/2026",
                 "don_vi": "Chi cục Kiểm lâm"}


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
    extra, conflict = {}, None
    if request.method == "POST" and form.validate() & _body_problems(form):
        tpl_id = tpl.id if tpl is not None else None
        locked = (lock_row(ReplyTemplate, tpl_id, name="admin:templates") if tpl_id
                  else lock_row(None, None, name="admin:templates"))
        try:
            if locked is not None:
                tpl = locked
                check_version(ops.version(tpl))
            tpl, changes = ops.save_template(tpl, purpose=form.purpose.data, code=form.code.data,
                                             title=form.title.data, body=form.body.data, active=form.active.data)
            audit("template_save", f"template:{tpl.id}", changes)
            commit("code", _l("Mã mẫu “%(code)s” đã được dùng.", code=form.code.data))
        except uow.Conflict:
            conflict = conflict_notice(f"template:{tpl_id}", form)
            form = TemplateForm(formdata=None, obj=get_or_404(ReplyTemplate, tpl_id))
        except ops.Refused as exc:
            extra = refuse(form, exc)
        else:
            log("template_save", f"template:{tpl.id}", changes)
            flash(_("Đã lưu mẫu “%(title)s”.", title=tpl.title), "success")
            return redirect(url_for(".template_edit", tpl_id=tpl.id))
    version = None
    if tpl is not None:
        tpl = get_or_404(ReplyTemplate, tpl.id)
        version = ops.version(tpl) if conflict or request.method == "GET" else seen(ops.version(tpl))
    preview = None
    if tpl is not None and not template_problems(tpl.body):
        preview = render_template_text(tpl.body, {**SAMPLE_VALUES, "co_quan": OrgSetting.get("org_name", "")})
    return render("admin/template_form.html", form, status=409 if conflict else None, tpl=tpl, preview=preview,
                   extra=extra, conflict=conflict, version=version, **_template_ctx())


@bp.route("/mau-van-ban/them", methods=["GET", "POST"])
def template_new():
    form = TemplateForm(data={"active": True, "purpose": request.args.get("loai", "reply")}
                        if request.method == "GET" else None)
    return _save_template(None, form)


@bp.route("/mau-van-ban/<int:tpl_id>", methods=["GET", "POST"])
def template_edit(tpl_id: int):
    tpl = get_or_404(ReplyTemplate, tpl_id)
    form = TemplateForm(formdata=None, obj=tpl) if request.method == "GET" else TemplateForm()
    return _save_template(tpl, form)
