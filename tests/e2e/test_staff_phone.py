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
