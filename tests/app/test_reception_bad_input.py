"""Bad input on the reception log and dialogue forms: a clear message, what was typed kept, nothing
stored, never a 500."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest

from danvan_feedback.models import Case
from danvan_feedback.models.reception import DialogueSession, ReceptionVisit
from danvan_feedback.extensions import file_stores
from tests.app.test_reception import (
    BASE,
    count,
    dialogue_form,
    inspector,
    today,
    visit_form,
)
from tests.factories import jpeg_bytes, pdf_bytes

KEPT = "Nội dung gõ vào phải được giữ lại"


def stored_files(app) -> list:
    with app.app_context():
        root = file_stores.minutes.root
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize("over, message", [
    ({"visit_date": ""}, "Vui lòng nhập ngày"),
    ({"visit_date": None}, "Vui lòng nhập ngày"),
    ({"visit_date": "31/02/2026"}, "Ngày không hợp lệ"),
    ({"visit_date": "future"}, "Ngày không thể ở tương lai."),
    ({"cccd": "12345"}, "Số CCCD phải gồm đúng 12 chữ số."),
    ({"cccd": "999190001234"}, "3 chữ số đầu không phải mã tỉnh"),
    ({"people_count": "0"}, "Số người phải từ 1 trở lên."),
    ({"people_count": "-2"}, "Số người phải từ 1 trở lên."),
    ({"people_count": "hai"}, "Số người phải là một số nguyên."),
    ({"people_count": ""}, "Vui lòng ghi số người."),
    ({"is_group": "y", "people_count": "1"}, "Đoàn đông người phải có từ 2 người trở lên."),
    ({"reception_type": "periodic"}, "vui lòng chọn người đứng đầu tiếp trực tiếp hay ủy quyền"),
    ({"reception_type": "hacked"}, "Vui lòng chọn một mục trong danh sách."),
    ({"handling": None}, "Vui lòng chọn một mục trong danh sách."),
    ({"handling": "transferred"}, "Vui lòng ghi tên cơ quan có thẩm quyền được chuyển đến."),
    ({"kind_code": ""}, "Vui lòng chọn một mục trong danh sách."),
    ({"kind_code": "khong_co"}, "Loại đơn không hợp lệ"),
    ({"citizen_name": "  "}, "Vui lòng điền mục này."),
    ({"case_action": "link", "tracking_code": ""}, "Vui lòng nhập mã hồ sơ cần liên kết."),
    ({"case_action": "link", "tracking_code": "abc"}, "Mã hồ sơ không đúng dạng."),
    ({"case_action": "link", "tracking_code": "DV-7K4M-X9QP"}, "Không tìm thấy hồ sơ có mã DV-7K4M-X9QP."),
    ({"case_action": "create", "kind_code": "to_cao", "phone": ""}, "Loại đơn này cần mục này để tạo hồ sơ."),
    ({"phone": "12"}, "Đây không phải là số điện thoại Việt Nam hợp lệ."),
    ({"phone": "gọi tôi"}, "Số điện thoại không đúng định dạng"),
    ({"csrf_token": None}, "Biểu mẫu đã hết hạn hoặc thiếu mã bảo vệ"),
    ({"csrf_token": "giả-mạo"}, "Biểu mẫu đã hết hạn hoặc thiếu mã bảo vệ"),
    ({"token": ""}, "Biểu mẫu thiếu mã phiên"),
    ({"content": "x" * 10001}, "Tối đa 10000 ký tự"),
])
def test_bad_visit_is_refused_and_kept(client, app, over, message):
    inspector(client, app)
    if over.get("visit_date") == "future":
        over = {**over, "visit_date": (today() + timedelta(days=1)).isoformat()}
    data = visit_form(client, notes=KEPT, **over)
    resp = client.post(f"{BASE}/moi", data=data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert message in html, html[html.find("error-summary"):][:800]
    assert 'class="error-summary"' in html
    assert KEPT in html and ("Nguyễn Văn An" in html or "citizen_name" in over)
    assert count(app, ReceptionVisit) == 0 and count(app, Case) == 0


def test_bad_edit_changes_nothing(client, app):
    inspector(client, app)
    loc = client.post(f"{BASE}/moi", data=visit_form(client)).headers["Location"]
    edit = loc + "/sua"
    for over in ({"people_count": "0"}, {"csrf_token": None}, {"visit_date": ""}):
        resp = client.post(edit, data=visit_form(client, url=edit, citizen_name="Tên mới", **over))
        assert resp.status_code == 422 and 'value="Tên mới"' in resp.get_data(as_text=True)
    assert "Nguyễn Văn An" in client.get(loc).get_data(as_text=True)
    assert "Tên mới" not in client.get(loc).get_data(as_text=True)


@pytest.mark.parametrize("over, file, message", [
    ({"held_on": ""}, None, "Vui lòng nhập ngày"),
    ({"held_on": "future"}, None, "Ngày không thể ở tương lai."),
    ({"chair": ""}, None, "Vui lòng điền mục này."),
    ({"issues": ""}, None, "Vui lòng điền mục này."),
    ({"case_codes": "DV-7K4M-X9QP"}, None, "Không tìm thấy hồ sơ có mã: DV-7K4M-X9QP."),
    ({"case_codes": "không phải mã"}, None, "Không đọc được mã hồ sơ: không phải mã."),
    ({"csrf_token": None}, None, "Biểu mẫu đã hết hạn hoặc thiếu mã bảo vệ"),
    ({}, ("bien-ban.pdf", b"<html><script>alert(1)</script></html>"), "chỉ nhận ảnh JPEG, PNG, WebP hoặc tệp PDF"),
    ({}, ("bien-ban.pdf", b"%PDF-1.4 not really a pdf"), "bị hỏng hoặc không đúng định dạng"),
    ({}, ("anh.jpg", b"\x89PNG\r\n\x1a\n" + b"0" * 50), "bị hỏng hoặc không đúng định dạng"),
    ({}, ("rong.pdf", b""), "rỗng"),
    ({}, ("lon.jpg", "big"), "vượt quá"),
])
def test_bad_dialogue_is_refused_and_kept(client, app, over, file, message):
    app.config["UPLOAD_MAX_FILE_BYTES"] = 4000
    inspector(client, app)
    if over.get("held_on") == "future":
        over = {**over, "held_on": (today() + timedelta(days=3)).isoformat()}
    data = dialogue_form(client, answers=KEPT, **over)
    if file:
        name, raw = file
        data["minutes"] = (io.BytesIO(jpeg_bytes(size=(400, 400)) + b"\0" * 4000 if raw == "big" else raw), name)
    resp = client.post(f"{BASE}/doi-thoai/moi", data=data, content_type="multipart/form-data")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and message in html, html[html.find("error-summary"):][:800]
    assert KEPT in html and ("Phó Giám đốc Sở" in html or "chair" in over)
    assert count(app, DialogueSession) == 0 and stored_files(app) == []


def test_a_valid_minutes_file_with_a_bad_form_is_not_stored(client, app):
    inspector(client, app)
    data = dialogue_form(client, chair="")
    data["minutes"] = (io.BytesIO(pdf_bytes()), "bien-ban.pdf")
    resp = client.post(f"{BASE}/doi-thoai/moi", data=data, content_type="multipart/form-data")
    assert resp.status_code == 422 and "vui lòng chọn lại tệp biên bản" in resp.get_data(as_text=True)
    assert stored_files(app) == [] and count(app, DialogueSession) == 0


def test_a_request_over_the_total_limit_is_refused_without_a_500(client, app):
    app.config["MAX_CONTENT_LENGTH"] = 2048
    inspector(client, app)
    data = dialogue_form(client)
    data["minutes"] = (io.BytesIO(b"%PDF-" + b"0" * 5000), "to.pdf")
    resp = client.post(f"{BASE}/doi-thoai/moi", data=data, content_type="multipart/form-data")
    assert resp.status_code == 413 and "Tệp quá lớn" in resp.get_data(as_text=True)
    assert count(app, DialogueSession) == 0
