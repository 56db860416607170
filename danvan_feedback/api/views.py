"""Open311 GeoReport v2 at /open311/v2/, in XML and JSON, with service discovery at
/open311/discovery.{xml,json} and mySociety's ``servicerequestupdates`` extension.

Reading is open (service list, definitions, the state of non-secret requests, their updates and
public photos); filing needs an API key (``flask --app wsgi api-keys create NAME``). The API never
shows who filed a case nor what they wrote, and never shows denunciations at all: not in lists,
not in updates, not in media. The format is the URL's extension (``.xml`` or ``.json``), errors
included.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import re
import uuid

from flask import Blueprint, current_app, jsonify, request, send_file
from flask_babel import force_locale
from sqlalchemy import or_, select

from .. import clock
from ..extensions import db, file_stores, limiter
from ..labels import status_label
from ..models import ApiKey, Case, CaseEvent, CaseKind, OrgSetting
from ..services import refdata
from ..services.intake import local_date, submission_from, submit_case
from ..links import public_url
from ..domain import status as st
from .formats import FORMATS, render
from .openapi import openapi_document
from . import reads
from .definitions import LIST_MAX, service_definition, service_entry
from .listing import iso, parse_filters, parse_update_filters, request_json
from .schemas import ApiBadRequest, ApiTooLarge, parse_request, read_body

bp = Blueprint("api", __name__)
log = logging.getLogger(__name__)

# The date the API last changed in a way a client may notice (the discovery document's changeset).
API_CHANGESET = "2026-12-01T00:00:00Z"
SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
UPDATES_SPEC_URL = "https://github.com/mysociety/fixmystreet/wiki/Open311-FMS---Proposed-differences-to-Open311"


def _fmt_of_path() -> str:
    """The format an answer takes when the view has not chosen: XML for a ``.xml`` path, else JSON."""
    return "xml" if request.path.lower().endswith(".xml") else "json"


def api_errors(code: int, descriptions: list[str], fmt: str | None = None):
    """Errors in the form the spec gives: a list of {code, description} (``<errors><error>``)."""
    return render(fmt or _fmt_of_path(), [{"code": code, "description": d} for d in descriptions],
                  root="errors", item="error", status=code)


def api_error(code: int, description: str, fmt: str | None = None):
    return api_errors(code, [description], fmt)


def _api_limit() -> str:
    return current_app.config["RATELIMIT_API"]


# One budget per client across the whole API (not one per endpoint).
api_limit = limiter.shared_limit(_api_limit, scope="open311",
                                 error_message="Too many requests; retry after the Retry-After delay")


def _tz() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def _locale() -> str:
    return "en" if (request.args.get("locale") or "").lower().startswith("en") else "vi"


def _check(fmt: str, jurisdiction=None):
    """The spec's preconditions of every call: a format we serve and, when given, our jurisdiction."""
    if fmt not in FORMATS:
        return api_error(400, f"Unsupported format .{fmt[:20]}: use .xml or .json", "json")
    if jurisdiction is None:
        jurisdiction = request.args.get("jurisdiction_id")
    if jurisdiction not in (None, "") and jurisdiction != current_app.config["OPEN311_JURISDICTION_ID"]:
        return api_error(404, "jurisdiction_id: unknown jurisdiction (this endpoint serves "
                              f"{current_app.config['OPEN311_JURISDICTION_ID']})", fmt)
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


# ---------------------------------------------------------------- discovery

@bp.get("/discovery.<fmt>")
@api_limit
def discovery(fmt: str):
    if bad := _check(fmt):
        return bad
    cfg = current_app.config
    contact = cfg["OPEN311_CONTACT"] or OrgSetting.get("org_name", "")
    doc = {
        "changeset": API_CHANGESET,
        "contact": contact,
        "key_service": ("API keys for filing requests are issued by the department's administrator; "
                        "reading needs no key."),
        "endpoints": [{
            "specification": SPEC_URL,
            "url": public_url("api.root_v2").rstrip("/"),
            "changeset": API_CHANGESET,
            "type": "production" if cfg["APP_ENV"] == "production" else "test",
            "formats": ["text/xml", "application/json"],
        }],
    }
    return render(fmt, doc, root="discovery")


# ---------------------------------------------------------------- services

