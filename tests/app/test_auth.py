"""Staff login: password + TOTP, lockout, logout that kills copied cookies, idle expiry, next."""
from __future__ import annotations

import re

from datetime import datetime, timedelta, timezone

import pyotp
import pytest
from sqlalchemy import select

from danvan_feedback.extensions import db
from danvan_feedback.models import OrgSetting, User
from tests.app.staff_helpers import PASSWORD, csrf, login, make_user, totp_code

REFUSED = "Tên đăng nhập hoặc mật khẩu không đúng"


def post_login(client, username, password):
    return client.post("/dang-nhap", data={"csrf_token": csrf(client, "/dang-nhap"),
                                           "username": username, "password": password})


def test_inspector_needs_password_then_totp(client, app):
    user = make_user(app, "thanhtra", "inspector")
    resp = post_login(client, "thanhtra", PASSWORD)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/dang-nhap/xac-thuc")
    assert client.get("/can-bo/").status_code == 302  # not logged in before the second factor
    wrong = client.post("/dang-nhap/xac-thuc", data={"csrf_token": csrf(client, "/dang-nhap/xac-thuc"), "code": "000000"})
    assert wrong.status_code == 422 and "Mã xác thực không đúng" in wrong.get_data(as_text=True)
    code = totp_code(user)
    ok = client.post("/dang-nhap/xac-thuc", data={"csrf_token": csrf(client, "/dang-nhap/xac-thuc"), "code": code})
    assert ok.status_code == 302 and ok.headers["Location"].endswith("/can-bo/")
    page = client.get("/can-bo/")
    assert page.status_code == 200 and "Thanh tra Sở" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    # the same code cannot be used twice (single use)
    other = app.test_client()
    post_login(other, "thanhtra", PASSWORD)
    again = other.post("/dang-nhap/xac-thuc", data={"csrf_token": csrf(other, "/dang-nhap/xac-thuc"), "code": code})
    assert again.status_code == 422


def test_role_without_required_totp_logs_in_with_password(client, app):
    make_user(app, "vanphong", "office", totp=False)
    resp = post_login(client, "vanphong", PASSWORD)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/can-bo/")


def test_required_totp_is_enrolled_on_first_login(client, app):
    make_user(app, "quantri", "admin", totp=False)
    resp = post_login(client, "quantri", PASSWORD)
    assert resp.headers["Location"].endswith("/dang-nhap/thiet-lap-xac-thuc")
    page = client.get("/dang-nhap/thiet-lap-xac-thuc").get_data(as_text=True)
    secret = re.search(r'id="totp-secret" data-secret="([A-Z2-7]+)"', page).group(1)
    assert f"secret={secret}" in page  # the otpauth:// link, for an authenticator on the same phone
    assert "data:image/svg+xml" in page
    bad = client.post("/dang-nhap/thiet-lap-xac-thuc", data={"csrf_token": csrf(client, "/dang-nhap/thiet-lap-xac-thuc"), "code": "123"})
    assert bad.status_code == 422
    ok = client.post("/dang-nhap/thiet-lap-xac-thuc", data={"csrf_token": csrf(client, "/dang-nhap/thiet-lap-xac-thuc"),
                                                            "code": pyotp.TOTP(secret).now()})
    assert ok.status_code == 302
    with app.app_context():
        assert db.session.execute(select(User.totp_secret).where(User.username == "quantri")).scalar_one() == secret


def test_wrong_password_unknown_user_and_lockout_look_the_same(client, app):
    make_user(app, "donvi", "unit", totp=False)
    for name, pw in (("donvi", "sai mật khẩu rồi"), ("khongco", PASSWORD)):
        resp = post_login(client, name, pw)
        assert resp.status_code == 422 and REFUSED in resp.get_data(as_text=True)
        assert f'value="{name}"' in resp.get_data(as_text=True)  # the username is kept
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        post_login(client, "donvi", "sai mật khẩu rồi")
    resp = post_login(client, "donvi", PASSWORD)  # right password, but locked
    assert resp.status_code == 422 and REFUSED in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(User.locked_until).where(User.username == "donvi")).scalar_one() is not None


def test_logout_invalidates_a_copied_cookie(client, app):
    user = make_user(app, "thanhtra", "inspector")
    login(client, user)
    stolen = client.get_cookie("dv_session").value
    thief = app.test_client()
    thief.set_cookie("dv_session", stolen)
    assert thief.get("/can-bo/").status_code == 200
    client.post("/dang-xuat", data={"csrf_token": csrf(client, "/can-bo/")})
    assert client.get("/can-bo/").status_code == 302
    assert thief.get("/can-bo/").status_code == 302  # the copy died with the logout


def test_idle_session_expires(client, app):
    user = make_user(app, "vp", "office", totp=False)
    login(client, user)
    with client.session_transaction() as sess:
        sess["last_seen"] = (datetime.now(timezone.utc) - timedelta(minutes=app.config["STAFF_IDLE_MINUTES"] + 1)).isoformat()
    resp = client.get("/can-bo/")
    assert resp.status_code == 302 and "/dang-nhap" in resp.headers["Location"]
    assert client.get("/can-bo/").status_code == 302


@pytest.mark.parametrize("target,expected", [
    ("/can-bo/mat-khau", "/can-bo/mat-khau"), ("https://evil.example/x", "/can-bo/"),
    ("//evil.example", "/can-bo/"), ("/\\evil.example", "/can-bo/"), ("javascript:alert(1)", "/can-bo/")])
def test_next_is_local_only(client, app, target, expected):
    make_user(app, "vp", "office", totp=False)
    client.get("/dang-nhap", query_string={"next": target})
    resp = post_login(client, "vp", PASSWORD)
    assert resp.headers["Location"] == expected


def test_password_change(client, app):
    user = make_user(app, "vp", "office", totp=False)
    login(client, user)
    token = csrf(client, "/can-bo/mat-khau")
    bad = client.post("/can-bo/mat-khau", data={"csrf_token": token, "current": "sai", "new": "ngắn", "confirm": "khác"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "12 đến 128" in html and "không khớp" in html
    bad = client.post("/can-bo/mat-khau", data={"csrf_token": token, "current": "sai rồi nhé", "new": "một câu mật khẩu mới", "confirm": "một câu mật khẩu mới"})
    assert bad.status_code == 422 and "Mật khẩu hiện tại không đúng" in bad.get_data(as_text=True)
    ok = client.post("/can-bo/mat-khau", data={"csrf_token": token, "current": PASSWORD, "new": "một câu mật khẩu mới", "confirm": "một câu mật khẩu mới"})
    assert ok.status_code == 302 and client.get("/can-bo/").status_code == 200
    assert post_login(app.test_client(), "vp", PASSWORD).status_code == 422
    assert post_login(app.test_client(), "vp", "một câu mật khẩu mới").status_code == 302


def test_login_requires_csrf(client, app):
    make_user(app, "vp", "office", totp=False)
    resp = client.post("/dang-nhap", data={"username": "vp", "password": PASSWORD})
    assert resp.status_code == 400 and "mã bảo vệ" in resp.get_data(as_text=True)


def test_totp_roles_are_data(client, app):
    with app.app_context():
        db.session.merge(OrgSetting(key="totp_required_roles", value="admin"))
        db.session.commit()
    try:
        make_user(app, "tt", "inspector", totp=False)
        assert post_login(client, "tt", PASSWORD).headers["Location"].endswith("/can-bo/")
    finally:  # org_settings is reference data, kept between PostgreSQL tests: put the default back
        with app.app_context():
            db.session.delete(db.session.get(OrgSetting, "totp_required_roles"))
            db.session.commit()
