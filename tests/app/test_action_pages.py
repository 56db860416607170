"""The case page's "Bạn muốn làm gì?" (issue 14): one page per action allowed now, what it does,
its form, a confirmation page that writes nothing, then the write through the one rule for writes
(row lock, ``seq``, 409)."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from danvan_feedback.extensions import db
from danvan_feedback.models import Attachment, CaseEvent
from tests.app.helpers import stored_files
from tests.app.staff_helpers import csrf, make_user, login
from tests.app.test_triage import act, case_id, file, get_case
from tests.factories import pdf_bytes

SEQ = re.compile(r'name="seq" value="(\d+)"')
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


@pytest.fixture
def inspector(app, client):
    user = make_user(app, "thanhtra", "inspector")
    login(client, user)
    return user


def events(app, cid) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == cid)).scalar_one()


def hidden_fields(html: str) -> MultiDict:
    form = html[html.index('id="confirm-form"'):]
    form = form[:form.index("</form>")]
    return MultiDict([(k, v.replace("&amp;", "&")) for k, v in HIDDEN.findall(form)])


def test_the_case_page_lists_what_can_be_done_now_each_with_its_page(app, client, inspector):
    cid = case_id(app, file(app.test_client())[0])
    html = client.get(f"/can-bo/ho-so/{cid}").get_data(as_text=True)
    assert "Bạn muốn làm gì?" in html
    assert f'href="/can-bo/ho-so/{cid}/xu-ly/accept"' in html and f'href="/can-bo/ho-so/{cid}/xu-ly/refuse"' in html
    assert "/xu-ly/close" not in html  # not allowed for a new case
    assert html.count("<form") <= 3  # no wall of forms: logout (and at most a reveal form)
    page = client.get(f"/can-bo/ho-so/{cid}/xu-ly/accept").get_data(as_text=True)
    assert "Việc này làm gì" in page and "thời hạn giải quyết theo luật bắt đầu tính" in page
    assert 'id="form-accept"' in page and f'action="/can-bo/ho-so/{cid}/xu-ly/accept"' in page
    assert "Tiếp tục" in page


def test_accept_through_its_confirmation_page(app, client, inspector):
    cid = case_id(app, file(app.test_client())[0])
    before = events(app, cid)
    page = client.get(f"/can-bo/ho-so/{cid}/xu-ly/accept").get_data(as_text=True)
    seq = SEQ.search(page).group(1)
    resp = client.post(f"/can-bo/ho-so/{cid}/xu-ly/accept", data={
        "csrf_token": csrf(client, f"/can-bo/ho-so/{cid}/xu-ly/accept"), "seq": seq, "attempt": "1",
        "matter_state": "in_progress", "is_remote": "y", "doc_no_decision": "21/TB-TTr", "signer": "Chánh Thanh tra"},
        content_type="multipart/form-data")
    confirm = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Kiểm tra lại trước khi xác nhận" in confirm and "Xác nhận thụ lý" in confirm
    assert "Đang được giải quyết" in confirm and "21/TB-TTr" in confirm and "Hôm nay" in confirm
    assert events(app, cid) == before and get_case(app, cid).status == "received"  # nothing written yet
    fields = hidden_fields(confirm)
    assert fields["seq"] == seq and fields["matter_state"] == "in_progress"
    resp = client.post(f"/can-bo/ho-so/{cid}/thao-tac/accept", data=fields)
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"/can-bo/ho-so/{cid}")
    c = get_case(app, cid)
    assert c.status == "accepted" and c.matter_state == "in_progress" and c.is_remote
    after = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Đã thực hiện: Thụ lý." in after


def test_a_mistake_is_shown_by_its_field_in_words_before_the_confirmation(app, client, inspector):
    cid = case_id(app, file(app.test_client())[0])
    url = f"/can-bo/ho-so/{cid}/xu-ly/refuse"
    resp = client.post(url, data={"csrf_token": csrf(client, url), "seq": "1", "reason": "  "},
                       content_type="multipart/form-data")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "Vui lòng điền mục “Lý do không thụ lý” (bắt buộc)." in html and "(reason)" not in html
    assert 'id="refuse-reason-error"' in html and 'href="#refuse-reason"' in html
    assert "Kiểm tra lại trước khi xác nhận" not in html
    # a refused final write comes back on the action page too, what was typed kept
    resp = act(client, cid, "transfer", agency="UBND tỉnh", doc_no="12/CV", doc_date="2999-01-01")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and 'id="transfer-doc_date-error"' in html and 'value="UBND tỉnh"' in html


def test_back_from_the_confirmation_keeps_what_was_typed(app, client, inspector):
    cid = case_id(app, file(app.test_client())[0])
    url = f"/can-bo/ho-so/{cid}/xu-ly/guide"
    confirm = client.post(url, data={"csrf_token": csrf(client, url), "seq": "1",
                                     "note": "Gửi đơn đến UBND huyện Long Thành."},
                          content_type="multipart/form-data").get_data(as_text=True)
    fields = hidden_fields(confirm)
    fields["step"] = "edit"
    back = client.post(url, data=fields, content_type="multipart/form-data")
    html = back.get_data(as_text=True)
    assert back.status_code == 200 and 'id="form-guide"' in html and "Gửi đơn đến UBND huyện Long Thành.</textarea>" in html
    assert get_case(app, cid).status == "received"


def test_a_signed_file_chosen_before_the_confirmation_is_held_and_filed(app, client, inspector):
    cid = case_id(app, file(app.test_client())[0])
    url = f"/can-bo/ho-so/{cid}/xu-ly/accept"
    files_before = len(stored_files(app))
    confirm = client.post(url, data={"csrf_token": csrf(client, url), "seq": "1", "attempt": "1",
                                     "signed_file": (io.BytesIO(pdf_bytes()), "thong-bao.pdf")},
                          content_type="multipart/form-data").get_data(as_text=True)
    assert "thong-bao.pdf" in confirm and len(stored_files(app)) == files_before + 1  # held
    resp = client.post(f"/can-bo/ho-so/{cid}/thao-tac/accept", data=hidden_fields(confirm))
    assert resp.status_code == 303
    with app.app_context():
        att = db.session.execute(select(Attachment).where(Attachment.case_id == cid,
                                                          Attachment.event_id.is_not(None))).scalar_one()
        assert att.original_name == "thong-bao.pdf"
    assert len(stored_files(app)) == files_before + 1  # the held copy is gone, the case's stays


def test_a_confirmation_made_stale_by_a_colleague_gets_the_409_page(app, client, inspector):
    cid = case_id(app, file(app.test_client())[0])
    url = f"/can-bo/ho-so/{cid}/xu-ly/accept"
    confirm = client.post(url, data={"csrf_token": csrf(client, url), "seq": "1", "attempt": "1"},
                          content_type="multipart/form-data").get_data(as_text=True)
    assert act(client, cid, "refuse", reason="Không đủ điều kiện thụ lý.").status_code == 303  # meanwhile
    resp = client.post(f"/can-bo/ho-so/{cid}/thao-tac/accept", data=hidden_fields(confirm))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409 and "Hồ sơ vừa được thay đổi" in html and "Không thụ lý" in html
    assert get_case(app, cid).status == "rejected"


def test_an_action_not_allowed_now_says_so_without_a_form(app, client, inspector):
    cid = case_id(app, file(app.test_client())[0])
    html = client.get(f"/can-bo/ho-so/{cid}/xu-ly/close").get_data(as_text=True)
    assert 'id="not-allowed"' in html and 'id="form-close"' not in html
    assert client.get(f"/can-bo/ho-so/{cid}/xu-ly/teleport").status_code == 404
