"""A letter on paper, end to end in the browser at phone and desktop size (issue 12): register it with
a scanned PDF, print its receipt slip, accept it and issue a numbered thông báo thụ lý as DOCX.
Pages work without JavaScript, so the test clicks and types like a clerk. Set E2E_SHOTS=<folder> to
keep the screenshots."""
from __future__ import annotations

import io
import os
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pyotp
import pytest
from docx import Document

from danvan_feedback.extensions import db
from danvan_feedback.models import User
from danvan_feedback.passwords import hash_password
from tests.e2e.helpers import do_action
from tests.e2e.test_accessibility import assert_accessible
from tests.e2e.test_triage_flow import DESKTOP, PASSWORD, press, staff_login
from tests.factories import pdf_bytes

SIZES = {"phone": {}, "desktop": DESKTOP}


def shot(page, name: str) -> None:
    folder = os.environ.get("E2E_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def make_inspector(app, name: str) -> str:
    secret = pyotp.random_base32()
    with app.app_context():
        db.session.add(User(username=name, role="inspector", password_hash=hash_password(PASSWORD),
                            totp_secret=secret, full_name="Trần Văn Thư"))
        db.session.commit()
        db.session.remove()
    return secret


def docx_text(download) -> str:
    data = Path(download.path()).read_bytes()
    doc = Document(io.BytesIO(data))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


@pytest.mark.parametrize("size", list(SIZES))
def test_register_a_paper_letter_print_its_slip_and_accept_it_with_a_numbered_notice(new_context, live_app, size):
    user = f"vanthu.{size}"
    secret = make_inspector(live_app, user)
    page = new_context(**SIZES[size], accept_downloads=True).new_page()
    staff_login(page, user, secret)
    page.get_by_role("link", name="Vào sổ đơn").first.click()
    page.wait_for_url("**/can-bo/vao-so-don")
    received = (datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date() - timedelta(days=3))

    # 1. register the letter that came by post, with its scan
    page.locator("#received_on").fill(received.isoformat())
    page.get_by_label("Bưu điện (thư gửi qua bưu chính)").check()
    page.locator("#kind_code").select_option("khieu_nai")
    page.locator("#sender_doc_no").fill("05/ĐKN")
    page.get_by_label("Một người đứng tên").check()
    page.locator("#full_name").fill("Hoàng Thị Thư")
    page.locator("#address").fill("Phường Trấn Biên, Đồng Nai")
    page.locator("#cccd").fill("075190001234")
    page.locator("#phone").fill("0912 345 678")
    page.locator("#subject").fill("Khiếu nại quyết định xử phạt vi phạm hành chính")
    page.locator("#content").fill("Bà Thư không đồng ý với quyết định xử phạt số 12/QĐ-XPHC.")
    page.locator("#complained_decision").fill("Quyết định 12/QĐ-XPHC")
    page.locator("#request_text").fill("Huỷ quyết định")
    page.locator("#attachments").set_input_files(files=[{"name": "don-quet.pdf", "mimeType": "application/pdf",
                                                         "buffer": pdf_bytes()}])
    if size == "phone":
        shot(page, "letters-register-phone")
    with page.expect_navigation():
        page.get_by_role("button", name="Vào sổ và in giấy biên nhận").click()

    # 2. the receipt slip: code, PIN, number from the register, the day received; print it
    page.wait_for_url(re.compile(r".*/can-bo/vao-so-don/\d+/bien-nhan$"))
    code = page.locator("#tracking-code").inner_text().strip()
    assert re.fullmatch(r"\d{6}", page.locator("#pin").inner_text().strip())
    assert re.match(r"Số: \d+/BN", page.locator("#slip-number").inner_text())
    assert page.locator("#slip-received").inner_text() == received.strftime("%d/%m/%Y")
    assert_accessible(page)
    if size == "phone":
        shot(page, "letters-slip-phone")
    page.emulate_media(media="print")
    assert not page.locator("nav.mainnav").is_visible() and page.locator("#slip").is_visible()
    pdf = page.pdf() if size == "desktop" else None  # what the printer gets (headless Chromium)
    assert pdf is None or pdf.startswith(b"%PDF")
    page.emulate_media(media="screen")
    with page.expect_download() as dl:
        page.locator("#slip-docx").click()
    assert code in docx_text(dl.value) and "GIẤY BIÊN NHẬN" in docx_text(dl.value)

    # 3. accept it, then issue the numbered thông báo thụ lý as DOCX
    with page.expect_navigation():
        page.get_by_role("link", name="Mở hồ sơ").click()
    assert page.locator("#clock-accept").is_visible()
    assert received.strftime("%d/%m/%Y") in page.locator("#clock-accept").inner_text()
    # accepted two days ago on paper, entered today: a late entry with its document
    accepted = received + timedelta(days=1)
    def late(p):  # the decision's document, on the accept page
        p.locator("#form-accept summary").click()
        p.locator("#accept-doc_no_decision").fill(f"{size}-01/TB-TTr")
        p.locator("#accept-signed_on").fill(accepted.isoformat())
        p.locator("#accept-effective_on").fill(accepted.isoformat())
    do_action(page, "Thụ lý", late, confirm="Xác nhận thụ lý")
    assert "Đã thụ lý" in page.locator("#case-status").inner_text()
    late = page.locator(".late-entry")
    assert late.count() == 1 and accepted.strftime("%d/%m/%Y") in late.inner_text()
    if size == "phone":
        late.scroll_into_view_if_needed()
        shot(page, "letters-late-entry-phone")
    page.locator("#issue-doc_type").select_option("tb_thu_ly")
    page.locator("#issue-signer").fill("Chánh Thanh tra Nguyễn Văn Ký")
    press(page, "form-issue_document", "Ban hành văn bản (DOCX)")
    link = page.locator("#documents a", has_text="Thông báo thụ lý")
    assert re.search(r"số \d+/TB", link.inner_text())
    if size == "phone":
        shot(page, "letters-case-phone")
    with page.expect_download() as dl:
        link.click()
    text = docx_text(dl.value)
    assert "THÔNG BÁO" in text and "thụ lý giải quyết khiếu nại" in text and "Hoàng Thị Thư" in text
    assert "Chánh Thanh tra Nguyễn Văn Ký" in text and code in text
    assert f"từ ngày {accepted.strftime('%d/%m/%Y')}" in text  # thụ lý on its effective date
    assert_accessible(page)


def test_screens_of_the_other_new_pages_on_a_phone(new_context, live_app):
    secret = make_inspector(live_app, "vanthu.screens")
    page = new_context().new_page()
    staff_login(page, "vanthu.screens", secret)
    for path, name in (("/can-bo/tiep-cong-dan/buoi-tiep/moi", "sessions-new-phone"),
                       ("/can-bo/don-chuyen-cho-phuc-dap", "awaiting-reply-phone")):
        page.goto(path)
        assert page.locator("h1").is_visible()
        assert_accessible(page)
        shot(page, name)
