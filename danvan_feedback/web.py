"""Request hooks, security headers and error pages shared by every blueprint."""
from __future__ import annotations

import logging
import re
import secrets
from urllib.parse import urlsplit

from flask import Flask, g, has_request_context, render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy import event as sa_event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session
from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.routing import IntegerConverter
from werkzeug.routing import ValidationError as RoutingValidationError

from .domain.validation import INT32_MAX
from .extensions import db
from .links import public_url

log = logging.getLogger(__name__)

_ERRORS = {
    400: (_l("Yêu cầu không hợp lệ"), _l("Trình duyệt đã gửi một yêu cầu mà hệ thống không hiểu.")),
    "nul": (_l("Yêu cầu không hợp lệ"), _l("Địa chỉ hoặc biểu mẫu vừa gửi chứa ký tự không hợp lệ (ký tự NUL). Vui lòng quay lại trang trước và nhập lại.")),
    403: (_l("Không có quyền truy cập"), _l("Bạn không có quyền xem trang này.")),
    404: (_l("Không tìm thấy trang"), _l("Địa chỉ này không tồn tại hoặc đã bị gỡ.")),
    405: (_l("Thao tác không được hỗ trợ"), _l("Trang này không nhận kiểu yêu cầu vừa gửi.")),
    413: (_l("Tệp quá lớn"), _l("Tổng dung lượng gửi lên vượt quá giới hạn. Mỗi tệp tối đa %(mb)s MB, tối đa %(n)s tệp.")),
    429: (_l("Bạn thao tác quá nhanh"), _l("Bạn đã gửi quá nhiều yêu cầu trong thời gian ngắn. Vui lòng thử lại sau ít phút.")),
    500: (_l("Đã có lỗi xảy ra"), _l("Hệ thống gặp sự cố. Dữ liệu bạn nhập chưa được ghi nhận; vui lòng thử lại sau.")),
    503: (_l("Hệ thống tạm thời gián đoạn"), _l("Cơ sở dữ liệu đang không trả lời. Đơn của bạn CHƯA được ghi nhận; vui lòng thử lại sau ít phút.")),
    "unknown": (_l("Chưa xác định được kết quả"), _l("Kết nối tới cơ sở dữ liệu bị gián đoạn đúng lúc đang ghi, nên hệ thống KHÔNG BIẾT CHẮC đơn của bạn đã được ghi nhận hay chưa. Cách kiểm tra: tải lại trang này và chọn “Gửi lại” khi trình duyệt hỏi — đơn không bị ghi hai lần; nếu đơn đã được ghi nhận, bạn sẽ thấy biên nhận với mã tra cứu. Bạn cũng có thể tra cứu sau bằng số điện thoại hoặc email đã khai.")),
}

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "font-src 'self'; connect-src 'self'; form-action 'self'; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'")


class NulInRequest(BadRequest):
    """A NUL character in the path, the query or a form field: no database stores it (PostgreSQL
    refuses it in text), no person types it, so it is refused before any view runs."""

    description = "NUL character in the request"


def _has_nul(values) -> bool:
    return any("\x00" in k or any("\x00" in v for v in vs) for k, vs in values.lists())


class BoundedInt(IntegerConverter):
    """``<int:...>`` in routes: ASCII digits within the range of an Integer column, so a 20-digit
    id is "not found" rather than an overflow in the database driver."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002 (Werkzeug's names)
        super().__init__(url_map, fixed_digits, min, INT32_MAX if max is None else max, signed)

    def to_python(self, value: str):
        if not value.isascii():
            raise RoutingValidationError()
        return super().to_python(value)


def install_converters(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedInt


_STRIPPED = re.compile(r"[\t\r\n]")  # browsers drop these from a URL before resolving it
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def safe_next(target: str | None) -> str | None:
    """A local path to go back to, or None. The value is normalised the way a browser reads it
    (tab, CR and LF removed) before the check, so ``/%09/evil.example`` cannot become
    ``//evil.example``; backslashes (``/\\evil.example``) and other control characters are refused."""
    if not target or not isinstance(target, str) or len(target) > 2000:
        return None
    target = _STRIPPED.sub("", target).strip()
    if _CONTROL.search(target) or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@sa_event.listens_for(Session, "before_commit")
def _commit_started(_session) -> None:
    """Remember, for the error pages, that this request began a commit: after that, a lost
    connection leaves the outcome unknown, and the page must not claim nothing was recorded."""
    if has_request_context():
        g.commit_state = "started"


def register_hooks(app: Flask) -> None:
    production = app.config["APP_ENV"] == "production"

    @app.before_request
    def _request_setup():
        g.csp_nonce = secrets.token_urlsafe(12)
        if "\x00" in request.path or _has_nul(request.args) or (
                request.method in ("POST", "PUT", "PATCH") and _has_nul(request.form)):
            raise NulInRequest()

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
    from .domain.vocabulary import Kind
    app.jinja_env.globals["Kind"] = Kind  # the built-in kinds by name (a link to one form), never by code
    from .storage import IMAGE_MAX_SIDE
    app.config.setdefault("IMAGE_MAX_SIDE", IMAGE_MAX_SIDE)  # the form's client-side downscale (static/js/downscale.js)

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


def outcome_unknown() -> bool:
    """A POST whose commit began: it may have been recorded (a lost reply), or not."""
    return request.method == "POST" and g.get("commit_state") == "started"


def database_failed(err: Exception) -> None:
    """What every handler of a database error does first: roll back, and log the kind (never the SQL)."""
    db.session.rollback()
    log.error("database error: %s", type(err).__name__)


def unexpected_failed(err: Exception) -> None:
    """What every handler of an unexpected error does first: roll back, and log the traceback."""
    db.session.rollback()
    log.exception("unhandled error")


def _render_unknown(code: int):
    title, text = _ERRORS["unknown"]
    return render_template("errors/error.html", code=code, title=title, text=text), code


def register_errorhandlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(err):
        return render_template("errors/error.html", code=400, title=_l("Phiên làm việc đã hết hạn"),
                               text=_l("Biểu mẫu đã hết hạn hoặc thiếu mã bảo vệ. Vui lòng tải lại trang và gửi lại."),
                               back=request.path), 400

    @app.errorhandler(413)
    def _too_large(err):
        cfg = app.config  # (the register import answers its own larger limit: imports.views)
        return _render_error(413, mb=cfg["UPLOAD_MAX_FILE_BYTES"] // (1024 * 1024), n=cfg["UPLOAD_MAX_FILES"])

    # A blueprint that answers in another format (the API: JSON in the spec's form) registers its own
    # handlers for these; Flask asks a blueprint's handlers before the app's.
    @app.errorhandler(HTTPException)
    def _http(err):
        if isinstance(err, NulInRequest):
            title, text = _ERRORS["nul"]
            return render_template("errors/error.html", code=400, title=title, text=text), 400
        return _render_error(err.code if err.code in _ERRORS else 400)

    @app.errorhandler(OperationalError)
    @app.errorhandler(DBAPIError)
    def _db_down(err):
        database_failed(err)
        if outcome_unknown():
            return _render_unknown(503)
        return _render_error(503)

    @app.errorhandler(Exception)
    def _unexpected(err):
        if isinstance(err, HTTPException):
            return _http(err)
        unexpected_failed(err)
        if outcome_unknown():
            return _render_unknown(500)
        return _render_error(500)
