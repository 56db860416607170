"""``python -m bench --only import`` (or ``python -m bench.register_import``): an old letters register of
100,000 rows in the messy shapes real ones have (``domain.register_sample``: mixed date formats, Excel
serial numbers, IDs and phones stored as numbers, blank lines, a totals row, a signature block, one
planted mistake every 50 letters) imported with ``flask import letters`` into a fresh SQLite database
and a fresh PostgreSQL database (created and dropped here, when one answers on 127.0.0.1).

Each import runs in a child process (the real command line), so its wall time, its CPU time and its
peak resident memory (``ru_maxrss`` of the child) are its own; on PostgreSQL the CPU time of the
database's backends (sampled from ``/proc`` while it runs) is added. Prints one line per import
(rows, wall seconds, CPU seconds, peak RSS, rejected rows) next to the targets (≤ 60 s, ≤ 400 MiB)
and the machine's load average, because the machine may be shared.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from .server import CLK_TCK, PG_ADMIN_URL, _stat, pg_create, pg_drop, pg_name, pg_unavailable_reason

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DB_NAME = pg_name("danvan_bench_import")  # <name>_<pid>: runs side by side do not collide
TARGET_S = 60.0
# Peak resident memory of the import process: the app with pandas loaded is ~200 MiB; rows are
# streamed and written in batches, so the peak must not grow with the register's length.
TARGET_RSS_MIB = 400.0


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.register_import", description=__doc__.split("\n\n")[0])
    p.add_argument("--letters", type=int, default=100_000, help="rows in the register (default 100,000)")
    p.add_argument("--format", choices=("xlsx", "csv", "both"), default="both")
    p.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    p.add_argument("--strict", action="store_true",
                   help=f"exit 1 when an import is over its targets (≤ {TARGET_S:.0f} s, peak RSS ≤ {TARGET_RSS_MIB:.0f} MiB)")
    return p.parse_args(argv)


def make_register(path: str, n: int, fmt: str, units: list[str]) -> int:
    from danvan_feedback.domain.register_sample import letters
    today = datetime.now(timezone.utc).astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    rows, bad = letters(n, units=units, today=today, bad_every=50, start=date(2019, 1, 2))
    if fmt == "csv":
        import csv
        with open(path, "w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh).writerows(rows)
    else:
        from openpyxl import Workbook
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("So theo doi")
        for r in rows:
            ws.append(r)
        wb.save(path)
    return len(bad)


def _unit_names(url: str, tmp: str) -> list[str]:
    from sqlalchemy import select

    from danvan_feedback import create_app
    from danvan_feedback.extensions import db
    from danvan_feedback.models import Unit
    app = create_app({"APP_ENV": "testing", "SKIP_DOTENV": True, "SECRET_KEY": "b" * 48, "INSTANCE_PATH": tmp,
                      "SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    with app.app_context():
        from flask_migrate import upgrade
        with contextlib.redirect_stderr(io.StringIO()):   # the migrations' log lines
            upgrade()
        names = list(db.session.execute(select(Unit.name)).scalars())
        db.session.remove()
        db.engine.dispose()
    return names


class BackendCpu:
    """CPU seconds of the PostgreSQL backends serving database ``name`` while an import runs: their
    pids from ``pg_stat_activity``, their CPU from ``/proc/<pid>/stat`` (the server runs on this
    machine), sampled every ``every`` seconds in a thread; a backend's last sample counts (one that
    ends between two samples loses at most ``every`` seconds of its CPU)."""

    def __init__(self, name: str, every: float = 0.25):
        self.name, self.every, self.seen = name, every, {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psycopg
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            while not self._stop.is_set():
                pids = [r[0] for r in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s",
                                                   (self.name,)).fetchall()]
                for pid in pids:
                    f = _stat(pid)
                    if f:
                        self.seen[pid] = (int(f[11]) + int(f[12])) / CLK_TCK
                self._stop.wait(self.every)

    def __enter__(self) -> "BackendCpu":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def seconds(self) -> float:
        return sum(self.seen.values())


def run_import(url: str, path: str, tmp: str, pg_db: str | None) -> dict:
    """Runs ``flask import letters`` in a child process: wall seconds, CPU seconds of the child (and
    of its children), CPU seconds of its PostgreSQL backends, peak RSS MiB of the child, its output."""
    env = {**os.environ, "APP_ENV": "development", "SECRET_KEY": "b" * 48, "DATABASE_URL": url,
           "INSTANCE_PATH": tmp, "UPLOAD_DIR": os.path.join(tmp, "uploads")}
    log = os.path.join(tmp, "import.log")
    backends = BackendCpu(pg_db) if pg_db else None
    with open(log, "w") as out, (backends or contextlib.nullcontext()):
        t0 = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "import", "letters", path,
                                  "--max-listed", "0"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        _pid, status, usage = os.wait4(child.pid, 0)   # this child's own figures (and its reaped children's)
        seconds = time.perf_counter() - t0
        child.returncode = os.waitstatus_to_exitcode(status)
    text = open(log, encoding="utf-8").read()
    if child.returncode != 0:
        raise SystemExit(f"import failed ({child.returncode}): {text[-2000:]}")
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("ts=")]
    summary = next((ln for ln in lines if ln.startswith("Dòng tiêu đề")), "")
    m = re.search(r"bị loại: (\d+)", summary)
    rows = re.search(r"số dòng đọc: (\d+)", summary)
    return {"seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime, "pg_cpu": backends.seconds if backends else 0.0,
            "rss": usage.ru_maxrss / 1024, "rejected": int(m.group(1)) if m else None,
            "rows": int(rows.group(1)) if rows else None, "summary": summary + " | " + lines[-1]}


def loadavg() -> str:
    with open("/proc/loadavg") as fh:
        return " ".join(fh.read().split()[:3])


def main(argv=None) -> int:
    args = parse_args(argv)
    tmp = tempfile.mkdtemp(prefix="bench-import-")
    try:
        return _main(args, tmp)
    finally:   # the files and the SQLite databases: about 600 MB for 100,000 letters
        shutil.rmtree(tmp, ignore_errors=True)


def _main(args, tmp: str) -> int:
    fmts = ("xlsx", "csv") if args.format == "both" else (args.format,)
    engines = ("sqlite", "postgresql") if args.engine == "both" else (args.engine,)
    print(f"register import: {args.letters:,} letters; machine: {os.cpu_count()} CPUs, load average {loadavg()} "
          "at start (/proc/loadavg: 1, 5, 15 min; on a shared machine wall time follows the load)")
    units = _unit_names("sqlite:///" + os.path.join(tmp, "names.sqlite3"), tmp)
    files, planted = {}, {}
    for fmt in fmts:
        path = os.path.join(tmp, f"so-theo-doi.{fmt}")
        t0 = time.perf_counter()
        bad = make_register(path, args.letters, fmt, units)
        files[fmt], planted[fmt] = path, bad
        print(f"  generated {fmt}: {os.path.getsize(path) / 1048576:.1f} MB, {bad} planted mistakes "
              f"({time.perf_counter() - t0:.0f} s, not timed)", flush=True)
    over = []
    print(f"{'engine':<10} {'file':<4} {'rows':>7} {'wall s':>7} {'CPU s':>6} {'app':>5} {'pg':>5} "
          f"{'RSS MiB':>7} {'rejected':>8}  load 1-min (start → end)")
    for engine in engines:
        for fmt, path in files.items():
            if engine == "postgresql":
                reason = pg_unavailable_reason()
                if reason:
                    print(f"SKIP postgresql: {reason}")
                    break
                url = pg_create(DB_NAME)
            else:
                url = "sqlite:///" + os.path.join(tmp, f"bench-{fmt}.sqlite3")
            try:
                _unit_names(url.replace("postgresql://", "postgresql+psycopg://", 1), tmp)
                load0 = loadavg()
                r = run_import(url, path, tmp, DB_NAME if engine == "postgresql" else None)
                cpu = r["cpu"] + r["pg_cpu"]
                bad = []
                if r["seconds"] > TARGET_S:
                    bad.append("wall")
                if cpu > TARGET_S:
                    bad.append("CPU")
                if r["rss"] > TARGET_RSS_MIB:
                    bad.append("RSS")
                if r["rejected"] != planted[fmt]:
                    bad.append(f"rejected ≠ {planted[fmt]} planted")
                if bad:
                    over.append(f"{engine} {fmt} ({', '.join(bad)})")
                print(f"{engine:<10} {fmt:<4} {r['rows'] or 0:>7,} {r['seconds']:>7.1f} {cpu:>6.1f} {r['cpu']:>5.1f} "
                      f"{r['pg_cpu']:>5.1f} {r['rss']:>7.0f} {r['rejected'] if r['rejected'] is not None else '?':>8}  "
                      f"{load0} → {loadavg()}  {'OK' if not bad else 'OVER: ' + ', '.join(bad)}", flush=True)
                print(f"      {r['summary']}")
            finally:
                if engine == "postgresql":
                    pg_drop(DB_NAME)
    print(f"targets: wall ≤ {TARGET_S:.0f} s and CPU ≤ {TARGET_S:.0f} s (the import process and its children, plus "
          f"its PostgreSQL backends), peak RSS ≤ {TARGET_RSS_MIB:.0f} MiB, rejected rows = the planted mistakes. "
          "Wall time follows the machine's load; on a shared machine compare the CPU seconds.")
    if over:
        print("over target: " + ", ".join(over))
    return 1 if over and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
