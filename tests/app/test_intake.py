"""Filing a case through the public form: what is stored, and what bad input gets."""
from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image
from sqlalchemy import select

from danvan_feedback.extensions import db
from danvan_feedback.models import Attachment, Case, CaseEvent, CaseIdentity, OutboxMessage
from danvan_feedback.services.notify import render_bodies
from danvan_feedback.storage import LocalStorage
from tests.app.helpers import count, post_case, receipt_codes, stored_files
from tests.conftest import form_tokens
from tests.factories import GPS_IFD, complaint, denunciation, jpeg_bytes, pdf_bytes, png_bytes, suggestion

VALID = {
    "gop_y": suggestion(),
    "phan_anh": {"full_name": "Nguyễn Văn An", "address": "Phường Long Bình", "subject": "Trễ hẹn",
                 "content": "Hồ sơ trễ hẹn hai lần.", "consent": "y", "submitter_type": "citizen"},
    "kien_nghi": {"submitter_type": "business", "full_name": "Phạm Văn Dũng", "address": "Xã Trảng Bom",
                  "company_name": "Công ty TNHH Chăn nuôi Xanh", "tax_code": "0300588569",
                  "subject": "Hướng dẫn trực tuyến", "content": "Đề nghị đăng hướng dẫn.", "consent": "y"},
    "khieu_nai": complaint(),
    "to_cao": denunciation(),
}


@pytest.mark.parametrize("kind", list(VALID))
def test_each_kind_files_a_case(client, app, kind):
    code, pin = receipt_codes(client, post_case(client, kind, VALID[kind]))
    assert pin is not None and len(pin) == 6
    with app.app_context():
        case = db.session.execute(select(Case)).scalar_one()
        assert case.tracking_code == code and case.kind_code == kind and case.status == "received"
        assert case.channel == "web" and case.subject == VALID[kind]["subject"]
        events = db.session.execute(select(CaseEvent)).scalars().all()
        assert [(e.action, e.to_status, e.is_public, e.seq) for e in events] == [("submitted", "received", True, 1)]
        if VALID[kind].get("anonymous"):
            assert case.identity is None and case.is_anonymous
        else:
            assert case.identity.full_name == VALID[kind]["full_name"] and case.consent_at is not None
        if kind == "kien_nghi":
            assert case.submitter_type == "business" and case.identity.tax_code == "0300588569"
        # a denunciation is not recognisable by its code, and is never exposed to Open311
        assert code.startswith("DV-") and len(code) == 12
        assert (case.open311_id is None) == (kind == "to_cao")


def test_complaint_with_photo_and_pdf_is_stored_cleaned(client, app):
    photo = jpeg_bytes(gps=True)
    assert Image.open(io.BytesIO(photo)).getexif().get_ifd(GPS_IFD)  # the input really has GPS
    resp = post_case(client, "khieu_nai", complaint(), files=[(photo, "anh hien truong.jpg"), (pdf_bytes(), "qd.pdf")])
    receipt_codes(client, resp)
    with app.app_context():
        case = db.session.execute(select(Case)).scalar_one()
        atts = db.session.execute(select(Attachment).order_by(Attachment.id)).scalars().all()
        assert [(a.content_type, a.original_name) for a in atts] == [
            ("image/jpeg", "anh hien truong.jpg"), ("application/pdf", "qd.pdf")]
        storage = LocalStorage(app.config["UPLOAD_DIR"])
        for a in atts:
            raw = storage.path_for(a.storage_key).read_bytes()
            assert hashlib.sha256(raw).hexdigest() == a.sha256 and len(raw) == a.size
        stored = Image.open(storage.path_for(atts[0].storage_key))
        assert stored.format == "JPEG" and not stored.getexif().get_ifd(GPS_IFD)
        assert not str(app.config["UPLOAD_DIR"]).startswith(str(app.static_folder))
        # acceptance clock: 10 working days (Law on Complaints 2011 art. 27)
        assert case.due_rule_code == "khieu_nai.accept" and case.due_on > case.received_at.date()


def test_anonymous_denunciation_needs_acknowledgement_and_runs_no_clock(client, app):
    data = {"anonymous": "y", "subject": "Tố cáo", "content": "Nội dung", "submitter_type": "citizen"}
    resp = post_case(client, "to_cao", data)
    assert resp.status_code == 422
    assert "chỉ được lưu làm thông tin" in resp.get_data(as_text=True)
    assert count(app, Case) == 0
    receipt_codes(client, post_case(client, "to_cao", {**data, "info_only_ack": "y"}))
    with app.app_context():
        case = db.session.execute(select(Case)).scalar_one()
        assert case.is_anonymous and case.identity is None and case.due_on is None


