"""Staff login (password, then TOTP), logout that invalidates the session, password change."""
from __future__ import annotations

from datetime import datetime, timedelta

import segno
from flask import (Blueprint, current_app, flash, g, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from .. import clock
from ..extensions import db, limiter, login_manager
from ..models import OrgSetting, User
from ..passwords import hash_password, verify_password
from ..services import uow
from ..web import safe_next
from .forms import LoginForm, PasswordChangeForm, TotpForm
from ..services.auth import check_password, new_totp_secret, provisioning_uri, totp_required, verify_totp

bp = Blueprint("auth", __name__)
PENDING_TTL = timedelta(minutes=5)



@login_manager.user_loader
def load_user(raw: str):
    """The cookie holds ``id:session_version``; a bumped version (logout, password change) kills it."""
    try:
        uid, version = (int(x) for x in raw.split(":"))
    except ValueError:
        return None
    user = db.session.get(User, uid)
    if user is None or not user.active or user.session_version != version:
        return None
    return user


def _login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


def _finish_login(user: User):
    now = clock.now()
    session.pop("pending_2fa", None)
    session.pop("totp_setup", None)
    next_url = safe_next(session.pop("login_next", None))
    session.permanent = False
    login_user(user, remember=False)
    session["last_seen"] = now.isoformat()
    session["auth_at"] = now.isoformat()
    user.last_login_at = now
    db.session.commit()
    return redirect(next_url or url_for("staff.home"))


def _refused(form, template="auth/login.html"):
    message = _("Tên đăng nhập hoặc mật khẩu không đúng, hoặc tài khoản đang tạm khoá. Nếu nhập sai nhiều lần, hãy thử lại sau %(m)s phút.",
                m=current_app.config["LOGIN_LOCK_MINUTES"])
    return render_template(template, form=form, failed=message), 422


@bp.route("/dang-nhap", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    g.no_store = True
    form = LoginForm()
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(url_for("staff.home"))
        if "next" in request.args:
            session["login_next"] = safe_next(request.args.get("next"))
        return render_template("auth/login.html", form=form)
    if not form.validate():
        return render_template("auth/login.html", form=form), 422
    cfg = current_app.config
    user = check_password(form.username.data, form.password.data, now=clock.now(),
                          max_failures=cfg["LOGIN_MAX_FAILURES"], lock_minutes=cfg["LOGIN_LOCK_MINUTES"])
    if user is None:
        return _refused(form)
    if totp_required(user):
        session["pending_2fa"] = {"uid": user.id, "v": user.session_version, "at": clock.now().isoformat()}
        if not user.totp_secret:
            return redirect(url_for("auth.totp_setup"))
        return redirect(url_for("auth.totp"))
    return _finish_login(user)


def _pending_user() -> User | None:
    pending = session.get("pending_2fa")
    if not pending or clock.now() - datetime.fromisoformat(pending["at"]) > PENDING_TTL:
        session.pop("pending_2fa", None)
        return None
    user = db.session.get(User, pending["uid"])
    if user is None or not user.active or user.session_version != pending["v"]:
        return None
    return user


@bp.route("/dang-nhap/xac-thuc", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def totp():
    g.no_store = True
    user = _pending_user()
    if user is None or not user.totp_secret:
        flash(_("Vui lòng đăng nhập lại."), "info")
        return redirect(url_for("auth.login"))
    form = TotpForm()
    if request.method == "GET" or not form.validate():
        return render_template("auth/totp.html", form=form), 200 if request.method == "GET" else 422
    user = uow.lock(User, user.id)  # one rule for writes: a code is checked against the fresh last step,
    step = verify_totp(user.totp_secret, form.code.data, user.totp_last_step)  # so it works once
    if step is None:
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
            user.locked_until = clock.now() + timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
            user.failed_logins = 0
            session.pop("pending_2fa", None)
        db.session.commit()
        return render_template("auth/totp.html", form=form,
                               failed=_("Mã xác thực không đúng hoặc đã được dùng. Hãy nhập mã mới trên ứng dụng.")), 422
    user.totp_last_step = step
    return _finish_login(user)


@bp.route("/dang-nhap/thiet-lap-xac-thuc", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def totp_setup():
    """First login of a role that must use two factors: show a secret and a QR code, confirm a code."""
    g.no_store = True
    user = _pending_user()
    if user is None or user.totp_secret:
        return redirect(url_for("auth.login"))
    secret = session.get("totp_setup") or new_totp_secret()
    session["totp_setup"] = secret
    uri = provisioning_uri(secret, user.username, OrgSetting.get("org_short_name", ""))
    qr_data_uri = segno.make(uri, error="m").svg_data_uri(scale=5)
    form = TotpForm()
    if request.method == "POST" and form.validate():
        step = verify_totp(secret, form.code.data, None)
        if step is not None:
            user.totp_secret, user.totp_last_step = secret, step
            return _finish_login(user)
        return render_template("auth/totp_setup.html", form=form, secret=secret, qr=qr_data_uri, uri=uri,
                               failed=_("Mã xác thực không đúng. Kiểm tra giờ trên điện thoại rồi nhập mã mới.")), 422
    status = 422 if request.method == "POST" else 200
    return render_template("auth/totp_setup.html", form=form, secret=secret, qr=qr_data_uri, uri=uri), status


@bp.post("/dang-xuat")
@login_required
def logout():
    user = current_user._get_current_object()
    user.session_version += 1  # a copied cookie dies with this logout
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/can-bo/mat-khau", methods=["GET", "POST"])
def change_password():
    from ..console import guard_staff
    refused = guard_staff()
    if refused is not None:
        return refused
    form = PasswordChangeForm()
    if request.method == "POST" and form.validate():
        user = current_user._get_current_object()
        if not verify_password(user.password_hash, form.current.data):
            form.current.errors = [_("Mật khẩu hiện tại không đúng.")]
            return render_template("auth/password.html", form=form), 422
        user.password_hash = hash_password(form.new.data)
        user.password_changed_at = clock.now()
        user.session_version += 1  # other sessions of this user end
        db.session.commit()
        login_user(user, remember=False)
        session["auth_at"] = session["last_seen"] = clock.now().isoformat()
        flash(_("Đã đổi mật khẩu. Các phiên đăng nhập khác đã bị đăng xuất."), "success")
        return redirect(url_for("staff.home"))
    return render_template("auth/password.html", form=form), 422 if request.method == "POST" else 200
