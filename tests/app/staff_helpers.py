"""Staff users and logins for app tests."""
from __future__ import annotations

import re
import time
from functools import lru_cache

import pyotp
from sqlalchemy import select

from danvan_feedback.extensions import db
from danvan_feedback.models import Unit, User
from danvan_feedback.passwords import hash_password

PASSWORD = "mật khẩu thử nghiệm 2026"
ROLE_UNIT = {"unit": "CCTT"}


@lru_cache(maxsize=1)
def password_hash() -> str:
    return hash_password(PASSWORD)  # argon2 once per session, shared by every test user


def make_user(app, username: str, role: str, unit_code: str | None = None, totp: bool = True) -> dict:
    """Create a user; returns plain facts (id, username, role, unit_id, secret)."""
    with app.app_context():
        unit_id = None
        code = unit_code or ROLE_UNIT.get(role)
        if code:
            unit_id = db.session.execute(select(Unit.id).where(Unit.code == code)).scalar_one()
        secret = pyotp.random_base32() if totp else None
        user = User(username=username, role=role, unit_id=unit_id, password_hash=password_hash(),
                    full_name=username.title(), totp_secret=secret)
        db.session.add(user)
        db.session.commit()
        return {"id": user.id, "username": username, "role": role, "unit_id": unit_id, "secret": secret,
                "step": None}


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf(client, url: str) -> str:
    return _CSRF.search(client.get(url).get_data(as_text=True)).group(1)


def totp_code(user: dict) -> str:
    """A code for a step not used yet by this user (each code works once)."""
    step = int(time.time() // 30)
    if user["step"] is not None and step <= user["step"]:
        step = user["step"] + 1
    user["step"] = step
    return pyotp.TOTP(user["secret"]).generate_otp(step)


def login(client, user: dict, password: str = PASSWORD, follow: bool = False):
    resp = client.post("/dang-nhap", data={"csrf_token": csrf(client, "/dang-nhap"),
                                           "username": user["username"], "password": password})
    if resp.status_code == 302 and "/dang-nhap/xac-thuc" in resp.headers["Location"]:
        resp = client.post("/dang-nhap/xac-thuc", data={"csrf_token": csrf(client, "/dang-nhap/xac-thuc"),
                                                        "code": totp_code(user)})
    assert resp.status_code == 302 and "/dang-nhap" not in resp.headers["Location"], resp.get_data(as_text=True)[:500]
    return resp
