"""Staff journeys on a 390×844 phone: two-factor enrolment with the authenticator on the same phone."""
from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pyotp
from playwright.sync_api import expect
from sqlalchemy import select

from danvan_feedback.extensions import db
from danvan_feedback.models import User
from danvan_feedback.passwords import hash_password
from tests.e2e.test_accessibility import assert_accessible

PASSWORD = "mật khẩu quản trị 2026"
SHOTS = os.environ.get("STAFF_SCREENSHOTS")  # a folder: save phone screenshots there


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"staff-{name}.png"), full_page=True)


def test_two_factor_enrolment_works_on_the_phone_that_holds_the_authenticator(page, live_app):
    with live_app.app_context():
        if db.session.execute(select(User).where(User.username == "qt.phone")).scalar_one_or_none() is None:
            db.session.add(User(username="qt.phone", role="admin", password_hash=hash_password(PASSWORD),
                                totp_secret=None, full_name="Quản trị điện thoại"))
            db.session.commit()
        db.session.remove()
    page.goto("/dang-nhap")
    page.get_by_label("Tên đăng nhập").fill("qt.phone")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/thiet-lap*")
    shot(page, "totp-setup")
    assert_accessible(page)  # includes: nothing wider than the 390 px screen
    # the same phone cannot scan its own screen: a link opens the authenticator app
    link = page.get_by_role("link", name="Thêm vào ứng dụng xác thực")
    uri = link.get_attribute("href")
    assert uri.startswith("otpauth://totp/")
    secret = parse_qs(urlsplit(uri).query)["secret"][0]
    # the secret is shown in groups of four, easy to copy by hand, with a copy button
    shown = page.locator("#totp-secret").inner_text()
    assert re.fullmatch(r"([A-Z2-7]{4} )*[A-Z2-7]{1,4}", shown) and shown.replace(" ", "") == secret
    expect(page.get_by_role("button", name="Sao chép khoá")).to_be_visible()
    box = page.get_by_role("link", name="Thêm vào ứng dụng xác thực").bounding_box()
    assert box["height"] >= 24 and box["width"] >= 24
    page.get_by_label("Mã xác thực 6 số").fill(pyotp.TOTP(secret).now())
    with page.expect_navigation():
        page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_url("**/can-bo/")


def _inspector(live_app, username: str = "tt.phone", role: str = "inspector") -> str:
    secret = pyotp.random_base32()
    with live_app.app_context():
        user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if user is None:
            user = User(username=username, role=role, password_hash=hash_password(PASSWORD),
                        full_name="Thanh tra điện thoại")
            db.session.add(user)
        user.totp_secret, user.totp_last_step = secret, None
        db.session.commit()
        db.session.remove()
    return secret


def _sign_in(page, username: str, secret: str) -> None:
    page.goto("/dang-nhap")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_label("Mã xác thực 6 số").fill(pyotp.TOTP(secret).now())
    with page.expect_navigation():
        page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_url("**/can-bo/")


def test_inbox_on_a_phone_is_a_list_of_tappable_cards(new_context, live_app):
    from tests.e2e.helpers import file_complaint
    citizen = new_context().new_page()
    code, _pin = file_complaint(citizen)
    page = new_context().new_page()
    _sign_in(page, "tt.phone", _inspector(live_app))
    page.goto("/can-bo/hop-thu")
    card = page.locator("table.inbox tr", has=page.get_by_role("link", name=code))
    expect(card).to_be_visible()
    shot(page, "inbox")
    assert_accessible(page)  # no sideways scrolling at 390 px, 0 serious axe issues
    box = card.bounding_box()
    assert box["width"] <= 390 and box["height"] >= 48
    # the staff menu is folded into one line on a phone: the first card starts on the first screen
    menu = page.locator("details.staffmenu")
    expect(menu.get_by_role("link", name="Hộp thư đơn")).to_be_hidden()
    first = page.locator("table.inbox tbody tr").first.bounding_box()
    assert menu.bounding_box()["height"] <= 50 and first["y"] + first["height"] <= 844
    expect(page.locator("nav.staffbar")).to_be_hidden()
    # code, kind, title, deadline and state all within the card, on screen without scrolling sideways
    for cell in ("c-code", "c-kind", "c-title", "c-due", "c-status"):
        b = card.locator(f"td.{cell}").bounding_box()
        assert b is not None and b["x"] >= box["x"] and b["x"] + b["width"] <= box["x"] + box["width"] + 1
    link = card.get_by_role("link", name=code).bounding_box()
    assert link["height"] >= 24
    # the menu opens with a tap (no JavaScript needed: a <details> disclosure), each link a full-width target
    menu.locator("summary").click()
    expect(menu.get_by_role("link", name="Hộp thư đơn")).to_be_visible()
    expect(menu.get_by_role("button", name=re.compile("^Đăng xuất"))).to_be_visible()
    assert_accessible(page)
    menu.locator("summary").click()
    # tapping anywhere on the card (here: its title) opens the case
    card.scroll_into_view_if_needed()
    title = card.locator("td.c-title").bounding_box()
    with page.expect_navigation():
        page.mouse.click(title["x"] + title["width"] / 2, title["y"] + title["height"] / 2)
    assert "/can-bo/ho-so/" in page.url


