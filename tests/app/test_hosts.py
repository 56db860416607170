"""Links in e-mails come from PUBLIC_BASE_URL, never from the request's Host header (issue 10)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from danvan_feedback import create_app
from danvan_feedback.config import ConfigError, load_config
from danvan_feedback.extensions import db
from danvan_feedback.models import OutboxMessage
from tests.conftest import TEST_IDENTITY_KEYS, base_config


def test_production_refuses_to_start_without_public_base_url(tmp_path):
    env = {"APP_ENV": "production", "SECRET_KEY": "k" * 40, "IDENTITY_KEYS": TEST_IDENTITY_KEYS}
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        load_config(str(tmp_path), env)
    for bad in ("gopy.example.gov.vn", "javascript:alert(1)", "https://", "https://a.example/?x=1"):
        with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
            load_config(str(tmp_path), {**env, "PUBLIC_BASE_URL": bad})
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        create_app({**base_config(tmp_path, "sqlite://"), "APP_ENV": "production", "PUBLIC_BASE_URL": ""})


@pytest.fixture
def config_overrides():
    return {"PUBLIC_BASE_URL": ""}  # development without the setting


def test_a_forged_host_header_never_reaches_an_email(app):
    data = {"full_name": "Nguyễn Văn An", "address": "Phường Long Bình", "subject": "Trễ hẹn",
            "content": "Hồ sơ trễ hẹn hai lần.", "consent": "y", "submitter_type": "citizen",
            "email": "an@example.com"}
    for host in ("evil.example", "127.0.0.1:5000"):
        client = app.test_client()
        html = client.get("/gui/phan_anh", headers={"Host": host}).get_data(as_text=True)
        tokens = {name: re.search(rf'name="{name}"[^>]*value="([^"]*)"', html).group(1)
                  for name in ("csrf_token", "token")}
        resp = client.post("/gui/phan_anh", data={**tokens, **data}, headers={"Host": host},
                           content_type="multipart/form-data")
        assert resp.status_code == 303
    from danvan_feedback.services.notify import render_bodies
    with app.app_context():  # rendered as the sender renders them (no request)
        bodies = ["".join(b or "" for b in render_bodies(m))
                  for m in db.session.execute(select(OutboxMessage)).scalars()]
    assert len(bodies) == 2
    assert not any("evil.example" in b for b in bodies)
    assert all("http://127.0.0.1:5000/tra-cuu" in b for b in bodies)
