"""Letters registered by the office (vào sổ đơn), their receipt slip, documents issued from a case,
agency replies and the urging list (issue 12)."""
from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from sqlalchemy import func, select

from danvan_feedback.domain.periods import custom_period
from danvan_feedback.extensions import db
from danvan_feedback.models import (AgencyReply, Attachment, Case, CaseEvent, IssuedDocument, OutboxMessage)
from danvan_feedback.services.reports import figures as reports
from danvan_feedback.services.notify import render_bodies
from tests.app.helpers import count, stored_files
from tests.app.staff_helpers import csrf, login, make_user
from tests.conftest import form_tokens
from tests.factories import jpeg_bytes, pdf_bytes

TZ = "Asia/Ho_Chi_Minh"
URL = "/can-bo/vao-so-don"


def today() -> date:
    return datetime.now(timezone.utc).astimezone(ZoneInfo(TZ)).date()


def letter(**over) -> dict:
    data = {"kind_code": "khieu_nai", "received_on": (today() - timedelta(days=5)).isoformat(),
            "channel": "post", "sender_doc_no": "01/ĐKN", "sender_doc_date": (today() - timedelta(days=8)).isoformat(),
            "signatories": "one", "submitter_type": "citizen", "full_name": "Phạm Văn Đơn",
            "address": "Xã Long Thành", "cccd": "075190001234", "phone": "0912 345 678",
            "email": "don@example.com", "subject": "Khiếu nại quyết định thu hồi đất",
            "content": "Tôi không đồng ý với quyết định thu hồi đất.", "complained_decision": "QĐ 45/QĐ-UBND",
            "request_text": "Huỷ quyết định"}
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def post_letter(client, data: dict, files=None, tokens=None):
    payload = {**(tokens if tokens is not None else form_tokens(client, URL)), **data}
    if files is None:
        files = [(pdf_bytes(), "don-scan.pdf")]
    if files:
        payload["attachments"] = [(io.BytesIO(raw), name) for raw, name in files]
    return client.post(URL, data=payload, content_type="multipart/form-data")


@pytest.fixture
def inspector(app, client):
    user = make_user(app, "thanhtra", "inspector")
    login(client, user)
    return user


def the_case(app) -> Case:
    with app.app_context():
        c = db.session.execute(select(Case)).scalar_one()
        db.session.expunge(c)
        return c


def test_register_a_paper_letter_prints_a_slip_and_mails_code_and_pin(app, client, inspector):
    resp = post_letter(client, letter(), files=[(pdf_bytes(), "don-scan.pdf"), (jpeg_bytes(), "trang-2.jpg")])
    assert resp.status_code == 303, resp.get_data(as_text=True)[:3000]
    slip = client.get(resp.headers["Location"])
    html = slip.get_data(as_text=True)
    code = re.search(r'id="tracking-code">([^<]+)<', html).group(1)
    pin = re.search(r'id="pin">(\d{6})<', html).group(1)
    assert "GIẤY BIÊN NHẬN" in html and "Phạm Văn Đơn" in html
    assert re.search(r'id="slip-number">Số: 1/BN', html)
    c = the_case(app)
    received = today() - timedelta(days=5)
    assert c.tracking_code == code and c.channel == "post" and c.sender_doc_no == "01/ĐKN"
    assert c.received_at.astimezone(ZoneInfo(TZ)).date() == received
    assert c.entered_at is not None and c.entered_at.astimezone(ZoneInfo(TZ)).date() == today()
    assert c.registered_by_id == inspector["id"] and c.consent_at is None
    with app.app_context():
        first = db.session.execute(select(CaseEvent).where(CaseEvent.case_id == c.id).order_by(CaseEvent.seq)).scalars().first()
        assert first.action == "submitted" and first.actor_type == "staff"
        assert first.created_at.astimezone(ZoneInfo(TZ)).date() == received  # the legal fact's own date
        assert {a.content_type for a in db.session.execute(select(Attachment)).scalars()} == {"application/pdf", "image/jpeg"}
        msg = db.session.execute(select(OutboxMessage)).scalar_one()
        text, _html = render_bodies(msg)  # rendered by the sender, from the row
        assert msg.to_addr == "don@example.com" and code in text and pin in text and "vào sổ đơn" in text
        doc = db.session.execute(select(IssuedDocument)).scalar_one()
        assert (doc.doc_type, doc.number, doc.year) == ("bien_nhan", 1, today().year)
    # the clock runs from the received date, not from the day of entry
    page = client.get(f"/can-bo/ho-so/{c.id}").get_data(as_text=True)
    assert 'id="clock-accept"' in page and received.strftime("%d/%m/%Y") in page
    assert "Ban hành văn bản" in page and ">issue_document<" not in page  # events in words
    # the numbered DOCX
    docx_resp = client.get(f"/can-bo/van-ban/{doc.id}")
    assert docx_resp.status_code == 200 and docx_resp.headers["Content-Security-Policy"] == "sandbox"
    text = "\n".join(p.text for p in Document(io.BytesIO(docx_resp.data)).paragraphs)
    assert "GIẤY BIÊN NHẬN" in text and code in text
    # the PIN is shown once: a later visit of the slip no longer has it
    with client.session_transaction() as s:
        s.pop("letter_receipt")
    assert 'id="pin"' not in client.get(resp.headers["Location"]).get_data(as_text=True)


