"""Open311 as real clients speak it: XML and JSON for every endpoint (errors included), discovery,
jurisdiction_id, tokens, located requests, servicerequestupdates and public photos. Bad input
always gets the spec's error list in the format asked for, never a 500."""
from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest
from lxml import etree
from PIL import Image
from sqlalchemy import select

from danvan_feedback.extensions import db
from danvan_feedback.models import Case, User
from danvan_feedback.services import triage
from danvan_feedback.services.intake import Submission, submit_case
from danvan_feedback.storage import LocalStorage, clean_upload
from tests.app.staff_helpers import make_user
from tests.app.test_open311 import (ADDRESS, CCCD, FULL_NAME, PHONE_E164, all_text, complaint, count_cases,
                                    errors_of, file_case, key, post, suggestion)  # noqa: F401 (fixture)

API = "/open311/v2"
JURISDICTION = "kiemthu.local"  # the host of the tests' PUBLIC_BASE_URL (base_config)


def xml_of(resp):
    assert resp.mimetype == "text/xml", (resp.status_code, resp.mimetype, resp.get_data(as_text=True)[:300])
    body = resp.get_data()
    assert body.startswith(b"<?xml version='1.0' encoding='UTF-8'?>"), body[:80]
    return etree.fromstring(body)


def xml_errors(resp) -> list[str]:
    root = xml_of(resp)
    assert root.tag == "errors", etree.tostring(root)
    errors = root.findall("error")
    assert errors and all(int(e.findtext("code")) == resp.status_code for e in errors)
    assert all([c.tag for c in e] == ["code", "description"] for e in errors)
    return [e.findtext("description") for e in errors]


def fields(el) -> dict:
    return {c.tag: c.text for c in el}


# ---------------------------------------------------------------- formats

def test_services_and_definitions_in_xml(client):
    as_json = client.get(f"{API}/services.json").get_json()
    root = xml_of(client.get(f"{API}/services.xml"))
    assert root.tag == "services"
    items = [fields(s) for s in root.findall("service")]
    assert [i["service_code"] for i in items] == [s["service_code"] for s in as_json]
    assert items[0]["metadata"] == "true" and items[0]["type"] == "realtime"
    assert set(items[0]) == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}

    root = xml_of(client.get(f"{API}/services/khieu_nai.xml?locale=en"))
    assert root.tag == "service_definition" and root.findtext("service_code") == "khieu_nai"
    attrs = root.find("attributes").findall("attribute")
    codes = [a.findtext("code") for a in attrs]
    assert codes == [a["code"] for a in client.get(f"{API}/services/khieu_nai.json").get_json()["attributes"]]
    contact = next(a for a in attrs if a.findtext("code") == "contact_address")
    assert contact.findtext("required") == "true" and contact.findtext("variable") == "true"
    submitter = next(a for a in attrs if a.findtext("code") == "submitter_type")
    assert [v.findtext("key") for v in submitter.find("values").findall("value")] == ["citizen", "business"]
    # phản ánh: the contact address is optional once anonymous; the notice says where the place goes.
    notice = client.get(f"{API}/services/phan_anh.json?locale=en").get_json()["attributes"][0]["description"]
    assert "address_string" in notice and "Without a name the request is anonymous" in notice


