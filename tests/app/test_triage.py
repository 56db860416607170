"""Triage with legal effect through the staff case page."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from danvan_feedback.domain.vocabulary import Status
from danvan_feedback.extensions import db
from danvan_feedback.models import AuditRecord, Case, CaseEvent, OutboxMessage, Unit
from danvan_feedback.services.audit import verify_all
from danvan_feedback.services.events import verify_chain
from tests.app.helpers import lookup, post_case, receipt_codes
from tests.app.staff_helpers import PASSWORD, csrf, login, make_user, totp_code
from tests.factories import complaint, denunciation


def file(client, kind="khieu_nai", data=None):
    code, pin = receipt_codes(client, post_case(client, kind, data or complaint()))
    return code, pin


def case_id(app, code):
    with app.app_context():
        return db.session.execute(select(Case.id).where(Case.tracking_code == code)).scalar_one()


def act(client, cid, action, **data):
    return client.post(f"/can-bo/ho-so/{cid}/thao-tac/{action}", data={"csrf_token": csrf(client, f"/can-bo/ho-so/{cid}"), **data})


def get_case(app, cid):
    with app.app_context():
        c = db.session.get(Case, cid)
        db.session.expunge(c)
        return c


@pytest.fixture
def inspector(app, client):
    user = make_user(app, "thanhtra", "inspector")
    login(client, user)
    return user


def test_full_complaint_life_cycle(app, client, inspector):
    public = app.test_client()
    code, pin = file(public)
    cid = case_id(app, code)
    page = client.get(f"/can-bo/ho-so/{cid}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and code in html and "Trần Thị Bình" in html  # a complaint's sender is not secret
    assert get_case(app, cid).due_rule_code == "khieu_nai.accept"
    assert act(client, cid, "accept", attempt="1").status_code == 303
    c = get_case(app, cid)
    assert c.status == "accepted" and c.due_rule_code == "khieu_nai.resolve1" and c.accepted_on is not None
    assert c.resolver_id == inspector["id"]
    with app.app_context():
        unit_id = db.session.execute(select(Unit.id).where(Unit.code == "CCTT")).scalar_one()
    assert act(client, cid, "assign", unit_id=str(unit_id)).status_code == 303
    assert get_case(app, cid).status == "in_progress" and get_case(app, cid).handling_unit_id == unit_id
    assert act(client, cid, "reply", text="Sở đã nhận và đang xác minh.").status_code == 303
    assert act(client, cid, "record_outcome", outcome="dung_mot_phan", summary="Khiếu nại đúng một phần.").status_code == 303
    assert act(client, cid, "close").status_code == 303
    c = get_case(app, cid)
    assert c.status == "closed" and c.outcome == "dung_mot_phan" and c.due_on is None
    # the citizen sees the public reply and the outcome on the tracking page
    lookup(public, code, pin)
    status_page = public.get(f"/ho-so/{code}").get_data(as_text=True)
    assert "Sở đã nhận và đang xác minh." in status_page and "Khiếu nại đúng một phần." in status_page
    with app.app_context():
        events = db.session.execute(select(CaseEvent).where(CaseEvent.case_id == cid).order_by(CaseEvent.seq)).scalars().all()
        assert [e.action for e in events] == ["submitted", "accept", "assign", "public_reply", "record_outcome", "close"]
        assert verify_chain(events) is None and verify_all() == []
        mails = db.session.execute(select(OutboxMessage.message_id).order_by(OutboxMessage.id)).scalars().all()
        # receipt, reply, result, and the invitation to rate the handling (the citizen gave an email)
        assert [m.split(".")[0] for m in mails] == ["<receipt", "<case", "<case", mails[3].split(".")[0]]
        assert len(mails) == 4


@pytest.mark.parametrize("action,data,fragment", [
    ("close", {}, "không được phép ở trạng thái"),
    ("record_outcome", {"outcome": "dung", "summary": "x"}, "không được phép ở trạng thái"),
    ("refuse", {"reason": ""}, "bắt buộc"),
    ("transfer", {"agency": "UBND tỉnh", "doc_no": "12/CV", "doc_date": "2999-01-01"}, "tương lai"),
    ("transfer", {"agency": "", "doc_no": "", "doc_date": ""}, "bắt buộc"),
    ("merge", {"target": "DV-ZZZZ-ZZZZ"}, "Không tìm thấy hồ sơ"),
    ("reclassify", {"kind": "khong_co"}, "Loại đơn không hợp lệ"),
    ("mark_group", {"group_size": "1"}, "từ 2 người"),
    ("teleport", {}, "Thao tác không tồn tại"),
])
def test_illegal_or_incomplete_actions_change_nothing(app, client, inspector, action, data, fragment):
    code, _pin = file(app.test_client())
    cid = case_id(app, code)
    resp = act(client, cid, action, **data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and fragment in html
    for name, value in data.items():
        if value and name != "kind":
            assert value in html  # what was typed is kept
    c = get_case(app, cid)
    assert c.status == "received"
    with app.app_context():
        assert db.session.execute(select(CaseEvent.action).where(CaseEvent.case_id == cid)).scalars().all() == ["submitted"]


def test_forged_case_id_and_missing_csrf(app, client, inspector):
    assert client.get("/can-bo/ho-so/999999").status_code == 404
    code, _ = file(app.test_client())
    cid = case_id(app, code)
    resp = client.post(f"/can-bo/ho-so/{cid}/thao-tac/accept", data={})
    assert resp.status_code == 400 and get_case(app, cid).status == "received"


def test_other_unit_cannot_open_and_unit_cannot_triage(app, client, inspector):
    code, _ = file(app.test_client())
    cid = case_id(app, code)
    with app.app_context():
        cctt = db.session.execute(select(Unit.id).where(Unit.code == "CCTT")).scalar_one()
    act(client, cid, "accept")
    act(client, cid, "assign", unit_id=str(cctt))
    own = make_user(app, "cctt1", "unit", unit_code="CCTT", totp=False)
    other = make_user(app, "cckl1", "unit", unit_code="CCKL", totp=False)
    c_own, c_other = app.test_client(), app.test_client()
    login(c_own, own)
    login(c_other, other)
    assert c_other.get(f"/can-bo/ho-so/{cid}").status_code == 404
    resp = c_other.post(f"/can-bo/ho-so/{cid}/thao-tac/note", data={"csrf_token": csrf(c_other, "/can-bo/"), "text": "x"})
    assert resp.status_code == 404
    page = c_own.get(f"/can-bo/ho-so/{cid}")
    assert page.status_code == 200
    assert act(c_own, cid, "note", text="Đơn vị đã xác minh tại chỗ.").status_code == 303
    resp = act(c_own, cid, "record_outcome", outcome="dung", summary="x")
    assert resp.status_code == 422 and "không có quyền" in resp.get_data(as_text=True)


def test_anonymous_denunciation_cannot_be_accepted(app, client, inspector):
    code, _ = file(app.test_client(), "to_cao", {"anonymous": "y", "info_only_ack": "y", "subject": "Tố cáo", "content": "x", "submitter_type": "citizen"})
    cid = case_id(app, code)
    resp = act(client, cid, "accept")
    assert resp.status_code == 422 and "ẩn danh" in resp.get_data(as_text=True)
    assert act(client, cid, "store", reason="Tố cáo ẩn danh: lưu làm thông tin (Điều 25).").status_code == 303
    assert get_case(app, cid).status == "stored"


def test_extension_within_the_legal_maximum(app, client, inspector):
    code, _ = file(app.test_client(), "to_cao", denunciation())
    cid = case_id(app, code)
    assert act(client, cid, "extend", decision_no="01/QĐ", reason="Cần xác minh thêm").status_code == 303
    assert get_case(app, cid).due_rule_code == "to_cao.accept.extended"
    assert act(client, cid, "extend", decision_no="02/QĐ", reason="lần nữa").status_code == 422
    act(client, cid, "accept")
    assert get_case(app, cid).due_rule_code == "to_cao.resolve"
    assert act(client, cid, "extend", decision_no="03/QĐ", reason="Phức tạp").status_code == 303
    assert get_case(app, cid).due_rule_code == "to_cao.resolve.complex"
    assert act(client, cid, "extend", decision_no="04/QĐ", reason="Đặc biệt phức tạp").status_code == 303
    assert get_case(app, cid).due_rule_code == "to_cao.resolve.especially_complex"
    resp = act(client, cid, "extend", decision_no="05/QĐ", reason="Quá mức")
    assert resp.status_code == 422 and "tối đa" in resp.get_data(as_text=True)


def test_request_info_pauses_and_citizen_answer_resumes(app, client, inspector):
    public = app.test_client()
    code, pin = file(public)
    cid = case_id(app, code)
    act(client, cid, "accept")
    due_before = get_case(app, cid).due_on
    assert act(client, cid, "request_info", message="Đề nghị gửi bản sao quyết định.").status_code == 303
    c = get_case(app, cid)
    assert c.status == "waiting_citizen" and c.paused_since is not None
    lookup(public, code, pin)
    assert "Đề nghị gửi bản sao quyết định." in public.get(f"/ho-so/{code}").get_data(as_text=True)
    tokens = csrf(public, f"/ho-so/{code}")
    public.post(f"/ho-so/{code}/bo-sung", data={"csrf_token": tokens, "text": "Tôi gửi bản sao."})
    c = get_case(app, cid)
    assert c.status == "in_progress" and c.paused_since is None and c.due_on >= due_before


def test_denouncer_identity_is_hidden_and_every_reveal_is_audited(app, client, inspector):
    code, _ = file(app.test_client(), "to_cao", denunciation())
    cid = case_id(app, code)
    other = make_user(app, "thanhtra2", "inspector")
    c2 = app.test_client()
    login(c2, other)
    for c in (client, c2):
        html = c.get(f"/can-bo/ho-so/{cid}").get_data(as_text=True)
        assert "Lê Văn Cường" not in html and "0912345678" not in html and "được bảo mật" in html
    act(client, cid, "accept")  # the accepting inspector becomes the resolver
    assert "form-reveal" not in c2.get(f"/can-bo/ho-so/{cid}").get_data(as_text=True)
    token = csrf(client, f"/can-bo/ho-so/{cid}")
    no_reason = client.post(f"/can-bo/ho-so/{cid}/danh-tinh", data={"csrf_token": token, "reason": "", "password": PASSWORD, "code": "000000"})
    assert no_reason.status_code == 422 and "Lê Văn Cường" not in no_reason.get_data(as_text=True)
    bad_pw = client.post(f"/can-bo/ho-so/{cid}/danh-tinh", data={"csrf_token": token, "reason": "Xác minh người tố cáo", "password": "sai", "code": "000000"})
    assert bad_pw.status_code == 422 and "Lê Văn Cường" not in bad_pw.get_data(as_text=True)
    ok = client.post(f"/can-bo/ho-so/{cid}/danh-tinh", data={"csrf_token": token, "reason": "Xác minh người tố cáo", "password": PASSWORD, "code": totp_code(inspector)})
    assert ok.status_code == 200 and "Lê Văn Cường" in ok.get_data(as_text=True)
    forbidden = c2.post(f"/can-bo/ho-so/{cid}/danh-tinh", data={"csrf_token": csrf(c2, f"/can-bo/ho-so/{cid}"), "reason": "tò mò thôi", "password": PASSWORD})
    assert forbidden.status_code == 403 and "Lê Văn Cường" not in forbidden.get_data(as_text=True)
    with app.app_context():
        recs = db.session.execute(select(AuditRecord).order_by(AuditRecord.seq)).scalars().all()
        assert [(r.action, r.actor_id, r.case_id, r.reason) for r in recs] == [
            ("reveal_auth_failed", inspector["id"], cid, ""),  # the wrong password is audited
            ("reveal_identity", inspector["id"], cid, "Xác minh người tố cáo")]
    # reloading the page hides it again
    assert "Lê Văn Cường" not in client.get(f"/can-bo/ho-so/{cid}").get_data(as_text=True)


def test_audit_verify_detects_edits(app, runner, client, inspector):
    code, _ = file(app.test_client())
    cid = case_id(app, code)
    act(client, cid, "accept")
    assert runner.invoke(args=["audit", "verify"]).output.strip() == "all chains intact"
    from sqlalchemy import text
    with app.app_context():
        # an attacker with database access disables the guard and rewrites a note
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ALTER TABLE case_events DISABLE TRIGGER case_events_append_only"))
            db.session.execute(text("UPDATE case_events SET note = 'sửa lén' WHERE seq = 2"))
            db.session.execute(text("ALTER TABLE case_events ENABLE TRIGGER case_events_append_only"))
        else:
            db.session.execute(text("DROP TRIGGER case_events_no_update"))
            db.session.execute(text("UPDATE case_events SET note = 'sửa lén' WHERE seq = 2"))
        db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"case {cid} chain broken at seq 2" in result.output


def test_daily_digest_lists_due_and_overdue_once_a_day(app, client, runner, inspector):
    code, _ = file(app.test_client())
    cid = case_id(app, code)
    act(client, cid, "accept")
    from danvan_feedback.models import User
    from datetime import timedelta
    with app.app_context():
        db.session.get(User, inspector["id"]).email = "thanhtra@so.local"
        case = db.session.get(Case, cid)
        case.due_on = date.today() - timedelta(days=3)  # overdue (test data; the clock would not allow it)
        case.status = Status.WAITING_CITIZEN  # still in the digest; its status in the staff's words
        db.session.commit()
    first = runner.invoke(args=["deadlines", "digest"])
    assert first.exit_code == 0 and "queued 1" in first.output
    assert "queued 0" in runner.invoke(args=["deadlines", "digest"]).output
    with app.app_context():
        # the recipient is encrypted at rest: compared after reading, not in SQL
        [msg] = [m for m in db.session.execute(select(OutboxMessage)).scalars() if m.to_addr == "thanhtra@so.local"]
        assert code in msg.body_text and "QUÁ HẠN" in msg.body_text and "1 quá hạn" in msg.subject
        assert "Trần Thị Bình" not in msg.body_text  # no personal data in staff emails
        assert "Đang chờ công dân bổ sung thông tin" in msg.body_text and "chờ bạn" not in msg.body_text


def test_audit_verify_detects_a_deleted_event(app, runner, client, inspector):
    code, _ = file(app.test_client())
    cid = case_id(app, code)
    act(client, cid, "accept")
    act(client, cid, "note", text="Ghi chú sẽ bị xoá lén")
    from sqlalchemy import text
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ALTER TABLE case_events DISABLE TRIGGER case_events_append_only"))
            db.session.execute(text("DELETE FROM case_events WHERE seq = 2"))
            db.session.execute(text("ALTER TABLE case_events ENABLE TRIGGER case_events_append_only"))
        else:
            db.session.execute(text("DROP TRIGGER case_events_no_delete"))
            db.session.execute(text("DELETE FROM case_events WHERE seq = 2"))
        db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"case {cid} chain broken at seq 3" in result.output


def test_urge_the_agency_after_a_transfer(app, client, inspector):
    code, _ = file(app.test_client())
    cid = case_id(app, code)
    assert act(client, cid, "urge", doc_no="05/CV").status_code == 422  # not transferred yet
    act(client, cid, "transfer", agency="UBND xã Long Thành", doc_no="12/CV", doc_date="2026-01-05")
    assert act(client, cid, "urge", doc_no="").status_code == 422
    assert act(client, cid, "urge", doc_no="15/CV-TT").status_code == 303
    with app.app_context():
        ev = db.session.execute(select(CaseEvent).where(CaseEvent.case_id == cid).order_by(CaseEvent.seq.desc())).scalars().first()
        assert ev.action == "urge" and "UBND xã Long Thành" in ev.note and "15/CV-TT" in ev.note
    assert get_case(app, cid).status == "transferred"


def test_the_history_names_people_and_roles_in_words(app, client, inspector):
    """No raw codes ("citizen", "thanhtra (inspector)") on the case page: names and roles in words."""
    code, _pin = file(app.test_client())
    cid = case_id(app, code)
    assert act(client, cid, "accept", attempt="1").status_code == 303
    html = client.get(f"/can-bo/ho-so/{cid}").get_data(as_text=True)
    timeline = html.split('class="timeline"')[1].split("</ol>")[0]
    assert "Công dân" in timeline and "Thanhtra (Thanh tra" in timeline
    assert "citizen" not in timeline and "(inspector)" not in html
