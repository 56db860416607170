"""The administration screens: the happy path of each and the bad input each must refuse.

On PostgreSQL the reference tables (units, org_settings, deadline_rules, case_kinds, communes) are
not truncated between tests, so ``restore_reference`` puts them back as they were after every test.
"""
from __future__ import annotations

import logging
from datetime import date

import pytest
from sqlalchemy import delete, select, update

from danvan_feedback.extensions import db
from danvan_feedback.models import (DeadlineRule, HolidayOverride, OrgSetting, ReplyTemplate, Service, Unit,
                                    User)
from danvan_feedback.passwords import verify_password
from tests.app.staff_helpers import PASSWORD, csrf, login, make_user

A = "/can-bo/quan-tri"
REFERENCE = ("units", "org_settings", "deadline_rules", "case_kinds", "communes")


@pytest.fixture(autouse=True)
def restore_reference(app):
    """Snapshot the reference tables, and after the test delete added rows and restore changed ones."""
    tables = {name: db.metadata.tables[name] for name in REFERENCE}
    with app.app_context():
        snap = {name: [dict(r) for r in db.session.execute(select(t)).mappings()] for name, t in tables.items()}
    yield
    with app.app_context():
        session = db.session
        session.rollback()
        for name, table in tables.items():
            pk = list(table.primary_key.columns)
            key = (lambda row, pk=pk: tuple(row[c.name] for c in pk))
            before = {key(r): r for r in snap[name]}
            now = [dict(r) for r in session.execute(select(table)).mappings()]
            added = [r for r in now if key(r) not in before]
            if name == "units" and added:
                ids = [r["id"] for r in added]
                session.execute(update(User).where(User.unit_id.in_(ids)).values(unit_id=None))
                session.execute(delete(Service).where(Service.unit_id.in_(ids)))
                session.execute(update(table).where(table.c.id.in_(ids)).values(parent_id=None))
            for r in added:
                session.execute(delete(table).where(*(c == r[c.name] for c in pk)))
            for r in snap[name]:
                if r not in now:
                    session.execute(update(table).where(*(c == r[c.name] for c in pk)).values(**r))
        session.commit()
        for name, table in tables.items():
            now = [dict(r) for r in session.execute(select(table)).mappings()]
            assert sorted(map(repr, now)) == sorted(map(repr, snap[name])), f"{name} not restored"


@pytest.fixture
def admin(app, client):
    user = make_user(app, "quantri", "admin")
    login(client, user)
    return user


def post(client, url, data, token_url=None):
    return client.post(url, data={"csrf_token": csrf(client, token_url or url), **data})


def text(resp) -> str:
    return resp.get_data(as_text=True)


def get_user(app, username):
    with app.app_context():
        user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
        db.session.expunge_all()
        return user


def unit_id(app, code):
    with app.app_context():
        return db.session.execute(select(Unit.id).where(Unit.code == code)).scalar_one()


# --------------------------------------------------------------------------- menu and home

def test_admin_sees_the_admin_menu_and_others_do_not(app, client, admin):
    home = text(client.get("/can-bo/"))
    assert f'href="{A}/"' in home and "Quản trị" in home
    page = client.get(f"{A}/")
    assert page.status_code == 200 and "Thời hạn luật định" in text(page)
    other = app.test_client()
    login(other, make_user(app, "thanhtra", "inspector"))
    assert f'href="{A}/"' not in text(other.get("/can-bo/"))


# --------------------------------------------------------------------------- users

NEW_USER = {"username": "canbo.kl", "full_name": "Trần Thị Kiểm Lâm", "email": "kl@example.vn", "role": "unit",
            "unit_id": "", "password": "một mật khẩu đủ dài"}


