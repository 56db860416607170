"""Staff survey pages: who may see them, survey points and their QR posters, spam, figures, versions."""
from __future__ import annotations

import io
import re
from datetime import datetime, timezone

import pytest
from PIL import Image
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from danvan_feedback.extensions import db
from danvan_feedback.models.survey import SurveyPoint, SurveyResponse, SurveySpamLog, SurveyVersion
from danvan_feedback.services import survey as svc
from tests.app.staff_helpers import csrf, login, make_user
from tests.conftest import skip_or_fail
from tests.app.test_survey_public import (SERVICE_CODES, count_responses, hidden_fields, make_point,
                                          post_survey, ratings, responses, unit_id)


@pytest.fixture(autouse=True)
def survey_seeded(app):
    with app.app_context():
        svc.seed_defaults(datetime.now(timezone.utc))
        db.session.commit()


def staff(client, app, role: str, name: str | None = None) -> dict:
    user = make_user(app, name or f"u_{role}", role, totp=(role in ("admin", "inspector")))
    login(client, user)
    return user


PAGES = ["/can-bo/khao-sat/", "/can-bo/khao-sat/phieu", "/can-bo/khao-sat/diem", "/can-bo/khao-sat/tieu-chi"]
ALLOWED = {
    "/can-bo/khao-sat/": {"admin", "office", "viewer", "inspector"},
    "/can-bo/khao-sat/phieu": {"admin", "office", "viewer", "inspector"},
    "/can-bo/khao-sat/diem": {"admin", "office"},
    "/can-bo/khao-sat/tieu-chi": {"admin"},
}


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_is_sent_to_login(client, path):
    resp = client.get(path)
    assert resp.status_code == 302 and "/dang-nhap" in resp.headers["Location"]


@pytest.mark.parametrize("role", ["admin", "office", "viewer", "inspector", "unit"])
def test_each_role_sees_only_its_pages(client, app, role):
    staff(client, app, role)
    for path in PAGES:
        expected = 200 if role in ALLOWED[path] else 403
        assert client.get(path).status_code == expected, (role, path)
    menu = client.get("/can-bo/").get_data(as_text=True)
    assert ("Khảo sát hài lòng" in menu) == (role in ALLOWED["/can-bo/khao-sat/"])


def zbar_decode():
    """pyzbar's decode, or a skip (a failure when CI sets REQUIRE_ZBAR=1) without the zbar library."""
    try:
        from pyzbar.pyzbar import decode
    except ImportError as exc:  # pyzbar raises ImportError when libzbar0 is not installed
        skip_or_fail(f"QR decoding needs the zbar library (apt-get install -y libzbar0): {exc}", "REQUIRE_ZBAR")
    return decode


def test_office_creates_a_point_and_gets_a_poster_whose_qr_decodes_to_its_url(client, app):
    decode = zbar_decode()
    staff(client, app, "office")
    resp = client.post("/can-bo/khao-sat/diem", data={
        "csrf_token": csrf(client, "/can-bo/khao-sat/diem"), "label": "Quầy 2 — Bộ phận một cửa",
        "unit_id": str(unit_id(app)), "service_id": ""})
    assert resp.status_code == 303
    with app.app_context():
        point = db.session.execute(select(SurveyPoint)).scalar_one()
        pid, slug = point.id, point.slug
    url = f"http://kiemthu.local/ks/{slug}"
    poster = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Sở Nông nghiệp" in poster or "Sở" in poster  # the organisation's name
    assert "Chi cục Trồng trọt" in poster and "Quầy 2 — Bộ phận một cửa" in poster
    assert f"kiemthu.local/ks/{slug}" in poster and "Quét mã để đánh giá" in poster
    assert f"/can-bo/khao-sat/diem/{pid}/qr.svg" in poster
    assert "a5" in client.get(f"/can-bo/khao-sat/diem/{pid}/ap-phich?kho=a5").get_data(as_text=True)
    png = client.get(f"/can-bo/khao-sat/diem/{pid}/qr.png?tai=1")
    assert png.mimetype == "image/png" and "attachment" in png.headers["Content-Disposition"]
    decoded = decode(Image.open(io.BytesIO(png.data)))
    assert [d.data.decode() for d in decoded] == [url]
    svg = client.get(f"/can-bo/khao-sat/diem/{pid}/qr.svg")
    assert svg.mimetype == "image/svg+xml" and svg.data.lstrip().startswith(b"<?xml") and b"<svg" in svg.data
    # scanning opens the survey with the unit preset
    public = app.test_client()
    assert "Quầy 2 — Bộ phận một cửa" in public.get(f"/ks/{slug}").get_data(as_text=True)