def test_post_get_list_token_in_xml(client, app, key):
    resp = client.post(f"{API}/requests.xml", data=complaint(key, lat="10.9574", long="106.8427",
                                                             address_string="Tổ 7, phường Trấn Biên"))
    assert resp.status_code == 201 and resp.headers["Cache-Control"] == "no-store"
    root = xml_of(resp)
    assert root.tag == "service_requests"
    out = fields(root.find("request"))
    assert set(out) == {"service_request_id", "token", "service_notice", "account_id", "tracking_code", "pin"}
    rid = out["service_request_id"]
    assert out["token"] == rid and out["account_id"] is None

    root = xml_of(client.get(f"{API}/requests/{rid}.xml"))
    req = fields(root.find("request"))
    assert req["service_request_id"] == rid and req["status"] == "open" and req["service_code"] == "khieu_nai"
    assert (req["address"], float(req["lat"]), float(req["long"])) == ("Tổ 7, phường Trấn Biên", 10.9574, 106.8427)
    assert req["media_url"] is None and req["expected_datetime"].endswith("+07:00")

    listed = xml_of(client.get(f"{API}/requests.xml"))
    assert [r.findtext("service_request_id") for r in listed.findall("request")] == [rid]
    tok = xml_of(client.get(f"{API}/tokens/{rid}.xml"))
    assert fields(tok.find("request")) == {"service_request_id": rid, "token": rid}
    assert client.get(f"{API}/tokens/{rid}.json").get_json() == [{"service_request_id": rid, "token": rid}]
    text = etree.tostring(listed, encoding="unicode") + client.get(f"{API}/requests/{rid}.xml").get_data(as_text=True)
    for secret in (FULL_NAME, CCCD, PHONE_E164, ADDRESS, out["tracking_code"]):
        assert secret not in text


def test_xml_body_is_read_safely(client, app, key):
    body = f"""<?xml version="1.0" encoding="UTF-8"?>
<service_request>
  <api_key>{key}</api_key>
  <jurisdiction_id>{JURISDICTION}</jurisdiction_id>
  <service_code>phan_anh</service_code>
  <description>Đèn đường hỏng cả tuần ở ngã tư.</description>
  <lat>10.95</lat><long>106.82</long>
  <attribute><subject>Đèn đường hỏng</subject></attribute>
  <attribute code="idempotency_key">den-duong-1</attribute>
</service_request>""".encode()
    resp = client.post(f"{API}/requests.xml", data=body, content_type="text/xml")
    assert resp.status_code == 201, resp.get_data(as_text=True)
    rid = xml_of(resp).findtext("request/service_request_id")
    with app.app_context():
        case = db.session.execute(select(Case)).scalar_one()
        assert (case.open311_id, case.subject, case.latitude, case.longitude) == (rid, "Đèn đường hỏng", 10.95, 106.82)
        assert case.is_anonymous is True and case.identity is None and case.consent_at is None
    again = client.post(f"{API}/requests.json", data=body, content_type="application/xml")
    assert again.status_code == 200 and again.get_json()[0]["service_request_id"] == rid

    # An external entity, a billion laughs and a DTD are refused before parsing; nothing is read.
    xxe = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           b"<service_request><service_code>&x;</service_code></service_request>")
    laughs = (b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
              b"<service_request><description>&b;&b;&b;</description></service_request>")
    for bad in (xxe, laughs):
        for fmt in ("xml", "json"):
            resp = client.post(f"{API}/requests.{fmt}", data=bad, content_type="text/xml")
            assert resp.status_code == 400
            errors = xml_errors(resp) if fmt == "xml" else errors_of(resp)
            assert errors == ["body: XML with a DTD or entities is not accepted"]
    deep = b"<r><attribute><a><b>x</b></a></attribute></r>"
    assert xml_errors(client.post(f"{API}/requests.xml", data=deep, content_type="text/xml")) == [
        "body: XML nested deeper than 3 levels"]
    huge = b"<r><description>" + b"x" * (300 * 1024) + b"</description></r>"
    assert xml_errors(client.post(f"{API}/requests.xml", data=huge, content_type="text/xml")) == [
        "body: XML larger than 256 KiB"]
    twice = b"<r><service_code>gop_y</service_code><service_code>phan_anh</service_code></r>"
    assert errors_of(client.post(f"{API}/requests.json", data=twice, content_type="text/xml")) == [
        "service_code: given more than once"]
    assert count_cases(app) == 1