def test_inbox_search_without_diacritics_puts_the_named_person_first(new_context, live_app):
    """Issue 14: "pham thi hong" finds Phạm Thị Hồng's case first, labelled as a name match, and
    not Trần Thị Bình's whose content says "vi phạm ... không"."""
    from tests.app.test_inbox import seed
    hong = seed(live_app, subject="Đề nghị cấp lại giấy phép kinh doanh", content="Giấy phép bị mất",
                identity={"full_name": "Phạm Thị Hồng", "phone": "0911222444"})
    binh = seed(live_app, subject="Phản ánh vi phạm trật tự", content="Hàng xóm vi phạm, thì không ai xử lý",
                identity={"full_name": "Trần Thị Bình"})
    told = seed(live_app, subject="Phản ánh ô nhiễm", content="Bà Phạm Thị Hồng cho biết nước thải tràn ra")
    page = new_context().new_page()
    _sign_in(page, "tt.phone", _inspector(live_app))
    page.goto("/can-bo/hop-thu?xem=tat-ca")
    page.get_by_label("Tìm theo mã hồ sơ, tên, số điện thoại hoặc nội dung").fill("pham thi hong")
    with page.expect_navigation():
        page.get_by_role("button", name="Tìm", exact=True).click()
    rows = page.locator("table.inbox tbody tr")
    first = rows.nth(0)
    expect(first.get_by_role("link", name=hong)).to_be_visible()
    expect(first.locator("[data-match]")).to_have_text("Khớp: tên")
    expect(rows.nth(1).get_by_role("link", name=told)).to_be_visible()
    expect(rows.nth(1).locator("[data-match]")).to_have_text("Khớp: nội dung")
    expect(page.get_by_role("link", name=binh)).to_have_count(0)
    shot(page, "inbox-search")
    assert_accessible(page)  # the label fits the 390 px card, no serious axe issues
    assert "0911222444" not in page.content() and "Phạm Thị Hồng" not in page.content()


