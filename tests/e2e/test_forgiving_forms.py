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


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_photo_survives_an_error(browser, live_server, live_app, javascript):
    """Issue 14: the photo attached to a form that came back with an error is still attached
    ("Đã đính kèm"), need not be chosen again, and the accepted letter carries it; with or
    without JavaScript."""
    from tests.e2e.helpers import gps_jpeg
    ctx = browser.new_context(base_url=live_server, java_script_enabled=javascript, **PHONE)
    ctx.set_default_timeout(10_000)
    page = ctx.new_page()
    try:
        page.goto("/gui/khieu_nai")
        subject = f"Ảnh giữ lại sau lỗi ({'js' if javascript else 'no-js'})"
        fill_complaint(page, {"cccd": "0751", "subject": subject})
        page.get_by_label(label("Tệp đính kèm")).set_input_files(
            files=[{"name": "hien-truong.jpg", "mimeType": "image/jpeg", "buffer": gps_jpeg()}])
        submit(page)
        expect(page.locator(".error-summary")).to_be_visible()
        held = page.locator("#held-files li")
        expect(held).to_have_count(1)
        expect(held).to_contain_text("Đã đính kèm: hien-truong.jpg")
        expect(held.get_by_label("Xoá tệp này")).not_to_be_checked()
        assert page.get_by_label(label("Tệp đính kèm")).evaluate("e => e.files.length") == 0  # nothing to choose again
        if javascript:  # (axe needs scripts)
            assert_accessible(page)
        page.get_by_label(label("Số căn cước công dân")).fill("075190001234")
        submit(page)
        page.wait_for_url("**/bien-nhan")
        code = page.locator("#tracking-code").inner_text().strip()
    finally:
        ctx.close()
    from danvan_feedback.models import Attachment
    with live_app.app_context():
        case = db.session.execute(select(Case).where(Case.tracking_code == code)).scalar_one()
        names = db.session.execute(select(Attachment.original_name).where(Attachment.case_id == case.id)).scalars().all()
        assert case.subject == subject and names == ["hien-truong.jpg"]
        db.session.remove()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_photo_added_to_a_case_survives_an_error(browser, live_server, live_app, javascript):
    """Issue 14: the "bổ sung" form of a case page holds its files like the filing form: after a
    refused file, the good photo is still attached ("Đã đính kèm", with "Xoá tệp này") and the
    accepted addition carries it; with or without JavaScript, on a 390×844 phone."""
    from tests.e2e.helpers import file_complaint, gps_jpeg
    ctx = browser.new_context(base_url=live_server, java_script_enabled=javascript, **PHONE)
    ctx.set_default_timeout(10_000)
    page = ctx.new_page()
    try:
        code, _pin = file_complaint(page)
        page.goto(f"/ho-so/{code}")
        text = f"Gửi thêm ảnh biên bản ({'js' if javascript else 'no-js'})"
        page.get_by_label("Thông tin bổ sung").fill(text)
        page.get_by_label(label("Tệp đính kèm")).set_input_files(files=[
            {"name": "bien-ban.jpg", "mimeType": "image/jpeg", "buffer": gps_jpeg()},
            {"name": "virus.pdf", "mimeType": "application/pdf", "buffer": b"MZ\x90\x00 not a pdf"}])
        with page.expect_navigation():
            page.get_by_role("button", name="Gửi bổ sung").click()
        expect(page.locator(".error-summary")).to_contain_text("virus.pdf")
        held = page.locator("#held-files li")
        expect(held).to_have_count(1)
        expect(held).to_contain_text("Đã đính kèm: bien-ban.jpg")
        expect(held.get_by_label("Xoá tệp này")).not_to_be_checked()
        expect(page.get_by_label("Thông tin bổ sung")).to_have_value(text)
        assert page.get_by_label(label("Tệp đính kèm")).evaluate("e => e.files.length") == 0  # nothing to choose again
        if javascript:  # (axe needs scripts)
            assert_accessible(page)
        with page.expect_navigation():
            page.get_by_role("button", name="Gửi bổ sung").click()
        expect(page.locator(".notice-success")).to_have_text("Đã ghi nhận thông tin bổ sung của bạn.")
        expect(page.locator("ul.files")).to_contain_text("bien-ban.jpg")
    finally:
        ctx.close()
    from danvan_feedback.models import Attachment, CaseEvent
    with live_app.app_context():
        case = db.session.execute(select(Case).where(Case.tracking_code == code)).scalar_one()
        names = db.session.execute(select(Attachment.original_name).where(Attachment.case_id == case.id)).scalars().all()
        added = db.session.execute(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                           CaseEvent.action == "citizen_added")).scalars().all()
        assert names == ["bien-ban.jpg"] and len(added) == 1
        db.session.remove()


def test_switching_language_keeps_what_was_typed(browser, live_server):
    """Issue 14: switching to English in the middle of a form loses nothing (without JavaScript too)."""
    ctx = browser.new_context(base_url=live_server, java_script_enabled=False, **PHONE)
    page = ctx.new_page()
    try:
        page.goto("/gui/phan_anh")
        page.get_by_label(label("Gửi ẩn danh")).check()
        page.get_by_label(label("Tiêu đề ngắn")).fill("Đèn đường hỏng")
        page.get_by_label(label("Nội dung")).fill("Đèn đường trước số 12 hỏng đã hai tuần.")
        with page.expect_navigation():
            page.get_by_role("navigation", name="Ngôn ngữ").get_by_role("button", name="English").click()
        assert page.evaluate("document.documentElement.lang") == "en"
        expect(page.get_by_label(label("Short title"))).to_have_value("Đèn đường hỏng")
        expect(page.get_by_label(label("Details"))).to_have_value("Đèn đường trước số 12 hỏng đã hai tuần.")
        expect(page.get_by_label(label("Send anonymously"))).to_be_checked()
        expect(page.locator(".error-summary")).to_have_count(0)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        with page.expect_navigation():
            page.get_by_role("navigation", name="Language").get_by_role("button", name="Tiếng Việt").click()
        assert page.evaluate("document.documentElement.lang") == "vi"
        expect(page.get_by_label(label("Tiêu đề ngắn"))).to_have_value("Đèn đường hỏng")
    finally:
        ctx.close()