def test_create_user(app, client, admin, caplog):
    data = {**NEW_USER, "unit_id": str(unit_id(app, "CCKL"))}
    with caplog.at_level(logging.INFO):
        resp = post(client, f"{A}/nguoi-dung/them", data)
    assert resp.status_code == 302
    user = get_user(app, "canbo.kl")
    assert user.role == "unit" and user.unit_id == unit_id(app, "CCKL") and user.active
    assert user.password_hash != data["password"] and verify_password(user.password_hash, data["password"])
    assert "canbo.kl" in text(client.get(f"{A}/nguoi-dung"))
    logged = [r.getMessage() for r in caplog.records if "admin_change" in r.getMessage()]
    assert len(logged) == 1 and '"action": "user_create"' in logged[0]
    assert data["password"] not in caplog.text
    # the new user can log in with the initial password (unit role: no TOTP required by default)
    other = app.test_client()
    resp = other.post("/dang-nhap", data={"csrf_token": csrf(other, "/dang-nhap"), "username": "canbo.kl",
                                          "password": data["password"]})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/can-bo/")


@pytest.mark.parametrize("change, field, message", [
    ({"password": "ngắn quá"}, "password", "Mật khẩu phải từ 12 đến 128 ký tự."),
    ({"password": "x" * 129}, "password", "Mật khẩu phải từ 12 đến 128 ký tự."),
    ({"unit_id": ""}, "unit_id", "Cán bộ đơn vị phải thuộc một đơn vị"),
    ({"username": "có dấu"}, "username", "Tên đăng nhập gồm 3 đến 64 ký tự"),
    ({"username": "QUANTRI"}, "username", "đã có người dùng"),
    ({"role": "superuser"}, "role", "Lựa chọn không hợp lệ"),
    ({"unit_id": "999999"}, "unit_id", "Lựa chọn không hợp lệ"),
    ({"unit_id": "abc"}, "unit_id", "Lựa chọn không hợp lệ"),
    ({"email": "không phải email"}, "email", "Địa chỉ thư điện tử không đúng định dạng."),
    ({"full_name": ""}, "full_name", "Vui lòng điền mục này."),
])
def test_create_user_refuses_bad_input(app, client, admin, change, field, message):
    data = {**NEW_USER, "unit_id": str(unit_id(app, "CCKL")), **change}
    resp = post(client, f"{A}/nguoi-dung/them", data)
    body = text(resp)
    assert resp.status_code == 422 and message in body
    assert 'class="error-summary"' in body and f'href="#{field}"' in body
    assert f'value="{NEW_USER["full_name"]}"' in body or field == "full_name"  # what was typed is kept
    assert data["password"] not in body  # but never the password
    with app.app_context():
        assert db.session.execute(select(User).where(User.full_name == NEW_USER["full_name"])).first() is None


def edit_data(user: User, **change) -> dict:
    data = {"full_name": user.full_name, "email": user.email or "", "role": user.role,
            "unit_id": str(user.unit_id or ""), "active": "y" if user.active else ""}
    data.update(change)
    return {k: v for k, v in data.items() if not (k == "active" and v == "")}


def test_change_role_ends_the_users_sessions(app, client, admin):
    officer = make_user(app, "vanphong", "office", totp=False)
    theirs = app.test_client()
    login(theirs, officer)
    assert theirs.get("/can-bo/").status_code == 200
    user = get_user(app, "vanphong")
    resp = post(client, f"{A}/nguoi-dung/{user.id}", edit_data(user, role="viewer"))
    assert resp.status_code == 302
    assert "kết thúc" in text(client.get(resp.headers["Location"]))
    after = get_user(app, "vanphong")
    assert after.role == "viewer" and after.session_version == user.session_version + 1
    assert theirs.get("/can-bo/").status_code == 302  # their cookie no longer works


def test_deactivate_user_ends_sessions_and_blocks_login(app, client, admin):
    officer = make_user(app, "vanphong", "office", totp=False)
    theirs = app.test_client()
    login(theirs, officer)
    user = get_user(app, "vanphong")
    assert post(client, f"{A}/nguoi-dung/{user.id}", edit_data(user, active="")).status_code == 302
    assert get_user(app, "vanphong").active is False
    assert theirs.get("/can-bo/").status_code == 302
    again = app.test_client()
    resp = again.post("/dang-nhap", data={"csrf_token": csrf(again, "/dang-nhap"), "username": "vanphong",
                                          "password": PASSWORD})
    assert resp.status_code == 422


