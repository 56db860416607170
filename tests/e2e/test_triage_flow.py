"""An inspector handles a complaint filed through the public form, end to end in the browser."""
from __future__ import annotations


import pyotp
import pytest
from sqlalchemy import select

from danvan_feedback.extensions import db
from danvan_feedback.models import Unit, User
from danvan_feedback.passwords import hash_password
from tests.e2e.helpers import do_action, file_complaint, look_up

PASSWORD = "mật khẩu thanh tra 2026"
DESKTOP = {"viewport": {"width": 1280, "height": 800}, "is_mobile": False, "has_touch": False,
           "device_scale_factor": 1}


@pytest.fixture(scope="module")
def staff(live_app):
    secret = pyotp.random_base32()
    with live_app.app_context():
        units = {u.code: u.id for u in db.session.execute(select(Unit)).scalars()}
        pw = hash_password(PASSWORD)
        for name, role, unit, totp in (("tt.e2e", "inspector", None, secret), ("cctt.e2e", "unit", "CCTT", None),
                                       ("cckl.e2e", "unit", "CCKL", None)):
            if db.session.execute(select(User).where(User.username == name)).scalar_one_or_none() is None:
                db.session.add(User(username=name, role=role, unit_id=units.get(unit), password_hash=pw,
                                    totp_secret=totp, full_name=name))
        db.session.commit()
        db.session.remove()
    return {"secret": secret}


def staff_login(page, username: str, secret: str | None = None):
    page.goto("/dang-nhap")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Đăng nhập").click()
    if secret:
        page.wait_for_url("**/dang-nhap/xac-thuc")
        page.get_by_label("Mã xác thực 6 số").fill(pyotp.TOTP(secret).now())
        with page.expect_navigation():
            page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_url("**/can-bo/")


def press(page, form_id: str, button: str):
    with page.expect_navigation():
        page.locator(f"#{form_id}").get_by_role("button", name=button).click()
    assert page.locator(".notice-success").count() == 1, page.content()[:3000]


def test_inspector_handles_a_complaint_and_the_citizen_sees_the_reply(new_context, staff):
    citizen = new_context().new_page()
    code, pin = file_complaint(citizen)

    inspector = new_context(**DESKTOP).new_page()
    staff_login(inspector, "tt.e2e", staff["secret"])
    inspector.goto("/can-bo/hop-thu")
    inspector.locator("#q").fill(code.lower().replace("-", " "))
    with inspector.expect_navigation():
        inspector.get_by_role("button", name="Tìm").first.click()
    with inspector.expect_navigation():
        inspector.get_by_role("link", name=code).click()
    assert inspector.locator("#case-status").inner_text() == "Đã tiếp nhận, đang chờ phân loại"

    do_action(inspector, "Thụ lý", confirm="Xác nhận thụ lý")
    assert "Đã thụ lý" in inspector.locator("#case-status").inner_text()
    do_action(inspector, "Giao xử lý", lambda p: p.locator("#assign-unit_id").select_option(
        label="Chi cục Trồng trọt và Bảo vệ thực vật"))
    assert inspector.locator("#case-status").inner_text() == "Đang xử lý"
    do_action(inspector, "Trả lời công dân", lambda p: p.locator("#reply-text").fill(
        "Sở đã làm việc với Chi cục; kết quả sẽ có trong tuần tới."), confirm="Xác nhận gửi trả lời")

    def outcome(p):
        p.locator("#record_outcome-outcome").select_option(label="Đúng một phần")
        p.locator("#record_outcome-summary").fill("Khiếu nại đúng một phần; quyết định được sửa đổi.")
    do_action(inspector, "Ghi kết quả", outcome, confirm="Xác nhận ghi kết quả")
    do_action(inspector, "Kết thúc", confirm="Xác nhận kết thúc")
    assert inspector.locator("#case-status").inner_text() == "Đã kết thúc"
    case_url = inspector.url.split("#")[0]

    fresh = new_context().new_page()
    fresh.goto("/")
    look_up(fresh, code, pin)
    body = fresh.locator("main").inner_text()
    assert "Sở đã làm việc với Chi cục; kết quả sẽ có trong tuần tới." in body
    assert "Khiếu nại đúng một phần; quyết định được sửa đổi." in body and "Đã kết thúc" in body

    other_unit = new_context(**DESKTOP).new_page()
    staff_login(other_unit, "cckl.e2e")
    resp = other_unit.goto(case_url)
    assert resp.status == 404 and code not in other_unit.content()
    own_unit = new_context(**DESKTOP).new_page()
    staff_login(own_unit, "cctt.e2e")
    assert own_unit.goto(case_url).status == 200
