"""Open311 GeoReport v2 (JSON) at /open311/v2/.

Reading is open (service list, definitions, the state of non-secret requests); filing needs an API
key (``flask --app wsgi api-keys create NAME``). The API never shows who filed a case nor what they
wrote, and never shows denunciations at all. Only JSON is served.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import uuid
from datetime import datetime, timezone

from flask import Blueprint, current_app, jsonify, request
from flask_babel import force_locale
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException

from ..extensions import db, limiter
from ..labels import status_label
from ..models import ApiKey, Case, CaseKind, Unit
from ..services import refdata
from ..services.intake import local_date, submission_from, submit_case
from ..storage import LocalStorage
from .schemas import (HIDDEN_KINDS, LIST_MAX, ApiBadRequest, parse_filters, parse_request, read_body,
                      request_json, service_definition, service_entry)

bp = Blueprint("api", __name__)
log = logging.getLogger(__name__)


def api_error(code: int, description: str):
    """Errors in the form the spec gives: a list of {code, description}."""
    resp = jsonify([{"code": code, "description": description}])
    resp.status_code = code
    return resp


def api_errors(code: int, descriptions: list[str]):
    """Several problems at once: one entry each."""
    resp = jsonify([{"code": code, "description": d} for d in descriptions])
    resp.status_code = code
    return resp


def _api_limit() -> str:
    return current_app.config["RATELIMIT_API"]


# One budget per client across the whole API (not one per endpoint).
api_limit = limiter.shared_limit(_api_limit, scope="open311",
                                 error_message="Too many requests; retry after the Retry-After delay")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _tz() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def _locale() -> str:
    return "en" if (request.args.get("locale") or "").lower().startswith("en") else "vi"


def _json_only(fmt: str):
    if fmt != "json":
        return api_error(400, "Only the JSON format is supported: use the .json extension")
    return None


@bp.after_request
def _no_store_on_post(resp):
    if request.method == "POST":
        resp.headers["Cache-Control"] = "no-store"
    return resp


def _active_kind(code: str | None):
    """The active kind (reference data, see services.refdata) named ``code``, or None."""
    if not code or not isinstance(code, str):
        return None
    kind = refdata.current().kinds.get(code)
    return kind if kind is not None and kind.active else None


# ---------------------------------------------------------------- services

@bp.get("/services.<fmt>")
@api_limit
def services(fmt: str):
    if bad := _json_only(fmt):
        return bad
    kinds = db.session.execute(select(CaseKind).where(CaseKind.active.is_(True))
                               .order_by(CaseKind.sort_order, CaseKind.code)).scalars()
    locale = _locale()
    return jsonify([service_entry(k, locale) for k in kinds])


@bp.get("/services/<service_code>.<fmt>")
@api_limit
def service(service_code: str, fmt: str):
    if bad := _json_only(fmt):
        return bad
    kind = _active_kind(service_code)
    if kind is None:
        return api_error(404, "No service with this service_code")
    return jsonify(service_definition(kind, _locale()))


# ---------------------------------------------------------------- filing

def _api_key(fields: dict) -> ApiKey | None:
    """The valid, unrevoked key given as the ``api_key`` parameter (or an ``X-Api-Key`` header)."""
    raw = fields.get("api_key") or request.headers.get("X-Api-Key")
    if not raw or not isinstance(raw, str) or len(raw) > 200:
        return None
    digest = hashlib.sha256(raw.encode()).hexdigest()
    key = db.session.execute(select(ApiKey).where(ApiKey.key_hash == digest)).scalar_one_or_none()
    if key is None or key.revoked_at is not None:
        return None
    return key


def _submission_token(key: ApiKey, idempotency_key: str | None) -> str:
    """The case's submission token. A client's idempotency key is scoped to its API key and hashed
    with a server secret, so it can never name a web form's token or another partner's case."""
    if idempotency_key is None:
        return uuid.uuid4().hex
    msg = f"open311-idempotency:{key.id}:{idempotency_key}".encode()
    return hmac.new(current_app.config["SECRET_KEY"].encode(), msg, hashlib.sha256).hexdigest()


_NOTICE = {
    "vi": "Đã tiếp nhận. Người gửi theo dõi hồ sơ bằng mã tra cứu và mã PIN; mã PIN chỉ được cấp một lần.",
    "en": "Received. The citizen follows the case with the tracking code and the PIN; the PIN is given only once.",
}
_NOTICE_AGAIN = {
    "vi": "Yêu cầu này đã được tiếp nhận trước đó (cùng khoá chống gửi trùng); mã PIN không được cấp lại.",
    "en": "This request was already received (same idempotency key); the PIN is not given again.",
}


@bp.route("/requests.<fmt>", methods=["GET", "POST"])
@api_limit
def requests_(fmt: str):
    if bad := _json_only(fmt):
        return bad
    if request.method == "GET":
        return _list_requests()
    return _create_request()


def _create_request():
    try:
        fields = read_body(request)
    except ApiBadRequest as exc:
        return api_errors(400, exc.descriptions)
    key = _api_key(fields)
    if key is None:
        missing = not (fields.get("api_key") or request.headers.get("X-Api-Key"))
        return api_error(403, "api_key is required" if missing else "api_key is not valid")
    kind = _active_kind(fields.get("service_code"))
    if kind is None:
        return api_error(400, "service_code: no active service with this code")
    cfg = current_app.config
    now = _now()
    header_key = request.headers.get("Idempotency-Key")
    if header_key is not None and "attribute[idempotency_key]" not in fields:
        fields["attribute[idempotency_key]"] = header_key
    parsed = parse_request(fields, kind, today=local_date(now, cfg["BABEL_DEFAULT_TIMEZONE"]))
    if parsed.errors:
        return api_errors(400, parsed.errors)
    sub = submission_from(kind.code, kind.anonymous, parsed.data, channel="api", locale=parsed.locale,
                          token=_submission_token(key, parsed.idempotency_key))
    receipt = submit_case(sub, [], storage=LocalStorage(cfg["UPLOAD_DIR"]),
                          pin_key=cfg["PIN_HMAC_KEY"], now=now, tz=cfg["BABEL_DEFAULT_TIMEZONE"])
    log.info("open311: case %s %s via API key %r", receipt.case_id,
             "already filed" if receipt.duplicate else "filed", key.name)
    notices = _NOTICE_AGAIN if receipt.duplicate else _NOTICE
    resp = jsonify([{"service_request_id": receipt.open311_id,
                     "service_notice": notices[parsed.locale],
                     "account_id": None,
                     "tracking_code": receipt.code,
                     "pin": receipt.pin}])
    resp.status_code = 200 if receipt.duplicate else 201
    return resp


# ---------------------------------------------------------------- reading requests

def _visible():
    """Cases the API may show: with an opaque id, and never of a hidden kind (denunciations)."""
    return (select(Case, CaseKind, Unit.name)
            .join(CaseKind, CaseKind.code == Case.kind_code)
            .outerjoin(Unit, Unit.id == func.coalesce(Case.handling_unit_id, Case.unit_id))  # the unit handling it, else the one named
            .where(Case.open311_id.is_not(None), Case.kind_code.not_in(sorted(HIDDEN_KINDS)),
                   CaseKind.anonymous != "info_only"))


def _rows_json(rows, locale: str) -> list[dict]:
    tz = _tz()
    with force_locale(locale):
        return [request_json(case, kind, unit_name, status_label(case.status), locale=locale, tz=tz)
                for case, kind, unit_name in rows]


def _list_requests():
    try:
        f = parse_filters(request.args, tz=_tz(), now=_now())
    except ApiBadRequest as exc:
        return api_errors(400, exc.descriptions)
    q = _visible()
    if f.ids is not None:
        q = q.where(Case.open311_id.in_(f.ids))
    else:
        if f.service_code:
            q = q.where(Case.kind_code == f.service_code)
        if f.start:
            q = q.where(Case.received_at >= f.start)
        if f.end:
            q = q.where(Case.received_at <= f.end)
        if f.statuses is not None:
            q = q.where(Case.status.in_(sorted(f.statuses)))
    rows = db.session.execute(q.order_by(Case.received_at.desc(), Case.id.desc()).limit(LIST_MAX)).all()
    return jsonify(_rows_json(rows, _locale()))


@bp.get("/requests/<request_id>.<fmt>")
@api_limit
def request_one(request_id: str, fmt: str):
    if bad := _json_only(fmt):
        return bad
    row = db.session.execute(_visible().where(Case.open311_id == request_id)).first()
    if row is None:
        return api_error(404, "No service request with this service_request_id")
    return jsonify(_rows_json([row], _locale()))


# ---------------------------------------------------------------- anything else under /open311/v2

@bp.errorhandler(413)
def _too_large(err):
    """The app's 413 page is HTML; a partner gets a spec error."""
    return api_error(413, "Request body too large")


@bp.route("/", defaults={"rest": ""}, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@bp.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@api_limit
def unknown(rest: str):
    """Spec errors, not HTML pages, for paths and methods the API does not have."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    for method in ("GET", "POST"):
        if method == request.method:
            continue
        try:
            endpoint, _args = adapter.match(method=method)
        except HTTPException:
            continue
        if endpoint != "api.unknown":
            return api_error(405, "Method not allowed")
    return api_error(404, "Not found")