def test_editing_only_the_name_keeps_sessions(app, client, admin):
    make_user(app, "vanphong", "office", totp=False)
    user = get_user(app, "vanphong")
    assert post(client, f"{A}/nguoi-dung/{user.id}", edit_data(user, full_name="Tên Mới")).status_code == 302
    after = get_user(app, "vanphong")
    assert after.full_name == "Tên Mới" and after.session_version == user.session_version


@pytest.mark.parametrize("change, message", [
    ({"role": "inspector"}, "Bạn không thể tự hạ vai trò quản trị"),
    ({"active": ""}, "Bạn không thể tự khoá tài khoản"),
])
def test_admin_cannot_demote_or_deactivate_themself(app, client, admin, change, message):
    me = get_user(app, "quantri")
    resp = post(client, f"{A}/nguoi-dung/{me.id}", edit_data(me, **change))
    assert resp.status_code == 422 and message in text(resp)
    after = get_user(app, "quantri")
    assert after.role == "admin" and after.active and after.session_version == me.session_version
    assert client.get(f"{A}/").status_code == 200  # still logged in


def test_admin_changing_their_own_unit_stays_logged_in(app, client, admin):
    me = get_user(app, "quantri")
    resp = post(client, f"{A}/nguoi-dung/{me.id}", edit_data(me, unit_id=str(unit_id(app, "VP"))))
    assert resp.status_code == 302
    assert get_user(app, "quantri").unit_id == unit_id(app, "VP")
    assert client.get(f"{A}/").status_code == 200


def test_edit_user_refuses_unit_role_without_unit(app, client, admin):
    make_user(app, "vanphong", "office", totp=False)
    user = get_user(app, "vanphong")
    resp = post(client, f"{A}/nguoi-dung/{user.id}", edit_data(user, role="unit", unit_id=""))
    assert resp.status_code == 422 and "Cán bộ đơn vị phải thuộc một đơn vị" in text(resp)
    assert get_user(app, "vanphong").role == "office"


def test_reset_password(app, client, admin):
    officer = make_user(app, "vanphong", "office", totp=False)
    theirs = app.test_client()
    login(theirs, officer)
    user = get_user(app, "vanphong")
    url = f"{A}/nguoi-dung/{user.id}/mat-khau"
    short = post(client, url, {"new": "ngắn", "confirm": "ngắn"}, token_url=f"{A}/nguoi-dung/{user.id}")
    assert short.status_code == 422 and "Mật khẩu phải từ 12 đến 128 ký tự." in text(short)
    mismatch = post(client, url, {"new": "mật khẩu mới đủ dài", "confirm": "khác hẳn rồi đấy"},
                    token_url=f"{A}/nguoi-dung/{user.id}")
    assert mismatch.status_code == 422 and "không khớp" in text(mismatch)
    assert verify_password(get_user(app, "vanphong").password_hash, PASSWORD)
    ok = post(client, url, {"new": "mật khẩu mới đủ dài", "confirm": "mật khẩu mới đủ dài"},
              token_url=f"{A}/nguoi-dung/{user.id}")
    assert ok.status_code == 302
    after = get_user(app, "vanphong")
    assert verify_password(after.password_hash, "mật khẩu mới đủ dài")
    assert after.session_version == user.session_version + 1
    assert theirs.get("/can-bo/").status_code == 302


def test_admin_cannot_reset_their_own_password_or_totp_here(app, client, admin):
    me = get_user(app, "quantri")
    resp = post(client, f"{A}/nguoi-dung/{me.id}/mat-khau", {"new": "mật khẩu mới đủ dài", "confirm": "mật khẩu mới đủ dài"},
                token_url=f"{A}/nguoi-dung/{me.id}")
    assert resp.status_code == 422 and "Đổi mật khẩu" in text(resp)
    resp = post(client, f"{A}/nguoi-dung/{me.id}/xac-thuc-hai-lop", {}, token_url=f"{A}/nguoi-dung/{me.id}")
    assert resp.status_code == 302
    after = get_user(app, "quantri")
    assert after.totp_secret == me.totp_secret and verify_password(after.password_hash, PASSWORD)


