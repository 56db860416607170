"""Request hooks, security headers and error pages shared by every blueprint."""
from __future__ import annotations

import logging
import secrets

from flask import Flask, g, render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from .extensions import db

log = logging.getLogger(__name__)

_ERRORS = {
    400: (_l("Yêu cầu không hợp lệ"), _l("Trình duyệt đã gửi một yêu cầu mà hệ thống không hiểu.")),
    403: (_l("Không có quyền truy cập"), _l("Bạn không có quyền xem trang này.")),
    404: (_l("Không tìm thấy trang"), _l("Địa chỉ này không tồn tại hoặc đã bị gỡ.")),
    405: (_l("Thao tác không được hỗ trợ"), _l("Trang này không nhận kiểu yêu cầu vừa gửi.")),
    413: (_l("Tệp quá lớn"), _l("Tổng dung lượng gửi lên vượt quá giới hạn. Mỗi tệp tối đa %(mb)s MB, tối đa %(n)s tệp.")),
    429: (_l("Bạn thao tác quá nhanh"), _l("Bạn đã gửi quá nhiều yêu cầu trong thời gian ngắn. Vui lòng thử lại sau ít phút.")),
    500: (_l("Đã có lỗi xảy ra"), _l("Hệ thống gặp sự cố. Dữ liệu bạn nhập chưa được ghi nhận; vui lòng thử lại sau.")),
    503: (_l("Hệ thống tạm thời gián đoạn"), _l("Cơ sở dữ liệu đang không trả lời. Đơn của bạn CHƯA được ghi nhận; vui lòng thử lại sau ít phút.")),
}

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "font-src 'self'; connect-src 'self'; form-action 'self'; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'")


def register_hooks(app: Flask) -> None:
    production = app.config["APP_ENV"] == "production"

    @app.before_request
    def _request_setup():
        g.csp_nonce = secrets.token_urlsafe(12)

    @app.after_request
    def _security_headers(resp):
        h = resp.headers
        h.setdefault("Content-Security-Policy", CSP)
        h["X-Content-Type-Options"] = "nosniff"
        h["Referrer-Policy"] = "same-origin"
        h["X-Frame-Options"] = "DENY"
        # Geolocation only where the public form offers "use my location" (never for a denunciation).
        geo = "(self)" if g.get("allow_geolocation") else "()"
        h["Permissions-Policy"] = f"camera=(), microphone=(), geolocation={geo}, payment=()"
        if production:
            h["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        if getattr(g, "no_store", False):
            h["Cache-Control"] = "no-store"
        return resp

    app.jinja_env.globals["public_url"] = public_url

    @app.context_processor
    def _globals():
        from .services import refdata
        if "org_name" not in g:
            try:
                g.org_name = refdata.current().org_name
            except (OperationalError, DBAPIError):
                db.session.rollback()
                g.org_name = ""
        return {"org_name": g.org_name, "current_locale": str(get_locale()),
                "csp_nonce": g.get("csp_nonce", "")}


def _render_error(code: int, **fmt):
    title, text = _ERRORS.get(code, _ERRORS[500])
    return render_template("errors/error.html", code=code, title=title, text=text % fmt if fmt else text), code


def register_errorhandlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(err):
        return render_template("errors/error.html", code=400, title=_l("Phiên làm việc đã hết hạn"),
                               text=_l("Biểu mẫu đã hết hạn hoặc thiếu mã bảo vệ. Vui lòng tải lại trang và gửi lại."),
                               back=request.path), 400

    @app.errorhandler(413)
    def _too_large(err):
        cfg = app.config
        if request.blueprint == "imports":  # old registers (issue 16) have their own, larger limit
            from .imports.labels import file_problem
            return render_template("errors/error.html", code=413, title=_l("Tệp quá lớn"), back=request.path,
                                   text=file_problem("too_big", {"size_mb": round((request.content_length or 0) / 1048576, 1),
                                                                 "max_mb": cfg["IMPORT_MAX_BYTES"] // 1048576})), 413
        return _render_error(413, mb=cfg["UPLOAD_MAX_FILE_BYTES"] // (1024 * 1024), n=cfg["UPLOAD_MAX_FILES"])

    @app.errorhandler(HTTPException)
    def _http(err):
        if request.blueprint == "api":
            from .api.views import api_error
            return api_error(err.code, err.description)
        return _render_error(err.code if err.code in _ERRORS else 400)

    @app.errorhandler(OperationalError)
    @app.errorhandler(DBAPIError)
    def _db_down(err):
        db.session.rollback()
        log.error("database error: %s", type(err).__name__)
        if request.blueprint == "api":
            from .api.views import api_error
            return api_error(503, "Service temporarily unavailable")
        return _render_error(503)

    @app.errorhandler(Exception)
    def _unexpected(err):
        if isinstance(err, HTTPException):
            return _http(err)
        db.session.rollback()
        log.exception("unhandled error")
        if request.blueprint == "api":
            from .api.views import api_error
            return api_error(500, "Internal error")
        return _render_error(500)


def public_url(endpoint: str, **values) -> str:
    """An absolute link for emails and posters: PUBLIC_BASE_URL (never the request's Host header in
    production), else the current request's host, else the development address."""
    from flask import current_app, has_request_context
    base = current_app.config["PUBLIC_BASE_URL"]
    if not base:
        base = request.host_url.rstrip("/") if has_request_context() else "http://127.0.0.1:5000"
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return base + path
