"""The office on a phone: log in, pick "6 tháng đầu năm", read the dashboard, make the XLSX (a job,
run at once here) and download it from the job page."""
from __future__ import annotations

import io
import os

from openpyxl import load_workbook
from playwright.sync_api import expect

from danvan_feedback.extensions import db
from danvan_feedback.models import User
from danvan_feedback.passwords import hash_password

from .test_accessibility import assert_accessible

PASSWORD = "mật khẩu văn phòng 2026"
SHOTS = os.environ.get("REPORTS_SCREENSHOTS")  # a folder: save dashboard screenshots there


def test_office_picks_six_months_and_downloads_xlsx(live_app, new_context):
    with live_app.app_context():
        if db.session.execute(db.select(User).where(User.username == "vanphong_e2e")).scalar_one_or_none() is None:
            db.session.add(User(username="vanphong_e2e", role="office", password_hash=hash_password(PASSWORD),
                                full_name="Văn phòng", totp_secret=None))
            db.session.commit()
    for viewport in ({"width": 390, "height": 844}, {"width": 1280, "height": 800}):
        ctx = new_context(**({"viewport": viewport, "is_mobile": False, "has_touch": False}
                             if viewport["width"] > 400 else {}), accept_downloads=True)
        page = ctx.new_page()
        page.goto("/dang-nhap")
        page.get_by_label("Tên đăng nhập").fill("vanphong_e2e")
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        with page.expect_navigation():  # signed in before the next page is asked for
            page.get_by_role("button", name="Đăng nhập").click()
        page.goto("/can-bo/")
        page.get_by_role("link", name="Báo cáo, thống kê").first.click()
        page.get_by_label("Kỳ báo cáo").select_option(label="6 tháng đầu năm")
        page.get_by_label("Năm").fill("2026")
        page.get_by_role("button", name="Xem số liệu").click()
        expect(page.get_by_role("heading", name="6 tháng đầu năm 2026", exact=False)).to_be_visible()
        expect(page.locator("svg.rchart-svg").first).to_be_visible()
        expect(page.get_by_text("Chỉ số hài lòng (%)")).to_be_visible()
        if SHOTS:
            os.makedirs(SHOTS, exist_ok=True)
            page.screenshot(path=os.path.join(SHOTS, f"dashboard-{viewport['width']}.png"), full_page=True)
        if viewport["width"] == 390:
            assert_accessible(page)
            page.get_by_role("button", name="Tải Excel (XLSX)").click()  # a job, run at once (inline)
            expect(page.get_by_role("heading", name="Tạo tệp báo cáo XLSX")).to_be_visible()
            expect(page.get_by_text("Đã xong")).to_be_visible()
            expect(page.locator("progress")).to_have_attribute("value", "100")
            assert_accessible(page)
            with page.expect_download() as info:
                page.get_by_role("link", name="Tải tệp bao-cao-2026-H1-calendar.xlsx").click()
            download = info.value
            assert download.suggested_filename == "bao-cao-2026-H1-calendar.xlsx"
            wb = load_workbook(io.BytesIO(open(download.path(), "rb").read()))
            assert "02-XLD" in wb.sheetnames and wb["02-XLD"]["A1"].value.startswith("Biểu 02/XLD")
        ctx.close()