BAD_INPUT = [
    # (method, path, kwargs, status, descriptions)
    ("get", "/services.html", {}, 400, ["Unsupported format .html: use .xml or .json"]),
    ("get", "/services/gop_y.csv", {}, 400, ["Unsupported format .csv: use .xml or .json"]),
    ("get", "/requests/abc.yaml", {}, 400, ["Unsupported format .yaml: use .xml or .json"]),
    ("post", "/requests.txt", {"data": {"service_code": "gop_y"}}, 400, ["Unsupported format .txt: use .xml or .json"]),
    ("get", "/services.{fmt}?jurisdiction_id=hanoi.gov.vn", {}, 404,
     [f"jurisdiction_id: unknown jurisdiction (this endpoint serves {JURISDICTION})"]),
    ("get", "/requests.{fmt}?jurisdiction_id=x", {}, 404,
     [f"jurisdiction_id: unknown jurisdiction (this endpoint serves {JURISDICTION})"]),
    ("get", "/servicerequestupdates.{fmt}?jurisdiction_id=x", {}, 404,
     [f"jurisdiction_id: unknown jurisdiction (this endpoint serves {JURISDICTION})"]),
    ("post", "/requests.{fmt}", {"data": "{not json", "content_type": "application/json"}, 400, ["body: malformed JSON"]),
    ("post", "/requests.{fmt}", {"data": "<service_request><service_code>gop_y</service_code>",
                                 "content_type": "text/xml"}, 400, ["body: malformed XML"]),
    ("post", "/requests.{fmt}", {"data": "<a><b><c>x</c></b></a>", "content_type": "text/xml"}, 400,
     ["b: must be a plain value"]),
    ("get", "/requests.{fmt}?start_date=0001-01-01", {}, 400, ["start_date: must be between the years 1970 and 2999"]),
    ("get", "/servicerequestupdates.{fmt}?start_date=nope", {}, 400,
     ["start_date: not an ISO 8601 date-time (e.g. 2025-03-01T00:00:00+07:00)"]),
    ("get", "/requests/khong-co.{fmt}", {}, 404, ["No service request with this service_request_id"]),
    ("get", "/tokens/khong-co.{fmt}", {}, 404, ["No service request with this token"]),
    ("get", "/services/khong-co.{fmt}", {}, 404, ["No service with this service_code"]),
    ("get", "/khong-co.{fmt}", {}, 404, ["Not found"]),
]


@pytest.mark.parametrize("fmt", ["xml", "json"])
@pytest.mark.parametrize("method, path, kwargs, status, expected", BAD_INPUT)
def test_bad_input_gets_spec_errors_in_both_formats(client, key, fmt, method, path, kwargs, status, expected):
    url = API + path.format(fmt=fmt)
    resp = getattr(client, method)(url, headers={"X-Api-Key": key}, **kwargs)
    assert resp.status_code == status, resp.get_data(as_text=True)
    chosen = "xml" if url.split("?")[0].endswith(".xml") else "json"
    assert (xml_errors(resp) if chosen == "xml" else errors_of(resp)) == expected


@pytest.mark.parametrize("fmt", ["xml", "json"])
@pytest.mark.parametrize("over, expected", [
    ({"lat": "91", "long": "106"}, ["lat: must be between -90 and 90"]),
    ({"lat": "10", "long": "-180.5"}, ["long: must be between -180 and 180"]),
    ({"lat": "nan", "long": "106"}, ["lat: must be a number of degrees (WGS84), e.g. 10.9574"]),
    ({"lat": "1e999", "long": "106"}, ["lat: must be a number of degrees (WGS84), e.g. 10.9574"]),
    ({"lat": "mười", "long": "106"}, ["lat: must be a number of degrees (WGS84), e.g. 10.9574"]),
    ({"lat": "10.9"}, ["lat, long: give both or neither"]),
    ({"long": "106.8"}, ["lat, long: give both or neither"]),
    ({"address_id": "x" * 101}, ["address_id: at most 100 characters"]),
    ({"address_string": "x" * 301}, ["address_string: at most 300 characters"]),
    ({"jurisdiction_id": "hcm.gov.vn"}, [f"jurisdiction_id: unknown jurisdiction (this endpoint serves {JURISDICTION})"]),
])
def test_bad_locations_and_jurisdictions_on_post(client, app, key, fmt, over, expected):
    resp = client.post(f"{API}/requests.{fmt}", data=suggestion(key, **over))
    assert resp.status_code in (400, 404)
    assert (xml_errors(resp) if fmt == "xml" else errors_of(resp)) == expected
    assert count_cases(app) == 0