def test_reset_totp_makes_the_user_enrol_again(app, client, admin):
    inspector = make_user(app, "thanhtra", "inspector")
    user = get_user(app, "thanhtra")
    assert user.totp_secret
    resp = post(client, f"{A}/nguoi-dung/{user.id}/xac-thuc-hai-lop", {}, token_url=f"{A}/nguoi-dung/{user.id}")
    assert resp.status_code == 302
    after = get_user(app, "thanhtra")
    assert after.totp_secret is None and after.totp_last_step is None
    assert after.session_version == user.session_version + 1
    theirs = app.test_client()
    resp = theirs.post("/dang-nhap", data={"csrf_token": csrf(theirs, "/dang-nhap"), "username": inspector["username"],
                                           "password": PASSWORD})
    assert resp.headers["Location"].endswith("/dang-nhap/thiet-lap-xac-thuc")


@pytest.mark.parametrize("url", ["/nguoi-dung/999999", "/don-vi/999999", "/don-vi/999999/dich-vu/them",
                                 "/dich-vu/999999", "/mau-van-ban/999999", "/thoi-han/999999"])
def test_unknown_ids_are_404(client, admin, url):
    assert client.get(A + url).status_code == 404


@pytest.mark.parametrize("url", ["/nguoi-dung/999999/mat-khau", "/nguoi-dung/999999/xac-thuc-hai-lop",
                                 "/ngay-nghi/2027-01-02/xoa", "/ngay-nghi/khong-phai-ngay/xoa"])
def test_unknown_ids_are_404_on_actions(client, admin, url):
    assert post(client, A + url, {}, token_url=f"{A}/").status_code == 404


def test_missing_csrf_changes_nothing(app, client, admin):
    make_user(app, "vanphong", "office", totp=False)
    user = get_user(app, "vanphong")
    resp = client.post(f"{A}/nguoi-dung/{user.id}", data=edit_data(user, role="viewer"))
    assert resp.status_code == 400 and "hết hạn" in text(resp)
    assert get_user(app, "vanphong").role == "office"


# --------------------------------------------------------------------------- units and services

UNIT = {"code": "KT-ADMIN", "name": "Phòng Kiểm thử", "unit_type": "department", "parent_id": "",
        "sort_order": "200", "active": "y"}


def test_create_and_edit_unit(app, client, admin):
    resp = post(client, f"{A}/don-vi/them", UNIT)
    assert resp.status_code == 302
    uid = unit_id(app, "KT-ADMIN")
    assert "Phòng Kiểm thử" in text(client.get(f"{A}/don-vi"))
    parent = unit_id(app, "VP")
    resp = post(client, f"{A}/don-vi/{uid}", {**UNIT, "name": "Phòng Kiểm thử 2", "parent_id": str(parent),
                                              "sort_order": "5"})
    assert resp.status_code == 302
    with app.app_context():
        unit = db.session.get(Unit, uid)
        assert (unit.name, unit.parent_id, unit.sort_order, unit.active) == ("Phòng Kiểm thử 2", parent, 5, True)


@pytest.mark.parametrize("change, message", [
    ({"code": "cckl"}, "đã được dùng cho đơn vị khác"),  # duplicate code, any case
    ({"code": "có dấu"}, "Mã gồm 1 đến 32 ký tự"),
    ({"sort_order": "-1"}, "từ 0 đến 100000"),
    ({"sort_order": "1.5"}, "số nguyên"),
    ({"unit_type": "khac"}, "Lựa chọn không hợp lệ"),
    ({"parent_id": "999999"}, "Lựa chọn không hợp lệ"),
    ({"name": ""}, "Vui lòng điền mục này."),
])
def test_create_unit_refuses_bad_input(app, client, admin, change, message):
    resp = post(client, f"{A}/don-vi/them", {**UNIT, **change})
    assert resp.status_code == 422 and message in text(resp)
    with app.app_context():
        assert db.session.execute(select(Unit).where(Unit.name == UNIT["name"])).first() is None


