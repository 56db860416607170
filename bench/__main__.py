"""``python -m bench``: page weight and submissions/CPU benchmarks against a local gunicorn."""
from __future__ import annotations

import argparse
import math
import os
import platform
import signal
import sys
import time

from . import table
from .server import PG_ADMIN_URL, PG_BENCH_DB, Server, pg_unavailable_reason

ENGINES = ("sqlite", "postgresql")
SCENARIO_SECONDS = 120.0


def _positive(value: str) -> int:
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


def _engines(value: str) -> list[str]:
    names = [v.strip().lower() for v in value.split(",") if v.strip()]
    aliases = {"pg": "postgresql", "postgres": "postgresql"}
    names = [aliases.get(n, n) for n in names]
    bad = [n for n in names if n not in ENGINES]
    if bad or not names:
        raise argparse.ArgumentTypeError(f"choose among {','.join(ENGINES)}; got {value!r}")
    return list(dict.fromkeys(names))


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmarks of danvan_feedback, run against gunicorn on 127.0.0.1 with a fresh "
                    "database per engine (temporary directory; PostgreSQL database "
                    f"{PG_BENCH_DB!r} created on {PG_ADMIN_URL} and dropped afterwards). "
                    "Prints (1) page weight of /gui/khieu_nai, / and /tra-cuu: requests, raw and gzip "
                    "bytes, target <= 30 KiB gzip; (2) public submissions per second, latency and "
                    "server CPU per submission with 2 sync gunicorn workers, target <= 1.5x a minimal "
                    "Flask app (4.6 ms SQLite, 8.4 ms PostgreSQL); (3) the staff inbox at 100,000 cases "
                    "(python -m bench.inbox).",
        epilog="Example: make bench BENCH_ARGS='--engines sqlite --requests 500'")
    p.add_argument("--engines", type=_engines, default=list(ENGINES), metavar="LIST",
                   help="comma-separated: sqlite,postgresql (default both; PostgreSQL is skipped "
                        "with the reason printed when 127.0.0.1:5432 does not answer)")
    p.add_argument("--requests", type=_positive, default=2000, metavar="N",
                   help="measured submissions per engine (default 2000)")
    p.add_argument("--concurrency", type=_positive, default=32, metavar="C",
                   help="concurrent clients (threads), each with its own connection and cookies (default 32)")
    p.add_argument("--warmup", type=int, default=100, metavar="W",
                   help="warm-up submissions per engine, not measured (default 100)")
    p.add_argument("--only", choices=("weight", "submit", "inbox", "reports", "import", "triage"),  # reports: issue 5, bench/reports.py
                   help="run only one benchmark; 'inbox' seeds 100,000 cases and times the staff "
                        "inbox (first page, filtered search) in process, p50/p95, target <= 18 ms; "
                        "'triage' times an inspector's accept (thụ lý) through gunicorn: server CPU per action")
    return p.parse_args(argv)


