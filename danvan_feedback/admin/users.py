"""Administration of user accounts: create, edit, reset a password or the second factor."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from ..extensions import db
from ..labels import role_label
from ..models import User
from ..models.auth import ROLES
from ..services import admin as ops
from ..services import uow
from .common import (audit, check_version, commit, conflict_notice, get_or_404, lock_row, log, opt_int, refuse,
                     render, seen, unit_choices)
from .forms import ActionForm, PasswordResetForm, UserCreateForm, UserEditForm
from .views import bp


def _user_form_choices(form) -> None:
    form.role.choices = [SelectChoice(r, role_label(r)) for r in ROLES]
    form.unit_id.choices = unit_choices(_("— Không thuộc đơn vị nào —"))


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
                                   unit_id=opt_int(form.unit_id.data), password=form.password.data)
            audit("user_create", f"user:{user.id}", {"username": user.username, "role": user.role, "unit_id": user.unit_id})
            commit("username", _l("Tên đăng nhập “%(name)s” đã có người dùng.", name=form.username.data))
        except ops.Refused as exc:
            extra = refuse(form, exc)
        else:
            log("user_create", f"user:{user.id}", {"username": user.username, "role": user.role, "unit_id": user.unit_id})
            flash(_("Đã tạo tài khoản %(name)s. Người dùng đăng nhập bằng mật khẩu ban đầu rồi tự đổi mật khẩu.",
                    name=user.username), "success")
            return redirect(url_for(".user_edit", user_id=user.id))
    return render("admin/user_new.html", form, extra=extra)


def _user_page(user: User, form=None, pw_form=None, extra=None, status=None, conflict=None):
    version = ops.version(user)
    if form is None:
        form = UserEditForm(formdata=None, obj=user)
        form.unit_id.data = str(user.unit_id or "")
        _user_form_choices(form)
    elif status == 422:
        version = seen(version)
    return render("admin/user_edit.html", form, status=status, user=user,
                   pw_form=pw_form or PasswordResetForm(formdata=None), action_form=ActionForm(),
                   extra=extra or {}, version=version, conflict=conflict)


@bp.route("/nguoi-dung/<int:user_id>", methods=["GET", "POST"])
def user_edit(user_id: int):
    user = get_or_404(User, user_id)
    if request.method == "GET":
        return _user_page(user)
    form = UserEditForm()
    _user_form_choices(form)
    extra = {}
    if form.validate():
        user = lock_row(User, user_id, name="admin:users")
        try:
            check_version(ops.version(user))
            changes = ops.update_user(current_user, user, full_name=form.full_name.data, email=form.email.data,
                                      role=form.role.data, unit_id=opt_int(form.unit_id.data),
                                      active=form.active.data)
            audit("user_update", f"user:{user.id}", changes)
            db.session.commit()
        except uow.Conflict:
            conflict = conflict_notice(f"user:{user_id}", form)
            return _user_page(get_or_404(User, user_id), extra={}, status=409, conflict=conflict)
        except ops.Refused as exc:
            extra = refuse(form, exc)
            user = get_or_404(User, user_id)
        else:
            log("user_update", f"user:{user.id}", changes)
            if changes.get("sessions_ended"):
                flash(_("Đã lưu. Các phiên đăng nhập hiện tại của %(name)s đã kết thúc.", name=user.username), "success")
            else:
                flash(_("Đã lưu thông tin tài khoản %(name)s.", name=user.username), "success")
            return redirect(url_for(".user_edit", user_id=user.id))
    return _user_page(user, form=form, extra=extra, status=422)


@bp.post("/nguoi-dung/<int:user_id>/mat-khau")
def user_password(user_id: int):
    user = get_or_404(User, user_id)
    pw_form = PasswordResetForm()
    extra = {}
    if pw_form.validate():
        user = lock_row(User, user_id, name="admin:users")
        try:
            ops.reset_password(current_user, user, pw_form.new.data)
            audit("user_password_reset", f"user:{user.id}")
            db.session.commit()
        except ops.Refused as exc:
            extra = refuse(pw_form, exc)
            user = get_or_404(User, user_id)
        else:
            log("user_password_reset", f"user:{user.id}")
            flash(_("Đã đặt mật khẩu mới cho %(name)s; các phiên đăng nhập của người này đã kết thúc. "
                    "Hãy trao mật khẩu trực tiếp và đề nghị đổi ngay.", name=user.username), "success")
            return redirect(url_for(".user_edit", user_id=user.id))
    return _user_page(user, pw_form=pw_form, extra=extra, status=422)


@bp.post("/nguoi-dung/<int:user_id>/xac-thuc-hai-lop")
def user_totp(user_id: int):
    user = lock_row(User, user_id, name="admin:users")
    try:
        ops.reset_totp(current_user, user)
        audit("user_totp_reset", f"user:{user.id}")
        db.session.commit()
    except ops.Refused as exc:
        db.session.rollback()
        flash(str(exc.message), "warn")
        return redirect(url_for(".user_edit", user_id=user_id))
    log("user_totp_reset", f"user:{user.id}")
    flash(_("Đã đặt lại xác thực hai lớp của %(name)s. Lần đăng nhập tới, người này sẽ thiết lập lại ứng dụng xác thực.",
            name=user.username), "success")
    return redirect(url_for(".user_edit", user_id=user_id))