@bp.get("/v2/services.<fmt>")
@api_limit
def services(fmt: str):
    if bad := _check(fmt):
        return bad
    kinds = db.session.execute(select(CaseKind).where(CaseKind.active.is_(True))
                               .order_by(CaseKind.sort_order, CaseKind.code)).scalars()
    locale = _locale()
    return render(fmt, [service_entry(k, locale) for k in kinds], root="services", item="service")


@bp.get("/v2/services/<service_code>.<fmt>")
@api_limit
def service(service_code: str, fmt: str):
    if bad := _check(fmt):
        return bad
    kind = _active_kind(service_code)
    if kind is None:
        return api_error(404, "No service with this service_code", fmt)
    return render(fmt, service_definition(kind, _locale()), root="service_definition")


# ---------------------------------------------------------------- filing

def _api_key(fields: dict) -> ApiKey | None:
    """The valid, unrevoked key given as the ``api_key`` parameter (or an ``X-Api-Key`` header)."""
    raw = fields.get("api_key") or request.args.get("api_key") or request.headers.get("X-Api-Key")
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


@bp.route("/v2/requests.<fmt>", methods=["GET", "POST"])
@api_limit
def requests_(fmt: str):
    if fmt not in FORMATS:
        return _check(fmt)
    if request.method == "GET":
        if bad := _check(fmt):
            return bad
        return _list_requests(fmt)
    return _create_request(fmt)


def _create_request(fmt: str):
    try:
        fields = read_body(request)
    except ApiTooLarge as exc:
        return api_errors(413, exc.descriptions)
    except ApiBadRequest as exc:
        return api_errors(400, exc.descriptions, fmt)
    jurisdiction = fields.get("jurisdiction_id", request.args.get("jurisdiction_id"))
    if jurisdiction is not None and not isinstance(jurisdiction, str):
        jurisdiction = "?"
    if bad := _check(fmt, jurisdiction):
        return bad
    key = _api_key(fields)
    if key is None:
        missing = not (fields.get("api_key") or request.args.get("api_key") or request.headers.get("X-Api-Key"))
        return api_error(403, "api_key is required" if missing else "api_key is not valid", fmt)
    kind = _active_kind(fields.get("service_code"))
    if kind is None:
        return api_error(400, "service_code: no active service with this code", fmt)
    cfg = current_app.config
    now = clock.now()
    header_key = request.headers.get("Idempotency-Key")
    if header_key is not None and "attribute[idempotency_key]" not in fields:
        fields["attribute[idempotency_key]"] = header_key
    parsed = parse_request(fields, kind, today=local_date(now, cfg["BABEL_DEFAULT_TIMEZONE"]))
    if parsed.errors:
        return api_errors(400, parsed.errors, fmt)
    data = parsed.data
    sub = submission_from(kind.code, kind.anonymous, data, channel="api", locale=parsed.locale,
                          token=_submission_token(key, parsed.idempotency_key),
                          incident_place=data["incident_place"] or None, latitude=data["latitude"],
                          longitude=data["longitude"], address_id=data["address_id"] or None)
    key_name = key.name  # read before the commit expires it (no reload after)
    receipt = submit_case(sub, [], storage=file_stores.attachments,
                          pin_key=cfg["PIN_HMAC_KEY"], now=now, tz=cfg["BABEL_DEFAULT_TIMEZONE"])
    log.info("open311: case %s %s via API key %r", receipt.case_id,
             "already filed" if receipt.duplicate else "filed", key_name)
    notices = _NOTICE_AGAIN if receipt.duplicate else _NOTICE
    # Our ids exist at once, so the spec's token is the id itself (GET tokens/<token> answers it).
    out = [{"service_request_id": receipt.open311_id,
            "token": receipt.open311_id,
            "service_notice": notices[parsed.locale],
            "account_id": None,
            "tracking_code": receipt.code,
            "pin": receipt.pin}]
    return render(fmt, out, root="service_requests", item="request",
                  status=200 if receipt.duplicate else 201)


# ---------------------------------------------------------------- reading requests

def _rows_json(rows, locale: str) -> list[dict]:
    tz = _tz()
    photos = reads.public_photos([case.id for case, *_rest in rows])
    with force_locale(locale):
        return [request_json(case, kind, unit_name, status_label(case.status), locale=locale, tz=tz,
                             commune_name=commune_name, media_url=reads.media_url(photos.get(case.id)))
                for case, kind, unit_name, commune_name in rows]