def test_a_registered_letter_counts_once_in_02xld_under_its_received_date_and_never_in_01tcd(app, client, inspector):
    received = today() - timedelta(days=5)
    tokens = form_tokens(client, URL)
    assert post_letter(client, letter(), tokens=tokens).status_code == 303
    assert post_letter(client, letter(), tokens=tokens).status_code == 303  # a double submit
    assert count(app, Case) == 1
    with app.app_context():
        on_received = reports.compute(custom_period(received, received), TZ, with_previous=False)["counts"]
        on_entry = reports.compute(custom_period(today(), today()), TZ, with_previous=False)["counts"]
        both = reports.compute(custom_period(received, today()), TZ, with_previous=False)["counts"]
    assert on_received["xld.new"] == 1 and on_received["xld.single"] == 1
    assert on_entry["xld.new"] == 0 and on_entry["xld.carried"] == 1  # received earlier, still open
    assert both["xld.new"] == 1 and both["xld.total"] == 1
    assert on_received["tcd.visits"] == both["tcd.visits"] == 0 and both["tcd.people"] == 0


@pytest.mark.parametrize("over, files, field_id, message", [
    ({"received_on": (date.today() + timedelta(days=3)).isoformat()}, None, "received_on", "tương lai"),
    ({"received_on": (date.today() - timedelta(days=400)).isoformat()}, None, "received_on", "lùi tối đa"),
    ({"sender_doc_date": (date.today() - timedelta(days=1)).isoformat(),
      "received_on": (date.today() - timedelta(days=6)).isoformat()}, None, "sender_doc_date", "sau ngày nhận đơn"),
    ({}, [(b"%PDF-1.7 garbage that is not a pdf", "scan.pdf")], "attachments", "bị hỏng"),
    ({}, [(b"\xff\xd8\xff\xe0 broken jpeg", "trang-1.jpg")], "attachments", "bị hỏng"),
    ({"cccd": "12345"}, None, "cccd", "12 chữ số"),
    ({"signatories": "several", "group_size": "", "representative": ""}, None, "group_size", "2 người"),
    ({"subject": ""}, None, "subject", "Vui lòng điền"),
    ({"kind_code": "khong_co"}, None, "kind_code", "không hợp lệ"),
])
def test_bad_input_is_refused_keeps_what_was_typed_and_writes_nothing(app, client, inspector, over, files, field_id, message):
    data = letter(**over)
    resp = post_letter(client, data, files=files)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert f'id="{field_id}-error"' in html and message in html
    assert 'value="Phạm Văn Đơn"' in html and "Tôi không đồng ý với quyết định thu hồi đất." in html
    assert count(app, Case) == count(app, CaseEvent) == count(app, Attachment) == count(app, OutboxMessage) == 0
    assert stored_files(app) == []


