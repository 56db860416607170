"""The office brings an old letters register in, in the browser at desktop size: upload, the guessed
mapping, a dry run listing the rejected rows, the office's own word mapped, then the confirmed import."""
from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from danvan_feedback.extensions import db
from danvan_feedback.models import Case, Unit, User
from danvan_feedback.passwords import hash_password

PASSWORD = "mật khẩu văn phòng 2026"
DESKTOP = {"viewport": {"width": 1280, "height": 800}, "is_mobile": False, "has_touch": False,
           "device_scale_factor": 1}


@pytest.fixture(scope="module")
def office(live_app):
    with live_app.app_context():
        if db.session.execute(select(User).where(User.username == "vp.e2e")).scalar_one_or_none() is None:
            db.session.add(User(username="vp.e2e", role="office", password_hash=hash_password(PASSWORD),
                                full_name="Văn phòng"))
            db.session.commit()
        unit = db.session.execute(select(Unit.name).order_by(Unit.sort_order)).scalars().first()
        db.session.remove()
    return unit


def register_xlsx(unit: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["SỔ THEO DÕI ĐƠN THƯ"])
    ws.append([])
    ws.append(["STT", "Ngay nhan don", "Ho ten", "Noi dung don", "Loai don", "Don vi xu ly", "Hinh thuc xu ly",
               "Ngay xu ly", "Ket qua giai quyet", "Ngay giai quyet"])
    ws.append([1, "05/03/2024", "E2E Trần A", "E2E khiếu nại quyết định", "Khiếu nại", unit, "Thụ lý",
               "12/03/2024", "Đúng một phần", 45412])
    ws.append([2, 45371, "E2E Lê B", "E2E phản ánh kênh", "PA", "", "Chuyển đơn", "25/03/2024", "", ""])
    ws.append([3, "01/04/2024", "E2E Phạm C", "E2E đề xuất", "Đơn đề xuất", "", "", "", "", ""])
    ws.append([4, "31/02/2024", "E2E Đỗ D", "E2E ngày sai", "Kiến nghị", "", "", "", "", ""])
    ws.append(["Tổng cộng", "", "", "4 đơn"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def imported(live_app) -> int:
    with live_app.app_context():
        n = db.session.execute(select(func.count()).select_from(Case).where(Case.content.like("E2E %"))).scalar_one()
        db.session.remove()
    return n


def test_office_dry_runs_then_confirms_an_import(new_context, live_app, office):
    page = new_context(**DESKTOP).new_page()
    page.goto("/dang-nhap")
    page.get_by_label("Tên đăng nhập").fill("vp.e2e")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/can-bo/")
    page.get_by_role("link", name="Nhập sổ cũ").first.click()
    page.wait_for_url("**/can-bo/nhap-so-cu/")

    page.get_by_label("Sổ theo dõi đơn thư").check()
    page.get_by_label("Tệp sổ").set_input_files(files=[{
        "name": "so-theo-doi-2024.xlsx", "buffer": register_xlsx(office),
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    with page.expect_navigation():
        page.get_by_role("button", name="Tải lên và xem cách ghép cột").click()

    # the guessed mapping: headers without diacritics recognised
    assert page.get_by_label("Ngày nhận đơn (bắt buộc)").input_value() == "1"
    assert page.get_by_label("Kết quả giải quyết").input_value() == "8"
    assert page.get_by_label("Hình thức xử lý").input_value() == "6"
    with page.expect_navigation():
        page.get_by_role("button", name="Chạy thử", exact=True).click()
    assert page.locator("#ket-qua").inner_text() == "Kết quả chạy thử (chưa ghi gì)"
    assert page.locator("#so-moi").inner_text() == "2"
    assert page.locator("#so-loai").inner_text() == "2"
    rejected = page.locator("#dong-bi-loai tbody tr")
    assert rejected.count() == 2
    assert rejected.nth(0).inner_text().split("\t")[:2] == ["6", "Loai don"]
    assert "Ngày không tồn tại" in rejected.nth(1).inner_text()
    assert imported(live_app) == 0                      # a dry run writes nothing

    # the office's word "Đơn đề xuất" is mapped to a kind; dry run again, then confirm
    page.get_by_label("Loại đơn “Đơn đề xuất”").select_option(label="Kiến nghị")
    with page.expect_navigation():
        page.get_by_role("button", name="Chạy thử lại với cách ghép này").click()
    assert page.locator("#so-moi").inner_text() == "3"
    assert page.locator("#dong-bi-loai tbody tr").count() == 1
    with page.expect_navigation():
        page.get_by_role("button", name="Xác nhận nhập 3 dòng").click()
    page.wait_for_selector("text=Đã nhập xong")
    assert page.locator("#ket-qua").inner_text() == "Kết quả nhập"
    assert page.locator("#so-moi").inner_text() == "3"
    assert imported(live_app) == 3
