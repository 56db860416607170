"""Reception sessions of the head (periodic, unscheduled; in person or delegated): visits belong to a
session, and 01/TCD can count both (issue 12)."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from danvan_feedback.extensions import db
from danvan_feedback.models.reception import ReceptionSession, ReceptionVisit
from danvan_feedback.reception.sessions import session_counts
from tests.app.test_reception import BASE, count, inspector, today, visit_form

URL = f"{BASE}/buoi-tiep/moi"


def session_form(client, **over) -> dict:
    html = client.get(URL).get_data(as_text=True)
    data = {"csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1),
            "token": re.search(r'name="token"[^>]*value="([^"]*)"', html).group(1),
            "held_on": today().isoformat(), "reception_type": "periodic", "head_mode": "in_person",
            "chair": "Giám đốc Sở Trần Văn Chủ", "location": "Trụ sở Sở"}
    data.update(over)
    return data


def test_a_session_with_its_visits_counted_for_01tcd(client, app):
    inspector(client, app)
    assert client.post(URL, data=session_form(client)).status_code == 303
    with app.app_context():
        sid = db.session.execute(select(ReceptionSession.id)).scalar_one()
    listing = client.get(f"{BASE}/buoi-tiep").get_data(as_text=True)
    assert "Giám đốc Sở Trần Văn Chủ" in listing
    # a visit of the same day and type belongs to it and takes its head mode
    ok = client.post(f"{BASE}/moi", data=visit_form(client, reception_type="periodic", session_id=str(sid)))
    assert ok.status_code == 303, ok.get_data(as_text=True)[:3000]
    # a visit of another type does not
    bad = client.post(f"{BASE}/moi", data=visit_form(client, reception_type="unscheduled", head_mode="delegated",
                                                    session_id=str(sid), citizen_name="Lê Thị Giữ"))
    assert bad.status_code == 422 and "cùng ngày và cùng hình thức" in bad.get_data(as_text=True)
    assert "Lê Thị Giữ" in bad.get_data(as_text=True)
    assert client.post(f"{BASE}/moi", data=visit_form(client)).status_code == 303  # a regular visit, no session
    with app.app_context():
        visits = db.session.execute(select(ReceptionVisit.session_id, ReceptionVisit.head_mode)
                                    .order_by(ReceptionVisit.id)).all()
        assert [tuple(v) for v in visits] == [(sid, "in_person"), (None, None)]
        counts = session_counts(db.session.connection(), today(), today())
    assert counts == {"sessions": 1, "sessions_periodic": 1, "sessions_unscheduled": 0, "sessions_in_person": 1,
                      "sessions_delegated": 0, "session_visits": 1}


def test_bad_input_keeps_what_was_typed_and_writes_nothing(client, app):
    inspector(client, app)
    future = client.post(URL, data=session_form(client, held_on=(today() + timedelta(days=1)).isoformat()))
    assert future.status_code == 422 and "tương lai" in future.get_data(as_text=True)
    assert "Giám đốc Sở Trần Văn Chủ" in future.get_data(as_text=True)
    no_chair = client.post(URL, data=session_form(client, chair="", location="Hội trường B"))
    assert no_chair.status_code == 422 and 'id="chair-error"' in no_chair.get_data(as_text=True)
    assert "Hội trường B" in no_chair.get_data(as_text=True)
    assert count(app, ReceptionSession) == 0
    assert client.post(URL, data=session_form(client)).status_code == 303
    dup = client.post(URL, data=session_form(client, chair="Phó Giám đốc"))
    assert dup.status_code == 409 and "Đã có buổi tiếp cùng ngày" in dup.get_data(as_text=True)
    assert "CHƯA được ghi thêm" in dup.get_data(as_text=True) and "Phó Giám đốc" in dup.get_data(as_text=True)
    assert count(app, ReceptionSession) == 1
