"""Who may open the administration area: every admin URL, every role.

Anonymous visitors are sent to the login page, staff roles other than admin get 403, admins get the
page. POST-only actions are tried with a valid CSRF token so that the refusal tested is the access
rule, not the missing token; nothing changes when they are refused.
"""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from danvan_feedback.extensions import db
from danvan_feedback.models import DeadlineRule, HolidayOverride, ReplyTemplate, Service, Unit, User
from tests.app.staff_helpers import csrf, login, make_user

ROLES = ["anonymous", "inspector", "unit", "office", "viewer", "admin"]

PAGES = [  # (endpoint, URL pattern filled from the ids made by ``targets``)
    ("admin.index", "/can-bo/quan-tri/"),
    ("admin.users", "/can-bo/quan-tri/nguoi-dung"),
    ("admin.user_new", "/can-bo/quan-tri/nguoi-dung/them"),
    ("admin.user_edit", "/can-bo/quan-tri/nguoi-dung/{user}"),
    ("admin.units", "/can-bo/quan-tri/don-vi"),
    ("admin.unit_new", "/can-bo/quan-tri/don-vi/them"),
    ("admin.unit_edit", "/can-bo/quan-tri/don-vi/{unit}"),
    ("admin.service_new", "/can-bo/quan-tri/don-vi/{unit}/dich-vu/them"),
    ("admin.service_edit", "/can-bo/quan-tri/dich-vu/{service}"),
    ("admin.settings", "/can-bo/quan-tri/cai-dat"),
    ("admin.templates", "/can-bo/quan-tri/mau-van-ban"),
    ("admin.template_new", "/can-bo/quan-tri/mau-van-ban/them"),
    ("admin.template_edit", "/can-bo/quan-tri/mau-van-ban/{template}"),
    ("admin.rules", "/can-bo/quan-tri/thoi-han"),
    ("admin.rule_edit", "/can-bo/quan-tri/thoi-han/{rule}"),
    ("admin.holidays", "/can-bo/quan-tri/ngay-nghi"),
]
ACTIONS = [  # POST-only
    ("admin.user_password", "/can-bo/quan-tri/nguoi-dung/{user}/mat-khau",
     {"new": "mật khẩu mới đủ dài 2026", "confirm": "mật khẩu mới đủ dài 2026"}),
    ("admin.user_totp", "/can-bo/quan-tri/nguoi-dung/{user}/xac-thuc-hai-lop", {}),
    ("admin.holiday_delete", "/can-bo/quan-tri/ngay-nghi/{holiday}/xoa", {}),
]


@pytest.fixture
def targets(app):
    """One row of each kind the URLs point at (units and rules are seeded reference data)."""
    target = make_user(app, "muctieu", "office")
    with app.app_context():
        unit = db.session.execute(select(Unit).where(Unit.code == "CCKL")).scalar_one()
        svc = Service(unit_id=unit.id, code="KIEMTRA-TRUYCAP", name="Dịch vụ kiểm tra truy cập")
        tpl = ReplyTemplate(purpose="reply", code="kiemtra.truycap", title="Mẫu kiểm tra", body="Kính gửi {ten}.")
        db.session.add_all([svc, tpl, HolidayOverride(day=date(2027, 1, 2), is_working=True, note="")])
        db.session.commit()
        rule = db.session.execute(select(DeadlineRule.id).order_by(DeadlineRule.id)).scalars().first()
        return {"user": target["id"], "unit": unit.id, "service": svc.id, "template": tpl.id, "rule": rule,
                "holiday": "2027-01-02"}


def test_every_admin_url_is_in_the_access_tables(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("admin.")}
    assert endpoints == {e for e, _ in PAGES} | {e for e, _, _ in ACTIONS}


@pytest.mark.parametrize("role", ROLES)
def test_admin_pages_by_role(app, client, targets, role):
    if role != "anonymous":
        login(client, make_user(app, f"nguoi_{role}", role))
    for _endpoint, pattern in PAGES:
        url = pattern.format(**targets)
        resp = client.get(url)
        if role == "anonymous":
            assert resp.status_code == 302 and "/dang-nhap" in resp.headers["Location"], url
        elif role == "admin":
            assert resp.status_code == 200, url
            assert resp.headers["Cache-Control"] == "no-store", url
        else:
            assert resp.status_code == 403, url


@pytest.mark.parametrize("role", ROLES)
def test_admin_actions_by_role(app, client, targets, role):
    if role != "anonymous":
        login(client, make_user(app, f"nguoi_{role}", role))
    for _endpoint, pattern, data in ACTIONS:
        url = pattern.format(**targets)
        token = csrf(client, "/dang-nhap" if role == "anonymous" else "/can-bo/mat-khau")
        resp = client.post(url, data={"csrf_token": token, **data})
        if role == "anonymous":
            assert resp.status_code == 302 and "/dang-nhap" in resp.headers["Location"], url
        elif role == "admin":
            assert resp.status_code == 302 and "/can-bo/quan-tri/" in resp.headers["Location"], url
        else:
            assert resp.status_code == 403, url
    with app.app_context():
        user = db.session.get(User, targets["user"])
        changed = role == "admin"
        assert (user.session_version > 1) is changed
        assert (db.session.get(HolidayOverride, date(2027, 1, 2)) is None) is changed
