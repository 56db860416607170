"""A citizen on a phone: rate a counter from its QR code; rate how a resolved case was handled.

Uses a live server of its own (the shared one does not expose its app), so survey points and the
resolution of a case can be set up directly through the models.
"""
from __future__ import annotations

import os
import re
import shutil
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from danvan_feedback import create_app
from danvan_feedback.extensions import db
from tests.conftest import base_config

from .conftest import PHONE, seed_services
from .helpers import file_complaint
from .test_accessibility import assert_accessible

SHOTS = os.environ.get("SURVEY_SCREENSHOTS")  # a folder: save phone screenshots there


@pytest.fixture(scope="module")
def survey_server(chromium_path, sqlite_template, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("survey-live")
    path = tmp / "live.sqlite3"
    shutil.copy(sqlite_template, path)
    app = create_app({**base_config(tmp, f"sqlite:///{path}"), "RATELIMIT_ENABLED": False, "PUBLIC_BASE_URL": ""})
    seed_services(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-survey-server", daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def phone(browser, survey_server):
    ctx = browser.new_context(base_url=survey_server[1], **PHONE)
    ctx.set_default_timeout(10_000)
    yield ctx.new_page()
    ctx.close()


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"survey-{name}.png"), full_page=True)


def make_point(app) -> str:
    from danvan_feedback.models import Service, Unit
    from danvan_feedback.services import survey as svc
    with app.app_context():
        unit = db.session.execute(select(Unit).where(Unit.code == "CCCNTY")).scalar_one()
        service = db.session.execute(select(Service).where(Service.unit_id == unit.id)).scalars().first()
        p = svc.create_point(unit_id=unit.id, service_id=service.id, label="Quầy 2 — Bộ phận một cửa",
                             actor_id=None, now=datetime.now(timezone.utc))
        db.session.commit()
        slug = p.slug
        db.session.remove()
    return slug


def test_rate_a_counter_from_its_qr_code(phone, survey_server):
    app, base = survey_server
    slug = make_point(app)
    phone.goto(f"/ks/{slug}")
    expect(phone.locator(".survey-where")).to_contain_text("Quầy 2 — Bộ phận một cửa")
    expect(phone.locator("fieldset.rating")).to_have_count(6)
    shot(phone, "01-form")
    assert_accessible(phone)
    # send without the overall rating: only that one is pointed at, the answers given are kept
    phone.locator("fieldset.rating").nth(0).get_by_text("Rất hài lòng", exact=True).click()
    with phone.expect_navigation():
        phone.get_by_role("button", name="Gửi đánh giá").click()
    expect(phone.locator(".error-summary li")).to_have_count(1)
    expect(phone.locator(".error-summary li")).to_contain_text("Nhìn chung")
    expect(phone.locator("fieldset.rating").nth(0).locator("input[value='5']")).to_be_checked()
    shot(phone, "02-errors")
    assert_accessible(phone)
    # the scale's words are readable on a phone (16 px at least) and nothing overflows sideways
    size = phone.locator("fieldset.rating").nth(0).locator("label .t").first.evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 16
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    # a factor the visitor never met is "not applicable"; the rest are left out; only overall rated
    phone.locator("fieldset.rating").nth(1).get_by_text("Không áp dụng", exact=True).click()
    phone.locator("fieldset.rating").nth(5).get_by_text("Hài lòng", exact=True).click()
    phone.get_by_label("Góp ý thêm").fill("Nhân viên hướng dẫn tận tình.")
    with phone.expect_navigation():
        phone.get_by_role("button", name="Gửi đánh giá").click()
    phone.wait_for_url("**/khao-sat/cam-on")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Cảm ơn bạn đã đánh giá")
    expect(phone.get_by_role("link", name="Gửi phản ánh")).to_have_attribute("href", "/gui/phan_anh")
    shot(phone, "03-thanks")
    assert_accessible(phone)
    from danvan_feedback.models.survey import SurveyResponse
    with app.app_context():
        r = db.session.execute(select(SurveyResponse).where(SurveyResponse.channel == "qr")).scalar_one()
        assert r.point.slug == slug and r.comment == "Nhân viên hướng dẫn tận tình."
        assert {a.criterion_code: a.score for a in r.answers} == {"access": 5, "overall": 4}
        db.session.remove()


