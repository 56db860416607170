"""``python -m bench.profile_triage``: where the server's time goes for a triage accept (thụ lý).

One process, the Flask test client, a fresh migrated SQLite database in a temporary directory. Seeds
N complaints and an inspector (password + TOTP), signs in, accepts N complaints through the action
endpoint the benchmark uses, and prints the CPU ms per accept (profiled, so inflated) and the hot
spots by cumulative time. The session's result message is dropped after each accept, as the next
page a person opens would (see bench/triage.py).
"""
from __future__ import annotations

import argparse
import cProfile
import io
import logging
import pstats
import re
import shutil
import tempfile
import time
from pathlib import Path

from .server import SECRET_KEY
from .triage import PASSWORD, seed_app

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.profile_triage", description=__doc__.split("\n\n")[1])
    p.add_argument("-n", type=int, default=300, help="accepts profiled (default 300)")
    p.add_argument("--top", type=int, default=40, help="rows of the cumulative table (default 40)")
    args = p.parse_args(argv)
    import pyotp
    from flask_migrate import upgrade

    from danvan_feedback import create_app
    tmp = Path(tempfile.mkdtemp(prefix="danvan-profile-triage-"))
    try:
        app = create_app({
            "APP_ENV": "testing", "SKIP_DOTENV": True, "SECRET_KEY": SECRET_KEY,
            "INSTANCE_PATH": str(tmp / "instance"), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'p.sqlite3'}",
            "UPLOAD_DIR": str(tmp / "uploads"), "RATELIMIT_ENABLED": False, "RATELIMIT_STORAGE_URI": "memory://",
            "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": 1})
        logging.getLogger("alembic").setLevel(logging.WARNING)
        warmup = 20
        with app.app_context():
            upgrade()
        ids, secret = seed_app(app, args.n + warmup, token_prefix="profile")
        c = app.test_client()
        page = c.get("/dang-nhap").get_data(as_text=True)
        c.post("/dang-nhap", data={"csrf_token": _CSRF.search(page).group(1), "username": "bench_thanhtra",
                                   "password": PASSWORD})
        page = c.get("/dang-nhap/xac-thuc").get_data(as_text=True)
        c.post("/dang-nhap/xac-thuc", data={"csrf_token": _CSRF.search(page).group(1),
                                            "code": pyotp.TOTP(secret).now()})
        token = _CSRF.search(c.get(f"/can-bo/ho-so/{ids[0]}").get_data(as_text=True)).group(1)
        prof = cProfile.Profile()

        def accept(cid: int, profiled: bool) -> None:
            if profiled:
                prof.enable()
            resp = c.post(f"/can-bo/ho-so/{cid}/thao-tac/accept", data={"csrf_token": token, "seq": "1", "attempt": "1"})
            if profiled:
                prof.disable()
            if resp.status_code != 303:
                raise SystemExit(f"accept answered {resp.status_code}")
            with c.session_transaction() as sess:
                sess.pop("_flashes", None)

        for cid in ids[:warmup]:
            accept(cid, False)
        t0 = time.process_time()
        for cid in ids[warmup:]:
            accept(cid, True)
        print(f"CPU ms per accept (in process, profiled, session handling between accepts included): "
              f"{(time.process_time() - t0) * 1000 / args.n:.2f}")
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(args.top)
        print(out.getvalue())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
