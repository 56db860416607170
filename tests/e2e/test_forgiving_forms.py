"""Public forms that forgive mistakes (issue 14), on a 390×844 phone against a server whose rate
limits are on: rejected tries do not count, optional lists never refuse a letter."""
from __future__ import annotations

import shutil
import threading

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from danvan_feedback import create_app
from danvan_feedback.extensions import db
from danvan_feedback.models import Case, Service
from tests.conftest import base_config
from tests.e2e.conftest import PHONE, seed_services
from tests.e2e.helpers import fill_complaint, label, submit
from tests.e2e.test_accessibility import assert_accessible


@pytest.fixture(scope="module")
def limited(chromium_path, sqlite_template, tmp_path_factory):
    """A live server with the production-like rule: two accepted submissions a minute per address (four rejected tries would have been refused before)."""
    tmp = tmp_path_factory.mktemp("limited")
    shutil.copy(sqlite_template, tmp / "db.sqlite3")
    app = create_app({**base_config(tmp, f"sqlite:///{tmp / 'db.sqlite3'}"), "RATELIMIT_ENABLED": True,
                      "RATELIMIT_STORAGE_URI": "memory://", "RATELIMIT_SUBMIT": "2 per minute"})
    seed_services(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
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
def phone(browser, limited):
    ctx = browser.new_context(base_url=limited[1], **PHONE)
    ctx.set_default_timeout(10_000)
    yield ctx.new_page()
    ctx.close()


def test_four_rejected_tries_then_the_letter_is_accepted(phone, limited):
    app, _base = limited
    phone.goto("/gui/khieu_nai")
    fill_complaint(phone, {"cccd": "0751"}, consent=False)
    for attempt in range(4):
        submit(phone)
        expect(phone.locator(".error-summary")).to_be_visible()
        assert "thao tác quá nhanh" not in phone.content()
        if attempt == 0:
            assert_accessible(phone)
    # what was typed is still there; fix the two mistakes and send
    expect(phone.get_by_label(label("Họ và tên"))).to_have_value("Trần Thị Bình")
    phone.get_by_label(label("Số căn cước công dân")).fill("075190001234")
    phone.get_by_label(label("Tôi đã đọc thông báo")).check()
    submit(phone)
    phone.wait_for_url("**/bien-nhan")
    expect(phone.locator("#tracking-code")).to_be_visible()
    with app.app_context():
        assert db.session.execute(select(Case)).scalars().all()[-1].kind_code == "khieu_nai"
        db.session.remove()


def test_a_service_of_another_unit_is_accepted(phone, limited):
    app, _base = limited
    with app.app_context():
        svc = db.session.execute(select(Service).where(Service.code == "E2E-TY-01")).scalar_one()
        service_name, service_unit = svc.name, svc.unit_id
        db.session.remove()
    phone.goto("/gui/phan_anh")
    phone.get_by_label(label("Gửi ẩn danh")).check()
    phone.get_by_label(label("Đơn vị liên quan")).select_option(label="Chi cục Kiểm lâm")
    phone.get_by_label(label("Dịch vụ, thủ tục liên quan")).select_option(label=service_name)
    phone.get_by_label(label("Tiêu đề ngắn")).fill("Chờ lâu tại quầy kiểm dịch")
    phone.get_by_label(label("Nội dung")).fill("Tôi chờ hơn hai giờ mới được tiếp nhận hồ sơ kiểm dịch.")
    submit(phone)
    phone.wait_for_url("**/bien-nhan")
    with app.app_context():
        case = db.session.execute(select(Case).order_by(Case.id.desc())).scalars().first()
        assert case.subject == "Chờ lâu tại quầy kiểm dịch"
        assert case.service_id is not None and case.unit_id != service_unit  # both kept as chosen
        db.session.remove()


def test_group_and_business_fields_show_only_when_they_apply_even_without_javascript(browser, limited):
    ctx = browser.new_context(base_url=limited[1], java_script_enabled=False, **PHONE)
    page = ctx.new_page()
    try:
        page.goto("/gui/kien_nghi")
        expect(page.locator("#group_size")).to_be_hidden()
        expect(page.locator("#company_name")).to_be_hidden()
        page.get_by_label(label("Đơn của nhiều người")).check()
        expect(page.locator("#group_size")).to_be_visible()
        page.get_by_role("radio", name="Doanh nghiệp, tổ chức").check()
        expect(page.locator("#company_name")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        ctx.close()