def test_json_numbers_and_jurisdiction_accepted(client, app, key):
    resp = client.post(f"{API}/requests.json", json={
        "api_key": key, "service_code": "kien_nghi", "jurisdiction_id": JURISDICTION,
        "description": "Đề nghị mở thêm quầy một cửa buổi sáng thứ bảy.", "lat": -0.5, "long": 179.999})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    rid = resp.get_json()[0]["service_request_id"]
    got = client.get(f"{API}/requests/{rid}.json?jurisdiction_id={JURISDICTION}").get_json()[0]
    assert (got["lat"], got["long"], got["address"]) == (-0.5, 179.999, None)
    for path in ("/services.json", "/services/gop_y.json", f"/tokens/{rid}.json", "/servicerequestupdates.json"):
        assert client.get(f"{API}{path}?jurisdiction_id={JURISDICTION}").status_code == 200, path
    assert client.get(f"/open311/discovery.json?jurisdiction_id={JURISDICTION}").status_code == 200


# ---------------------------------------------------------------- location and anonymity

def test_located_requests_round_trip(client, app, key):
    only_point = file_case(client, suggestion(key, service_code="phan_anh", lat="10.9447", long="106.8243"))
    only_address = file_case(client, {"api_key": key, "service_code": "phan_anh",
                                      "description": "Rác tồn đọng ở chợ.", "address_string": "Chợ Biên Hòa",
                                      "address_id": "osm:way/123"})
    a = client.get(f"{API}/requests/{only_point['service_request_id']}.json").get_json()[0]
    assert (a["lat"], a["long"], a["address"], a["address_id"]) == (10.9447, 106.8243, None, None)
    b = client.get(f"{API}/requests/{only_address['service_request_id']}.json").get_json()[0]
    assert (b["lat"], b["long"], b["address"], b["address_id"]) == (None, None, "Chợ Biên Hòa", "osm:way/123")
    bx = fields(xml_of(client.get(f"{API}/requests/{only_address['service_request_id']}.xml")).find("request"))
    assert (bx["address"], bx["lat"], bx["long"]) == ("Chợ Biên Hòa", None, None)
    with app.app_context():
        cases = {c.open311_id: c for c in db.session.execute(select(Case)).scalars()}
        # No personal data: anonymous, no identity row, no consent needed.
        for c in cases.values():
            assert c.is_anonymous is True and c.identity is None and c.consent_at is None
        assert cases[only_address["service_request_id"]].incident_place == "Chợ Biên Hòa"


def test_anonymity_follows_the_kind(client, app, key):
    # A report (phản ánh) naming nobody: anonymous, although the client never sent "anonymous".
    ok = post(client, {"api_key": key, "service_code": "phan_anh", "description": "Cống bị tắc."})
    assert ok.status_code == 201, ok.get_data(as_text=True)
    # Personal data without a name: the name is asked for, rather than the data dropped.
    resp = post(client, {"api_key": key, "service_code": "phan_anh", "description": "Cống bị tắc.",
                         "email": "a@example.com", "attribute[consent]": "true"})
    assert errors_of(resp)[0].startswith("first_name: required when personal data is given")
    # A named report with a contact address still needs consent.
    resp = post(client, {"api_key": key, "service_code": "phan_anh", "description": "Cống bị tắc.",
                         "first_name": "Lan", "attribute[contact_address]": "Xã Long Thành"})
    assert errors_of(resp) == ["consent: personal data was given: set consent to true once the citizen "
                               "has agreed to the personal data notice"]
    # A complaint still needs identity and consent, however located.
    resp = post(client, {"api_key": key, "service_code": "khieu_nai", "description": "Khiếu nại.",
                         "lat": "10.9", "long": "106.8", "address_string": "UBND xã"})
    assert {"first_name: required", "contact_address: required", "cccd: required"} <= set(errors_of(resp))
    assert count_cases(app) == 1


# ---------------------------------------------------------------- discovery

