"""The public form's "use my location" in a real browser: granted, refused, removed, and the form
without JavaScript (the box stays hidden; the commune choice does the job)."""
from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from danvan_feedback.extensions import db
from danvan_feedback.models import Case

from .helpers import fill_complaint, label, submit


def stored_point(app, code: str):
    with app.app_context():
        case = db.session.execute(select(Case).where(Case.tracking_code == code)).scalar_one()
        point = (case.latitude, case.longitude, case.commune_id)
        db.session.remove()
        return point


def test_use_my_location_fills_the_point_and_can_be_removed(new_context, live_app):
    ctx = new_context(geolocation={"latitude": 10.9574, "longitude": 106.8427, "accuracy": 12},
                      permissions=["geolocation"])
    page = ctx.new_page()
    page.goto("/gui/khieu_nai")
    fill_complaint(page)
    button = page.get_by_role("button", name="Dùng vị trí của tôi")
    expect(button).to_be_visible()
    expect(page.get_by_role("button", name="Bỏ vị trí")).to_be_hidden()
    button.click()
    status = page.locator("#locate-status")
    expect(status).to_have_text("Đã ghi vị trí: 10.957400, 106.842700 (sai số khoảng 12 m).")
    page.get_by_role("button", name="Bỏ vị trí").click()
    expect(status).to_have_text("Đã bỏ vị trí.")
    assert page.locator("#latitude").input_value() == ""
    button.click()
    expect(status).to_contain_text("Đã ghi vị trí")
    submit(page)
    page.wait_for_url("**/bien-nhan")
    code = page.locator("#tracking-code").inner_text().strip()
    assert stored_point(live_app, code)[:2] == (10.9574, 106.8427)


def test_refused_permission_says_so(new_context):
    ctx = new_context()  # no geolocation permission granted
    page = ctx.new_page()
    page.goto("/gui/phan_anh")
    page.get_by_role("button", name="Dùng vị trí của tôi").click()
    expect(page.locator("#locate-status")).to_have_text(re.compile("Bạn chưa cho phép lấy vị trí|Không lấy được vị trí"))
    assert page.locator("#latitude").input_value() == ""


def test_without_javascript_the_commune_choice_works(new_context, live_app):
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/gui/khieu_nai")
    expect(page.locator("#locate")).to_be_hidden()
    fill_complaint(page)
    page.get_by_label(label("Xã, phường nơi xảy ra sự việc")).select_option(index=1)
    submit(page)
    page.wait_for_url("**/bien-nhan")
    code = page.locator("#tracking-code").inner_text().strip()
    lat, lon, commune_id = stored_point(live_app, code)
    assert (lat, lon) == (None, None) and commune_id is not None
