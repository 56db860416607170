"""Server CPU per triage action: an inspector accepts (thụ lý) N new complaints through gunicorn.

Each action is one POST of the case page's accept form (the one rule for writes: the case row
locked, validated against the state the page showed, one event appended, one commit). The cases
and the inspector are created directly in the database before the measurement; the inspector logs
in once (password + TOTP) and the clients share that session.
"""
from __future__ import annotations

import http.client
import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from urllib.parse import urlencode

from . import HOST, table
from .server import Server

PASSWORD = "mật khẩu đo hiệu năng 2026"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def seed(srv: Server, n: int) -> tuple[list[int], str]:
    """n complaints and an inspector with a TOTP secret, through the app's own services."""
    os.environ.update({k: v for k, v in srv.env().items() if k in ("APP_ENV", "SECRET_KEY", "INSTANCE_PATH",
                                                                   "UPLOAD_DIR", "DATABASE_URL")})
    from danvan_feedback import create_app
    from danvan_feedback.extensions import db
    app = create_app({"SKIP_DOTENV": True})
    out = seed_app(app, n)
    with app.app_context():
        db.engine.dispose()
    return out


def seed_app(app, n: int, token_prefix: str = "bench-triage") -> tuple[list[int], str]:
    """In ``app``'s database: the inspector ``bench_thanhtra`` (password ``PASSWORD``, a new TOTP
    secret) and n new complaints; (their ids, the secret). bench.profile_triage uses it too."""
    import pyotp

    from danvan_feedback.extensions import db
    from danvan_feedback.models import Case, CaseKind, User
    from danvan_feedback.passwords import hash_password
    from danvan_feedback.services.intake import submission_from, submit_case
    from danvan_feedback.storage import LocalStorage
    secret = pyotp.random_base32()
    with app.app_context():
        db.session.add(User(username="bench_thanhtra", role="inspector", password_hash=hash_password(PASSWORD),
                            full_name="Thanh tra đo hiệu năng", totp_secret=secret))
        db.session.commit()
        kind = db.session.get(CaseKind, "khieu_nai")
        data = {"subject": "Khiếu nại đo hiệu năng", "content": "Nội dung khiếu nại dùng để đo thao tác thụ lý.",
                "submitter_type": "citizen", "full_name": "Nguyễn Văn An", "phone": "0912345678",
                "address": "Số 1, đường Lê Lợi", "complained_decision": "Quyết định số 12/QĐ-UBND",
                "request_text": "Đề nghị xem xét lại"}
        ids = []
        for i in range(n):
            sub = submission_from("khieu_nai", kind.anonymous, data, token=f"{token_prefix}-{i}", channel="web",
                                  locale="vi")
            code = submit_case(sub, [], storage=LocalStorage(app.config["UPLOAD_DIR"]),
                               pin_key=app.config["PIN_HMAC_KEY"], now=datetime.now(timezone.utc),
                               tz="Asia/Ho_Chi_Minh").code
            ids.append(db.session.execute(db.select(Case.id).where(Case.tracking_code == code)).scalar_one())
        db.session.remove()
    return ids, secret


class Session:
    def __init__(self, port: int):
        self.port, self.cookies = port, {}

    def request(self, method: str, path: str, data: dict | None = None,
                keep_cookies: bool = True) -> tuple[int, str, dict]:
        """One request with the session's cookies. ``keep_cookies=False`` leaves the session as it
        was: an accept's answer carries the result message (a flash) for the next page, which the
        benchmark never opens, so kept cookies would pile up flashes and every later request would
        pay for (de)serialising them; a person's next page shows and drops the message."""
        conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if data is not None:
            body = urlencode(data).encode()
            headers.update({"Content-Type": "application/x-www-form-urlencoded",
                            "Referer": f"http://{HOST}:{self.port}{path}"})
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        text = resp.read().decode("utf-8", "replace")
        for sc in (resp.headers.get_all("Set-Cookie") or []) if keep_cookies else []:
            name, _, rest = sc.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        conn.close()
        return resp.status, text, dict(resp.headers)

    def login(self, secret: str) -> None:
        import pyotp
        _s, html, _h = self.request("GET", "/dang-nhap")
        s, _b, h = self.request("POST", "/dang-nhap", {"csrf_token": _CSRF.search(html).group(1),
                                                         "username": "bench_thanhtra", "password": PASSWORD})
        if "/dang-nhap/xac-thuc" in h.get("Location", ""):
            _s, html, _h = self.request("GET", "/dang-nhap/xac-thuc")
            s, _b, h = self.request("POST", "/dang-nhap/xac-thuc", {"csrf_token": _CSRF.search(html).group(1),
                                                                     "code": pyotp.TOTP(secret).now()})
        if s != 302 or "/dang-nhap" in h.get("Location", ""):
            raise RuntimeError(f"login failed: {s} {h.get('Location')}")


def run(engine: str, n: int = 400, concurrency: int = 1, warmup: int = 40) -> dict:
    with Server(engine) as srv:
        print(f"\n== Triage actions: {engine}, gunicorn -w {srv.workers}, {concurrency} clients, "
              f"{n} accepts after {warmup} warm-up ==")
        ids, secret = seed(srv, n + warmup)
        sess = Session(srv.port)
        sess.login(secret)
        _s, html, _h = sess.request("GET", f"/can-bo/ho-so/{ids[0]}")
        token = _CSRF.search(html).group(1)
        lock, statuses, lat = threading.Lock(), {}, []

        def act(cid: int, measure: bool) -> None:
            t0 = time.perf_counter()
            s, _b, _h = sess.request("POST", f"/can-bo/ho-so/{cid}/thao-tac/accept",
                                     {"csrf_token": token, "seq": "1", "attempt": "1"}, keep_cookies=False)
            with lock:
                statuses[s] = statuses.get(s, 0) + 1
                if measure:
                    lat.append(time.perf_counter() - t0)

        with ThreadPoolExecutor(concurrency) as ex:
            list(ex.map(lambda c: act(c, False), ids[:warmup]))
        statuses.clear()
        u0, s0, _w = srv.cpu()
        t0 = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as ex:
            list(ex.map(lambda c: act(c, True), ids[warmup:]))
        wall = time.perf_counter() - t0
        u1, s1, _w = srv.cpu()
    ok = statuses.get(303, 0)
    cpu = (u1 - u0) + (s1 - s0)
    lat.sort()
    res = {"engine": engine, "ok": ok, "statuses": statuses, "ms_per": cpu * 1000 / max(ok, 1),
           "rps": ok / wall if wall else 0, "p50": lat[len(lat) // 2] * 1000 if lat else float("nan")}
    print(table(["", ""], [["accepts OK", f"{ok} of {n}  ({', '.join(f'{k}×{v}' for k, v in sorted(statuses.items()))})"],
                           ["throughput", f"{res['rps']:.1f} actions/s"], ["latency p50", f"{res['p50']:.1f} ms"],
                           ["server CPU per triage action", f"{res['ms_per']:.2f} ms"]]))
    return res
