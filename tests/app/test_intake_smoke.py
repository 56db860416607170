import re

from sqlalchemy import func, select

from danvan_feedback.extensions import db
from danvan_feedback.models import Case, CaseEvent
from tests.conftest import form_tokens


def complaint(**over):
    data = {"submitter_type": "citizen", "full_name": "Trần Thị Bình", "address": "Xã Long Thành",
            "cccd": "075190001234", "phone": "0987 654 321", "subject": "Khiếu nại quyết định",
            "content": "Nội dung khiếu nại", "complained_decision": "QĐ 123/QĐ-XPHC",
            "request_text": "Huỷ quyết định", "consent": "y", "email": "binh@example.com"}
    data.update(over)
    return data


def test_file_complaint_and_follow(client, app):
    data = {**complaint(), **form_tokens(client, "/gui/khieu_nai")}
    resp = client.post("/gui/khieu_nai", data=data)
    assert resp.status_code == 303, resp.get_data(as_text=True)[:3000]
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    code = re.search(r'id="tracking-code">([^<]+)<', page).group(1)
    pin = re.search(r'id="pin">(\d{6})<', page).group(1)
    with app.app_context():
        case = db.session.execute(select(Case)).scalar_one()
        assert case.tracking_code == code and case.status == "received" and case.due_on is not None
        assert case.identity.cccd == "075190001234" and case.identity.phone == "+84987654321"
        assert db.session.execute(select(func.count()).select_from(CaseEvent)).scalar_one() == 1
    other = app.test_client()
    tok = form_tokens(other, "/tra-cuu")
    resp = other.post("/tra-cuu", data={**tok, "code": code.lower().replace("-", " "), "secret": pin})
    assert resp.status_code == 303, resp.get_data(as_text=True)
    page = other.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Khiếu nại quyết định" in page


def test_anonymous_complaint_refused(client, app):
    data = {**complaint(anonymous="y"), **form_tokens(client, "/gui/khieu_nai")}
    resp = client.post("/gui/khieu_nai", data=data)
    assert resp.status_code == 422
    assert "không thể gửi ẩn danh" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Case)).scalar_one() == 0
