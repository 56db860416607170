"""First run: demo staff accounts in development only, each password printed once and usable."""
from __future__ import annotations

import re

from sqlalchemy import select

from danvan_feedback import create_app
from danvan_feedback.extensions import db
from danvan_feedback.models import User
from tests.app.staff_helpers import csrf


def test_seed_demo_staff_prints_one_password_per_role_that_signs_in(app, runner):
    result = runner.invoke(args=["seed-demo", "--staff"])
    assert result.exit_code == 0, result.output
    accounts = dict(re.findall(r"demo account (\S+) \(\w+\): password (\S+)", result.output))
    assert set(accounts) == {"demo.quantri", "demo.thanhtra", "demo.chicuc", "demo.vanphong"}
    with app.app_context():
        roles = {u.username: u.role for u in db.session.execute(select(User)).scalars()}
        stored = [u.password_hash for u in db.session.execute(select(User)).scalars()]
    assert roles == {"demo.quantri": "admin", "demo.thanhtra": "inspector", "demo.chicuc": "unit",
                     "demo.vanphong": "office"}
    assert not any(p in h for p in accounts.values() for h in stored)  # only hashes are kept
    client = app.test_client()  # the office account has no second factor: straight in
    resp = client.post("/dang-nhap", data={"csrf_token": csrf(client, "/dang-nhap"), "username": "demo.vanphong",
                                           "password": accounts["demo.vanphong"]})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/can-bo/")
    again = runner.invoke(args=["seed-demo", "--staff"])  # idempotent, no password shown twice
    assert again.exit_code == 0 and "password" not in again.output.replace("passwords were shown", "")


def test_seed_demo_staff_is_refused_in_production(tmp_path, db_url):
    from tests.conftest import base_config
    prod = create_app({**base_config(tmp_path, db_url), "APP_ENV": "production", "SESSION_COOKIE_SECURE": True})
    result = prod.test_cli_runner().invoke(args=["seed-demo", "--staff"])
    assert result.exit_code != 0 and "refused when APP_ENV=production" in result.output
    with prod.app_context():
        assert db.session.execute(select(User)).first() is None
        db.engine.dispose()
