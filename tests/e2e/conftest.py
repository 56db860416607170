"""Browser tests: the real app served on a random port, driven by Debian's Chromium via Playwright.

Everything expensive is started once per session: one migrated SQLite copy, one live server,
one Chromium process. Each test gets a fresh browser context (no cookies) with a phone viewport.
Without ``/usr/bin/chromium`` the whole directory is skipped with the reason; with
``REQUIRE_BROWSER=1`` (CI) that is a failure instead.
"""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from danvan_feedback import create_app
from danvan_feedback.extensions import db
from tests.conftest import base_config, skip_or_fail

HERE = Path(__file__).parent
LIVE: dict = {}

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--disable-quic"]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "vi-VN"}
SERVICES = [("CCTT", "E2E-TT-01", "Cấp giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm"),
            ("CCCNTY", "E2E-TY-01", "Cấp giấy chứng nhận kiểm dịch động vật")]


def pytest_collection_modifyitems(config, items):
    """Mark every test of this directory ``e2e`` (so ``-m 'not e2e'`` leaves them out)."""
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


def find_chromium() -> str | None:
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = find_chromium()
    if path is None:
        skip_or_fail("Chromium not found (/usr/bin/chromium); apt-get install -y chromium",
                     "REQUIRE_BROWSER")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        skip_or_fail("the playwright Python package is not installed", "REQUIRE_BROWSER")
    return path


@pytest.fixture(autouse=True)
def _needs_chromium(chromium_path):
    """Every e2e test skips (or fails under REQUIRE_BROWSER=1) when there is no browser."""


def seed_services(app) -> None:
    from sqlalchemy import select

    from danvan_feedback.models import Service, Unit
    with app.app_context():
        units = {u.code: u.id for u in db.session.execute(select(Unit)).scalars()}
        for unit_code, code, name in SERVICES:
            db.session.add(Service(unit_id=units[unit_code], code=code, name=name, active=True))
        db.session.commit()
        db.session.remove()


@pytest.fixture(scope="session")
def live_server(chromium_path, sqlite_template, tmp_path_factory):
    """The app with CSRF on and rate limits off, on 127.0.0.1:<random port>; yields the base URL."""
    tmp = tmp_path_factory.mktemp("live")
    path = tmp / "live.sqlite3"
    shutil.copy(sqlite_template, path)
    app = create_app({**base_config(tmp, f"sqlite:///{path}"), "RATELIMIT_ENABLED": False})
    seed_services(app)
    LIVE["app"] = app
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def live_app(live_server):
    """The Flask app behind the live server, to set up data (staff users...) directly."""
    return LIVE["app"]


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_context(browser, live_server):
    """Factory: ``new_context(**overrides)`` opens a fresh phone context (no cookies) on the live
    server; all are closed after the test."""
    opened = []

    def make(**overrides):
        ctx = browser.new_context(base_url=live_server, **{**PHONE, **overrides})
        ctx.set_default_timeout(10_000)
        opened.append(ctx)
        return ctx

    yield make
    for ctx in opened:
        ctx.close()


@pytest.fixture
def page(new_context):
    return new_context().new_page()
