"""``python -m bench``: page weight and submissions/CPU benchmarks against a local gunicorn."""
from __future__ import annotations

import argparse
import os
import platform
import signal
import sys
import time

from . import table
from .server import PG_ADMIN_URL, PG_BENCH_DB, PG_MINIMAL_DB, Server, pg_unavailable_reason

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


ONLY = ("weight", "submit", "inbox", "reports", "import", "triage")


def _only(value: str) -> str:
    """One benchmark, or several comma-separated (``submit,triage``, with ``--baseline``)."""
    names = [v.strip().lower() for v in value.split(",") if v.strip()]
    bad = [n for n in names if n not in ONLY]
    if bad or not names:
        raise argparse.ArgumentTypeError(f"choose among {','.join(ONLY)}; got {value!r}")
    return ",".join(dict.fromkeys(names))


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmarks of danvan_feedback, run against gunicorn on 127.0.0.1 with a fresh "
                    "database per engine (temporary directory; PostgreSQL databases named after "
                    f"this process, here {PG_BENCH_DB!r} and {PG_MINIMAL_DB!r}, created on "
                    f"{PG_ADMIN_URL} (BENCH_PG_URL, else TEST_DATABASE_URL) and dropped "
                    "afterwards). Prints (1) page weight of /gui/khieu_nai, / and /tra-cuu: requests, "
                    "raw and gzip bytes, target <= 30 KiB gzip; (2) what citizens send (named "
                    "complaint, denunciation with identity, named report with a 1 MB photo, anonymous "
                    "suggestion, Open311 request) beside a minimal Flask app (bench/minimal_app.py), "
                    "interleaved: server CPU per submission (gunicorn master + workers, and the "
                    "PostgreSQL backends), target <= 1.5x the minimal app for the named complaint, "
                    "<= 2x with the photo; (3) the staff inbox at 100,000 cases (python -m bench.inbox).",
        epilog="Example: make bench BENCH_ARGS='--only submit --engines sqlite --reps 2'")
    p.add_argument("--engines", type=_engines, default=list(ENGINES), metavar="LIST",
                   help="comma-separated: sqlite,postgresql (default both; PostgreSQL is skipped "
                        "with the reason printed when its server does not answer)")
    p.add_argument("--concurrency", type=_positive, default=8, metavar="C",
                   help="concurrent clients (threads) per server, each with its own connection and "
                        "cookies (default 8)")
    p.add_argument("--reps", type=_positive, default=6, metavar="R",
                   help="repetitions of the interleaved round of kinds (default 6: short rounds, so each kind and "
                        "the minimal app it is paired with see the same load on a shared machine)")
    p.add_argument("--seconds", type=float, default=2.0, metavar="S",
                   help="seconds per kind per repetition (default 2; a 1.5 s warm-up per kind comes first)")
    p.add_argument("--only", type=_only, metavar="NAME",  # reports: issue 5, bench/reports.py
                   help="run only one benchmark: " + ", ".join(ONLY) + "; 'inbox' seeds 100,000 cases and "
                        "times the staff inbox (first page, filtered search) in process, p50/p95, target "
                        "<= 18 ms; 'triage' times an inspector's accept (thụ lý) through gunicorn: server "
                        "CPU per action. With --baseline: submit, triage or submit,triage (the default)")
    p.add_argument("--baseline", metavar="PATH",
                   help="another checkout (e.g. a git worktree of an older commit, its .venv linked to "
                        "this one's) measured interleaved with this one, same run, same load: server CPU "
                        "per anonymous góp ý submission and per triage accept, both figures and the ratio "
                        "per engine (bench/baseline.py; issue 8's target: ratio <= 1.10). Uses --engines, "
                        "--reps (default 6; 3 or more), --seconds (per submission segment) and --concurrency")
    args = p.parse_args(argv)
    if args.baseline:
        measures = set((args.only or "submit,triage").split(","))
        if measures - {"submit", "triage"}:
            p.error("--baseline compares only submit and triage (e.g. --only submit,triage)")
    elif args.only and "," in args.only:
        p.error("several benchmarks in --only need --baseline; without it, name one")
    return args


def _term(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.baseline:  # this checkout against another, interleaved (bench/baseline.py)
        from . import baseline
        signal.signal(signal.SIGTERM, _term)
        print(f"danvan_feedback benchmarks — this checkout against {args.baseline}, Python "
              f"{platform.python_version()}, {os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M:%S')}, "
              f"load average {' '.join(open('/proc/loadavg').read().split()[:3])}")
        try:
            return baseline.main(args.engines, args.baseline, measures=set((args.only or "submit,triage").split(",")),
                                 reps=args.reps, seconds=args.seconds, concurrency=args.concurrency)
        except KeyboardInterrupt:
            print("\ninterrupted; servers and temporary files removed", file=sys.stderr)
            return 130
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
    if args.only in (None, "weight") and engines:
        from . import weight
        try:
            with Server(engines[0]) as srv:
                print(f"\n--- {engines[0]}: fresh database, flask db upgrade, gunicorn -w 2 ---")
                weight.run(srv.port, engines[0], SCENARIO_SECONDS)
        except KeyboardInterrupt:
            print("\ninterrupted; servers and temporary files removed", file=sys.stderr)
            return 130
        except Exception as exc:
            errors.append(("weight", exc))
            print(f"\nERROR (weight): {exc.__class__.__name__}: {exc}")
    if args.only in (None, "submit"):
        from . import submit
        for engine in engines:
            try:
                results.append(submit.run(engine, concurrency=args.concurrency, reps=args.reps,
                                          seconds=args.seconds, warmup_seconds=1.5))
            except KeyboardInterrupt:
                print("\ninterrupted; servers and temporary files removed", file=sys.stderr)
                return 130
            except Exception as exc:
                errors.append((engine, exc))
                print(f"\nERROR ({engine}): {exc.__class__.__name__}: {exc}")
    if results:
        from .submit import KINDS, _rng
        print(f"\n== Summary: server CPU ms per submission, median (min–max) of {args.reps} repetitions, "
              f"and ÷ the minimal app in the same run ({args.concurrency} clients, gunicorn -w 2) ==")
        rows = []
        for kind in KINDS:
            row = [kind.name]
            for r in results:
                f = r["figures"][kind.name]
                row += [_rng(f["ms"], "{:.2f}"), _rng(f["ratios"], "{:.2f}×") if f["ratios"] else "-"]
            target = r["figures"][kind.name]["target"]
            row.append(f"≤ {target}×" if target else "")
            rows.append(row)
        heads = ["kind"]
        for r in results:
            heads += [f"{r['engine']} ms", f"{r['engine']} ÷ min"]
        print(table(heads + ["target"], rows, right=set(range(1, len(heads)))))
        for r in results:
            if r["figures"].get("crypto_ms"):
                print(f"{r['engine']}: encryption at rest costs {_rng(r['figures']['crypto_ms'], '{:+.2f}')} ms "
                      "per named complaint (khieu_nai − khieu_nai_plain; target < +0.5 ms)")
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
    failed = errors or any(r["failed"] for r in results)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
