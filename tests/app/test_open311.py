"""Open311 GeoReport v2 at /open311/v2 (JSON here; XML, discovery, locations, updates and media in
test_open311_geo.py): services, filing with an API key, reading requests without personal data, and
never a denunciation."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from danvan_feedback import create_app
from danvan_feedback.domain.codes import check_pin
from danvan_feedback.extensions import db
from danvan_feedback.models import (ApiKey, Case, CaseEvent, CaseIdentity, CaseKind, OutboxMessage,
                                    Unit)
from tests.conftest import base_config

API = "/open311/v2"
CODE_RE = re.compile(r"^DV-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")
SPEC_ATTRIBUTE_KEYS = {"variable", "code", "datatype", "required", "datatype_description", "order",
                       "description", "values"}

# Personal data used below; none of it may ever come back from a GET.
NAME_LAST, NAME_FIRST = "Phạm Thị", "Quỳnh Hoa"
FULL_NAME = "Phạm Thị Quỳnh Hoa"
CCCD = "079188004321"
PHONE_RAW, PHONE_E164 = "0903 112 233", "+84903112233"
EMAIL = "quynhhoa.pham@example.com"
ADDRESS = "Số 12 đường Võ Thị Sáu, Phường Trấn Biên"
CONTENT = "Quyết định xử phạt ghi sai diện tích đất vườn của gia đình tôi ở tổ 7."
SUBJECT = "Khiếu nại quyết định xử phạt sai diện tích"


# ---------------------------------------------------------------- helpers

def make_key(runner, name: str = "partner") -> str:
    result = runner.invoke(args=["api-keys", "create", name])
    assert result.exit_code == 0, result.output
    key = result.output.strip()
    assert key.startswith("dvk_")
    return key


@pytest.fixture
def key(runner):
    return make_key(runner)


def complaint(key: str | None, **over) -> dict:
    """A complete, valid complaint (khiếu nại) as a partner portal would form-encode it."""
    data = {
        "service_code": "khieu_nai", "description": CONTENT,
        "first_name": NAME_FIRST, "last_name": NAME_LAST, "email": EMAIL, "phone": PHONE_RAW,
        "attribute[contact_address]": ADDRESS,
        "attribute[subject]": SUBJECT, "attribute[cccd]": CCCD,
        "attribute[complained_decision]": "Quyết định 456/QĐ-XPHC ngày 03/02",
        "attribute[request_text]": "Huỷ quyết định 456/QĐ-XPHC",
        "attribute[submitter_type]": "citizen", "attribute[consent]": "true",
    }
    if key is not None:
        data["api_key"] = key
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def suggestion(key: str, **over) -> dict:
    data = {"api_key": key, "service_code": "gop_y",
            "description": "Đề nghị bố trí thêm ghế chờ ở bộ phận một cửa.",
            "attribute[anonymous]": "true"}
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def post(client, data: dict, **kw):
    return client.post(f"{API}/requests.json", data=data, **kw)


def post_json(client, body, **kw):
    return client.post(f"{API}/requests.json", json=body, **kw)


def errors_of(resp) -> list[str]:
    body = resp.get_json()
    assert isinstance(body, list) and body, resp.get_data(as_text=True)
    assert all(set(e) == {"code", "description"} and e["code"] == resp.status_code for e in body), body
    return [e["description"] for e in body]


def count_cases(app) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(Case)).scalar_one()


def all_text(resp) -> str:
    """The response as text twice over: as sent (non-ASCII escaped) and decoded, so a Vietnamese
    name cannot hide behind \\u escapes."""
    return resp.get_data(as_text=True) + "\n" + json.dumps(resp.get_json(), ensure_ascii=False)


def file_case(client, data: dict) -> dict:
    resp = post(client, data)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    return resp.get_json()[0]


def set_case(app, tracking_code: str, **values) -> None:
    with app.app_context():
        case = db.session.execute(select(Case).where(Case.tracking_code == tracking_code)).scalar_one()
        for name, value in values.items():
            setattr(case, name, value)
        db.session.commit()


# ---------------------------------------------------------------- services

def test_services_list(client):
    resp = client.get(f"{API}/services.json")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    services = resp.get_json()
    assert [s["service_code"] for s in services] == ["gop_y", "phan_anh", "kien_nghi", "khieu_nai", "to_cao"]
    by_code = {s["service_code"]: s for s in services}
    complaint_service = by_code["khieu_nai"]
    assert set(complaint_service) == {"service_code", "service_name", "description", "metadata", "type",
                                      "keywords", "group"}
    assert complaint_service["service_name"] == "Khiếu nại"
    assert complaint_service["description"].startswith("Đề nghị xem xét lại một quyết định hành chính")
    assert complaint_service["metadata"] is True and complaint_service["type"] == "realtime"
    assert "khieu nai" in complaint_service["keywords"] and "complaint" in complaint_service["keywords"]
    assert complaint_service["group"] == "Khiếu nại, tố cáo"
    assert by_code["gop_y"]["group"] == "Góp ý, phản ánh, kiến nghị"

    en = {s["service_code"]: s for s in client.get(f"{API}/services.json?locale=en").get_json()}
    assert en["khieu_nai"]["service_name"] == "Complaint"
    assert en["to_cao"]["service_name"] == "Denunciation"
    assert en["gop_y"]["description"].startswith("An idea to help the department")
    assert en["khieu_nai"]["group"] == "Complaints and denunciations"


def set_kind_active(app, code: str, active: bool) -> None:
    with app.app_context():
        db.session.get(CaseKind, code).active = active
        db.session.commit()


def test_inactive_kind_is_not_a_service(client, app, key):
    # case_kinds is reference data: PostgreSQL keeps it across tests, so put it back.
    set_kind_active(app, "kien_nghi", False)
    try:
        codes = [s["service_code"] for s in client.get(f"{API}/services.json").get_json()]
        assert "kien_nghi" not in codes and "gop_y" in codes
        resp = client.get(f"{API}/services/kien_nghi.json")
        assert resp.status_code == 404 and errors_of(resp) == ["No service with this service_code"]
        resp = post(client, suggestion(key, service_code="kien_nghi"))
        assert errors_of(resp) == ["service_code: no active service with this code"]
        assert count_cases(app) == 0
    finally:
        set_kind_active(app, "kien_nghi", True)


def test_complaint_service_definition(client):
    resp = client.get(f"{API}/services/khieu_nai.json")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["service_code"] == "khieu_nai"
    attrs = body["attributes"]
    for a in attrs:
        assert set(a) == SPEC_ATTRIBUTE_KEYS, a
        assert a["datatype"] in {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}
    assert [a["order"] for a in attrs] == sorted({a["order"] for a in attrs})
    by_code = {a["code"]: a for a in attrs}
    assert set(by_code) >= {"cccd", "complained_decision", "request_text", "submitter_type", "company_name",
                            "tax_code", "is_group", "group_size", "representative", "consent", "subject"}
    # A complaint cannot be anonymous: the attribute is not offered.
    assert "anonymous" not in by_code and "info_only_ack" not in by_code
    for code in ("cccd", "complained_decision", "request_text", "consent"):
        assert by_code[code]["required"] is True and by_code[code]["variable"] is True, code
    for code in ("company_name", "tax_code", "is_group", "group_size", "representative", "subject"):
        assert by_code[code]["required"] is False, code
    assert by_code["submitter_type"]["datatype"] == "singlevaluelist"
    assert [v["key"] for v in by_code["submitter_type"]["values"]] == ["citizen", "business"]
    assert by_code["group_size"]["datatype"] == "number"
    assert by_code["complained_decision"]["datatype"] == "text"
    assert [v["key"] for v in by_code["is_group"]["values"]] == ["true", "false"]
    notice = by_code["notice"]
    assert notice["variable"] is False and "address_string" in notice["description"]
    assert "Thông tư 05/2021/TT-TTCP" in notice["description"]
    en = {a["code"]: a for a in client.get(f"{API}/services/khieu_nai.json?locale=en").get_json()["attributes"]}
    assert en["cccd"]["description"] == "The citizen's identity card number (CCCD)."
    assert en["submitter_type"]["values"][1]["name"] == "Business or organisation"


def test_other_service_definitions(client):
    to_cao = {a["code"]: a for a in client.get(f"{API}/services/to_cao.json").get_json()["attributes"]}
    assert to_cao["anonymous"]["required"] is False and to_cao["info_only_ack"]["variable"] is True
    assert "cccd" not in to_cao and "complained_decision" not in to_cao
    assert "phone" in to_cao["notice"]["description"] and "email" in to_cao["notice"]["description"]
    gop_y = {a["code"]: a for a in client.get(f"{API}/services/gop_y.json").get_json()["attributes"]}
    assert "anonymous" in gop_y and "info_only_ack" not in gop_y
    assert not {"is_group", "group_size", "representative", "cccd"} & set(gop_y)
    assert gop_y["consent"]["required"] is False
    phan_anh = {a["code"] for a in client.get(f"{API}/services/phan_anh.json").get_json()["attributes"]}
    assert {"is_group", "group_size", "representative", "anonymous"} <= phan_anh


def test_unknown_service(client):
    resp = client.get(f"{API}/services/khong_co.json")
    assert resp.status_code == 404 and resp.get_json() == [
        {"code": 404, "description": "No service with this service_code"}]


# ---------------------------------------------------------------- filing

def test_post_creates_complaint(client, app, key):
    resp = post(client, complaint(key))
    assert resp.status_code == 201, resp.get_data(as_text=True)
    assert resp.headers["Cache-Control"] == "no-store"
    body = resp.get_json()
    assert len(body) == 1
    out = body[0]
    assert set(out) == {"service_request_id", "token", "service_notice", "account_id", "tracking_code", "pin"}
    assert out["token"] == out["service_request_id"]
    assert CODE_RE.match(out["tracking_code"]) and re.fullmatch(r"\d{6}", out["pin"])
    assert out["account_id"] is None and "mã PIN" in out["service_notice"]
    with app.app_context():
        case = db.session.execute(select(Case)).scalar_one()
        assert case.tracking_code == out["tracking_code"]
        assert out["service_request_id"] == case.open311_id and re.fullmatch(r"[0-9a-f]{24}", case.open311_id)
        assert case.channel == "api" and case.kind_code == "khieu_nai" and case.status == "received"
        assert case.subject == SUBJECT and case.content == CONTENT
        assert case.complained_decision == "Quyết định 456/QĐ-XPHC ngày 03/02"
        assert case.request_text == "Huỷ quyết định 456/QĐ-XPHC"
        assert case.is_anonymous is False and case.consent_at is not None and case.due_on is not None
        assert case.submitter_type == "citizen" and case.locale == "vi"
        ident = case.identity
        assert (ident.full_name, ident.cccd, ident.phone, ident.email, ident.address) == (
            FULL_NAME, CCCD, PHONE_E164, EMAIL, ADDRESS)
        assert ident.company_name is None and ident.tax_code is None and ident.representative is None
        events = db.session.execute(select(CaseEvent).where(CaseEvent.case_id == case.id)).scalars().all()
        assert [(e.action, e.actor_type, e.to_status, e.seq) for e in events] == [
            ("submitted", "api", "received", 1)]
        assert check_pin(app.config["PIN_HMAC_KEY"], case.tracking_code, out["pin"], case.pin_hash)
        assert not check_pin(app.config["PIN_HMAC_KEY"], case.tracking_code,
                             "000000" if out["pin"] != "000000" else "111111", case.pin_hash)
        # The receipt email to the address given is queued in the same transaction.
        mails = db.session.execute(select(OutboxMessage)).scalars().all()
        assert [(m.to_addr, m.case_id) for m in mails] == [(EMAIL, case.id)]
        assert out["tracking_code"] in mails[0].subject


def test_post_json_body_business_group(client, app, key):
    body = {
        "api_key": key, "service_code": "phan_anh", "description": "Hồ sơ kiểm dịch trễ hẹn ba tuần.",
        "last_name": "Lê", "first_name": "Minh", "address_string": "Chốt kiểm dịch Xã Long Thành",
        "phone": "0912345678",
        "locale": "en",
        "attribute": {"submitter_type": "business", "company_name": "Công ty TNHH Xanh",
                      "tax_code": "0300588569", "is_group": True, "group_size": 3,
                      "representative": "Lê Minh", "consent": True, "contact_address": "Xã Long Thành"},
        "attribute[subject]": "Trễ hẹn kiểm dịch",
    }
    resp = post_json(client, body)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    out = resp.get_json()[0]
    assert out["service_notice"].startswith("Received.") and out["service_request_id"]
    with app.app_context():
        case = db.session.execute(select(Case)).scalar_one()
        assert (case.kind_code, case.subject, case.locale, case.submitter_type) == (
            "phan_anh", "Trễ hẹn kiểm dịch", "en", "business")
        assert case.is_group is True and case.group_size == 3
        assert case.incident_place == "Chốt kiểm dịch Xã Long Thành" and case.latitude is None
        ident = case.identity
        assert (ident.full_name, ident.company_name, ident.tax_code, ident.representative, ident.phone,
                ident.address) == ("Lê Minh", "Công ty TNHH Xanh", "0300588569", "Lê Minh", "+84912345678",
                                   "Xã Long Thành")


def test_api_key_in_header_and_subject_from_description(client, app, key):
    long_text = "Phòng chờ   thiếu\nghế ngồi. " + "x" * 300
    resp = post(client, suggestion(None, description=long_text, api_key=None),
                headers={"X-Api-Key": key})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    with app.app_context():
        case = db.session.execute(select(Case)).scalar_one()
        assert case.subject == ("Phòng chờ thiếu ghế ngồi. " + "x" * 300)[:100]
        assert case.content == long_text.strip()
        assert case.is_anonymous is True and case.identity is None


def test_same_idempotency_key_files_one_case(client, app, runner, key):
    data = complaint(key, **{"attribute[idempotency_key]": "portal-order-42"})
    first = post(client, data)
    second = post(client, data)
    assert first.status_code == 201 and second.status_code == 200, second.get_data(as_text=True)
    a, b = first.get_json()[0], second.get_json()[0]
    assert a["tracking_code"] == b["tracking_code"] and a["service_request_id"] == b["service_request_id"]
    assert re.fullmatch(r"\d{6}", a["pin"]) and b["pin"] is None
    assert "already" not in a["service_notice"] and "trước đó" in b["service_notice"]
    assert second.headers["Cache-Control"] == "no-store"
    assert count_cases(app) == 1
    # The header works the same way.
    h1 = post(client, suggestion(key), headers={"Idempotency-Key": "retry-7"})
    h2 = post(client, suggestion(key), headers={"Idempotency-Key": "retry-7"})
    assert (h1.status_code, h2.status_code) == (201, 200)
    assert h1.get_json()[0]["tracking_code"] == h2.get_json()[0]["tracking_code"]
    assert count_cases(app) == 2
    # Keys are scoped to the API key: another partner's "portal-order-42" is another case, and the
    # raw key is never the stored token (it could otherwise collide with a web form's token).
    other = make_key(runner, "other-partner")
    c = post(client, complaint(other, **{"attribute[idempotency_key]": "portal-order-42"}))
    assert c.status_code == 201 and c.get_json()[0]["tracking_code"] != a["tracking_code"]
    with app.app_context():
        tokens = set(db.session.execute(select(Case.submission_token)).scalars())
        assert len(tokens) == 3 and "portal-order-42" not in tokens and "retry-7" not in tokens
    # Without an idempotency key every POST is a new case.
    post(client, suggestion(key))
    post(client, suggestion(key))
    assert count_cases(app) == 5


def test_missing_wrong_and_revoked_keys(client, app, runner, key):
    resp = post(client, complaint(None))
    assert resp.status_code == 403 and resp.get_json() == [{"code": 403, "description": "api_key is required"}]
    assert resp.headers["Cache-Control"] == "no-store"
    resp = post(client, complaint(key + "x"))
    assert resp.status_code == 403 and errors_of(resp) == ["api_key is not valid"]
    resp = post_json(client, {**complaint(None), "api_key": 12345})
    assert resp.status_code == 403 and errors_of(resp) == ["api_key is not valid"]
    result = runner.invoke(args=["api-keys", "revoke", "partner"])
    assert result.exit_code == 0 and "revoked" in result.output
    resp = post(client, complaint(key))
    assert resp.status_code == 403 and errors_of(resp) == ["api_key is not valid"]
    assert count_cases(app) == 0
    with app.app_context():
        row = db.session.execute(select(ApiKey)).scalar_one()
        assert row.revoked_at is not None and key not in (row.key_hash, row.prefix)


def test_anonymous_complaint_refused(client, app, key):
    resp = post(client, complaint(key, **{"attribute[anonymous]": "true"}))
    assert resp.status_code == 400
    errors = errors_of(resp)
    assert errors == ["anonymous: a complaint cannot be anonymous (Circular 05/2021/TT-TTCP, art. 6): "
                      "give the complainant's name, address and CCCD"]
    assert resp.headers["Cache-Control"] == "no-store"
    assert count_cases(app) == 0


def test_bad_cccd_phone_tax_code_email(client, app, key):
    data = complaint(key, phone="12345", email="not-an-email", **{
        "attribute[cccd]": "999188004321", "attribute[submitter_type]": "business",
        "attribute[company_name]": "Công ty A", "attribute[tax_code]": "0300588568"})
    resp = post(client, data)
    assert resp.status_code == 400
    errors = errors_of(resp)
    assert sorted(errors) == sorted([
        "cccd: the first 3 digits are not a province code",
        "phone: not a valid Vietnamese phone number",
        "email: not a valid email address",
        "tax_code: the check digit does not match",
    ]), errors
    resp = post(client, complaint(key, **{"attribute[cccd]": "07918800432"}))
    assert errors_of(resp) == ["cccd: must be exactly 12 digits"]
    resp = post(client, complaint(key, **{"attribute[cccd]": "079299004321"}))  # born 2099
    assert errors_of(resp) == ["cccd: the birth year in the number is in the future"]
    resp = post(client, complaint(key, phone="abc"))
    assert errors_of(resp) == ["phone: not a phone number (e.g. 0912 345 678)"]
    resp = post(client, complaint(key, **{"attribute[submitter_type]": "business",
                                          "attribute[company_name]": "Công ty A",
                                          "attribute[tax_code]": "12-34"}))
    assert errors_of(resp) == ["tax_code: must be 10 digits, or 10 digits, a hyphen and 3 digits for a branch"]
    assert count_cases(app) == 0


def test_required_fields_follow_the_kind(client, app, key):
    data = complaint(key, first_name=None, last_name=None, description=None, **{
        "attribute[contact_address]": None, "attribute[cccd]": None, "attribute[complained_decision]": None, "attribute[subject]": None,
        "attribute[consent]": None})
    resp = post(client, data)
    assert resp.status_code == 400
    errors = errors_of(resp)
    assert sorted(errors) == sorted([
        "first_name: required", "contact_address: required", "cccd: required",
        "complained_decision: required", "description: required", "consent: personal data was given: "
        "set consent to true once the citizen has agreed to the personal data notice"]), errors
    # A business names itself; a group gives its size and representative.
    resp = post(client, complaint(key, **{"attribute[submitter_type]": "business", "attribute[is_group]": "on"}))
    assert sorted(errors_of(resp)) == sorted([
        "company_name: required", "tax_code: required",
        "group_size: a submission by a group needs group_size, 2 or more", "representative: required"])
    # A named denunciation needs a phone or an email; an anonymous one the acknowledgement.
    resp = post(client, {"api_key": key, "service_code": "to_cao", "description": "Nội dung",
                         "first_name": "An", "attribute[contact_address]": "Xã Long Thành",
                         "attribute[consent]": "true"})
    assert errors_of(resp) == ["phone: give a phone number or an email address so the department can "
                               "reach the citizen"]
    resp = post(client, {"api_key": key, "service_code": "to_cao", "description": "Nội dung",
                         "attribute[anonymous]": "true"})
    assert errors_of(resp)[0].startswith("info_only_ack: an anonymous denunciation is kept as information only")
    assert count_cases(app) == 0


@pytest.mark.parametrize("kwargs, expected", [
    ({"data": "{not json", "content_type": "application/json"}, ["body: malformed JSON"]),
    ({"json": ["gop_y"]}, ["body: must be a JSON object"]),
    ({"json": {"service_code": "gop_y", "attribute": "cccd"}}, ["attribute: must be a JSON object"]),
    ({"json": {"service_code": "gop_y", "attribute[subject]": "a", "attribute": {"subject": "b"}}},
     ["attribute[subject]: given more than once"]),
    ({"data": {"service_code": ["gop_y", "to_cao"]}}, ["service_code: given more than once"]),
])
def test_malformed_bodies_before_anything_else(client, app, key, kwargs, expected):
    resp = client.post(f"{API}/requests.json", headers={"X-Api-Key": key}, **kwargs)
    assert resp.status_code == 400 and errors_of(resp) == expected
    assert count_cases(app) == 0


@pytest.mark.parametrize("over, expected", [
    ({"attribute[is_group]": True, "attribute[group_size]": "ba", "attribute[representative]": "An"},
     ["group_size: must be a whole number"]),
    ({"attribute[is_group]": True, "attribute[group_size]": True, "attribute[representative]": "An"},
     ["group_size: must be a whole number"]),
    ({"attribute[is_group]": True, "attribute[group_size]": 1, "attribute[representative]": "An"},
     ["group_size: must be between 2 and 100000"]),
    ({"attribute[is_group]": True, "attribute[group_size]": 10 ** 12, "attribute[representative]": "An"},
     ["group_size: must be between 2 and 100000"]),
    ({"attribute[is_group]": "maybe"}, ["is_group: must be true or false"]),
    ({"attribute[cccd]": 79188004321}, ["cccd: must be a string"]),
    ({"description": {"text": "x"}}, ["description: must be a string"]),
    ({"attribute[submitter_type]": "government"}, ["submitter_type: must be citizen or business"]),
    ({"attribute[colour]": "red"}, ["colour: not an attribute of service khieu_nai"]),
    ({"attribute[subject]": "x" * 201}, ["subject: at most 200 characters"]),
    ({"first_name": "A" * 150, "last_name": "B" * 60},
     ["first_name: last_name and first_name together at most 200 characters"]),
    ({"service_code": "khong_co"}, ["service_code: no active service with this code"]),
    ({"service_code": 5}, ["service_code: no active service with this code"]),
    ({"attribute[idempotency_key]": "khoá-có-dấu"},
     ["idempotency_key: max 200 printable ASCII characters"]),
])
def test_wrong_types_answer_400_not_500(client, app, key, over, expected):
    body = {**complaint(key), **over}
    resp = post_json(client, body)
    assert resp.status_code == 400, resp.get_data(as_text=True)
    assert errors_of(resp) == expected
    assert count_cases(app) == 0


def test_attribute_not_offered_by_the_kind_is_refused(client, app, key):
    resp = post(client, suggestion(key, **{"attribute[cccd]": CCCD, "attribute[is_group]": "true"}))
    assert resp.status_code == 400
    assert sorted(errors_of(resp)) == ["cccd: not an attribute of service gop_y",
                                       "is_group: not an attribute of service gop_y"]
    assert count_cases(app) == 0


# ---------------------------------------------------------------- reading requests

def test_get_request_has_no_personal_data(client, app, key):
    out = file_case(client, complaint(key))
    rid = out["service_request_id"]
    resp = client.get(f"{API}/requests/{rid}.json")
    assert resp.status_code == 200
    body = resp.get_json()
    assert len(body) == 1
    req = body[0]
    assert set(req) == {"service_request_id", "status", "status_notes", "service_name", "service_code",
                        "agency_responsible", "requested_datetime", "updated_datetime", "expected_datetime",
                        "address", "address_id", "lat", "long", "media_url"}
    assert (req["address"], req["address_id"], req["lat"], req["long"], req["media_url"]) == (None,) * 5
    assert req["service_request_id"] == rid and req["status"] == "open"
    assert req["status_notes"] == "Đã tiếp nhận, đang chờ phân loại"
    assert (req["service_code"], req["service_name"], req["agency_responsible"]) == ("khieu_nai", "Khiếu nại", None)
    with app.app_context():
        case = db.session.execute(select(Case)).scalar_one()
        assert datetime.fromisoformat(req["requested_datetime"]) == case.received_at.replace(microsecond=0)
        assert req["requested_datetime"].endswith("+07:00")
        assert req["expected_datetime"] == f"{case.due_on.isoformat()}T23:59:59+07:00"
        assert db.session.execute(select(func.count()).select_from(CaseIdentity)).scalar_one() == 1
    text = all_text(resp) + all_text(client.get(f"{API}/requests.json"))
    for secret in (FULL_NAME, NAME_FIRST, NAME_LAST, CCCD, PHONE_RAW, PHONE_E164, "903112233", EMAIL,
                   ADDRESS, CONTENT, SUBJECT, "456/QĐ-XPHC", out["tracking_code"], out["pin"]):
        assert secret not in text, secret

    with app.app_context():
        unit_id = db.session.execute(select(Unit.id).where(Unit.code == "TT")).scalar_one()
    set_case(app, out["tracking_code"], status="closed", unit_id=unit_id, due_on=None)
    req = client.get(f"{API}/requests/{rid}.json?locale=en").get_json()[0]
    assert (req["status"], req["status_notes"], req["service_name"]) == ("closed", "Closed", "Complaint")
    assert req["agency_responsible"] == "Thanh tra Sở" and req["expected_datetime"] is None


def test_unknown_request_id_and_paths(client):
    for rid in ("0" * 24, "khong-co", "1%20OR%201=1"):
        resp = client.get(f"{API}/requests/{rid}.json")
        assert resp.status_code == 404 and resp.get_json() == [
            {"code": 404, "description": "No service request with this service_request_id"}]
    resp = client.get(f"{API}/khong-co-gi")
    assert resp.status_code == 404 and resp.get_json() == [{"code": 404, "description": "Not found"}]
    resp = client.delete(f"{API}/requests.json")
    assert resp.status_code == 405 and resp.get_json() == [{"code": 405, "description": "Method not allowed"}]
    resp = client.post(f"{API}/services.json")
    assert resp.status_code == 405 and errors_of(resp) == ["Method not allowed"]
    resp = client.get(f"{API}/")
    assert resp.status_code == 404 and errors_of(resp) == ["Not found"]


def test_oversized_body_is_a_spec_error(client, app, key):
    # Werkzeug refuses a multipart text field over MAX_FORM_MEMORY_SIZE with 413.
    resp = post(client, suggestion(key, description="x" * (app.config["MAX_FORM_MEMORY_SIZE"] + 10)),
                content_type="multipart/form-data")
    assert resp.status_code == 413 and resp.mimetype == "application/json"
    assert errors_of(resp) == ["Request body too large"]
    assert count_cases(app) == 0


def test_log_names_the_key_not_the_secret(client, key, caplog, monkeypatch):
    import logging
    # Alembic's fileConfig (run in-process by the migration fixture) disables loggers that existed.
    monkeypatch.setattr(logging.getLogger("danvan_feedback.api.views"), "disabled", False)
    caplog.set_level("INFO", logger="danvan_feedback.api.views")
    file_case(client, complaint(key))
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "'partner'" in logged and "filed" in logged
    for secret in (key, key[:10], FULL_NAME, CCCD, PHONE_E164, EMAIL):
        assert secret not in logged


def test_denunciations_are_never_shown(client, app, key):
    named = {"api_key": key, "service_code": "to_cao", "description": "Cán bộ X đòi thêm tiền ngoài lệ phí.",
             "attribute[subject]": "Tố cáo đòi tiền", "first_name": "Tâm", "last_name": "Đỗ Minh",
             "phone": "0987000111", "attribute[contact_address]": "Xã Xuân Lộc", "attribute[consent]": "true",
             "address_string": "Trụ sở UBND xã Xuân Lộc", "lat": "10.93", "long": "107.40"}
    resp = post(client, named)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    den = resp.get_json()[0]
    assert den["service_request_id"] is None and CODE_RE.match(den["tracking_code"])
    assert re.fullmatch(r"\d{6}", den["pin"])
    anon = post(client, {"api_key": key, "service_code": "to_cao", "description": "Tố cáo ẩn danh.",
                         "first_name": "Không lưu", "attribute[anonymous]": "true",
                         "attribute[info_only_ack]": "true"})
    assert anon.status_code == 201, anon.get_data(as_text=True)
    anon_out = anon.get_json()[0]
    assert anon_out["service_request_id"] is None
    visible = file_case(client, suggestion(key))
    with app.app_context():
        rows = db.session.execute(select(Case).where(Case.kind_code == "to_cao")).scalars().all()
        assert len(rows) == 2 and all(c.open311_id is None for c in rows)
        anon_case = next(c for c in rows if c.is_anonymous)
        assert anon_case.identity is None and anon_case.due_on is None
        named_case = next(c for c in rows if not c.is_anonymous)
        assert named_case.identity.full_name == "Đỗ Minh Tâm"
    # Even if a denunciation somehow carried an opaque id, the API would not show it.
    set_case(app, den["tracking_code"], open311_id="f" * 24)
    resp = client.get(f"{API}/requests/{'f' * 24}.json")
    assert resp.status_code == 404
    responses = [client.get(f"{API}/requests.json"),
                 client.get(f"{API}/requests.json?service_code=to_cao"),
                 client.get(f"{API}/requests.json?status=open,closed"),
                 client.get(f"{API}/requests.json?service_request_id={'f' * 24},{visible['service_request_id']}")]
    assert [r["service_code"] for r in responses[0].get_json()] == ["gop_y"]
    assert responses[1].get_json() == []
    assert [r["service_code"] for r in responses[2].get_json()] == ["gop_y"]
    assert [r["service_request_id"] for r in responses[3].get_json()] == [visible["service_request_id"]]
    text = "".join(all_text(r) for r in responses)
    for secret in (den["tracking_code"], anon_out["tracking_code"], "f" * 24, "Đỗ Minh Tâm", "0987000111",
                   "Tố cáo đòi tiền", "Cán bộ X", "to_cao", "Xuân Lộc", "10.93", "107.4"):
        assert secret not in text, secret


def test_list_filters(client, app, key):
    now = datetime.now(timezone.utc)
    a = file_case(client, suggestion(key))                       # gop_y, open, now - 1 day
    b = file_case(client, complaint(key))                        # khieu_nai, closed, now - 10 days
    c = file_case(client, suggestion(key, service_code="phan_anh"))  # phan_anh, open, now - 40 days
    d = file_case(client, suggestion(key))                       # gop_y, resolved, now - 120 days
    set_case(app, a["tracking_code"], received_at=now - timedelta(days=1))
    set_case(app, b["tracking_code"], received_at=now - timedelta(days=10), status="closed")
    set_case(app, c["tracking_code"], received_at=now - timedelta(days=40), status="in_progress")
    set_case(app, d["tracking_code"], received_at=now - timedelta(days=120), status="resolved")

    def ids(query: str = "") -> list[str]:
        resp = client.get(f"{API}/requests.json{query}")
        assert resp.status_code == 200, resp.get_data(as_text=True)
        return [r["service_request_id"] for r in resp.get_json()]

    A, B, C, D = (x["service_request_id"] for x in (a, b, c, d))
    # Default: the last 90 days, newest first.
    assert ids() == [A, B, C]
    assert ids("?service_code=gop_y") == [A]
    assert ids("?service_code=khieu_nai") == [B]
    assert ids("?status=open") == [A, C]
    assert ids("?status=closed") == [B]
    assert ids("?status=closed&start_date=" + (now - timedelta(days=200)).isoformat().replace("+", "%2B")) == [B, D]
    assert ids("?start_date=" + (now - timedelta(days=200)).date().isoformat()) == [A, B, C, D]
    # Only an end: the 90 days before it.
    end = (now - timedelta(days=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(f"?end_date={end}") == [B, C]
    start = (now - timedelta(days=50)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(f"?start_date={start}&end_date={end}&status=open") == [C]
    # service_request_id overrides every other filter, even the 90 days.
    assert ids(f"?service_request_id={D},{A}&service_code=phan_anh&status=open") == [A, D]
    assert ids(f"?service_request_id={A},nope") == [A]
    listed = client.get(f"{API}/requests.json?start_date=2000-01-01").get_json()
    assert {r["status"] for r in listed} == {"open", "closed"}
    assert all(set(r) >= {"service_code", "status_notes"} and "description" not in r for r in listed)


@pytest.mark.parametrize("query, expected", [
    ("start_date=yesterday", ["start_date: not an ISO 8601 date-time (e.g. 2025-03-01T00:00:00+07:00)"]),
    ("end_date=2025-13-01", ["end_date: not an ISO 8601 date-time (e.g. 2025-03-01T00:00:00+07:00)"]),
    ("start_date=2025-03-02&end_date=2025-03-01", ["start_date: after end_date"]),
    ("status=pending", ["status: must be open, closed or open,closed"]),
    ("start_date=x&status=y", ["start_date: not an ISO 8601 date-time (e.g. 2025-03-01T00:00:00+07:00)",
                               "status: must be open, closed or open,closed"]),
    ("service_request_id=,", ["service_request_id: empty"]),
])
def test_bad_list_filters(client, query, expected):
    resp = client.get(f"{API}/requests.json?{query}")
    assert resp.status_code == 400 and errors_of(resp) == expected


def test_list_is_capped(client, app, key, monkeypatch):
    from danvan_feedback.api import definitions, views
    assert definitions.LIST_MAX == 1000
    monkeypatch.setattr(views, "LIST_MAX", 2)
    for _ in range(3):
        file_case(client, suggestion(key))
    listed = client.get(f"{API}/requests.json").get_json()
    assert len(listed) == 2 and all(r["service_code"] == "gop_y" for r in listed)


def test_rate_limit_answers_json(db_url, tmp_path):
    app = create_app({**base_config(tmp_path, db_url), "RATELIMIT_ENABLED": True,
                      "RATELIMIT_API": "3 per minute"})
    try:
        client = app.test_client()
        assert len(client.get(f"{API}/services.json").get_json()) == 5
        assert client.get(f"{API}/services/gop_y.json").get_json()["service_code"] == "gop_y"
        assert errors_of(client.post(f"{API}/requests.json", data={})) == ["api_key is required"]
        # The budget is shared across the API: the fourth call, on any endpoint, is refused.
        resp = client.get(f"{API}/requests.json")
        assert resp.status_code == 429 and resp.mimetype == "application/json"
        assert resp.get_json() == [{"code": 429, "description":
                                    "Too many requests; retry after the Retry-After delay"}]
        assert int(resp.headers["Retry-After"]) > 0
        resp = client.post(f"{API}/requests.json", data={})
        assert resp.status_code == 429 and resp.headers["Cache-Control"] == "no-store"
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