def test_point_needs_a_label_and_a_unit(client, app):
    staff(client, app, "admin")
    resp = client.post("/can-bo/khao-sat/diem", data={"csrf_token": csrf(client, "/can-bo/khao-sat/diem"),
                                                      "label": "", "unit_id": ""})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "Vui lòng nhập tên điểm khảo sát" in html and "Vui lòng chọn đơn vị" in html


def test_retiring_a_point_stops_its_qr(client, app):
    p = make_point(app)
    staff(client, app, "office")
    resp = client.post(f"/can-bo/khao-sat/diem/{p['id']}/trang-thai",
                       data={"csrf_token": csrf(client, "/can-bo/khao-sat/diem")})
    assert resp.status_code == 303
    assert app.test_client().get(f"/ks/{p['slug']}").status_code == 404


def _figures_page(client) -> str:
    return client.get("/can-bo/khao-sat/?tu=2000-01-01&den=2100-12-31").get_data(as_text=True)


def test_results_show_figures_with_counts_and_spam_is_excluded_and_logged(client, app):
    public = app.test_client()
    for score in ("5", "4", "2"):
        assert post_survey(public, app, {f"q_{c}": score for c in SERVICE_CODES}).status_code == 303
    user = staff(client, app, "office")
    page = _figures_page(client)
    # overall for the unit: 2 satisfied of 3 → 67 %; mean (5+4+2)/3 = 3.67
    assert "67%" in page and "3.67" in page and "2/3" in page and "mẫu nhỏ" in page
    first = responses(app)[2]
    resp = client.post(f"/can-bo/khao-sat/phieu/{first.id}/spam", data={
        "csrf_token": csrf(client, "/can-bo/khao-sat/phieu"), "reason": "Gửi thử nghiệm", "spam": "1"})
    assert resp.status_code == 303
    page = _figures_page(client)
    assert "100%" in page and "4.50" in page and "2/2" in page and "loại rác" in page
    with app.app_context():
        [entry] = db.session.execute(select(SurveySpamLog)).scalars().all()
        assert (entry.response_id, entry.actor_id, entry.is_spam, entry.reason) == (first.id, user["id"], True, "Gửi thử nghiệm")
        # the log is append-only
        with pytest.raises(DBAPIError):
            db.session.execute(text("UPDATE survey_spam_log SET reason = 'x'"))
            db.session.flush()
        db.session.rollback()
    assert "Gửi thử nghiệm" in client.get("/can-bo/khao-sat/phieu").get_data(as_text=True)


def test_spam_needs_a_reason_and_viewers_cannot_mark(client, app):
    assert post_survey(app.test_client(), app).status_code == 303
    rid = responses(app)[0].id
    staff(client, app, "office")
    resp = client.post(f"/can-bo/khao-sat/phieu/{rid}/spam", data={
        "csrf_token": csrf(client, "/can-bo/khao-sat/phieu"), "reason": ""})
    assert resp.status_code == 302 and not responses(app)[0].is_spam
    viewer = app.test_client()
    staff(viewer, app, "viewer")
    resp = viewer.post(f"/can-bo/khao-sat/phieu/{rid}/spam", data={
        "csrf_token": csrf(viewer, "/can-bo/khao-sat/phieu"), "reason": "không"})
    assert resp.status_code == 403


