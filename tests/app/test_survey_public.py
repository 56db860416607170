"""The public survey: from a QR code or the web, and rating a resolved case. Bad input never stores."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from danvan_feedback.extensions import db
from danvan_feedback.models import Case, OutboxMessage, Unit
from danvan_feedback.models.survey import SurveyPoint, SurveyResponse
from danvan_feedback.services import survey as svc
from danvan_feedback.services.events import append_event
from tests.app.helpers import post_case, receipt_codes
from tests.factories import complaint

SERVICE_CODES = ["access", "procedure", "staff", "result", "feedback", "overall"]
CASE_CODES = ["timeliness", "clarity", "fairness", "attitude", "handling_overall"]
_HIDDEN = re.compile(r'name="(csrf_token|token|version|point)"[^>]*value="([^"]*)"')


@pytest.fixture(autouse=True)
def survey_seeded(app):
    """The migration seeds version 1; PostgreSQL tests truncate it after each test, so re-seed."""
    with app.app_context():
        svc.seed_defaults(datetime.now(timezone.utc))
        db.session.commit()


def hidden_fields(client, url: str) -> dict:
    html = client.get(url).get_data(as_text=True)
    return dict(_HIDDEN.findall(html))


def unit_id(app, code: str = "CCTT") -> int:
    with app.app_context():
        return db.session.execute(select(Unit.id).where(Unit.code == code)).scalar_one()


def make_point(app, label="Quầy 2 — Bộ phận một cửa", unit_code="CCTT", active=True) -> dict:
    with app.app_context():
        p = svc.create_point(unit_id=unit_id(app, unit_code), service_id=None, label=label,
                             actor_id=None, now=datetime.now(timezone.utc))
        p.active = active
        db.session.commit()
        return {"id": p.id, "slug": p.slug, "unit_id": p.unit_id}


def ratings(codes=SERVICE_CODES, score="5", **over) -> dict:
    data = {f"q_{c}": score for c in codes}
    data.update({f"q_{k}": v for k, v in over.items()})
    return {k: v for k, v in data.items() if v is not None}


def post_survey(client, app, data: dict | None = None, url: str = "/khao-sat", **environ):
    fields = hidden_fields(client, url)
    payload = {**fields, **({} if fields.get("point") else {"unit_id": str(unit_id(app))}), **ratings(),
               **(data or {})}
    payload = {k: v for k, v in payload.items() if v is not None}
    return client.post("/khao-sat", data=payload, environ_base=environ or {})


def responses(app) -> list[SurveyResponse]:
    with app.app_context():
        rows = db.session.execute(select(SurveyResponse).order_by(SurveyResponse.id)).scalars().all()
        for r in rows:
            _ = list(r.answers)
        db.session.expunge_all()
        return rows


def count_responses(app) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(SurveyResponse)).scalar_one()


# --- the survey -----------------------------------------------------------------------------------

def test_survey_page_lists_the_five_sipas_factors_and_overall_on_a_five_point_scale(client):
    html = client.get("/khao-sat").get_data(as_text=True)
    for text in ("Tiếp cận dịch vụ", "Thủ tục hành chính", "Công chức trực tiếp giải quyết công việc",
                 "Kết quả dịch vụ", "Tiếp nhận, giải quyết góp ý, phản ánh, kiến nghị", "Nhìn chung"):
        assert text in html
    for code in SERVICE_CODES:  # five levels, and "not applicable" for every factor but the overall one
        assert html.count(f'name="q_{code}"') == (5 if code == "overall" else 6)
        assert (f'id="q_{code}_na" value="na"' in html) == (code != "overall")
    assert "Rất không hài lòng" in html and "Rất hài lòng" in html
    assert 'name="consent"' in html and 'name="consent" type="checkbox" value="y">' in html  # unticked
    assert "<script" not in html  # works without JavaScript


def test_only_the_overall_rating_is_required(client, app):
    """Counter visitors rarely meet every factor: each one may be left out or "not applicable"."""
    resp = post_survey(client, app, {**{f"q_{c}": None for c in SERVICE_CODES[:-1]}, "q_procedure": "na",
                                     "q_staff": "4"})
    assert resp.status_code == 303
    [r] = responses(app)
    assert {a.criterion_code: a.score for a in r.answers} == {"staff": 4, "overall": 5}
    resp = post_survey(client, app, {"q_overall": "na"})  # the overall question has no such choice
    assert resp.status_code == 422 and "Vui lòng chọn một mức đánh giá cho câu này." in resp.get_data(as_text=True)
    assert count_responses(app) == 1


def test_survey_in_english_shows_english_questions_and_scale(client):
    client.get("/ngon-ngu/en?next=/khao-sat")
    html = client.get("/khao-sat").get_data(as_text=True)
    assert "Overall, how satisfied are you with the service?" in html
    assert "Access to the service" in html and "Very dissatisfied" in html and "Not applicable" in html
    assert "Tiếp cận dịch vụ" not in html and "Rất không hài lòng" not in html


def test_switching_language_on_the_qr_survey_keeps_the_answers(client, app):
    """Issue 14: the header's language button sends the answers along (no JavaScript): the same
    survey, at the same point, comes back in English with every answer given; nothing is stored."""
    p = make_point(app)
    page = client.get(f"/ks/{p['slug']}").get_data(as_text=True)
    assert 'form="survey-form" name="switch_lang" value="en"' in page and 'id="survey-form"' in page
    fields = hidden_fields(client, f"/ks/{p['slug']}")
    data = {**fields, "q_overall": "4", "q_staff": "na", "comment": "Chờ hơi lâu.", "switch_lang": "en"}
    resp = client.post("/khao-sat", data=data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'lang="en"' in html and "Overall, how satisfied" in html
    assert 'id="q_overall_4" value="4" checked' in html and 'id="q_staff_na" value="na" checked' in html
    assert "Chờ hơi lâu." in html and "Quầy 2 — Bộ phận một cửa" in html
    assert f'value="{p["slug"]}"' in html and f'value="{fields["token"]}"' in html  # the same point and form
    assert "error-summary" not in html  # the missing answers are not pointed at: nothing was sent yet
    assert 'name="switch_lang" value="vi"' in html
    assert count_responses(app) == 0
    # and sending it from there stores it once, at the point
    resp = client.post("/khao-sat", data={k: v for k, v in data.items() if k != "switch_lang"})
    assert resp.status_code == 303
    [r] = responses(app)
    assert (r.point_id, r.comment) == (p["id"], "Chờ hơi lâu.")
    assert {a.criterion_code: a.score for a in r.answers} == {"overall": 4}


def test_switching_language_on_the_web_survey_keeps_the_unit_chosen(client, app):
    fields = hidden_fields(client, "/khao-sat")
    data = {**fields, "unit_id": str(unit_id(app)), "q_access": "2", "switch_lang": "en"}
    html = client.post("/khao-sat", data=data).get_data(as_text=True)
    assert 'lang="en"' in html and f'<option selected value="{unit_id(app)}">' in html
    assert 'id="q_access_2" value="2" checked' in html and "error-summary" not in html


def test_web_response_is_stored_with_its_version_and_a_keyed_client_hash(client, app):
    resp = post_survey(client, app, {"q_staff": "2", "comment": "Chờ lâu."}, REMOTE_ADDR="203.0.113.7")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/khao-sat/cam-on")
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Cảm ơn bạn đã đánh giá" in page and "/gui/phan_anh" in page
    [r] = responses(app)
    assert r.channel == "web" and r.unit_id == unit_id(app) and r.point_id is None and r.comment == "Chờ lâu."
    assert {a.criterion_code: a.score for a in r.answers} == {**{c: 5 for c in SERVICE_CODES}, "staff": 2}
    assert all(a.scale_max == 5 for a in r.answers)
    assert r.client_hash == svc.client_hash(app.config["SECRET_KEY"], "203.0.113.7")
    assert "203.0.113.7" not in r.client_hash and len(r.client_hash) == 64
    assert r.respondent_type is None and r.age_band is None and r.consent_at is None and not r.repeat_flag


def test_profile_is_kept_only_with_consent(client, app):
    resp = post_survey(client, app, {"consent": "y", "respondent_type": "business", "age_band": "30_44"})
    assert resp.status_code == 303
    [r] = responses(app)
    assert (r.respondent_type, r.age_band) == ("business", "30_44") and r.consent_at is not None


def test_scanning_a_point_presets_unit_and_records_the_point(client, app):
    p = make_point(app)
    page = client.get(f"/ks/{p['slug']}").get_data(as_text=True)
    assert "Quầy 2 — Bộ phận một cửa" in page and "Chi cục Trồng trọt" in page
    assert 'name="unit_id"' not in page  # nothing to choose
    resp = post_survey(client, app, url=f"/ks/{p['slug']}")
    assert resp.status_code == 303
    [r] = responses(app)
    assert (r.channel, r.point_id, r.unit_id) == ("qr", p["id"], p["unit_id"])


def test_repeats_from_the_same_client_and_point_are_flagged_not_dropped(client, app):
    p = make_point(app)
    other = make_point(app, label="Quầy 3")
    for _ in range(2):
        assert post_survey(client, app, url=f"/ks/{p['slug']}", REMOTE_ADDR="198.51.100.1").status_code == 303
    assert post_survey(client, app, url=f"/ks/{other['slug']}", REMOTE_ADDR="198.51.100.1").status_code == 303
    assert post_survey(client, app, url=f"/ks/{p['slug']}", REMOTE_ADDR="198.51.100.2").status_code == 303
    assert [r.repeat_flag for r in responses(app)] == [False, True, False, False]


def test_repeat_outside_the_window_is_not_flagged(client, app):
    p = make_point(app)
    assert post_survey(client, app, url=f"/ks/{p['slug']}").status_code == 303
    with app.app_context():
        r = db.session.execute(select(SurveyResponse)).scalar_one()
        r.created_at = datetime.now(timezone.utc) - timedelta(minutes=app.config["SURVEY_REPEAT_WINDOW_MINUTES"] + 1)
        db.session.commit()
    assert post_survey(client, app, url=f"/ks/{p['slug']}").status_code == 303
    assert [r.repeat_flag for r in responses(app)] == [False, False]


def test_a_double_tap_stores_one_response(client, app):
    fields = hidden_fields(client, "/khao-sat")
    payload = {**fields, "unit_id": str(unit_id(app)), **ratings()}
    assert client.post("/khao-sat", data=payload).status_code == 303
    assert client.post("/khao-sat", data=payload).status_code == 303
    assert count_responses(app) == 1


BAD = {
    "missing overall rating": ({"q_overall": None}, "Vui lòng chọn một mức đánh giá cho câu này."),
    "rating above the scale": ({"q_result": "6"}, "Mức đánh giá không hợp lệ"),
    "rating zero": ({"q_result": "0"}, "Mức đánh giá không hợp lệ"),
    "rating not a number": ({"q_result": "5 OR 1=1"}, "Mức đánh giá không hợp lệ"),
    "forged version": ({"version": "999"}, "Bảng câu hỏi vừa được cập nhật hoặc không hợp lệ"),
    "over-long comment": ({"comment": "x" * 2001}, "Tối đa 2000 ký tự; bạn đã nhập 2001 ký tự."),
    "no unit": ({"unit_id": ""}, "Vui lòng chọn đơn vị bạn muốn đánh giá."),
    "unknown unit": ({"unit_id": "99999"}, "Lựa chọn không hợp lệ"),
    "profile without consent": ({"age_band": "60_plus"}, "vui lòng đánh dấu ô đồng ý"),
    "honeypot": ({"website": "http://spam"}, "Để trống ô này"),
    "unknown survey point": ({"point": "zzzzzz"}, "Mã khảo sát này không tồn tại hoặc đã ngừng sử dụng"),
    "no csrf token": ({"csrf_token": None}, "Biểu mẫu đã hết hạn hoặc thiếu mã bảo vệ"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_gets_a_vietnamese_message_keeps_the_answers_and_stores_nothing(client, app, case):
    over, message = BAD[case]
    resp = post_survey(client, app, {"q_staff": "2", "comment": "Giữ lại nội dung này", **over}
                       if case != "over-long comment" else {"q_staff": "2", **over})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422, html[:500]
    assert message in html
    assert 'id="q_staff_2" value="2" checked' in html  # the answers are kept
    if case != "over-long comment":
        assert "Giữ lại nội dung này" in html
    assert count_responses(app) == 0


def test_a_retired_point_is_refused_with_the_answers_kept(client, app):
    p = make_point(app)
    fields = hidden_fields(client, f"/ks/{p['slug']}")
    with app.app_context():
        db.session.get(SurveyPoint, p["id"]).active = False
        db.session.commit()
    resp = client.post("/khao-sat", data={**fields, **ratings(staff="2")})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "đã ngừng sử dụng" in html
    assert 'id="q_staff_2" value="2" checked' in html and 'name="unit_id"' in html  # choose a unit instead
    assert count_responses(app) == 0
    assert client.get(f"/ks/{p['slug']}").status_code == 404


@pytest.fixture
def config_overrides(request):
    if request.node.name.startswith("test_survey_posts_are_rate_limited"):
        return {"RATELIMIT_ENABLED": True, "RATELIMIT_SURVEY": "2 per minute"}
    return {}


def test_survey_posts_are_rate_limited_per_client(client, app):
    codes = [post_survey(client, app).status_code for _ in range(3)]
    assert codes == [303, 303, 429]
    assert count_responses(app) == 2


# --- after a case ---------------------------------------------------------------------------------

def resolved_case(client, app, status="resolved", handling_unit="CCCNTY", email="binh@example.com"):
    code, _pin = receipt_codes(client, post_case(client, "khieu_nai", complaint(email=email)))
    with app.app_context():
        case = db.session.execute(select(Case).where(Case.tracking_code == code)).scalar_one()
        case.unit_id = unit_id(app, "CCTT")
        if handling_unit:
            case.handling_unit_id = unit_id(app, handling_unit)
        now = datetime.now(timezone.utc)
        if status in ("resolved", "closed"):
            append_event(case, action="status_changed", now=now, actor_type="staff", to_status="resolved", is_public=True)
        if status == "closed":
            append_event(case, action="status_changed", now=now, actor_type="staff", to_status="closed", is_public=True)
        if status == "closed_unresolved":
            append_event(case, action="status_changed", now=now, actor_type="staff", to_status="closed", is_public=True)
        db.session.commit()
        return code, case.id


def rate(client, code: str, data: dict | None = None):
    fields = hidden_fields(client, f"/ho-so/{code}/danh-gia")
    payload = {**fields, "resolved": "no", **ratings(CASE_CODES, "2"), **(data or {})}
    return client.post(f"/ho-so/{code}/danh-gia", data={k: v for k, v in payload.items() if v is not None})


def test_a_resolved_case_invites_a_rating_on_the_tracking_page_and_takes_it_once(client, app):
    code, case_id = resolved_case(client, app)
    page = client.get(f"/ho-so/{code}").get_data(as_text=True)
    assert 'id="survey-invite"' in page and f"/ho-so/{code}/danh-gia" in page
    form = client.get(f"/ho-so/{code}/danh-gia").get_data(as_text=True)
    for text in ("Thời gian giải quyết", "rõ ràng", "công bằng", "Thái độ", "Nhìn chung", "thực sự được giải quyết"):
        assert text in form
    resp = rate(client, code, {"comment": "Chưa xử lý xong."})
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"/ho-so/{code}")
    page = client.get(f"/ho-so/{code}").get_data(as_text=True)
    assert "Bạn đã đánh giá việc giải quyết hồ sơ này" in page
    [r] = responses(app)
    assert (r.channel, r.case_id, r.case_kind_code) == ("case", case_id, "khieu_nai")
    assert r.unit_id == unit_id(app, "CCCNTY")  # the handling unit
    assert r.problem_resolved is False
    assert {a.factor for a in r.answers} == {"feedback"}  # feeds the fifth SIPAS factor
    with app.app_context():
        rating = svc.case_rating(case_id)
    assert rating["not_resolved"] is True and len(rating["answers"]) == 5 and rating["comment"] == "Chưa xử lý xong."
    # a second rating: a clear message, nothing stored
    resp = rate(client, code, {"resolved": "yes"})
    assert resp.status_code == 422 and "Hồ sơ này đã được đánh giá" in resp.get_data(as_text=True)
    assert count_responses(app) == 1


def test_a_second_rating_from_a_form_opened_before_the_first_is_refused(client, app):
    code, _ = resolved_case(client, app)
    fields = hidden_fields(client, f"/ho-so/{code}/danh-gia")
    first = {**fields, "resolved": "yes", **ratings(CASE_CODES, "4")}
    assert client.post(f"/ho-so/{code}/danh-gia", data=first).status_code == 303
    second = {**first, "token": "anothertoken123"}
    resp = client.post(f"/ho-so/{code}/danh-gia", data=second)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "Mỗi hồ sơ chỉ được đánh giá một lần" in html
    assert 'id="q_clarity_4" value="4" checked' in html
    assert count_responses(app) == 1


def test_switching_language_while_rating_a_case_keeps_the_answers(client, app):
    code, _ = resolved_case(client, app)
    page = client.get(f"/ho-so/{code}/danh-gia").get_data(as_text=True)
    assert 'form="rating-form" name="switch_lang" value="en"' in page and 'id="rating-form"' in page
    fields = hidden_fields(client, f"/ho-so/{code}/danh-gia")
    resp = client.post(f"/ho-so/{code}/danh-gia", data={**fields, "resolved": "no", "q_clarity": "3",
                                                        "comment": "Chưa rõ.", "switch_lang": "en"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'lang="en"' in html and "error-summary" not in html
    assert re.search(r'<input checked[^>]*value="no"', html) and 'id="q_clarity_3" value="3" checked' in html and "Chưa rõ." in html
    assert count_responses(app) == 0


def test_rating_unit_falls_back_to_the_unit_named_by_the_citizen(client, app):
    code, case_id = resolved_case(client, app, handling_unit=None)
    assert rate(client, code).status_code == 303
    assert responses(app)[0].unit_id == unit_id(app, "CCTT")


@pytest.mark.parametrize("over,message", [
    ({"resolved": None}, "đã thực sự được giải quyết hay chưa"),
    ({"q_fairness": "7"}, "Mức đánh giá không hợp lệ"),
    ({"q_handling_overall": None}, "Vui lòng chọn một mức đánh giá"),
    ({"version": "1"}, "Bảng câu hỏi vừa được cập nhật"),  # the service survey's version, forged in
    ({"comment": "y" * 2001}, "Tối đa 2000 ký tự"),
])
def test_bad_case_rating_is_refused_and_keeps_answers(client, app, over, message):
    code, _ = resolved_case(client, app)
    resp = rate(client, code, {"q_attitude": "3", **over})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and message in html
    assert 'id="q_attitude_3" value="3" checked' in html
    assert count_responses(app) == 0


def test_an_open_case_cannot_be_rated(client, app):
    code, _ = resolved_case(client, app, status="in_progress")
    assert 'id="survey-invite"' not in client.get(f"/ho-so/{code}").get_data(as_text=True)
    assert client.get(f"/ho-so/{code}/danh-gia").status_code == 302
    fields = hidden_fields(client, f"/ho-so/{code}")
    resp = client.post(f"/ho-so/{code}/danh-gia", data={**fields, "resolved": "yes", **ratings(CASE_CODES)})
    assert resp.status_code == 422 and "chưa có kết quả giải quyết" in resp.get_data(as_text=True)
    assert count_responses(app) == 0


def test_rating_needs_the_case_to_be_opened_with_its_code(client, app):
    code, _ = resolved_case(client, app)
    other = app.test_client()
    resp = other.get(f"/ho-so/{code}/danh-gia")
    assert resp.status_code == 302 and "/tra-cuu" in resp.headers["Location"]


@pytest.mark.parametrize("status,resolved", [("resolved", True), ("closed", True), ("closed_unresolved", False),
                                             ("in_progress", False)])
def test_resolved_means_resolved_or_closed_after_resolution(client, app, status, resolved):
    _code, case_id = resolved_case(client, app, status=status)
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert svc.case_is_resolved(case) is resolved


def test_invite_after_resolution_emails_once(client, app):
    _code, case_id = resolved_case(client, app)
    with app.app_context():
        case = db.session.get(Case, case_id)
        before = db.session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one()
        msg = svc.invite_after_resolution(case, datetime.now(timezone.utc))
        db.session.commit()
        assert msg is not None and msg.to_addr == "binh@example.com"
        assert case.tracking_code in msg.subject and f"/tra-cuu?ma={case.tracking_code}" in msg.body_text
        assert svc.invite_after_resolution(case, datetime.now(timezone.utc)) is None  # once
        after = db.session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one()
        assert after == before + 1


def test_no_invitation_before_resolution_or_without_email(client, app):
    _code, open_id = resolved_case(client, app, status="in_progress")
    _code2, no_mail = resolved_case(app.test_client(), app, email=None)
    with app.app_context():
        now = datetime.now(timezone.utc)
        assert svc.invite_after_resolution(db.session.get(Case, open_id), now) is None
        assert svc.invite_after_resolution(db.session.get(Case, no_mail), now) is None


def test_no_invitation_after_the_case_was_rated(client, app):
    code, case_id = resolved_case(client, app)
    assert rate(client, code).status_code == 303
    with app.app_context():
        assert svc.invite_after_resolution(db.session.get(Case, case_id), datetime.now(timezone.utc)) is None
        assert svc.case_rating(case_id + 1000) is None