def test_unknown_signatory_and_group_letters(app, client, inspector):
    assert post_letter(client, letter(signatories="unknown", kind_code="phan_anh", full_name="", cccd="",
                                      phone="", email="", address="")).status_code == 303
    assert post_letter(client, letter(signatories="several", group_size="12", representative="Ông Năm",
                                      kind_code="kien_nghi")).status_code == 303
    with app.app_context():
        rows = db.session.execute(select(Case.kind_code, Case.is_anonymous, Case.is_group, Case.group_size)
                                  .order_by(Case.id)).all()
    assert [tuple(r) for r in rows] == [("phan_anh", True, False, None), ("kien_nghi", False, True, 12)]


def registered(client, app, **over) -> int:
    assert post_letter(client, letter(**over)).status_code == 303
    with app.app_context():
        return db.session.execute(select(func.max(Case.id))).scalar_one()


def issue(client, cid, **data):
    return client.post(f"/can-bo/ho-so/{cid}/van-ban", data={"csrf_token": csrf(client, f"/can-bo/ho-so/{cid}"), **data})


def test_documents_are_numbered_per_register_and_year_and_a_duplicate_is_refused(app, client, inspector):
    cid = registered(client, app)
    act = client.post(f"/can-bo/ho-so/{cid}/thao-tac/accept", data={"csrf_token": csrf(client, f"/can-bo/ho-so/{cid}")})
    assert act.status_code == 303
    r = issue(client, cid, doc_type="tb_thu_ly", signer="Nguyễn Chánh Thanh Tra")
    assert r.status_code == 303, r.get_data(as_text=True)[:2000]
    r = issue(client, cid, doc_type="tb_thu_ly", number="7", signer="Nguyễn Chánh Thanh Tra")
    assert r.status_code == 303
    with app.app_context():
        docs = db.session.execute(select(IssuedDocument.doc_type, IssuedDocument.number, IssuedDocument.doc_no)
                                  .order_by(IssuedDocument.id)).all()
    assert [tuple(d) for d in docs] == [("bien_nhan", 1, "1/BN"), ("tb_thu_ly", 1, "1/TB"), ("tb_thu_ly", 7, "7/TB")]
    events = count(app, CaseEvent)
    dup = issue(client, cid, doc_type="tb_thu_ly", number="7", signer="Người ký thử")
    assert dup.status_code == 422
    html = dup.get_data(as_text=True)
    assert "Số 7 đã được dùng trong sổ văn bản năm" in html and 'value="Người ký thử"' in html
    assert count(app, IssuedDocument) == 3 and count(app, CaseEvent) == events
    future = issue(client, cid, doc_type="tb_thu_ly", issued_on=(today() + timedelta(days=2)).isoformat())
    assert future.status_code == 422 and "tương lai" in future.get_data(as_text=True)
    early = issue(client, cid, doc_type="tb_thu_ly", issued_on=(today() - timedelta(days=20)).isoformat())
    assert early.status_code == 422 and "trước ngày nhận đơn" in early.get_data(as_text=True)
    assert count(app, IssuedDocument) == 3
    with app.app_context():
        doc_id = db.session.execute(select(IssuedDocument.id).where(IssuedDocument.number == 7)).scalar_one()
    text = "\n".join(p.text for p in Document(io.BytesIO(client.get(f"/can-bo/van-ban/{doc_id}").data)).paragraphs)
    assert "THÔNG BÁO" in text and "thụ lý giải quyết khiếu nại" in text and "Phạm Văn Đơn" in text


def test_the_register_number_is_unique_in_the_database(app, client, inspector):
    cid = registered(client, app)
    from sqlalchemy.exc import IntegrityError
    with app.app_context():
        db.session.add(IssuedDocument(case_id=cid, doc_type="bien_nhan", series="BN", year=today().year, number=1,
                                      doc_no="1/BN", issued_on=today(), created_at=datetime.now(timezone.utc)))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def transfer(client, cid, when: date):
    return client.post(f"/can-bo/ho-so/{cid}/thao-tac/transfer", data={
        "csrf_token": csrf(client, f"/can-bo/ho-so/{cid}"), "agency": "UBND xã Long Thành",
        "doc_no": "12/PC-TTr", "doc_date": when.isoformat()})


