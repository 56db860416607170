"""What a person does in the browser, shared by the e2e tests."""
from __future__ import annotations

import io
import re

from PIL import Image

GPS_IFD = 0x8825

COMPLAINT = {
    "full_name": "Trần Thị Bình",
    "address": "Ấp 3, Xã Long Thành, Đồng Nai",
    "cccd": "075190001234",
    "phone": "0987654321",
    "email": "binh@example.com",
    "subject": "Khiếu nại quyết định xử phạt số 123/QĐ-XPHC",
    "content": "Tôi đã nộp đủ hồ sơ đúng hạn nhưng vẫn bị xử phạt. Ảnh chụp biên nhận đính kèm.",
    "complained_decision": "Quyết định số 123/QĐ-XPHC ngày 01/10/2025 của Chi cục Trồng trọt và BVTV.",
    "request_text": "Huỷ quyết định xử phạt.",
    "service": "Cấp giấy chứng nhận kiểm dịch động vật",  # seeded by the live server, under its unit
}


def label(text: str) -> re.Pattern:
    """A label whose text starts with ``text`` (labels of required fields end with “(bắt buộc)”)."""
    return re.compile("^" + re.escape(text))


def gps_jpeg() -> bytes:
    """A real photo-like JPEG carrying a camera make and a GPS position (Biên Hòa) in its EXIF."""
    img = Image.new("RGB", (640, 480), (70, 130, 180))
    for x in range(0, 640, 40):
        img.paste((240, 200, 60), (x, 300, x + 20, 480))
    exif = Image.Exif()
    exif[0x010F] = "E2E Camera"
    exif[0x0110] = "Phone 1"
    gps = exif.get_ifd(GPS_IFD)
    gps.update({0: b"\x02\x03\x00\x00", 1: "N", 2: (10.0, 57.0, 12.5), 3: "E", 4: (106.0, 49.0, 3.2)})
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90, exif=exif)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD), "test photo must carry GPS"
    return data


def fill_complaint(page, values: dict | None = None, consent: bool = True) -> None:
    """Fill the khiếu nại form field by field, found by their visible labels."""
    v = {**COMPLAINT, **(values or {})}
    page.get_by_label(label("Họ và tên")).fill(v["full_name"])
    page.get_by_label(label("Địa chỉ liên hệ")).fill(v["address"])
    page.get_by_label(label("Số căn cước công dân")).fill(v["cccd"])
    page.get_by_label(label("Số điện thoại")).fill(v["phone"])
    page.get_by_label(label("Email")).fill(v["email"])
    page.get_by_label(label("Dịch vụ, thủ tục liên quan")).select_option(label=v["service"])
    page.get_by_label(label("Tiêu đề ngắn")).fill(v["subject"])
    page.get_by_label(label("Nội dung")).fill(v["content"])
    page.get_by_label(label("Quyết định hoặc hành vi hành chính bị khiếu nại")).fill(v["complained_decision"])
    page.get_by_label(label("Yêu cầu của người khiếu nại")).fill(v["request_text"])
    if consent:
        page.get_by_label(label("Tôi đã đọc thông báo")).check()


def submit(page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Gửi đơn").click()


def file_complaint(page, photo: bytes | None = None) -> tuple[str, str]:
    """Open the complaint form from home, file it, and return (tracking code, PIN) from the receipt."""
    page.goto("/")
    page.get_by_role("link", name="Khiếu nại", exact=True).click()
    page.wait_for_url("**/gui/khieu_nai")
    fill_complaint(page)
    if photo is not None:
        page.get_by_label(label("Tệp đính kèm")).set_input_files(
            files=[{"name": "bien-nhan.jpg", "mimeType": "image/jpeg", "buffer": photo}])
    submit(page)
    page.wait_for_url("**/bien-nhan")
    return page.locator("#tracking-code").inner_text().strip(), page.locator("#pin").inner_text().strip()


def look_up(page, code: str, secret: str) -> None:
    """From any page, follow the navigation to “Tra cứu hồ sơ” and open a case."""
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Tra cứu hồ sơ").click()
    page.wait_for_url("**/tra-cuu")
    page.get_by_label(label("Mã tra cứu")).fill(code)
    page.get_by_label(label("Mã PIN")).fill(secret)
    with page.expect_navigation():
        page.get_by_role("button", name="Tra cứu").click()


def do_action(page, label_text: str, fill=None, confirm: str | None = None) -> None:
    """On a case page: pick ``label_text`` in "Bạn muốn làm gì?", fill its page (``fill(page)``),
    then either press its button or "Tiếp tục" and the confirmation's ``confirm`` button."""
    todo = page.get_by_role("region", name="Bạn muốn làm gì?")
    with page.expect_navigation():
        todo.get_by_role("link", name=label(label_text)).click()
    if fill is not None:
        fill(page)
    form = page.locator("form.action-page")
    if confirm:
        with page.expect_navigation():
            form.get_by_role("button", name="Tiếp tục").click()
        with page.expect_navigation():
            page.get_by_role("button", name=confirm).click()
    else:
        with page.expect_navigation():
            form.get_by_role("button", name=label_text).click()
    assert page.locator(".notice-success").count() == 1, page.content()[:3000]
