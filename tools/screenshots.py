"""Full-page phone screenshots of every public page, for a visual check by eye.

    .venv/bin/python tools/screenshots.py [--out screenshots] [--scale 1] [--axe] [--staff]

Migrates a throwaway SQLite database, serves the app on 127.0.0.1:<random port>, drives Debian's
Chromium (``/usr/bin/chromium``) through Playwright at 390×844 and writes one PNG per page into
``screenshots/`` (git-ignored). It files a complaint with a photo through the form to reach the
receipt and the case page. ``--axe`` also prints every axe-core finding, of any impact.
``--staff`` adds the pages an inspector uses on a phone (inbox, case page, an action page and its
confirmation), signed in as a throwaway inspector; each also as ``*-screen.png``, the first screen only.
"""
from __future__ import annotations

import argparse
import io
import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--disable-quic"]


def build_app(tmp: Path):
    from flask_migrate import upgrade
    from sqlalchemy import select

    from danvan_feedback import create_app
    from danvan_feedback.demo import DEMO_SERVICES
    from danvan_feedback.extensions import db
    from danvan_feedback.models import Service, Unit

    app = create_app({
        "APP_ENV": "testing", "SKIP_DOTENV": True, "SECRET_KEY": "screenshots-" + "x" * 40,
        "INSTANCE_PATH": str(tmp / "instance"), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'db.sqlite3'}",
        "UPLOAD_DIR": str(tmp / "uploads"), "RATELIMIT_ENABLED": False, "RATELIMIT_STORAGE_URI": "memory://",
        "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": 1, "PUBLIC_BASE_URL": "", "PIN_HMAC_KEY": "screenshots",
    })
    with app.app_context():
        upgrade()
        units = {u.code: u.id for u in db.session.execute(select(Unit)).scalars()}
        for unit_code, code, name in DEMO_SERVICES:
            db.session.add(Service(unit_id=units[unit_code], code=code, name=name, active=True))
        db.session.commit()
        db.session.remove()
    return app


def photo() -> bytes:
    from PIL import Image
    img = Image.new("RGB", (640, 480), (70, 130, 180))
    out = io.BytesIO()
    img.save(out, "JPEG")
    return out.getvalue()


def staff_user(app) -> str:
    """A throwaway inspector with two-factor set up; returns its TOTP secret."""
    import pyotp

    from danvan_feedback.extensions import db
    from danvan_feedback.models import User
    from danvan_feedback.passwords import hash_password
    secret = pyotp.random_base32()
    with app.app_context():
        db.session.add(User(username="thanhtra.anh", role="inspector", password_hash=hash_password(STAFF_PASSWORD),
                            totp_secret=secret, full_name="Nguyễn Văn Thanh"))
        db.session.commit()
        db.session.remove()
    return secret


STAFF_PASSWORD = "mật khẩu ảnh chụp 2026"


