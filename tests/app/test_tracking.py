"""Following a case: code + second factor, lockout, the case page, adding information, files."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from danvan_feedback.extensions import db
from danvan_feedback.models import Attachment, Case, CaseEvent
from danvan_feedback.services.events import append_event, verify_chain
from tests.app.helpers import lookup, post_case, receipt_codes
from tests.conftest import form_tokens
from tests.factories import complaint, jpeg_bytes, pdf_bytes, suggestion

FAILED = "Không mở được hồ sơ"


@pytest.fixture
def filed(client, app):
    code, pin = receipt_codes(client, post_case(client, "khieu_nai", complaint(), files=[(pdf_bytes(), "qd.pdf")]))
    return code, pin


def test_code_and_pin_open_the_case_from_another_device(app, filed):
    code, pin = filed
    other = app.test_client()
    resp = lookup(other, code.lower().replace("-", " "), pin)
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"/ho-so/{code}")
    page = other.get(resp.headers["Location"])
    html = page.get_data(as_text=True)
    assert "Khiếu nại quyết định xử phạt" in html and "Đã tiếp nhận, đang chờ phân loại" in html
    assert "Đơn đã được gửi và ghi nhận" in html and "qd.pdf" in html
    assert page.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("secret", ["0987654321", "+84 987 654 321", "BINH@example.com"])
def test_phone_or_email_works_as_second_factor(app, filed, secret):
    assert lookup(app.test_client(), filed[0], secret).status_code == 303


@pytest.mark.parametrize("code_fn,secret_fn", [
    (lambda c, p: c, lambda c, p: "000000" if p != "000000" else "111111"),  # wrong PIN
    (lambda c, p: "DV-ZZZZ-ZZZZ", lambda c, p: p),                             # unknown code
    (lambda c, p: "nonsense", lambda c, p: p),                                  # not a code at all
    (lambda c, p: c, lambda c, p: "0900000000"),                                # wrong phone
    (lambda c, p: c, lambda c, p: ""),                                          # nothing
])
def test_wrong_answers_all_look_the_same(app, filed, code_fn, secret_fn):
    code, pin = filed
    resp = lookup(app.test_client(), code_fn(code, pin), secret_fn(code, pin))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and FAILED in html
    assert 'value="' + code_fn(code, pin) + '"' in html  # the code typed is kept


def test_code_is_locked_after_repeated_failures(app, filed):
    code, pin = filed
    c = app.test_client()
    for _ in range(app.config["LOOKUP_MAX_FAILURES"]):
        assert lookup(c, code, "999999" if pin != "999999" else "888888").status_code == 422
    resp = lookup(c, code, pin)  # even the right PIN is refused while locked, with the same answer
    assert resp.status_code == 422 and FAILED in resp.get_data(as_text=True)
    with app.app_context():
        case = db.session.execute(select(Case)).scalar_one()
        assert case.lookup_locked_until is not None


def test_case_page_needs_a_lookup_first(app, filed):
    code, _pin = filed
    fresh = app.test_client()
    resp = fresh.get(f"/ho-so/{code}")
    assert resp.status_code == 302 and "/tra-cuu?ma=" in resp.headers["Location"]
    with app.app_context():
        att_id = db.session.execute(select(Attachment.id)).scalar_one()
    resp = fresh.get(f"/ho-so/{code}/tep/{att_id}")
    assert resp.status_code == 302


def test_attachment_download_is_guarded_and_sandboxed(client, app, filed):
    code, _pin = filed
    with app.app_context():
        att_id = db.session.execute(select(Attachment.id)).scalar_one()
    resp = client.get(f"/ho-so/{code}/tep/{att_id}")
    assert resp.status_code == 200 and resp.data.startswith(b"%PDF-")
    assert resp.headers["Content-Type"] == "application/pdf"
    assert resp.headers["Content-Security-Policy"] == "sandbox"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Content-Disposition"].startswith("attachment;")
    # another case's attachment through this case's URL
    code2, _ = receipt_codes(client, post_case(client, "gop_y", suggestion(), files=[(jpeg_bytes(), "b.jpg")]))
    with app.app_context():
        other_att = db.session.execute(select(Attachment.id).order_by(Attachment.id.desc())).scalars().first()
    assert client.get(f"/ho-so/{code}/tep/{other_att}").status_code == 404
    assert client.get(f"/ho-so/{code}/tep/999999").status_code == 404


def test_citizen_adds_information_and_files(client, app, filed):
    code, _pin = filed
    tokens = form_tokens(client, f"/ho-so/{code}")
    resp = client.post(f"/ho-so/{code}/bo-sung", content_type="multipart/form-data", data={
        "csrf_token": tokens["csrf_token"], "text": "Tôi gửi thêm biên bản.",
        "attachments": [(__import__("io").BytesIO(jpeg_bytes()), "bien-ban.jpg")]})
    assert resp.status_code == 303
    html = client.get(f"/ho-so/{code}").get_data(as_text=True)
    assert "Tôi gửi thêm biên bản." in html and "bien-ban.jpg" in html and "Đã ghi nhận thông tin bổ sung" in html
    with app.app_context():
        case = db.session.execute(select(Case)).scalar_one()
        events = db.session.execute(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                    .order_by(CaseEvent.seq)).scalars().all()
        assert [e.action for e in events] == ["submitted", "citizen_added"]
        assert verify_chain(events) is None
        assert db.session.execute(select(Attachment.event_id).where(Attachment.original_name == "bien-ban.jpg")).scalar_one() == events[1].id


def test_adding_nothing_or_bad_files_is_explained(client, app, filed):
    code, _pin = filed
    tokens = form_tokens(client, f"/ho-so/{code}")
    resp = client.post(f"/ho-so/{code}/bo-sung", data={"csrf_token": tokens["csrf_token"], "text": ""})
    assert resp.status_code == 422 and "Vui lòng nhập thông tin hoặc chọn tệp" in resp.get_data(as_text=True)
    resp = client.post(f"/ho-so/{code}/bo-sung", content_type="multipart/form-data", data={
        "csrf_token": tokens["csrf_token"], "text": "Kèm tệp lạ",
        "attachments": [(__import__("io").BytesIO(b"MZ\x90\x00 exe"), "virus.pdf")]})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "không được chấp nhận" in html and "Kèm tệp lạ" in html
    resp = client.post(f"/ho-so/{code}/bo-sung", data={"text": "không có mã bảo vệ"})
    assert resp.status_code == 422 and "không có mã bảo vệ" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(CaseEvent.action)).scalars().all() == ["submitted"]


def test_closed_case_takes_no_more_information(client, app, filed):
    code, _pin = filed
    with app.app_context():
        case = db.session.execute(select(Case)).scalar_one()
        from datetime import datetime, timezone
        append_event(case, action="status_changed", now=datetime.now(timezone.utc), actor_type="system",
                     to_status="closed", is_public=True)
        db.session.commit()
    html = client.get(f"/ho-so/{code}").get_data(as_text=True)
    assert "Đã kết thúc" in html and 'action="/ho-so/' not in html
    tokens = form_tokens(client, "/tra-cuu")
    resp = client.post(f"/ho-so/{code}/bo-sung", data={"csrf_token": tokens["csrf_token"], "text": "muộn"})
    assert resp.status_code == 422 and "không thể bổ sung" in resp.get_data(as_text=True)


def test_receipt_page_shows_pin_once_per_session_and_is_not_cached(client, app):
    post_case(client, "gop_y", suggestion())
    page = client.get("/bien-nhan")
    assert page.headers["Cache-Control"] == "no-store"
    assert re.search(r'id="pin">\d{6}<', page.get_data(as_text=True))
    assert app.test_client().get("/bien-nhan").status_code == 302  # another browser sees nothing


class TestRateLimits:
    @pytest.fixture
    def config_overrides(self):
        return {"RATELIMIT_ENABLED": True, "RATELIMIT_LOOKUP": "3 per minute", "RATELIMIT_SUBMIT": "2 per minute"}

    def test_lookup_and_submit_are_rate_limited_with_a_clear_page(self, client, app):
        for _ in range(3):
            assert lookup(client, "DV-ZZZZ-ZZZZ", "123456").status_code == 422
        resp = lookup(client, "DV-ZZZZ-ZZZZ", "123456")
        assert resp.status_code == 429 and "quá nhiều yêu cầu" in resp.get_data(as_text=True)
        for _ in range(2):
            assert post_case(client, "gop_y", suggestion()).status_code == 303
        resp = post_case(client, "gop_y", suggestion())
        assert resp.status_code == 429 and "Bạn đã gửi nhiều lần trong thời gian ngắn" in resp.get_data(as_text=True)
        assert client.get("/gui/gop_y").status_code == 200  # reading the form is not limited


def test_a_file_missing_from_disk_is_404_not_500(client, app, filed):
    code, _pin = filed
    with app.app_context():
        att = db.session.execute(select(Attachment)).scalar_one()
        from danvan_feedback.storage import LocalStorage
        LocalStorage(app.config["UPLOAD_DIR"]).delete(att.storage_key)
        att_id = att.id
    resp = client.get(f"/ho-so/{code}/tep/{att_id}")
    assert resp.status_code == 404 and "Không tìm thấy" in resp.get_data(as_text=True)