def test_editing_criteria_creates_a_version_and_old_responses_keep_theirs(client, app):
    public = app.test_client()
    old_fields = hidden_fields(public, "/khao-sat")
    assert post_survey(public, app).status_code == 303
    staff(client, app, "admin")
    page = client.get("/can-bo/khao-sat/tieu-chi").get_data(as_text=True)
    version_id = re.search(r'name="version" value="(\d+)"', page).group(1)
    with app.app_context():
        v1 = db.session.get(SurveyVersion, int(version_id))
        form = {f"label_{c.code}": c.label for c in v1.criteria}
        form.update({f"label_en_{c.code}": c.label_en for c in v1.criteria if c.label_en})
    form.update({"required_overall": "1", "label_en_staff": "Reception staff: attitude, guidance",
                 "csrf_token": csrf(client, "/can-bo/khao-sat/tieu-chi"), "bang": "service", "version": version_id,
                 "label_staff": "Cán bộ tiếp nhận: thái độ, hướng dẫn", "retire_feedback": "1",
                 "new_label": "Dịch vụ công trực tuyến dễ dùng", "new_factor": "access",
                 "scale": "Chưa hài lòng\nHài lòng\nRất hài lòng"})
    resp = client.post("/can-bo/khao-sat/tieu-chi", data=form)
    assert resp.status_code == 303, resp.get_data(as_text=True)[:2000]
    with app.app_context():
        current = svc.current_version("service")
        assert current.number == 2 and current.scale == ["Chưa hài lòng", "Hài lòng", "Rất hài lòng"]
        assert [c.code for c in current.criteria] == ["access", "procedure", "staff", "result", "overall", "c1"]
        assert current.criteria[2].label == "Cán bộ tiếp nhận: thái độ, hướng dẫn"
        assert [c.code for c in current.criteria if c.required] == ["overall"]
        assert current.criteria[2].label_en == "Reception staff: attitude, guidance"
        assert current.criteria[0].label_en.startswith("Access to the service")
        assert current.scale_en is None  # the scale changed and no English one was given
        old = db.session.execute(select(SurveyResponse)).scalar_one()
        assert old.version_id == int(version_id) and len(old.version.criteria) == 6
    # the old form (version 1) is refused, its answers kept, nothing stored
    resp = public.post("/khao-sat", data={**old_fields, "unit_id": str(unit_id(app)), **ratings(staff="2")})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "Bảng câu hỏi vừa được cập nhật" in html
    assert "Cán bộ tiếp nhận" in html and 'id="q_staff_2" value="2" checked' in html
    assert count_responses(app) == 1
    # the new version is answered on its three-level scale; the figures mix both versions
    new = {f"q_{c}": "3" for c in ["access", "procedure", "staff", "result", "overall", "c1"]}
    fields = hidden_fields(public, "/khao-sat")
    assert public.post("/khao-sat", data={**fields, "unit_id": str(unit_id(app)), **new}).status_code == 303
    assert [len(r.answers) for r in responses(app)] == [6, 6]
    assert {a.scale_max for a in responses(app)[1].answers} == {3}
    page = _figures_page(client)
    assert "5.00" in page  # 5/5 on v1 and 3/3 on v2 both count as 5 on the five-point scale


def test_criteria_form_refuses_an_empty_scale(client, app):
    staff(client, app, "admin")
    page = client.get("/can-bo/khao-sat/tieu-chi").get_data(as_text=True)
    version_id = re.search(r'name="version" value="(\d+)"', page).group(1)
    resp = client.post("/can-bo/khao-sat/tieu-chi", data={
        "csrf_token": csrf(client, "/can-bo/khao-sat/tieu-chi"), "bang": "service", "version": version_id,
        "scale": "Một mức"})
    assert resp.status_code == 422 and "Thang đo cần từ 2 đến 10 mức" in resp.get_data(as_text=True)
    with app.app_context():
        assert svc.current_version("service").number == 1


def test_not_resolved_ratings_are_listed_for_inspectors(client, app):
    from tests.app.test_survey_public import rate, resolved_case
    citizen = app.test_client()
    code, case_id = resolved_case(citizen, app)
    assert rate(citizen, code, {"resolved": "no"}).status_code == 303
    staff(client, app, "inspector")
    page = client.get("/can-bo/khao-sat/phieu?loc=chua-giai-quyet").get_data(as_text=True)
    assert "Chưa được giải quyết" in page
    page = _figures_page(client)
    assert "chưa giải quyết" in page


@pytest.mark.parametrize("role", ["viewer", "unit", "anonymous"])
def test_points_posters_and_spam_refuse_the_wrong_role(client, app, role):
    p = make_point(app)
    assert post_survey(app.test_client(), app).status_code == 303
    rid = responses(app)[0].id
    if role != "anonymous":
        staff(client, app, role)
    gets = [f"/can-bo/khao-sat/diem/{p['id']}/ap-phich", f"/can-bo/khao-sat/diem/{p['id']}/qr.png",
            f"/can-bo/khao-sat/diem/{p['id']}/qr.svg"]
    posts = [f"/can-bo/khao-sat/diem/{p['id']}/trang-thai", f"/can-bo/khao-sat/phieu/{rid}/spam"]
    for url in gets:
        resp = client.get(url)
        assert resp.status_code == (302 if role == "anonymous" else 403), url
    token = "" if role == "anonymous" else csrf(client, "/can-bo/")
    for url in posts:
        resp = client.post(url, data={"csrf_token": token, "reason": "thử"})
        assert resp.status_code in ((302, 400) if role == "anonymous" else (403,)), url
    assert not responses(app)[0].is_spam
