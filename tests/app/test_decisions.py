"""Decisions carry their document and their effective date; a late entry moves the clocks and the
reports to the effective date, shows as "ghi nhận muộn" and is audited (issue 12)."""
from __future__ import annotations

import io
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from danvan_feedback.domain.periods import custom_period
from danvan_feedback.extensions import db
from danvan_feedback.models import Attachment, AuditRecord, Case, CaseEvent
from danvan_feedback.services.reports import figures as reports
from danvan_feedback.services.events import verify_chain
from tests.app.helpers import count
from tests.app.staff_helpers import csrf
from tests.app.test_letters import TZ, inspector, post_letter, letter, today  # noqa: F401  (fixture)
from tests.factories import pdf_bytes


def registered(client, app, days_ago=6, **over) -> int:
    assert post_letter(client, letter(received_on=(today() - timedelta(days=days_ago)).isoformat(),
                                      sender_doc_date=None, **over)).status_code == 303
    with app.app_context():
        return db.session.execute(select(Case.id).order_by(Case.id.desc()).limit(1)).scalar_one()


def act(client, cid, action, files=None, **data):
    payload = {"csrf_token": csrf(client, f"/can-bo/ho-so/{cid}"), **data}
    if files:
        payload.update(files)
    return client.post(f"/can-bo/ho-so/{cid}/thao-tac/{action}", data=payload, content_type="multipart/form-data")


def test_a_late_accept_moves_the_clock_and_the_report_to_its_effective_date_and_is_audited(app, client, inspector):
    cid = registered(client, app)
    effective = today() - timedelta(days=4)
    resp = act(client, cid, "accept", doc_no_decision="15/TB-TTr", signed_on=effective.isoformat(),
               signer="Chánh Thanh tra", effective_on=effective.isoformat(),
               files={"signed_file": (io.BytesIO(pdf_bytes()), "thong-bao-ky.pdf")})
    assert resp.status_code == 303, resp.get_data(as_text=True)[:3000]
    with app.app_context():
        c = db.session.get(Case, cid)
        ev = db.session.execute(select(CaseEvent).where(CaseEvent.case_id == cid, CaseEvent.action == "accept")).scalar_one()
        assert c.accepted_on == effective
        assert ev.created_at.astimezone(ZoneInfo(TZ)).date() == effective
        assert ev.entered_at.astimezone(ZoneInfo(TZ)).date() == today()
        assert (ev.doc_no, ev.doc_signed_on, ev.doc_signer) == ("15/TB-TTr", effective, "Chánh Thanh tra")
        # 30 calendar days from the effective date (Law on Complaints art. 28), not from the day of entry
        assert c.due_on >= effective + timedelta(days=30) and c.due_on < today() + timedelta(days=30) + timedelta(days=3)
        assert db.session.execute(select(Attachment.event_id).where(Attachment.event_id == ev.id)).scalar_one() == ev.id
        audit = db.session.execute(select(AuditRecord).where(AuditRecord.action == "late_entry")).scalar_one()
        assert audit.case_id == cid and effective.strftime("%d/%m/%Y") in audit.detail
        events = db.session.execute(select(CaseEvent).where(CaseEvent.case_id == cid).order_by(CaseEvent.seq)).scalars().all()
        assert verify_chain(events) is None
        ev.doc_no = "99/TB-TTr"  # the document is part of the record: an edit breaks the chain
        assert verify_chain(events) == ev.seq
        db.session.rollback()
        counted = reports.compute(custom_period(effective, effective), TZ, with_previous=False)["counts"]
        entry_day = reports.compute(custom_period(today(), today()), TZ, with_previous=False)["counts"]
    assert counted["xld.processed"] == 1 and entry_day["xld.processed"] == 0
    page = client.get(f"/can-bo/ho-so/{cid}").get_data(as_text=True)
    assert "Ghi nhận muộn" in page and "15/TB-TTr" in page
    assert effective.strftime("%d/%m/%Y") in page
    audit_page = client.get(f"/can-bo/ho-so/{cid}")
    assert audit_page.status_code == 200


def test_bad_decision_input_is_refused_keeps_what_was_typed_and_writes_nothing(app, client, inspector):
    cid = registered(client, app, days_ago=3)
    assert act(client, cid, "accept", doc_no_decision="20/TB-TTr", signed_on=today().isoformat()).status_code == 303
    other = registered(client, app, days_ago=2, full_name="Lý Thị Hai", cccd="075190004321")
    with app.app_context():
        before = (count(app, CaseEvent), count(app, AuditRecord), count(app, Attachment))
    cases = [
        (dict(effective_on=(today() + timedelta(days=1)).isoformat()), "tương lai"),
        (dict(effective_on=(today() - timedelta(days=3)).isoformat()), "trước sự kiện trước đó"),
        (dict(doc_no_decision="20/TB-TTr", signed_on=today().isoformat()), "đã được dùng cho một quyết định năm"),
        (dict(signed_on=today().isoformat(), effective_on=(today() - timedelta(days=1)).isoformat()), "Ngày ký không thể sau"),
        (dict(files={"signed_file": (io.BytesIO(b"%PDF-1.4 broken"), "ky.pdf")}), "bị hỏng"),
    ]
    for data, message in cases:
        files = data.pop("files", None)
        resp = act(client, other, "accept", files=files, signer="Người ký đã gõ", **data)
        html = resp.get_data(as_text=True)
        shown = re.search(r'id="action-error">.*?</div>', html, re.S)
        assert resp.status_code == 422 and message in html, (data, shown.group(0) if shown else html[:500])
        assert 'value="Người ký đã gõ"' in html
        assert (count(app, CaseEvent), count(app, AuditRecord), count(app, Attachment)) == before
    with app.app_context():
        assert db.session.get(Case, other).status == "received"


def test_too_far_back_is_refused(app, client, inspector):
    app.config["LATE_ENTRY_DAYS"] = 2
    cid = registered(client, app, days_ago=6)
    resp = act(client, cid, "accept", effective_on=(today() - timedelta(days=4)).isoformat())
    assert resp.status_code == 422 and "tối đa 2 ngày" in resp.get_data(as_text=True)