def test_discovery_in_both_formats(client, app):
    doc = client.get("/open311/discovery.json").get_json()
    assert doc["changeset"].endswith("Z") and datetime.fromisoformat(doc["changeset"].replace("Z", "+00:00"))
    assert doc["contact"]  # the organisation's name by default
    (endpoint,) = doc["endpoints"]
    assert endpoint["url"] == app.config["PUBLIC_BASE_URL"] + "/open311/v2"
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["formats"] == ["text/xml", "application/json"] and endpoint["type"] == "test"
    root = xml_of(client.get("/open311/discovery.xml"))
    assert root.tag == "discovery" and root.findtext("changeset") == doc["changeset"]
    ep = root.find("endpoints").findall("endpoint")
    assert [e.findtext("url") for e in ep] == [endpoint["url"]]
    assert [f.text for f in ep[0].find("formats").findall("format")] == ["text/xml", "application/json"]
    assert xml_errors(client.get("/open311/discovery.xml?jurisdiction_id=x"))[0].startswith("jurisdiction_id")


# ---------------------------------------------------------------- updates

def _staff_ctx(app, user_id: int, now: datetime):
    return triage.Ctx(actor=db.session.get(User, user_id), now=now, tz=app.config["BABEL_DEFAULT_TIMEZONE"])


