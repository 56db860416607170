"""``python -m bench.profile_submit``: where the server's time goes for a public submission.

One process, the Flask test client (no HTTP server, no gunicorn), a fresh migrated database in a
temporary directory (or a fresh PostgreSQL database ``danvan_bench_profile_<pid>`` (see bench.server.PG_ADMIN_URL), dropped
at the end). Measures N submissions without a profiler (CPU ms per submission), then N more under
cProfile, and prints the hot spots by own time, by cumulative time and by package.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import shutil
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path

from . import form_inputs, table
from .server import SECRET_KEY, pg_create, pg_drop, pg_name, pg_unavailable_reason
from .submit import web_fields

PG_DB = pg_name("danvan_bench_profile")  # <name>_<pid>: runs side by side do not collide
ENTRY_POINTS = [  # (file suffix, function) shown in the cumulative table besides the project's code
    ("flask/app.py", "wsgi_app"), ("flask/app.py", "full_dispatch_request"),
    ("flask/sessions.py", "open_session"), ("flask/sessions.py", "save_session"),
    ("flask_wtf/csrf.py", "protect"), ("wtforms/form.py", "__call__"), ("wtforms/form.py", "validate"),
    ("sqlalchemy/orm/scoping.py", "commit"), ("sqlalchemy/orm/scoping.py", "get"),
    ("sqlalchemy/orm/scoping.py", "execute"), ("sqlalchemy/orm/scoping.py", "rollback"),
    ("sqlalchemy/orm/session.py", "_flush"), ("sqlalchemy/orm/state.py", "_load_expired"),
    ("sqlalchemy/pool/base.py", "_checkout"), ("sqlalchemy/engine/default.py", "do_ping"),
    ("sqlalchemy/engine/default.py", "do_commit"), ("sqlalchemy/engine/default.py", "do_rollback"),
    ("flask/templating.py", "render_template"), ("flask/helpers.py", "url_for"),
]
KINDS = ("khieu_nai", "to_cao", "phan_anh_photo", "gop_y_anon")


def _where(file: str, line: int, func: str) -> str:
    if file == "~":
        return func
    for marker in ("site-packages/", "/lib/python3"):
        if marker in file:
            file = file.split(marker, 1)[1]
            break
    else:
        root = str(Path(__file__).resolve().parent.parent) + "/"
        file = file.replace(root, "")
    return f"{file}:{line}({func})"


def _package(file: str, func: str) -> str:
    if file == "~":
        if "sqlite3" in func:
            return "sqlite3 (C)"
        if "psycopg" in func:
            return "psycopg (C)"
        return "builtins (C)"
    if "site-packages/" in file:
        top = file.split("site-packages/", 1)[1].split("/", 1)[0]
        return top.removesuffix(".py")
    if "/danvan_feedback/" in file:
        return "danvan_feedback"
    if "/lib/python3" in file:
        rest = file.split("/lib/python3", 1)[1].split("/", 2)
        return "stdlib:" + (rest[1].removesuffix(".py") if len(rest) > 1 else "?")
    return file.rsplit("/", 1)[-1]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.profile_submit", description=__doc__.split("\n\n")[1])
    p.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    p.add_argument("--kind", choices=KINDS, default="khieu_nai",
                   help="what is submitted, as in python -m bench --only submit (default khieu_nai: "
                        "a named complaint with CCCD, phone and e-mail; gop_y_anon is the old anonymous case)")
    p.add_argument("-n", type=int, default=500, help="submissions measured, then profiled (default 500)")
    p.add_argument("--top", type=int, default=15, help="rows per table (default 15)")
    p.add_argument("--timer", choices=("auto", "wall", "cpu"), default="auto",
                   help="cProfile clock: wall (cheap; on SQLite wall ~ CPU in one process) or cpu "
                        "(excludes waiting for PostgreSQL, but the clock itself inflates many-call "
                        "functions). auto: wall on SQLite, cpu on PostgreSQL")
    p.add_argument("--sampler", action="store_true",
                   help="a statistical profile instead of cProfile (bench/sampler.py): the CPU time is "
                        "charged to the stack a SIGPROF interrupts every 0.5 ms of CPU, so many small "
                        "calls are not inflated; no call counts")
    p.add_argument("--plain-identity", action="store_true",
                   help="replace the identity cryptography (AES-GCM, HMAC blind indexes) by identity "
                        "functions first (bench/plain_identity.py), to measure what encryption costs")
    args = p.parse_args(argv)
    if args.plain_identity:
        from .plain_identity import patch
        patch()
    if args.engine == "postgresql" and (reason := pg_unavailable_reason()):
        print(f"SKIP postgresql: {reason}")
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="danvan-profile-"))
    pg = False
    try:
        if args.engine == "sqlite":
            url = f"sqlite:///{tmp / 'profile.sqlite3'}"
        else:
            url = pg_create(PG_DB).replace("postgresql://", "postgresql+psycopg://", 1)
            pg = True
        from flask_migrate import upgrade

        from danvan_feedback import create_app
        from danvan_feedback.extensions import db
        app = create_app({
            "APP_ENV": "testing", "SKIP_DOTENV": True, "SECRET_KEY": SECRET_KEY,
            "INSTANCE_PATH": str(tmp / "instance"), "SQLALCHEMY_DATABASE_URI": url,
            "UPLOAD_DIR": str(tmp / "uploads"), "RATELIMIT_ENABLED": False,
            "RATELIMIT_STORAGE_URI": "memory://", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": 1,
        })
        import logging
        logging.getLogger("alembic").setLevel(logging.WARNING)
        with app.app_context():
            upgrade()
        client = app.test_client()
        form_path = web_fields(args.kind, 0)[0]
        page = client.get(form_path)
        csrf = form_inputs(page.get_data(as_text=True))["csrf_token"]

        def submit(i: int) -> None:
            _path, fields, photo = web_fields(args.kind, i)
            data = {**fields, "csrf_token": csrf, "token": uuid.uuid4().hex}
            if photo is not None:
                data["attachments"] = (io.BytesIO(photo), "anh-hien-truong.jpg", "image/jpeg")
            r = client.post(form_path, data=data, content_type="multipart/form-data")
            if r.status_code != 303:
                raise RuntimeError(f"POST -> {r.status_code}: {r.get_data(as_text=True)[:300]}")

        deadline = time.monotonic() + 120
        for i in range(50):  # warm-up
            submit(i)
        c0, w0 = time.process_time(), time.perf_counter()
        done = 0
        for i in range(args.n):
            if time.monotonic() > deadline:
                break
            submit(1000 + i)
            done += 1
        cpu, wall = time.process_time() - c0, time.perf_counter() - w0
        print(f"{args.engine}, {args.kind}: {done} submissions in one process (test client, no HTTP server): "
              f"{cpu * 1000 / done:.2f} ms CPU and {wall * 1000 / done:.2f} ms wall per submission")

        # The SQL of one submission, as sent to the driver (plus BEGIN/COMMIT/ROLLBACK by the pool).
        from sqlalchemy import event
        sent: list[str] = []

        def _log_sql(conn, cursor, statement, parameters, context, executemany):
            sent.append(" ".join(statement.split())[:150])

        def _log_tx(name):
            return lambda *a, **k: sent.append(f"-- {name}")
        with app.app_context():
            engine = db.engine
        hooks = [(engine, "before_cursor_execute", _log_sql), (engine, "begin", _log_tx("begin")),
                 (engine, "commit", _log_tx("commit")), (engine, "rollback", _log_tx("rollback")),
                 (engine.pool, "checkout", _log_tx("pool checkout")),
                 (engine.pool, "checkin", _log_tx("pool checkin"))]
        for target, name, fn in hooks:
            event.listen(target, name, fn)
        submit(999)
        for target, name, fn in hooks:
            event.remove(target, name, fn)
        # pool_pre_ping runs outside before_cursor_execute; count it apart
        pre_ping = bool(app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_pre_ping"))
        checkouts = sent.count("-- pool checkout")
        print(f"\nSQL for one submission: {sum(not x.startswith('--') for x in sent)} statements, "
              f"{sum(x in ('-- begin', '-- commit', '-- rollback') for x in sent)} begin/commit/rollback, "
              f"{checkouts} pool checkouts" + (" (each with a pre-ping round trip)" if pre_ping else "") + ":")
        for line in sent:
            print("  " + line)
        print()

        profiled = 0
        if args.sampler:  # statistical: CPU time charged to the interrupted stack, no per-call cost
            from .sampler import Sampler
            with Sampler() as sampler:
                for i in range(args.n):
                    if time.monotonic() > deadline:
                        break
                    submit(10_000 + i)
                    profiled += 1
            total = sampler.total
            rows = [(k, (0, 0, own, cum, None)) for k, own, cum in sampler.stats()]
            print(f"sampled {profiled} submissions: {total:.2f} s of CPU time "
                  f"({total * 1000 / max(profiled, 1):.2f} ms each; Python frames only, calls not counted)\n")
        else:
            timer = args.timer if args.timer != "auto" else ("wall" if args.engine == "sqlite" else "cpu")
            prof = cProfile.Profile(time.process_time if timer == "cpu" else time.perf_counter)
            prof.enable()
            for i in range(args.n):
                if time.monotonic() > deadline:
                    break
                submit(10_000 + i)
                profiled += 1
            prof.disable()
            if os.environ.get("PROFILE_DUMP"):
                prof.dump_stats(os.environ["PROFILE_DUMP"])
            st = pstats.Stats(prof)
            total = st.total_tt
            rows = list(st.stats.items())  # (file, line, func) -> (cc, nc, tt, ct, callers)
            print(f"profiled {profiled} submissions, {total:.2f} s under cProfile "
                  f"of {timer} time ({total * 1000 / max(profiled, 1):.2f} ms each, inflated by the profiler)\n")

        def calls(nc: int) -> str:
            return "-" if args.sampler else f"{nc / profiled:.1f}"

        by_pkg = defaultdict(float)
        for (f, _l, fn), (_cc, _nc, tt, _ct, _c) in rows:
            by_pkg[_package(f, fn)] += tt
        print("Own time by package")
        print(table(["package", "ms/sub", "%"], [
            [k, f"{v * 1000 / profiled:.3f}", f"{v / total * 100:.1f}"]
            for k, v in sorted(by_pkg.items(), key=lambda kv: -kv[1])[:args.top]], right={1, 2}))

        print("\nTop functions by own time")
        print(table(["function", "calls/sub", "own ms/sub", "%"], [
            [_where(f, l, fn)[:110], calls(nc), f"{tt * 1000 / profiled:.3f}",
             f"{tt / total * 100:.1f}"]
            for (f, l, fn), (_cc, nc, tt, _ct, _c) in sorted(rows, key=lambda r: -r[1][2])[:args.top]],
            right={1, 2, 3}))

        print("\nCumulative time: the project's functions and a few library entry points")
        interesting = [r for r in rows if "/danvan_feedback/" in r[0][0]
                       or any(r[0][0].endswith(f) and r[0][2] == fn for f, fn in ENTRY_POINTS)]
        print(table(["function", "calls/sub", "cum ms/sub", "%"], [
            [_where(f, l, fn)[:110], calls(nc), f"{ct * 1000 / profiled:.3f}",
             f"{ct / total * 100:.1f}"]
            for (f, l, fn), (_cc, nc, _tt, ct, _c) in sorted(interesting, key=lambda r: -r[1][3])[:args.top * 2]],
            right={1, 2, 3}))
        with app.app_context():
            db.engine.dispose()
        return 0
    finally:
        if pg:
            try:
                pg_drop(PG_DB)
            except Exception as exc:
                print(f"warning: could not drop {PG_DB}: {exc}", file=sys.stderr)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