def _list_requests(fmt: str):
    try:
        f = parse_filters(request.args, tz=_tz(), now=clock.now())
    except ApiBadRequest as exc:
        return api_errors(400, exc.descriptions, fmt)
    q = reads.visible()
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
    return render(fmt, _rows_json(rows, _locale()), root="service_requests", item="request")


@bp.get("/v2/requests/<service_request_id>.<fmt>")
@api_limit
def request_one(service_request_id: str, fmt: str):
    if bad := _check(fmt):
        return bad
    row = db.session.execute(reads.visible().where(Case.open311_id == service_request_id)).first()
    if row is None:
        return api_error(404, "No service request with this service_request_id", fmt)
    return render(fmt, _rows_json([row], _locale()), root="service_requests", item="request")


@bp.get("/v2/tokens/<token>.<fmt>")
@api_limit
def token(token: str, fmt: str):
    """The spec's token → service_request_id. Our ids exist at once: the token is the id."""
    if bad := _check(fmt):
        return bad
    row = db.session.execute(select(Case.open311_id).join(CaseKind, CaseKind.code == Case.kind_code)
                             .where(reads.visible_where(), Case.open311_id == token)).first()
    if row is None:
        return api_error(404, "No service request with this token", fmt)
    return render(fmt, [{"service_request_id": row.open311_id, "token": token}],
                  root="service_requests", item="request")


# ---------------------------------------------------------------- updates (mySociety extension)

@bp.get("/v2/servicerequestupdates.<fmt>")
@api_limit
def updates(fmt: str):
    """Public status changes (filing included) of the cases the API shows, oldest first, at most
    LIST_MAX. The description is the status's public label, never a note staff wrote."""
    if bad := _check(fmt):
        return bad
    try:
        start, end = parse_update_filters(request.args, tz=_tz(), now=clock.now())
    except ApiBadRequest as exc:
        return api_errors(400, exc.descriptions, fmt)
    q = (select(CaseEvent, Case.open311_id)
         .join(Case, Case.id == CaseEvent.case_id)
         .join(CaseKind, CaseKind.code == Case.kind_code)
         .where(reads.visible_where(), CaseEvent.is_public.is_(True), CaseEvent.to_status.is_not(None),
                or_(CaseEvent.from_status.is_(None), CaseEvent.from_status != CaseEvent.to_status),
                CaseEvent.created_at >= start))
    if end is not None:
        q = q.where(CaseEvent.created_at <= end)
    rows = db.session.execute(q.order_by(CaseEvent.created_at, CaseEvent.id).limit(LIST_MAX)).all()
    locale, tz = _locale(), _tz()
    with force_locale(locale):
        out = [{"update_id": f"{rid}-{event.seq}",
                "service_request_id": rid,
                "status": "OPEN" if event.to_status in st.OPEN else "CLOSED",
                "updated_datetime": iso(event.created_at, tz),
                "description": status_label(event.to_status),
                "media_url": None}
               for event, rid in rows]
    return render(fmt, out, root="service_request_updates", item="request_update")


# ---------------------------------------------------------------- public photos

_MEDIA_REF = re.compile(r"(\d{1,12})-([0-9a-f]{32})")


@bp.get("/v2/media/<ref>.<ext>")
@api_limit
def media(ref: str, ext: str):
    """A public photo, by an unguessable reference; checked again at each request, so a case that
    became protected stops serving its photos at once."""
    m = _MEDIA_REF.fullmatch(ref)
    if m is None or not hmac.compare_digest(reads.media_ref(int(m.group(1))), ref):
        return api_error(404, "Not found", "json")
    att = reads.public_photo_by_id(int(m.group(1)))
    if att is None or reads.MEDIA_TYPES.get(att.content_type) != ext:
        return api_error(404, "Not found", "json")
    try:
        fh = file_stores.attachments.open(att.storage_key)
    except FileNotFoundError:
        return api_error(404, "Not found", "json")
    resp = send_file(fh, mimetype=att.content_type, max_age=0)
    resp.headers["Content-Security-Policy"] = "sandbox"
    resp.headers["Cache-Control"] = "no-cache"
    return resp


# ---------------------------------------------------------------- the API's own description

@bp.get("/v2/openapi.json")
@api_limit
def openapi():
    return jsonify(openapi_document(public_url("api.root_v2").rstrip("/")))