def test_anonymous_submission_drops_identity_typed_anyway(client, app):
    receipt_codes(client, post_case(client, "gop_y", suggestion(full_name="Tên Lẽ Ra Không Lưu", phone="0912345678")))
    with app.app_context():
        assert count(app, CaseIdentity) == 0


def test_receipt_email_goes_to_the_outbox_in_the_same_transaction(client, app):
    code, _pin = receipt_codes(client, post_case(client, "khieu_nai", complaint()))
    with app.app_context():
        msg = db.session.execute(select(OutboxMessage)).scalar_one()
        assert msg.to_addr == "binh@example.com" and code in msg.subject
        assert msg.status == "pending" and msg.message_id == f"<receipt.{code}@localhost>"
        # Rendered by the sender: the row holds the template, its small context and the language.
        assert msg.body_text is None and msg.template == "receipt" and msg.locale == "vi"
        assert "Trần Thị Bình" not in msg.context_json and "Bình" not in msg.context_json
        text, html = render_bodies(msg)
        assert code in text and code in html
        assert "http://kiemthu.local/tra-cuu?ma=" in text
        assert "Trần Thị Bình" not in text + html  # nothing personal beyond the address itself


def test_no_email_no_outbox(client, app):
    receipt_codes(client, post_case(client, "khieu_nai", complaint(email=None)))
    assert count(app, OutboxMessage) == 0


def test_double_submit_creates_one_case_and_does_not_show_pin_again(client, app):
    tokens = form_tokens(client, "/gui/gop_y")
    first = post_case(client, "gop_y", suggestion(), tokens=tokens)
    code1, pin1 = receipt_codes(client, first)
    other = app.test_client()  # a retried POST from elsewhere with the same hidden token
    second = post_case(other, "gop_y", suggestion(), tokens={**form_tokens(other, "/gui/gop_y"), "token": tokens["token"]})
    code2, pin2 = receipt_codes(other, second)
    assert code1 == code2 and pin1 and pin2 is None
    assert count(app, Case) == 1


BAD = [
    # kind, changes, field id, message fragment
    ("khieu_nai", {"full_name": ""}, "full_name", "Nhập họ và tên"),
    ("khieu_nai", {"address": ""}, "address", "Nhập địa chỉ liên hệ"),
    ("khieu_nai", {"cccd": ""}, "cccd", "Nhập số căn cước công dân"),
    ("khieu_nai", {"cccd": "12345"}, "cccd", "12 chữ số"),
    ("khieu_nai", {"cccd": "003190001234"}, "cccd", "mã tỉnh"),
    ("khieu_nai", {"cccd": "075990001234"}, "cccd", "năm sinh"),
    ("khieu_nai", {"phone": "12345"}, "phone", "Số điện thoại"),
    ("khieu_nai", {"phone": "+1 202 555 0100"}, "phone", "Việt Nam"),
    ("khieu_nai", {"email": "khong-phai-email"}, "email", "email không hợp lệ"),
    ("khieu_nai", {"consent": None}, "consent", "đồng ý"),
    ("khieu_nai", {"anonymous": "y"}, "anonymous", "không thể gửi ẩn danh"),
    ("khieu_nai", {"complained_decision": ""}, "complained_decision", "Ghi quyết định hoặc hành vi hành chính bị khiếu nại"),
    ("khieu_nai", {"is_group": "y"}, "group_size", "số người"),
    ("khieu_nai", {"is_group": "y", "group_size": "1"}, "group_size", "từ 2"),
    ("khieu_nai", {"is_group": "y", "group_size": "5"}, "representative", "Nhập họ tên người đại diện"),
    ("khieu_nai", {"incident_date": "2999-01-01"}, "incident_date", "tương lai"),
    ("khieu_nai", {"incident_date": "31/02/2026"}, "incident_date", "Ngày không hợp lệ"),
    ("khieu_nai", {"is_group": "y", "group_size": "năm"}, "group_size", "số nguyên"),
    ("khieu_nai", {"subject": ""}, "subject", "Nhập tiêu đề ngắn"),
    ("khieu_nai", {"subject": "x" * 201}, "subject", "Tối đa 200 ký tự"),
    ("khieu_nai", {"unit_id": "999999"}, "unit_id", "Lựa chọn không hợp lệ"),
    ("khieu_nai", {"website": "http://spam.example"}, "website", "Biểu mẫu không gửi được"),
    ("kien_nghi", {"submitter_type": "business", "tax_code": "0300588568", "company_name": "Cty"}, "tax_code", "Mã số thuế"),
    ("kien_nghi", {"submitter_type": "business", "company_name": ""}, "company_name", "Nhập tên doanh nghiệp"),
    ("to_cao", {"phone": "", "email": ""}, "phone", "số điện thoại hoặc email"),
]


