"""``python -m bench --only reports`` (or ``python -m bench.reports``): the report tables over many
cases on PostgreSQL.

Seeds N cases (default 1,000,000) and one event per case in a fresh database on 127.0.0.1 (created
and dropped here), in bulk on the server (``INSERT … SELECT`` over ``generate_series``: multi-row,
no per-row round trip), then times (1) the year's tables (``services.reports.figures.compute``: the four
forms, deadlines, charts) against (2) a plain ``GROUP BY kind_code, status`` over the same rows,
and (3) the streamed CSV export of all of them with its peak Python memory (tracemalloc) and the
process's maximum resident size. Seeding is probed on 2% first and skipped, with the reason, when
the whole would take more than ``--max-seed-seconds`` (default 300).
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc

from .server import pg_create, pg_drop, pg_name, pg_unavailable_reason

DB_NAME = pg_name("danvan_bench_reports")  # <name>_<pid>: runs side by side do not collide
STATUSES = ("received", "accepted", "in_progress", "resolved", "closed", "transferred", "guided", "stored")

SEED_CASES = """
INSERT INTO cases (id, tracking_code, pin_hash, submission_token, kind_code, status, channel, submitter_type,
  is_anonymous, subject, content, is_group, locale, received_at, updated_at, lookup_failures, search_text,
  complexity, is_remote, attempt, paused_days, extensions, handling_unit_id, accepted_on, outcome)
SELECT g, 'B' || g, repeat('0', 64), 'tok' || g,
  (ARRAY['gop_y','phan_anh','kien_nghi','khieu_nai','to_cao'])[1 + g % 5],
  (ARRAY{list(STATUSES)})[1 + g % {len(STATUSES)}],
  'web', 'citizen', g % 7 = 0, 'Việc ' || g, 'Nội dung', g % 11 = 0, 'vi',
  timestamptz '2026-01-01 00:00+07' + (g % 364) * interval '1 day' + (g % 86400) * interval '1 second',
  now(), 0, '', 'normal', false, 1, 0, 0,
  (SELECT min(id) FROM units) + g % 4,
  CASE WHEN g % {len(STATUSES)} IN (1, 2, 3, 4) THEN date '2026-01-01' + (g % 364) + 2 END,
  CASE WHEN g % {len(STATUSES)} IN (3, 4) THEN
    CASE WHEN g % 5 IN (3, 4) THEN 'dung' ELSE 'da_tra_loi' END END
FROM generate_series(CAST(:lo AS integer), CAST(:hi AS integer)) g
""".replace("{list(STATUSES)}", "[" + ",".join(f"'{s}'" for s in STATUSES) + "]").replace(
    "{len(STATUSES)}", str(len(STATUSES)))

SEED_EVENTS = """
INSERT INTO case_events (case_id, seq, actor_type, action, from_status, to_status, note, is_public, created_at,
  prev_hash, hash)
SELECT id, 1, 'citizen', CASE WHEN status IN ('resolved', 'closed') THEN 'record_outcome'
  WHEN status IN ('accepted', 'in_progress') THEN 'accept' ELSE 'submitted' END,
  NULL, status, '', false, received_at + interval '2 days', repeat('0', 64), repeat('0', 64)
FROM cases WHERE id BETWEEN :lo AND :hi
"""


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.reports", description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", type=int, default=1_000_000, help="cases to seed (default 1,000,000)")
    p.add_argument("--max-seed-seconds", type=float, default=300.0,
                   help="skip when seeding is estimated to take longer (default 300)")
    return p.parse_args(argv)


def _seed(conn, lo: int, hi: int) -> None:
    from sqlalchemy import text
    conn.execute(text(SEED_CASES), {"lo": lo, "hi": hi})
    conn.execute(text(SEED_EVENTS), {"lo": lo, "hi": hi})


def _history_once(rq, conn, w) -> None:
    """The part every table shares: the period's per-case history, computed once into a temporary table."""
    with rq.materialised(conn, w):
        pass


