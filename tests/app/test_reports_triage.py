"""What the reports need from triage: the state of the matter recorded at classification (02/XLD),
and no extension once the deadline has passed (03/GQKN, 04/GQTC overdue)."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from danvan_feedback.extensions import db
from danvan_feedback.models import Case, CaseEvent
from tests.app.test_triage import act, case_id, file, get_case, inspector  # noqa: F401 (fixture)
from tests.factories import denunciation


def events(app, cid) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == cid)).scalar_one()


def test_accept_records_the_state_of_the_matter(app, client, inspector):  # noqa: F811
    cid = case_id(app, file(app.test_client())[0])
    page = client.get(f"/can-bo/ho-so/{cid}/xu-ly/accept").get_data(as_text=True)  # the action page
    assert "Tình trạng giải quyết của vụ việc khi nhận đơn" in page
    assert act(client, cid, "accept", attempt="1", matter_state="in_progress").status_code == 303
    assert get_case(app, cid).matter_state == "in_progress"


def test_a_second_time_complaint_is_already_resolved(app, client, inspector):  # noqa: F811
    cid = case_id(app, file(app.test_client())[0])
    before = events(app, cid)
    resp = act(client, cid, "accept", attempt="2", matter_state="not_yet")
    assert resp.status_code == 422 and "khiếu nại lần hai là vụ việc đã được giải quyết" in resp.get_data(as_text=True)
    assert events(app, cid) == before and get_case(app, cid).status == "received"
    assert act(client, cid, "accept", attempt="2").status_code == 303
    assert get_case(app, cid).matter_state == "resolved_once"
    other = case_id(app, file(app.test_client())[0])
    assert act(client, other, "accept", attempt="2", matter_state="resolved_many").status_code == 303
    assert get_case(app, other).matter_state == "resolved_many"
    third = case_id(app, file(app.test_client())[0])
    assert act(client, third, "accept").status_code == 303
    assert get_case(app, third).matter_state == "not_yet"


def test_reclassify_may_record_the_state(app, client, inspector):  # noqa: F811
    cid = case_id(app, file(app.test_client())[0])
    assert act(client, cid, "reclassify", kind="kien_nghi", matter_state="resolved_many").status_code == 303
    c = get_case(app, cid)
    assert (c.kind_code, c.matter_state) == ("kien_nghi", "resolved_many")
    assert act(client, cid, "reclassify", kind="phan_anh", matter_state="bogus").status_code == 422


def test_no_extension_once_the_deadline_has_passed(app, client, inspector):  # noqa: F811
    cid = case_id(app, file(app.test_client(), "to_cao", denunciation())[0])
    assert act(client, cid, "accept").status_code == 303
    with app.app_context():
        case = db.session.get(Case, cid)
        case.due_on = date.today() - timedelta(days=2)  # the resolution deadline ran out two days ago
        db.session.commit()
        due = case.due_on
    before = events(app, cid)
    resp = act(client, cid, "extend", decision_no="09/QĐ", reason="Phức tạp")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert f"Không thể gia hạn: thời hạn giải quyết đã hết ngày {due:%d/%m/%Y}" in html
    c = get_case(app, cid)
    assert events(app, cid) == before and c.complexity == "normal" and c.extensions == 0
    with app.app_context():
        case = db.session.get(Case, cid)
        case.due_on = date.today() + timedelta(days=40)  # still running: an extension is allowed
        db.session.commit()
    assert act(client, cid, "extend", decision_no="10/QĐ", reason="Phức tạp").status_code == 303
    assert get_case(app, cid).complexity == "complex"