def test_a_survey_with_only_the_overall_rating_is_accepted(phone, survey_server):
    """Issue 14: a visitor who answers only "Nhìn chung" (the one required question) is thanked;
    the factors left out are stored as not answered, not as a score."""
    app, _base = survey_server
    slug = make_point(app)
    phone.goto(f"/ks/{slug}")
    phone.locator("fieldset.rating").nth(5).get_by_text("Rất hài lòng", exact=True).click()
    with phone.expect_navigation():
        phone.get_by_role("button", name="Gửi đánh giá").click()
    phone.wait_for_url("**/khao-sat/cam-on")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Cảm ơn bạn đã đánh giá")
    from danvan_feedback.models.survey import SurveyPoint, SurveyResponse
    with app.app_context():
        point = db.session.execute(select(SurveyPoint).where(SurveyPoint.slug == slug)).scalar_one()
        r = db.session.execute(select(SurveyResponse).where(SurveyResponse.point_id == point.id)).scalar_one()
        assert {a.criterion_code: a.score for a in r.answers if a.score is not None} == {"overall": 5}
        db.session.remove()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_switching_language_on_the_qr_survey_keeps_the_answers(browser, survey_server, javascript):
    """Issue 14: the visitor who switches to English halfway keeps the answers given and the comment
    typed, at the same counter; with or without JavaScript (the button submits the draft)."""
    app, base = survey_server
    slug = make_point(app)
    ctx = browser.new_context(base_url=base, java_script_enabled=javascript, **PHONE)
    ctx.set_default_timeout(10_000)
    phone = ctx.new_page()
    try:
        phone.goto(f"/ks/{slug}")
        phone.locator("fieldset.rating").nth(0).get_by_text("Hài lòng", exact=True).click()
        phone.locator("fieldset.rating").nth(1).get_by_text("Không áp dụng", exact=True).click()
        phone.get_by_label("Góp ý thêm").fill("Quầy đông người.")
        with phone.expect_navigation():
            phone.get_by_role("button", name="English").click()
        expect(phone.locator("html")).to_have_attribute("lang", "en")
        expect(phone.locator(".survey-where")).to_contain_text("Quầy 2 — Bộ phận một cửa")
        expect(phone.locator(".error-summary")).to_have_count(0)
        expect(phone.locator("fieldset.rating").nth(0).locator("input[value='4']")).to_be_checked()
        expect(phone.locator("fieldset.rating").nth(1).locator("input[value='na']")).to_be_checked()
        expect(phone.get_by_label("Other comments")).to_have_value("Quầy đông người.")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        shot(phone, f"07-switched-{'js' if javascript else 'nojs'}")
        if javascript:
            assert_accessible(phone)
        phone.locator("fieldset.rating").nth(5).get_by_text("Satisfied", exact=True).click()
        with phone.expect_navigation():
            phone.get_by_role("button", name="Send rating").click()
        phone.wait_for_url("**/khao-sat/cam-on")
    finally:
        ctx.close()
    from danvan_feedback.models.survey import SurveyPoint, SurveyResponse
    with app.app_context():
        point = db.session.execute(select(SurveyPoint).where(SurveyPoint.slug == slug)).scalar_one()
        r = db.session.execute(select(SurveyResponse).where(SurveyResponse.point_id == point.id)).scalar_one()
        assert r.comment == "Quầy đông người."
        assert {a.criterion_code: a.score for a in r.answers if a.score is not None} == {"access": 4, "overall": 4}
        db.session.remove()


def test_rate_the_handling_of_a_resolved_case_from_the_tracking_page(phone, survey_server):
    from danvan_feedback.models import Case
    from danvan_feedback.services.events import append_event
    app, _base = survey_server
    code, _pin = file_complaint(phone)
    with app.app_context():
        case = db.session.execute(select(Case).where(Case.tracking_code == code)).scalar_one()
        append_event(case, action="status_changed", now=datetime.now(timezone.utc), actor_type="staff",
                     to_status="resolved", is_public=True, note="Đã huỷ quyết định xử phạt.")
        db.session.commit()
        db.session.remove()
    phone.goto(f"/ho-so/{code}")
    invite = phone.locator("#survey-invite")
    expect(invite).to_be_visible()
    shot(phone, "04-case-invite")
    assert_accessible(phone)
    invite.get_by_role("link", name="Đánh giá việc giải quyết").click()
    phone.wait_for_url(f"**/ho-so/{code}/danh-gia")
    shot(phone, "05-rate-case")
    assert_accessible(phone)
    phone.get_by_text("Chưa được giải quyết", exact=True).click()
    for fs in phone.locator("fieldset.rating:not(.yesno)").all():
        fs.get_by_text("Không hài lòng", exact=True).click()
    with phone.expect_navigation():
        phone.get_by_role("button", name="Gửi đánh giá").click()
    phone.wait_for_url(re.compile(rf".*/ho-so/{code}$"))
    expect(phone.get_by_role("status")).to_contain_text("Cảm ơn bạn đã đánh giá")
    expect(invite).to_contain_text("Bạn đã đánh giá việc giải quyết hồ sơ này")
    shot(phone, "06-case-rated")
    assert_accessible(phone)
    from danvan_feedback.services.survey import case_rating
    with app.app_context():
        case = db.session.execute(select(Case).where(Case.tracking_code == code)).scalar_one()
        rating = case_rating(case.id)
        assert rating["not_resolved"] is True and {s for _c, _l, s in rating["answers"]} == {2}
        db.session.remove()