def reply(client, cid, **data):
    payload = {"csrf_token": csrf(client, f"/can-bo/ho-so/{cid}"), "agency": "UBND xã Long Thành",
               "doc_no": "88/UBND", "doc_date": today().isoformat(), "summary": "Đã giải quyết xong.", **data}
    return client.post(f"/can-bo/ho-so/{cid}/phuc-dap", data=payload, content_type="multipart/form-data")


def test_agency_reply_is_an_event_and_leaves_the_urging_list(app, client, inspector, config_overrides):
    cid = registered(client, app, kind_code="phan_anh")
    assert transfer(client, cid, today() - timedelta(days=2)).status_code == 303
    app.config["AGENCY_REPLY_DAYS"] = 1
    listing = client.get("/can-bo/don-chuyen-cho-phuc-dap").get_data(as_text=True)
    assert "UBND xã Long Thành" in listing and "12/PC-TTr" in listing
    before = count(app, CaseEvent)
    bad = [
        (dict(doc_date=(today() + timedelta(days=1)).isoformat()), "tương lai"),
        (dict(doc_date=(today() - timedelta(days=3)).isoformat()), "trước ngày chuyển đơn"),
        (dict(doc_no=""), "Vui lòng điền"),
    ]
    for data, message in bad:
        r = reply(client, cid, **data)
        assert r.status_code == 422 and message in r.get_data(as_text=True)
        assert "Đã giải quyết xong." in r.get_data(as_text=True)
    broken = reply(client, cid, file=(io.BytesIO(b"%PDF-1.4 not really"), "phuc-dap.pdf"))
    assert broken.status_code == 422 and "bị hỏng" in broken.get_data(as_text=True)
    assert count(app, CaseEvent) == before and count(app, AgencyReply) == 0
    ok = reply(client, cid, file=(io.BytesIO(pdf_bytes()), "phuc-dap.pdf"))
    assert ok.status_code == 303
    dup = reply(client, cid, summary="Lần hai")
    assert dup.status_code == 422 and "đã được ghi cho hồ sơ này" in dup.get_data(as_text=True)
    with app.app_context():
        ev = db.session.execute(select(CaseEvent).where(CaseEvent.action == "agency_reply")).scalar_one()
        r = db.session.execute(select(AgencyReply)).scalar_one()
        assert r.event_id == ev.id and r.attachment_id is not None and r.doc_year == today().year
    assert "12/PC-TTr" not in client.get("/can-bo/don-chuyen-cho-phuc-dap").get_data(as_text=True)


def test_forwarding_clock_shows_five_working_days_with_its_citation(app, client, inspector):
    cid = registered(client, app, kind_code="kien_nghi")
    page = client.get(f"/can-bo/ho-so/{cid}").get_data(as_text=True)
    assert 'id="clock-transfer"' in page and "Nghị định 20/2008" in page and "5 ngày" in page
    assert 'id="clock-accept"' in page


@pytest.mark.parametrize("role, status", [("office", 200), ("inspector", 200), ("unit", 403), ("viewer", 403), ("admin", 403)])
def test_who_may_register(app, role, status):
    client = app.test_client()
    login(client, make_user(app, f"u{role}", role))
    assert client.get(URL).status_code == status
    assert client.get("/can-bo/don-chuyen-cho-phuc-dap").status_code == (200 if role == "inspector" else 403)


def test_office_clerk_registers_and_prints_but_cannot_open_the_case(app):
    client = app.test_client()
    login(client, make_user(app, "vanthu", "office"))
    resp = post_letter(client, letter())
    assert resp.status_code == 303
    assert client.get(resp.headers["Location"]).status_code == 200
    c = the_case(app)
    assert client.get(f"/can-bo/ho-so/{c.id}").status_code in (403, 404)
    with app.app_context():
        doc_id = db.session.execute(select(IssuedDocument.id)).scalar_one()
    assert client.get(f"/can-bo/van-ban/{doc_id}").status_code == 200


def test_anonymous_is_sent_to_login(app):
    client = app.test_client()
    for url in (URL, "/can-bo/don-chuyen-cho-phuc-dap", "/can-bo/van-ban/1", "/can-bo/vao-so-don/1/bien-nhan"):
        assert client.get(url).status_code == 302