def staff_pages(page, shot, code: str, secret: str) -> None:
    import pyotp
    page.goto("/dang-nhap")
    page.fill("#username", "thanhtra.anh")
    page.fill("#password", STAFF_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state("load")
    page.fill("#code", pyotp.TOTP(secret).now())
    page.click("main button[type=submit]")
    page.wait_for_url("**/can-bo/")
    page.goto("/can-bo/hop-thu")
    shot("20-staff-inbox", screen=True)
    page.locator("details.staffmenu summary").click()
    shot("20-staff-menu-open", screen=True)
    page.get_by_role("link", name=code).click()
    page.wait_for_load_state("load")
    shot("21-staff-case", screen=True)
    page.locator("#do-accept").click()
    page.wait_for_load_state("load")
    shot("22-staff-action", screen=True)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state("load")
    shot("23-staff-confirm", screen=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(ROOT / "screenshots"))
    ap.add_argument("--scale", type=float, default=1, help="device scale factor (default 1)")
    ap.add_argument("--axe", action="store_true", help="print axe-core findings of every impact")
    ap.add_argument("--staff", action="store_true", help="also the inspector's inbox, case and action pages")
    args = ap.parse_args(argv)
    chromium = "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else shutil.which("chromium")
    if not chromium:
        print("Chromium not found: apt-get install -y chromium", file=sys.stderr)
        return 2
    mo = ROOT / "danvan_feedback/translations/en/LC_MESSAGES/messages.mo"
    if not mo.exists():
        print(f"note: {mo.relative_to(ROOT)} missing (run `make translations`): English pages show Vietnamese")

    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="danvan-shots-") as tmpdir:
        app = build_app(Path(tmpdir))
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        axe = None
        if args.axe:
            from axe_playwright_python.sync_playwright import Axe
            axe = Axe()
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
                ctx = browser.new_context(base_url=base, viewport={"width": 390, "height": 844},
                                          device_scale_factor=args.scale, is_mobile=True, has_touch=True,
                                          locale="vi-VN")
                page = ctx.new_page()

                def shot(name: str, screen: bool = False) -> None:
                    page.wait_for_load_state("load")
                    path = out / f"{name}.png"
                    page.screenshot(path=str(path), full_page=True)
                    if screen:  # what the phone shows before any scrolling
                        page.screenshot(path=str(out / f"{name}-screen.png"))
                    width = page.evaluate("document.documentElement.scrollWidth")
                    flag = "  <-- OVERFLOWS 390px" if width > 390 else ""
                    print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}  (scrollWidth {width}){flag}")
                    if axe:
                        for v in axe.run(page).response["violations"]:
                            print(f"    axe {v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:6]}")

                page.goto("/")
                shot("01-home")
                for i, kind in enumerate(["gop_y", "phan_anh", "kien_nghi", "khieu_nai", "to_cao"], start=2):
                    page.goto(f"/gui/{kind}")
                    shot(f"{i:02d}-form-{kind}")
                page.goto("/gui/khieu_nai")
                page.fill("#full_name", "Trần Thị Bình")
                page.fill("#cccd", "12345")
                page.fill("#subject", "Khiếu nại quyết định xử phạt")
                page.click("main button[type=submit]")
                page.wait_for_url("**/gui/khieu_nai")
                shot("07-form-errors")
                page.goto("/gui/khieu_nai")
                for sel, val in [("#full_name", "Trần Thị Bình"), ("#address", "Xã Long Thành, Đồng Nai"),
                                 ("#cccd", "075190001234"), ("#phone", "0987654321"),
                                 ("#email", "binh@example.com"),
                                 ("#subject", "Khiếu nại quyết định xử phạt số 123/QĐ-XPHC"),
                                 ("#content", "Tôi đã nộp đủ hồ sơ đúng hạn nhưng vẫn bị xử phạt."),
                                 ("#complained_decision", "Quyết định số 123/QĐ-XPHC ngày 01/10/2025."),
                                 ("#request_text", "Huỷ quyết định xử phạt.")]:
                    page.fill(sel, val)
                page.set_input_files("#attachments", files=[
                    {"name": "anh-chup-bien-nhan-nop-phat-ngay-05-10-2025.jpg", "mimeType": "image/jpeg",
                     "buffer": photo()}])
                page.check("#consent")
                page.click("main button[type=submit]")
                page.wait_for_url("**/bien-nhan")
                shot("08-receipt")
                code = page.inner_text("#tracking-code").strip()
                page.goto(f"/ho-so/{code}")
                page.fill("#text", "Bổ sung: số biên lai nộp phạt 0045678, ngày 05/10/2025.")
                page.click("form[action$='/bo-sung'] button[type=submit]")
                page.wait_for_url(f"**/ho-so/{code}")
                shot("09-case")
                page.goto("/tra-cuu")
                shot("10-lookup")
                page.fill("#code", "DV-AAAA-BBBB")
                page.fill("#secret", "000000")
                page.click("main button[type=submit]")
                page.wait_for_load_state("load")
                shot("11-lookup-failed")
                page.goto("/quyen-rieng-tu")
                shot("12-privacy")
                page.goto("/khong-co-trang-nay")
                shot("13-not-found")
                page.goto("/ngon-ngu/en?next=/")
                shot("14-home-en")
                page.goto("/gui/to_cao")
                shot("15-form-to_cao-en")
                if args.staff:
                    page.goto("/ngon-ngu/vi?next=/")
                    staff_pages(page, shot, code, staff_user(app))
                browser.close()
        finally:
            server.shutdown()
            server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
