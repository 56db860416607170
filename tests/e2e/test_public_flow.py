"""A citizen on a phone: file a complaint with a photo, follow it from another browser, add to it."""
from __future__ import annotations

import io
import re

from PIL import Image
from playwright.sync_api import expect

from .helpers import COMPLAINT, GPS_IFD, fill_complaint, file_complaint, gps_jpeg, label, look_up, submit


def test_complaint_with_photo_then_follow_it_from_another_browser(page, new_context):
    photo = gps_jpeg()
    code, pin = file_complaint(page, photo)
    assert code.startswith("DV-") and pin.isdigit() and len(pin) == 6
    expect(page.get_by_role("heading", level=1)).to_have_text("Đã nhận đơn của bạn")

    # A different browser (no session cookie): only the code and the PIN open the case.
    other = new_context().new_page()
    other.goto("/")
    look_up(other, code, pin)
    other.wait_for_url(f"**/ho-so/{code}")
    expect(other.get_by_role("heading", level=1)).to_contain_text(code)
    expect(other.locator(".facts")).to_contain_text(COMPLAINT["subject"])
    expect(other.locator("#case-status")).to_have_text("Đã tiếp nhận, đang chờ phân loại")
    link = other.locator(".files a")
    expect(link).to_have_count(1)
    expect(link).to_have_text("bien-nhan.jpg")

    with other.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == "bien-nhan.jpg"
    with open(download.path(), "rb") as fh:
        data = fh.read()
    img = Image.open(io.BytesIO(data))
    assert img.format == "JPEG" and img.size == (640, 480)
    assert not img.getexif().get_ifd(GPS_IFD), "the GPS position must be stripped from the stored photo"
    assert 0x010F not in img.getexif(), "the camera EXIF is dropped by the re-encoding too"

    # Add information; it shows up in the public timeline.
    extra = "Bổ sung: số biên lai nộp phạt 0045678, ngày 05/10/2025."
    other.get_by_label(label("Thông tin bổ sung")).fill(extra)
    with other.expect_navigation():
        other.get_by_role("button", name="Gửi bổ sung").click()
    expect(other.get_by_role("status")).to_contain_text("Đã ghi nhận thông tin bổ sung")
    expect(other.locator(".timeline li")).to_have_count(2)
    expect(other.locator(".timeline li").last.locator(".note")).to_have_text(extra)


def test_bad_input_keeps_what_was_typed_and_points_at_the_first_mistake(page):
    page.goto("/gui/khieu_nai")
    fill_complaint(page, {"cccd": "12345"}, consent=False)
    submit(page)

    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    assert summary.evaluate("el => el.getBoundingClientRect().top + window.scrollY") < \
        page.locator("form.case-form").evaluate("el => el.getBoundingClientRect().top + window.scrollY")
    expect(summary.get_by_role("link", name=label("Số căn cước công dân"))).to_have_attribute("href", "#cccd")
    expect(summary.get_by_role("link", name=label("Tôi đã đọc thông báo"))).to_have_attribute("href", "#consent")
    expect(summary).to_contain_text("Số CCCD phải gồm đúng 12 chữ số.")
    expect(summary).to_be_focused()  # the summary at the top, not a field far down the page
    expect(page.locator("#cccd")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#cccd")).to_have_value("12345")
    for name in ("full_name", "address", "email", "subject", "content", "complained_decision", "request_text"):
        expect(page.locator(f"#{name}")).to_have_value(COMPLAINT[name])
    expect(page.locator("#service_id option:checked")).to_have_text(COMPLAINT["service"])
    expect(page.locator("#consent")).not_to_be_checked()

    # The summary's links move to the field.
    summary.get_by_role("link", name=label("Tôi đã đọc thông báo")).click()
    assert page.evaluate("location.hash") == "#consent"


def test_anonymous_suggestion_without_javascript(new_context):
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/")
    page.get_by_role("link", name="Góp ý", exact=True).click()
    page.wait_for_url("**/gui/gop_y")
    page.get_by_label(label("Gửi ẩn danh")).check()
    page.get_by_label(label("Tiêu đề ngắn")).fill("Thêm ghế chờ ở bộ phận một cửa")
    page.get_by_label(label("Nội dung")).fill("Sáng thứ Hai nhiều người phải đứng chờ lâu.")
    submit(page)
    page.wait_for_url("**/bien-nhan")
    expect(page.locator("#tracking-code")).to_have_text(re.compile(r"^DV-"))
    expect(page.locator("#pin")).to_have_text(re.compile(r"^\d{6}$"))