def test_updates_list_public_status_changes(client, app, key):
    inspector = make_user(app, "thanhtra", "inspector")
    rid = file_case(client, suggestion(key, service_code="phan_anh"))["service_request_id"]
    den = post(client, {"api_key": key, "service_code": "to_cao", "description": "Tố cáo cán bộ.",
                        "first_name": "Tâm", "phone": "0987000111", "attribute[contact_address]": "Xã A",
                        "attribute[consent]": "true"}).get_json()[0]
    now = datetime.now(timezone.utc)
    with app.app_context():
        case = db.session.execute(select(Case).where(Case.open311_id == rid)).scalar_one()
        triage.accept(case, _staff_ctx(app, inspector["id"], now + timedelta(seconds=1)))
        triage.add_note(case, _staff_ctx(app, inspector["id"], now + timedelta(seconds=2)), "ghi chú nội bộ")
        triage.reply(case, _staff_ctx(app, inspector["id"], now + timedelta(seconds=3)), "Trả lời riêng cho công dân")
        db.session.commit()
        tocao = db.session.execute(select(Case).where(Case.tracking_code == den["tracking_code"])).scalar_one()
        triage.accept(tocao, _staff_ctx(app, inspector["id"], now + timedelta(seconds=4)))
        db.session.commit()
        due = db.session.execute(select(Case.due_on).where(Case.open311_id == rid)).scalar_one()
    resp = client.get(f"{API}/servicerequestupdates.json?locale=en")
    assert resp.status_code == 200
    ups = resp.get_json()
    assert [(u["update_id"], u["service_request_id"], u["status"]) for u in ups] == [
        (f"{rid}-1", rid, "OPEN"), (f"{rid}-2", rid, "OPEN")]
    assert [u["description"] for u in ups] == ["Received, awaiting review", "Accepted, being handled"]
    assert set(ups[0]) == {"update_id", "service_request_id", "status", "updated_datetime", "description", "media_url"}
    root = xml_of(client.get(f"{API}/servicerequestupdates.xml"))
    assert root.tag == "service_request_updates"
    assert [u.findtext("update_id") for u in root.findall("request_update")] == [f"{rid}-1", f"{rid}-2"]
    text = all_text(resp) + etree.tostring(root, encoding="unicode")
    for secret in ("ghi chú", "Trả lời riêng", den["tracking_code"], "to_cao", "Tố cáo"):
        assert secret not in text
    # expected_datetime is the legal deadline in force (accepted: the resolution clock).
    got = client.get(f"{API}/requests/{rid}.json").get_json()[0]
    assert got["expected_datetime"] == f"{due.isoformat()}T23:59:59+07:00"
    # Window filters.
    later = (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert client.get(f"{API}/servicerequestupdates.json?start_date={later}").get_json() == []
    assert len(client.get(f"{API}/servicerequestupdates.json?end_date={later}").get_json()) == 2


def test_reclassified_denunciation_stays_hidden(client, app, key):
    """Once a denunciation, always protected: reclassified back, it shows in no list, update or media."""
    inspector = make_user(app, "thanhtra", "inspector")
    rid = file_case(client, suggestion(key, service_code="phan_anh"))["service_request_id"]
    now = datetime.now(timezone.utc)
    with app.app_context():
        case = db.session.execute(select(Case).where(Case.open311_id == rid)).scalar_one()
        triage.reclassify(case, _staff_ctx(app, inspector["id"], now), "to_cao")
        db.session.commit()
        assert case.protected is True and case.open311_id is None
        case.resolver_id = inspector["id"]  # only the resolver may reclassify a protected case
        triage.reclassify(case, _staff_ctx(app, inspector["id"], now + timedelta(seconds=1)), "phan_anh",
                          reason="Nhầm loại đơn khi phân loại")
        db.session.commit()
        assert case.kind_code == "phan_anh" and case.protected is True
        case.open311_id = rid  # even if an id were put back by hand, and the flag lost:
        db.session.commit()
    assert client.get(f"{API}/requests/{rid}.json").status_code == 404
    with app.app_context():
        case = db.session.execute(select(Case).where(Case.open311_id == rid)).scalar_one()
        case.protected = False  # the history (an event that set the kind to_cao) still hides it
        db.session.commit()
    assert client.get(f"{API}/requests/{rid}.json").status_code == 404
    assert client.get(f"{API}/tokens/{rid}.json").status_code == 404
    assert client.get(f"{API}/requests.json").get_json() == []
    assert client.get(f"{API}/servicerequestupdates.json").get_json() == []


# ---------------------------------------------------------------- public photos

def _jpeg_with_gps() -> bytes:
    img = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"
    exif[0x8825] = {2: (10.0, 57.0, 26.0), 4: (106.0, 50.0, 33.0)}  # GPS IFD
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    raw = out.getvalue()
    assert b"CameraMaker" in raw
    return raw


def _file_with_photo(app, kind: str, anonymous: str = "allowed", **identity) -> str:
    cfg = app.config
    with app.app_context():
        photo = clean_upload(_jpeg_with_gps(), "anh.jpg", cfg["UPLOAD_MAX_FILE_BYTES"])
        sub = Submission(kind_code=kind, kind_anonymous=anonymous, subject="Ảnh", content="Có ảnh.",
                         token=f"t-{kind}", anonymous=not identity, identity=identity, consent=bool(identity))
        receipt = submit_case(sub, [photo], storage=LocalStorage(cfg["UPLOAD_DIR"]), pin_key=cfg["PIN_HMAC_KEY"],
                              now=datetime.now(timezone.utc), tz=cfg["BABEL_DEFAULT_TIMEZONE"])
        return receipt.code


def test_media_url_for_public_photos_only(client, app):
    report = _file_with_photo(app, "phan_anh")
    complaint_code = _file_with_photo(app, "khieu_nai", "refused", full_name="An", address="X", cccd=CCCD)
    den = _file_with_photo(app, "to_cao", "info_only", full_name="Bình", phone="+84987000111")
    with app.app_context():
        ids = {c.tracking_code: c.open311_id for c in db.session.execute(select(Case)).scalars()}
    listed = {r["service_request_id"]: r for r in client.get(f"{API}/requests.json").get_json()}
    assert set(listed) == {ids[report], ids[complaint_code]} and ids[den] is None
    assert listed[ids[complaint_code]]["media_url"] is None
    url = listed[ids[report]]["media_url"]
    base = app.config["PUBLIC_BASE_URL"]
    assert url.startswith(f"{base}/open311/v2/media/") and url.endswith(".jpg")
    path = url.removeprefix(base)
    resp = client.get(path)
    assert resp.status_code == 200 and resp.mimetype == "image/jpeg"
    assert resp.headers["Content-Security-Policy"] == "sandbox" and resp.headers["X-Content-Type-Options"] == "nosniff"
    photo = Image.open(io.BytesIO(resp.get_data()))
    assert photo.size == (64, 48) and not photo.getexif() and b"CameraMaker" not in resp.get_data()
    xml_url = fields(xml_of(client.get(f"{API}/requests/{ids[report]}.xml")).find("request"))["media_url"]
    assert xml_url == url
    # A forged or altered reference is not found; so is every attachment of a complaint or a denunciation.
    att_id, mac = path.rsplit("/", 1)[1].removesuffix(".jpg").split("-")
    for other in range(1, 6):
        forged = f"{API}/media/{other}-{mac}.jpg"
        if str(other) != att_id:
            assert client.get(forged).status_code == 404
    assert client.get(path.replace(".jpg", ".png")).status_code == 404
    with app.app_context():
        from danvan_feedback.api.reads import media_ref
        from danvan_feedback.models import Attachment
        others = db.session.execute(select(Attachment).where(Attachment.id != int(att_id))).scalars().all()
        assert len(others) == 2
        for att in others:
            resp = client.get(f"{API}/media/{media_ref(att.id)}.jpg")
            assert resp.status_code == 404 and errors_of(resp) == ["Not found"]
    # The photo stops at once when its case becomes a denunciation.
    inspector = make_user(app, "thanhtra", "inspector")
    with app.app_context():
        case = db.session.execute(select(Case).where(Case.tracking_code == report)).scalar_one()
        triage.reclassify(case, _staff_ctx(app, inspector["id"], datetime.now(timezone.utc)), "to_cao")
        db.session.commit()
    assert client.get(path).status_code == 404


def test_only_the_published_photo_is_served(client, app):
    """media_url names the first photo filed; another photo of the same case is not public."""
    cfg = app.config
    with app.app_context():
        photos = [clean_upload(_jpeg_with_gps(), f"anh{i}.jpg", cfg["UPLOAD_MAX_FILE_BYTES"]) for i in (1, 2)]
        sub = Submission(kind_code="gop_y", subject="Hai ảnh", content="Hai ảnh.", token="two-photos", anonymous=True)
        submit_case(sub, photos, storage=LocalStorage(cfg["UPLOAD_DIR"]), pin_key=cfg["PIN_HMAC_KEY"],
                    now=datetime.now(timezone.utc), tz=cfg["BABEL_DEFAULT_TIMEZONE"])
        from danvan_feedback.api.reads import media_ref
        from danvan_feedback.models import Attachment
        first, second = db.session.execute(select(Attachment.id).order_by(Attachment.id)).scalars().all()
        refs = media_ref(first), media_ref(second)
    (listed,) = client.get(f"{API}/requests.json").get_json()
    assert listed["media_url"].endswith(f"/media/{refs[0]}.jpg")
    assert client.get(f"{API}/media/{refs[0]}.jpg").status_code == 200
    assert client.get(f"{API}/media/{refs[1]}.jpg").status_code == 404


def test_characters_xml_cannot_carry_never_make_a_500(client, app, key):
    # A lone surrogate escape is valid JSON but no text: refused, in the format asked for.
    body = ('{"api_key": "%s", "service_code": "gop_y", "description": "Gh\\u1ebf h\\u1ecfng \\ud800"}') % key
    for fmt in ("json", "xml"):
        resp = client.post(f"{API}/requests.{fmt}", data=body, content_type="application/json")
        assert resp.status_code == 400
        assert (errors_of(resp) if fmt == "json" else xml_errors(resp)) == [
            "body: text must be valid Unicode (a lone surrogate escape was sent)"]
    # U+FFFF and controls are text Python can store but XML 1.0 cannot carry: dropped from XML answers.
    body = ('{"api_key": "%s", "service_code": "gop_y", "description": "Gh\\u1ebf h\\u1ecfng",'
            ' "address_string": "Ch\\u1ee3 \\uffffA", "lat": 10.9, "long": 106.8}') % key
    resp = client.post(f"{API}/requests.json", data=body, content_type="application/json")
    assert resp.status_code == 201, resp.get_data(as_text=True)
    rid = resp.get_json()[0]["service_request_id"]
    assert client.get(f"{API}/requests/{rid}.json").get_json()[0]["address"] == "Chợ \uffffA"
    assert fields(xml_of(client.get(f"{API}/requests/{rid}.xml")).find("request"))["address"] == "Chợ A"