def _term(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.only == "reports":  # reports (issue 5): 1,000,000 cases on PostgreSQL, no gunicorn
        from .reports import main as reports_main
        return reports_main([])
    if args.only == "import":  # old registers (issue 16): 100,000 letters, SQLite and PostgreSQL
        from .register_import import main as import_main
        return import_main([])
    signal.signal(signal.SIGTERM, _term)  # so the finally blocks stop the servers
    t_start = time.monotonic()
    print(f"danvan_feedback benchmarks — Python {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"{platform.machine()}, {time.strftime('%Y-%m-%d %H:%M:%S')}, load average "
          f"{' '.join(open('/proc/loadavg').read().split()[:3])}")
    if args.only == "inbox":
        from . import inbox
        try:
            inbox.run(args.engines)
        except KeyboardInterrupt:
            print("\ninterrupted; temporary files and databases removed", file=sys.stderr)
            return 130
        print(f"total {time.monotonic() - t_start:.1f} s")
        return 0
    if args.only == "triage":
        from . import triage
        rows = []
        for e in args.engines:
            reason = pg_unavailable_reason() if e == "postgresql" else None
            if reason:
                print(f"SKIP postgresql: {reason}")
                continue
            r = triage.run(e)
            rows.append([e, f"{r['ok']}", f"{r['rps']:.1f}", f"{r['p50']:.0f}", f"{r['ms_per']:.2f}"])
        print("\n== Summary: server CPU per triage action (accept), gunicorn -w 2 ==")
        print(table(["engine", "ok", "actions/s", "p50 ms", "CPU ms/action"], rows, right={1, 2, 3, 4}))
        return 0
    engines, skipped = [], []
    for e in args.engines:
        reason = pg_unavailable_reason() if e == "postgresql" else None
        if reason:
            skipped.append((e, reason))
            print(f"SKIP postgresql: {reason}")
        else:
            engines.append(e)
    results, errors = [], []
    weight_done = args.only == "submit"
    for engine in engines:
        if args.only == "weight" and weight_done:
            break
        print(f"\n--- {engine}: fresh database, flask db upgrade, gunicorn -w 2 ---")
        try:
            with Server(engine) as srv:
                print(f"gunicorn pid {srv.proc.pid} on 127.0.0.1:{srv.port}, workers {srv.cpu()[2]}")
                if not weight_done:
                    from . import weight
                    weight.run(srv.port, engine, SCENARIO_SECONDS)
                    weight_done = True
                if args.only != "weight":
                    from . import submit
                    results.append(submit.run(srv, args.requests, args.concurrency, args.warmup,
                                              SCENARIO_SECONDS))
        except KeyboardInterrupt:
            print("\ninterrupted; servers and temporary files removed", file=sys.stderr)
            return 130
        except Exception as exc:
            errors.append((engine, exc))
            print(f"\nERROR ({engine}): {exc.__class__.__name__}: {exc}")

    if results:
        print("\n== Summary: server CPU per public submission (gunicorn -w 2, "
              f"{args.concurrency} clients) ==")
        rows = []
        for r in results:
            ok = r["ms_per"] <= r["limit"] and not r["failed"] and r["in_db"] == r["expected"]
            rows.append([r["engine"], f"{r['ok']}/{r['ok'] + r['failed']}", f"{r['rps']:.1f}",
                         f"{r['p50']:.0f}/{r['p95']:.0f}/{r['p99']:.0f}",
                         "nan" if math.isnan(r["ms_per"]) else f"{r['ms_per']:.2f}",
                         f"{r['user'] * 1000 / max(r['ok'], 1):.2f}/{r['system'] * 1000 / max(r['ok'], 1):.2f}",
                         f"{r['ref']}", f"≤ {r['limit']}", "OK" if ok else "NOT MET"])
        print(table(["engine", "ok/sent", "req/s", "p50/p95/p99 ms", "CPU ms/sub",
                     "user/sys", "minimal Flask", "target", ""], rows, right={1, 2, 3, 4, 5, 6}))
        print("Reference (project brief): a minimal Flask app spends ~3.1 ms CPU per submission on "
              "SQLite and ~5.6 ms on PostgreSQL; ours should be within 1.5x (<= 4.6 / <= 8.4 ms).")
    if args.only is None:
        from . import inbox
        try:
            inbox.run(engines)
        except KeyboardInterrupt:
            print("\ninterrupted; temporary files and databases removed", file=sys.stderr)
            return 130
        except Exception as exc:
            errors.append(("inbox", exc))
            print(f"\nERROR (inbox): {exc.__class__.__name__}: {exc}")
    for e, reason in skipped:
        print(f"skipped {e}: {reason}")
    for e, exc in errors:
        print(f"failed {e}: {exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
    print(f"total {time.monotonic() - t_start:.1f} s; load average now "
          f"{' '.join(open('/proc/loadavg').read().split()[:3])}")
    failed = errors or any(r["failed"] or r["in_db"] != r["expected"] for r in results)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