def run(cases: int = 1_000_000, max_seed_seconds: float = 300.0) -> int:
    reason = pg_unavailable_reason()
    if reason:
        print(f"SKIP reports: {reason}")
        return 0
    import tempfile

    from sqlalchemy import text

    from danvan_feedback import create_app
    from danvan_feedback.domain import report_queries as rq
    from danvan_feedback.domain.periods import preset_period
    from danvan_feedback.extensions import db
    from danvan_feedback.services.reports import exports, figures

    url = pg_create(DB_NAME).replace("postgresql://", "postgresql+psycopg://", 1)
    tmp = tempfile.mkdtemp(prefix="bench-reports-")
    try:
        app = create_app({"APP_ENV": "testing", "SKIP_DOTENV": True, "SECRET_KEY": "b" * 48, "INSTANCE_PATH": tmp,
                          "SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
        with app.app_context():
            from flask_migrate import upgrade
            upgrade()
            db.session.remove()
            probe = max(1000, cases // 50)
            t0 = time.perf_counter()
            with db.engine.begin() as conn:
                _seed(conn, 1, min(probe, cases))
            est = (time.perf_counter() - t0) * cases / min(probe, cases)
            if est > max_seed_seconds:
                print(f"SKIP reports: seeding {cases:,} cases would take about {est:.0f} s "
                      f"(> {max_seed_seconds:.0f} s); use --cases to choose fewer")
                return 0
            step = 100_000
            for lo in range(probe + 1, cases + 1, step):
                with db.engine.begin() as conn:
                    _seed(conn, lo, min(lo + step - 1, cases))
            with db.engine.begin() as conn:
                conn.execute(text("ANALYZE cases")); conn.execute(text("ANALYZE case_events"))
            seed_s = time.perf_counter() - t0
            n = db.session.execute(text("SELECT count(*) FROM cases")).scalar_one()
            print(f"reports: seeded {n:,} cases + {n:,} events in {seed_s:.1f} s (PostgreSQL, {url.rsplit('@', 1)[-1]})")
            period = preset_period(2026, "Y", "calendar")
            w = rq.window(period.start, period.end, "Asia/Ho_Chi_Minh")
            timings = {}
            for label, fn in (
                ("plain GROUP BY kind, status", lambda: rq.plain_group_by(db.session.connection(), w)),
                ("summary (02/XLD, 03/GQKN, 04/GQTC counts)", lambda: rq.summary(db.session.connection(), w)),
                ("per-case history alone (rq.materialised)", lambda: _history_once(rq, db.session.connection(), w)),
                ("all tables + charts (figures.compute)",
                 lambda: figures.compute(period, "Asia/Ho_Chi_Minh", with_previous=False)),
            ):
                best = None
                for _ in range(2):
                    t = time.perf_counter()
                    fn()
                    best = min(best or 1e9, time.perf_counter() - t)
                    db.session.rollback()
                timings[label] = best
                print(f"reports: {label:45s} {best * 1000:10.0f} ms (best of 2)")
            base = timings["plain GROUP BY kind, status"]
            print(f"reports: all tables / plain GROUP BY = {timings['all tables + charts (figures.compute)'] / base:.1f}x")
            fig = figures.compute(period, "Asia/Ho_Chi_Minh", with_previous=False)
            db.session.rollback()
            rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            tracemalloc.start()
            t = time.perf_counter()
            size = rows = 0
            for chunk in exports.csv_chunks(fig):
                size += len(chunk.encode("utf-8"))
                rows += chunk.count("\n")
            elapsed = time.perf_counter() - t
            _cur, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            print(f"reports: CSV export {rows - 1:,} rows, {size / 1e6:.1f} MB in {elapsed:.1f} s; "
                  f"peak Python memory {peak / 1e6:.1f} MB (tracemalloc); max RSS {rss1 / 1024:.0f} MiB "
                  f"(before the export {rss0 / 1024:.0f} MiB)")
            db.session.remove()
            db.engine.dispose()
    finally:
        pg_drop(DB_NAME)
    return 0


def main(argv=None) -> int:
    args = parse_args(argv)
    return run(args.cases, args.max_seed_seconds)


if __name__ == "__main__":
    sys.exit(main())