def test_accept_a_case_through_its_action_page_with_a_confirmation(new_context, live_app):
    """Issue 14: the case page offers "Bạn muốn làm gì?"; "Thụ lý" has its own page saying what it
    does, then a confirmation page; after it, the result is in view at the top of the case page."""
    from tests.e2e.helpers import file_complaint
    citizen = new_context().new_page()
    code, _pin = file_complaint(citizen)
    page = new_context().new_page()
    _sign_in(page, "tt.phone", _inspector(live_app))
    page.goto("/can-bo/hop-thu")
    shot(page, "inbox-phone")
    with page.expect_navigation():
        page.get_by_role("link", name=code).click()
    expect(page.locator("#case-status")).to_have_text("Đã tiếp nhận, đang chờ phân loại")
    todo = page.get_by_role("region", name="Bạn muốn làm gì?")
    expect(todo).to_be_visible()
    shot(page, "case-phone")
    assert_accessible(page)
    # no wall of action forms on the case page: each action is a link to its page
    assert page.locator("form[action*='/thao-tac/']").count() == 0
    with page.expect_navigation():
        todo.get_by_role("link", name=re.compile("^Thụ lý")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Thụ lý")
    expect(page.locator("#action-what")).to_contain_text("thời hạn giải quyết theo luật bắt đầu tính")
    page.get_by_label("Tình trạng giải quyết của vụ việc khi nhận đơn").select_option(label="Chưa được giải quyết")
    shot(page, "action-phone")
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Tiếp tục").click()
    expect(page.get_by_role("heading", name="Kiểm tra lại trước khi xác nhận")).to_be_visible()
    expect(page.locator("#confirm-summary")).to_contain_text("Chưa được giải quyết")
    expect(page.locator("#case-status")).to_have_count(0)
    shot(page, "confirm-phone")
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Xác nhận thụ lý").click()
    assert re.search(r"/can-bo/ho-so/\d+$", page.url)
    done = page.locator(".notice-success")
    expect(done).to_have_text("Đã thực hiện: Thụ lý.")
    box = done.bounding_box()
    assert box["y"] + box["height"] <= 844 and page.evaluate("window.scrollY") == 0  # in view, not below the fold
    expect(page.locator("#case-status")).to_contain_text("Đã thụ lý")
    shot(page, "case-after-phone")
    from danvan_feedback.models import Case
    with live_app.app_context():
        case = db.session.execute(select(Case).where(Case.tracking_code == code)).scalar_one()
        assert case.status == "accepted" and case.matter_state == "not_yet"
        db.session.remove()


STAFF_PAGES = ["/can-bo/", "/can-bo/hop-thu", "/can-bo/bao-cao/", "/can-bo/tiep-cong-dan/",
               "/can-bo/tiep-cong-dan/moi", "/can-bo/tiep-cong-dan/doi-thoai", "/can-bo/tiep-cong-dan/buoi-tiep",
               "/can-bo/vao-so-don", "/can-bo/don-chuyen-cho-phuc-dap", "/can-bo/khao-sat/",
               "/can-bo/tiep-cong-dan/doi-thoai/moi", "/can-bo/tiep-cong-dan/buoi-tiep/moi"]


def test_staff_pages_on_a_phone_are_accessible(new_context, live_app):
    """axe: 0 serious or critical (target size included), nothing wider than 390 px, on the pages an
    inspector uses (the case, action and confirmation pages are checked in the test above)."""
    from tests.e2e.helpers import file_complaint
    file_complaint(new_context().new_page())  # the inbox has a row at least
    page = new_context().new_page()
    _sign_in(page, "tt.phone", _inspector(live_app))
    failures = []
    for path in STAFF_PAGES:
        resp = page.goto(path)
        assert resp.status == 200, (path, resp.status)
        try:
            assert_accessible(page)
        except BaseException as exc:  # pytest.fail is a BaseException: collect every page's problems
            failures.append(str(exc))
        shot(page, path.strip("/").replace("/", "-") or "home")
    assert not failures, "\n".join(failures)


ADMIN_PAGES = ["/can-bo/quan-tri/", "/can-bo/quan-tri/cai-dat", "/can-bo/quan-tri/don-vi",
               "/can-bo/quan-tri/don-vi/them", "/can-bo/quan-tri/mau-van-ban", "/can-bo/quan-tri/mau-van-ban/them",
               "/can-bo/quan-tri/ngay-nghi", "/can-bo/quan-tri/nguoi-dung", "/can-bo/quan-tri/nguoi-dung/them",
               "/can-bo/quan-tri/thoi-han", "/can-bo/khao-sat/diem", "/can-bo/khao-sat/phieu",
               "/can-bo/khao-sat/tieu-chi", "/can-bo/mat-khau", "/can-bo/nhap-so-cu/", "/can-bo/bao-cao/da-chot"]


def test_administration_pages_on_a_phone_are_accessible(new_context, live_app):
    """The rest of the console (administration, survey points and questions, old registers, frozen
    reports, new reception records), as an administrator: the same bar as the inspector's pages."""
    page = new_context().new_page()
    _sign_in(page, "qt.a11y", _inspector(live_app, "qt.a11y", "admin"))
    failures = []
    for path in ADMIN_PAGES:
        resp = page.goto(path)
        if resp.status != 200:
            failures.append(f"{path}: HTTP {resp.status}")
            continue
        try:
            assert_accessible(page)
        except BaseException as exc:  # collect every page's problems
            failures.append(str(exc))
        shot(page, path.strip("/").replace("/", "-"))
    assert not failures, "\n".join(failures)