@pytest.mark.parametrize("kind,changes,field,fragment", BAD, ids=[f"{b[0]}-{b[2]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input_is_explained_kept_and_not_stored(client, app, kind, changes, field, fragment):
    base = VALID[kind] if kind != "kien_nghi" else {**VALID["kien_nghi"]}
    data = {**base, **changes}
    data = {k: v for k, v in data.items() if v is not None}
    resp = post_case(client, kind, data, files=[(jpeg_bytes(), "a.jpg")])
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert 'class="error-summary"' in html and f'href="#{field}"' in html or field == "anonymous"
    assert fragment.lower() in html.lower()
    assert "Not a valid" not in html and "This field" not in html  # no untranslated WTForms text
    # what the person typed is still there (the content textarea and the subject field)
    assert data["content"] in html
    if data.get("subject") and len(data["subject"]) <= 200:
        assert f'value="{data["subject"]}"' in html
    assert count(app, Case) == 0
    if field == "website":  # a robot's form: nothing is kept for it
        assert "chọn lại tệp" in html and stored_files(app) == []
    else:  # the photo that passed the checks is held for the next try (services/held.py)
        assert "Đã đính kèm: a.jpg" in html and len(stored_files(app)) == 1


def test_the_error_summary_gets_focus_and_the_phone_comes_back_as_typed(client):
    """Focus goes to the summary at the top (not to a field far down the page), and fields show what
    the person typed, not the cleaned value."""
    resp = post_case(client, "khieu_nai", complaint(cccd="1", phone="0912 345 678"))
    html = resp.get_data(as_text=True)
    assert html.count("autofocus") == 1
    assert 'class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" autofocus' in html
    assert 'value="0912 345 678"' in html and "+84912345678" not in html


def test_missing_csrf_token_keeps_the_form(client, app):
    tokens = form_tokens(client, "/gui/khieu_nai")
    resp = post_case(client, "khieu_nai", complaint(), tokens={"token": tokens["token"]})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "thiếu mã bảo vệ" in html
    assert 'value="Trần Thị Bình"' in html
    assert count(app, Case) == 0


def test_missing_form_token_is_refused(client, app):
    tokens = form_tokens(client, "/gui/gop_y")
    resp = post_case(client, "gop_y", suggestion(), tokens={"csrf_token": tokens["csrf_token"]})
    assert resp.status_code == 422 and "thiếu mã phiên" in resp.get_data(as_text=True)
    assert count(app, Case) == 0


FILES = [
    ([(b"<html><script>alert(1)</script></html>", "anh.jpg")], "không được chấp nhận"),
    ([(b"GIF89a" + b"\0" * 50, "x.gif")], "không được chấp nhận"),
    ([(b"\xff\xd8\xff\xe0 not really a jpeg", "broken.jpg")], "bị hỏng"),
    ([(b"%PDF-1.4\n garbage", "broken.pdf")], "bị hỏng"),
    ([(b"", "empty.pdf")], "rỗng"),
    ([(png_bytes(), f"p{i}.png") for i in range(6)], "tối đa 5 tệp"),
    ([(b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "x.svg")], "không được chấp nhận"),
]


@pytest.mark.parametrize("files,fragment", FILES, ids=["html-as-jpg", "gif", "broken-jpeg", "broken-pdf", "empty", "too-many", "svg"])
def test_bad_files_are_refused(client, app, files, fragment):
    resp = post_case(client, "khieu_nai", complaint(), files=files)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and fragment in html
    assert 'value="Trần Thị Bình"' in html
    assert count(app, Case) == 0 and count(app, Attachment) == 0 and stored_files(app) == []


class TestSizeLimits:
    @pytest.fixture
    def config_overrides(self):
        # 20 KB per file, 2 files: a whole request over ~1 MB + 40 KB answers 413.
        return {"UPLOAD_MAX_FILE_BYTES": 20 * 1024, "UPLOAD_MAX_FILES": 2,
                "MAX_CONTENT_LENGTH": 2 * 20 * 1024 + 64 * 1024}

    def test_a_file_over_the_limit_is_explained(self, client, app):
        big = jpeg_bytes(size=(400, 400)) + b"\0" * (25 * 1024)
        resp = post_case(client, "khieu_nai", complaint(), files=[(big, "lon.jpg")])
        assert resp.status_code == 422 and "vượt quá" in resp.get_data(as_text=True)
        assert count(app, Case) == 0

    def test_a_request_over_the_limit_gets_a_friendly_413(self, client, app):
        resp = post_case(client, "khieu_nai", complaint(), files=[(b"\0" * (200 * 1024), "x.pdf")])
        html = resp.get_data(as_text=True)
        assert resp.status_code == 413 and "Tệp quá lớn" in html and "tối đa 2 tệp" in html
        assert count(app, Case) == 0


def test_unknown_kind_is_404(client):
    resp = client.get("/gui/khong_co")
    assert resp.status_code == 404 and "Không tìm thấy trang" in resp.get_data(as_text=True)


def test_a_service_of_another_unit_is_recorded_as_given_not_refused(client, app):
    """Both lists are optional: a pair outside the org chart never refuses a letter."""
    from danvan_feedback.models import Service, Unit
    with app.app_context():
        unit_ids = db.session.execute(select(Unit.id).order_by(Unit.id)).scalars().all()
        db.session.add(Service(unit_id=unit_ids[0], code="S1", name="Dịch vụ A", active=True))
        db.session.commit()
        sid, other_unit = db.session.execute(select(Service.id)).scalar_one(), unit_ids[1]
    receipt_codes(client, post_case(client, "gop_y", suggestion(unit_id=str(other_unit), service_id=str(sid))))
    receipt_codes(client, post_case(client, "gop_y", suggestion(service_id=str(sid))))
    with app.app_context():
        first, second = db.session.execute(select(Case).order_by(Case.id)).scalars().all()
        assert (first.unit_id, first.service_id) == (other_unit, sid)  # both as the citizen chose them
        assert (second.unit_id, second.service_id) == (unit_ids[0], sid)  # unit inferred from the service


def test_case_event_rows_cannot_be_changed(client, app):
    receipt_codes(client, post_case(client, "gop_y", suggestion()))
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError
    with app.app_context():
        for stmt in ("UPDATE case_events SET note = 'sửa'", "DELETE FROM case_events"):
            with pytest.raises(DatabaseError):
                db.session.execute(text(stmt))
                db.session.flush()
            db.session.rollback()
        assert db.session.execute(select(CaseEvent.note)).scalar_one() == ""


def test_form_pages_show_kind_specific_fields(client):
    complaint_html = client.get("/gui/khieu_nai").get_data(as_text=True)
    assert 'id="cccd"' in complaint_html and 'id="complained_decision"' in complaint_html
    assert 'id="anonymous"' not in complaint_html and "Thông tư 05/2021/TT-TTCP" in complaint_html
    to_cao = client.get("/gui/to_cao").get_data(as_text=True)
    assert 'id="info_only_ack"' in to_cao and "Điều 25" in to_cao and 'id="cccd"' not in to_cao
    gop_y = client.get("/gui/gop_y").get_data(as_text=True)
    assert 'id="anonymous"' in gop_y and 'id="is_group"' not in gop_y
    for html in (complaint_html, to_cao, gop_y):
        assert "Thông báo về xử lý dữ liệu cá nhân" in html
        assert 'name="consent"' in html and 'name="consent" type="checkbox" value="y" checked' not in html
        assert 'name="website"' in html  # honeypot


@pytest.mark.parametrize("kind", ["to_cao", "khieu_nai", "phan_anh"])
def test_only_optional_fields_are_marked_and_marks_agree_with_the_rules(client, kind):
    html = client.get(f"/gui/{kind}").get_data(as_text=True)
    assert "(bắt buộc)" not in html  # no "required" mark, so none sits under "send anonymously"
    for field in ("unit_id", "commune_id", "attachments"):
        label = html.split(f'<label for="{field}">')[1].split("</label>")[0]
        assert "(không bắt buộc)" in label
    email = html.split('<label for="email">')[1].split("</label>")[0]
    # where the rules ask for a phone or an e-mail, neither is called optional
    assert ("(không bắt buộc)" in email) == (kind != "to_cao")  # tố cáo needs a phone or an e-mail
    if kind == "khieu_nai":
        consent = html.split('id="consent-hint"')[1].split("</p>")[0]
        assert "ẩn danh" not in consent
