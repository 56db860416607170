"""Security headers, error pages, configuration, database outages, durability."""
from __future__ import annotations

import os
import re
import time
from importlib.metadata import version

import pytest
from packaging.version import Version
from sqlalchemy import select

from danvan_feedback import create_app
from danvan_feedback.config import ConfigError, load_config
from danvan_feedback.extensions import db
from danvan_feedback.models import Attachment, Case
from danvan_feedback.services import intake
from danvan_feedback.storage import LocalStorage
from tests.app.helpers import count, post_case, stored_files
from tests.conftest import base_config
from tests.factories import complaint, jpeg_bytes


def test_security_headers_on_every_page(client):
    for url in ("/", "/gui/khieu_nai", "/tra-cuu", "/khong-co-trang-nay"):
        resp = client.get(url)
        csp = resp.headers["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert "base-uri 'none'" in csp
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["Referrer-Policy"] == "same-origin"
        # Geolocation only on the forms that offer "use my location" (test_location_form.py).
        geo = "geolocation=(self)" if url == "/gui/khieu_nai" else "geolocation=()"
        assert geo in resp.headers["Permissions-Policy"]
    assert client.get("/tra-cuu").headers["Cache-Control"] == "no-store"


def test_session_cookie_flags(client):
    client.get("/gui/gop_y")
    cookie = client.get_cookie("dv_session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"


def test_language_switch_refuses_offsite_next(client):
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        resp = client.get("/ngon-ngu/en", query_string={"next": target})
        assert resp.status_code == 302 and "evil" not in resp.headers["Location"]


def test_dependency_floors():
    """SECURITY.md: versions that close advisories relevant here."""
    floors = {"flask": "3.1.3", "werkzeug": "3.1.6", "jinja2": "3.1.6", "gunicorn": "23.0.0", "pillow": "13.0.0"}
    for name, floor in floors.items():
        assert Version(version(name)) >= Version(floor), name


def test_production_refuses_weak_or_missing_secret(tmp_path):
    with pytest.raises(ConfigError):
        load_config(str(tmp_path), {"APP_ENV": "production"})
    with pytest.raises(ConfigError):
        load_config(str(tmp_path), {"APP_ENV": "production", "SECRET_KEY": "short"})
    cfg = load_config(str(tmp_path), {"APP_ENV": "production", "SECRET_KEY": "k" * 40,
                                      "PUBLIC_BASE_URL": "https://gopy.example.gov.vn/"})
    assert cfg["SESSION_COOKIE_SECURE"] is True and cfg["DEBUG"] is False
    assert cfg["PUBLIC_BASE_URL"] == "https://gopy.example.gov.vn"
    with pytest.raises(ConfigError):
        load_config(str(tmp_path), {"APP_ENV": "staging"})
    with pytest.raises(ConfigError):
        load_config(str(tmp_path), {"UPLOAD_MAX_FILES": "năm"})
    cfg = load_config(str(tmp_path), {"DATABASE_URL": "postgres://u@h/d"})
    assert cfg["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/d"


def test_hsts_in_production(tmp_path, sqlite_template):
    import shutil
    path = tmp_path / "p.sqlite3"
    shutil.copy(sqlite_template, path)
    app = create_app({**base_config(tmp_path, f"sqlite:///{path}"), "APP_ENV": "production"})
    resp = app.test_client().get("/")
    assert "max-age=" in resp.headers["Strict-Transport-Security"]


def test_database_down_shows_try_again_and_acknowledges_nothing(tmp_path):
    app = create_app({**base_config(tmp_path, "postgresql+psycopg://postgres@127.0.0.1:1/none"),
                      "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "connect_args": {"connect_timeout": 1}}})
    c = app.test_client()
    for resp in (c.get("/"), c.get("/gui/gop_y"), c.post("/gui/gop_y", data={"subject": "x", "content": "y"})):
        html = resp.get_data(as_text=True)
        assert resp.status_code == 503 and "CHƯA được ghi nhận" in html
        assert "Traceback" not in html and "psycopg" not in html


def test_failed_commit_leaves_no_file_and_no_row(client, app, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("disk full in the database")
    monkeypatch.setattr(intake, "_insert", boom)
    resp = post_case(client, "khieu_nai", complaint(), files=[(jpeg_bytes(), "a.jpg")])
    assert resp.status_code == 500 and "Hệ thống gặp sự cố" in resp.get_data(as_text=True)
    assert "tracking-code" not in resp.get_data(as_text=True)
    assert count(app, Case) == 0 and stored_files(app) == []


def test_orphan_sweep_keeps_referenced_files(client, app, runner):
    post_case(client, "khieu_nai", complaint(), files=[(jpeg_bytes(), "a.jpg")])
    storage = LocalStorage(app.config["UPLOAD_DIR"])
    orphan = storage.put(b"left behind by a crash")
    old = time.time() - 7200
    os.utime(storage.path_for(orphan), (old, old))
    result = runner.invoke(args=["attachments", "sweep"])
    assert "removed 1 orphan" in result.output
    assert not storage.path_for(orphan).exists()
    with app.app_context():
        key = db.session.execute(select(Attachment.storage_key)).scalar_one()
    assert storage.path_for(key).exists()


def test_storage_never_builds_paths_from_input(tmp_path):
    storage = LocalStorage(str(tmp_path))
    for bad in ("../etc/passwd", "a/b", ""):
        with pytest.raises(ValueError):
            storage.path_for(bad)


@pytest.mark.parametrize("url", ["/", "/tra-cuu", "/khao-sat", "/gui/phan_anh"])
def test_public_pages_describe_themselves(client, url):
    html = client.get(url).get_data(as_text=True)
    m = re.search(r'<meta name="description" content="([^"]{40,300})">', html)
    assert m and "Sở Nông nghiệp" in m.group(1)