def test_unit_cannot_be_its_own_ancestor(app, client, admin):
    post(client, f"{A}/don-vi/them", UNIT)
    child = {**UNIT, "code": "KT-CON", "name": "Tổ con", "parent_id": str(unit_id(app, "KT-ADMIN"))}
    assert post(client, f"{A}/don-vi/them", child).status_code == 302
    parent_id = unit_id(app, "KT-ADMIN")
    resp = post(client, f"{A}/don-vi/{parent_id}", {**UNIT, "parent_id": str(unit_id(app, "KT-CON"))})
    assert resp.status_code == 422 and "đơn vị cấp dưới" in text(resp)


def test_edit_unit_refuses_duplicate_code(app, client, admin):
    uid = unit_id(app, "CCKL")
    resp = post(client, f"{A}/don-vi/{uid}", {**UNIT, "code": "VP", "name": "Chi cục Kiểm lâm"})
    assert resp.status_code == 422 and "đã được dùng cho đơn vị khác" in text(resp)
    assert 'value="VP"' in text(resp)
    with app.app_context():
        assert db.session.get(Unit, uid).code == "CCKL"


def test_services_create_edit_deactivate(app, client, admin):
    uid = unit_id(app, "CCKL")
    resp = post(client, f"{A}/don-vi/{uid}/dich-vu/them", {"code": "KL-01", "name": "Cấp phép khai thác gỗ", "active": "y"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/don-vi/{uid}")
    assert "Cấp phép khai thác gỗ" in text(client.get(f"{A}/don-vi/{uid}"))
    dup = post(client, f"{A}/don-vi/{uid}/dich-vu/them", {"code": "kl-01", "name": "Khác", "active": "y"})
    assert dup.status_code == 422 and "đã được dùng" in text(dup)
    with app.app_context():
        sid = db.session.execute(select(Service.id).where(Service.code == "KL-01")).scalar_one()
    resp = post(client, f"{A}/dich-vu/{sid}", {"code": "KL-01", "name": "Cấp phép khai thác gỗ rừng trồng"})
    assert resp.status_code == 302
    with app.app_context():
        svc = db.session.get(Service, sid)
        assert svc.name == "Cấp phép khai thác gỗ rừng trồng" and svc.active is False


# --------------------------------------------------------------------------- organisation settings

SETTINGS = {"org_name": "Sở Kiểm Thử", "org_short_name": "SKT", "triage_role_name": "Tổ xử lý đơn",
            "report_owner_name": "Văn phòng", "totp_required_roles": "inspector, admin", "due_soon_days": "5"}


def test_settings_saved_and_used(app, client, admin):
    page = client.get(f"{A}/cai-dat")
    assert 'value="3"' in text(page) or "due_soon_days" in text(page)
    assert post(client, f"{A}/cai-dat", SETTINGS).status_code == 302
    with app.app_context():
        assert OrgSetting.get("triage_role_name") == "Tổ xử lý đơn"
        assert OrgSetting.get("totp_required_roles") == "admin,inspector"  # normalised
        assert OrgSetting.get("due_soon_days") == "5"
    # the role's display name and the organisation name show in the UI
    assert "Tổ xử lý đơn" in text(client.get(f"{A}/nguoi-dung/them"))
    assert "Sở Kiểm Thử" in text(client.get(f"{A}/"))


@pytest.mark.parametrize("change, message", [
    ({"totp_required_roles": "admin, sep"}, "Không có vai trò “sep”"),
    ({"due_soon_days": "-1"}, "từ 0 đến 30"),
    ({"due_soon_days": "31"}, "từ 0 đến 30"),
    ({"due_soon_days": "2.5"}, "số nguyên"),
    ({"due_soon_days": "ba"}, "số nguyên"),
    ({"org_name": ""}, "Vui lòng điền mục này."),
])
def test_settings_refuse_bad_input(app, client, admin, change, message):
    with app.app_context():
        before = OrgSetting.get("org_name")
    resp = post(client, f"{A}/cai-dat", {**SETTINGS, **change})
    assert resp.status_code == 422 and message in text(resp)
    assert 'value="SKT"' in text(resp)  # what was typed is kept
    with app.app_context():
        assert OrgSetting.get("org_name") == before


# --------------------------------------------------------------------------- reply / reason templates

TPL = {"purpose": "reply", "code": "tra_loi.chung", "title": "Trả lời chung",
       "body": "Kính gửi {ten},\n{co_quan} đã nhận đơn {ma} ngày {ngay_nhan}; hạn {ngay_han}, giao {don_vi}.",
       "active": "y"}


def test_create_and_edit_template(app, client, admin):
    resp = post(client, f"{A}/mau-van-ban/them", TPL)
    assert resp.status_code == 302
    page = text(client.get(resp.headers["Location"]))
    assert "Kính gửi Nguyễn Văn A" in page  # the preview with sample values
    with app.app_context():
        tid = db.session.execute(select(ReplyTemplate.id).where(ReplyTemplate.code == "tra_loi.chung")).scalar_one()
    resp = post(client, f"{A}/mau-van-ban/{tid}", {**TPL, "purpose": "reason", "title": "Lý do", "active": ""})
    assert resp.status_code == 302
    with app.app_context():
        tpl = db.session.get(ReplyTemplate, tid)
        assert (tpl.purpose, tpl.title, tpl.active) == ("reason", "Lý do", False)
    assert "Lý do" in text(client.get(f"{A}/mau-van-ban"))


@pytest.mark.parametrize("body, message", [
    ("Kính gửi {ho_ten},", "chỗ trống không được hỗ trợ: {ho_ten}"),
    ("Kính gửi {ten", "Có dấu “{” không được đóng (ở ký tự thứ 10)"),
    ("Kính gửi ten}", "Có dấu “}” thừa"),
    ("Kính gửi { ten }", "Chỗ trống viết sai: { ten }"),
])
def test_template_refuses_bad_placeholders(app, client, admin, body, message):
    resp = post(client, f"{A}/mau-van-ban/them", {**TPL, "body": body})
    assert resp.status_code == 422 and message in text(resp)
    with app.app_context():
        assert db.session.execute(select(ReplyTemplate)).first() is None


def test_template_refuses_duplicate_code(app, client, admin):
    assert post(client, f"{A}/mau-van-ban/them", TPL).status_code == 302
    resp = post(client, f"{A}/mau-van-ban/them", {**TPL, "code": "TRA_LOI.CHUNG"})
    assert resp.status_code == 422 and "đã được dùng" in text(resp)


# --------------------------------------------------------------------------- legal time limits

def rule(app, code) -> DeadlineRule:
    with app.app_context():
        row = db.session.execute(select(DeadlineRule).where(DeadlineRule.code == code)).scalar_one()
        db.session.expunge_all()
        return row


def rule_data(r: DeadlineRule, **change) -> dict:
    data = {"days": str(r.days), "day_unit": r.day_unit, "description": r.description, "source": r.source,
            "active": "y" if r.active else ""}
    data.update(change)
    return {k: v for k, v in data.items() if not (k == "active" and v == "")}


def test_rules_are_listed_by_kind_with_sources(client, admin):
    page = text(client.get(f"{A}/thoi-han"))
    assert "<caption>Khiếu nại</caption>" in page and "<caption>Tố cáo</caption>" in page
    assert "Luật Khiếu nại 2011, Điều 27" in page and "10 ngày làm việc" in page


def test_edit_rule(app, client, admin):
    r = rule(app, "khieu_nai.accept")
    resp = post(client, f"{A}/thoi-han/{r.id}", rule_data(r, days="12", day_unit="calendar", source="Văn bản mới, Điều 1"))
    assert resp.status_code == 302
    after = rule(app, "khieu_nai.accept")
    assert (after.days, after.day_unit, after.source) == (12, "calendar", "Văn bản mới, Điều 1")
    # deactivate instead of delete
    assert post(client, f"{A}/thoi-han/{r.id}", rule_data(after, active="")).status_code == 302
    assert rule(app, "khieu_nai.accept").active is False


@pytest.mark.parametrize("days, message", [
    ("-5", "Số ngày không được là số âm."),
    ("2.5", "số nguyên"),
    ("", "số nguyên"),
    ("99999", "từ 0 đến 3650"),
])
def test_edit_rule_refuses_bad_days(app, client, admin, days, message):
    r = rule(app, "to_cao.accept")
    resp = post(client, f"{A}/thoi-han/{r.id}", rule_data(r, days=days))
    assert resp.status_code == 422 and message in text(resp)
    assert f'value="{days}"' in text(resp)
    assert rule(app, "to_cao.accept").days == 7


def test_rules_cannot_be_deleted(app, client, admin):
    r = rule(app, "to_cao.accept")
    assert client.delete(f"{A}/thoi-han/{r.id}").status_code in (400, 405)
    assert "xoa" not in [p.rsplit("/", 1)[-1] for p in (str(x) for x in app.url_map.iter_rules()) if "thoi-han" in p]


# --------------------------------------------------------------------------- holiday overrides

def test_holidays_page_shows_the_calendar_the_package_knows(client, admin):
    page = text(client.get(f"{A}/ngay-nghi?nam=2026"))
    assert "Tết Nguyên Đán" in page and "17/02" in page
    assert "22/08/2026" in page  # a worked Saturday known to holidays.VN
    assert "năm 2026" in page


def test_add_and_remove_holiday(app, client, admin):
    url = f"{A}/ngay-nghi?nam=2027"
    resp = post(client, url, {"day": "2027-02-11", "is_working": "0", "note": "Nghỉ thêm dịp Tết"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("nam=2027")
    resp = post(client, url, {"day": "23/01/2027", "is_working": "1", "note": "Làm bù"})
    assert resp.status_code == 302
    with app.app_context():
        rows = {r.day: r.is_working for r in db.session.execute(select(HolidayOverride)).scalars()}
    assert rows == {date(2027, 2, 11): False, date(2027, 1, 23): True}
    page = text(client.get(url))
    assert "11/02/2027" in page and "Nghỉ thêm dịp Tết" in page
    resp = post(client, f"{A}/ngay-nghi/2027-02-11/xoa", {}, token_url=url)
    assert resp.status_code == 302
    with app.app_context():
        assert db.session.get(HolidayOverride, date(2027, 2, 11)) is None


@pytest.mark.parametrize("data, message", [
    ({"day": "1999-12-31"}, "từ 2000 đến 2100"),
    ({"day": "2101-01-01"}, "từ 2000 đến 2100"),
    ({"day": "31/02/2027"}, "Ngày không hợp lệ"),
    ({"day": ""}, "Vui lòng điền mục này."),
    ({"is_working": "2"}, "Vui lòng chọn một mục."),
])
def test_add_holiday_refuses_bad_input(app, client, admin, data, message):
    resp = post(client, f"{A}/ngay-nghi", {"day": "2027-02-11", "is_working": "0", "note": "ghi chú đã gõ", **data})
    assert resp.status_code == 422 and message in text(resp)
    assert 'value="ghi chú đã gõ"' in text(resp)
    with app.app_context():
        assert db.session.execute(select(HolidayOverride)).first() is None


@pytest.mark.parametrize("data, message", [
    ({"day": "2027-01-24", "is_working": "0"}, "24/01/2027 vốn đã là ngày nghỉ"),  # a Sunday
    ({"day": "2027-02-08", "is_working": "0"}, "08/02/2027 vốn đã là ngày nghỉ"),  # Tết, known to holidays.VN
    ({"day": "2027-01-25", "is_working": "1"}, "25/01/2027 vốn đã là ngày làm việc"),  # a Monday
])
def test_add_holiday_refuses_overrides_that_change_nothing(app, client, admin, data, message):
    resp = post(client, f"{A}/ngay-nghi", data)
    assert resp.status_code == 422 and message in text(resp)
    with app.app_context():
        assert db.session.execute(select(HolidayOverride)).first() is None


def test_an_override_can_correct_the_package(app, client, admin):
    """2026-08-31 is a day off in holidays.VN (swapped with Saturday 22/8); an override can cancel it."""
    assert post(client, f"{A}/ngay-nghi", {"day": "2026-08-31", "is_working": "1", "note": "Huỷ hoán đổi"}).status_code == 302


def test_add_holiday_refuses_duplicate(app, client, admin):
    assert post(client, f"{A}/ngay-nghi", {"day": "2027-02-11", "is_working": "0"}).status_code == 302
    resp = post(client, f"{A}/ngay-nghi", {"day": "11/02/2027", "is_working": "0"})
    assert resp.status_code == 422 and "11/02/2027 đã có" in text(resp)
    with app.app_context():
        assert db.session.get(HolidayOverride, date(2027, 2, 11)).is_working is False


def test_bad_year_parameter_shows_a_message(client, admin):
    resp = client.get(f"{A}/ngay-nghi?nam=1800")
    assert resp.status_code == 200 and "Năm phải là một số từ 2000 đến 2100" in text(resp)


def test_satisfaction_target_is_set_from_settings(app, client):
    from tests.app.staff_helpers import csrf, login, make_user
    from danvan_feedback.models import OrgSetting
    admin = make_user(app, "qt_target", "admin")
    login(client, admin)
    url = "/can-bo/quan-tri/cai-dat"
    base = {"org_name": "Sở Nông nghiệp và Môi trường tỉnh Đồng Nai", "org_short_name": "Sở NN&MT Đồng Nai",
            "triage_role_name": "Thanh tra Sở", "report_owner_name": "Văn phòng Sở",
            "totp_required_roles": "admin,inspector", "due_soon_days": "3"}
    bad = client.post(url, data={**base, "csrf_token": csrf(client, url), "satisfaction_target": "150"})
    assert bad.status_code == 422 and "từ 0 đến 100" in bad.get_data(as_text=True)
    ok = client.post(url, data={**base, "csrf_token": csrf(client, url), "satisfaction_target": "80"})
    assert ok.status_code == 302
    with app.app_context():
        assert OrgSetting.get("satisfaction_target") == "80"


# --------------------------------------------------------------------------- administrative changes are audit records

def test_admin_changes_become_audit_records(app, client, admin, runner):
    from danvan_feedback.models import AuditRecord
    r = rule(app, "khieu_nai.accept")
    assert post(client, f"{A}/thoi-han/{r.id}", rule_data(r, days="12")).status_code == 302
    url = f"{A}/ngay-nghi?nam=2027"
    assert post(client, url, {"day": "2027-02-11", "is_working": "0", "note": "Nghỉ thêm dịp Tết"}).status_code == 302
    assert post(client, f"{A}/ngay-nghi/2027-02-11/xoa", {}, token_url=url).status_code == 302
    officer = make_user(app, "vanphong", "office", totp=False)
    user = get_user(app, "vanphong")
    assert post(client, f"{A}/nguoi-dung/{user.id}", edit_data(user, role="viewer")).status_code == 302
    with app.app_context():
        recs = db.session.execute(select(AuditRecord).order_by(AuditRecord.seq)).scalars().all()
        assert [x.action for x in recs] == ["admin.deadline_rule_update", "admin.holiday_add",
                                            "admin.holiday_remove", "admin.user_update"]
        assert all(x.actor_id == admin["id"] and x.hash_version == 2 for x in recs)
        assert "khieu_nai.accept" in recs[0].detail and "12" in recs[0].detail
        assert "viewer" in recs[3].detail and str(officer["id"]) in recs[3].detail
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
