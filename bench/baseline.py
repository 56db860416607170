"""The same measurement on this checkout and on an older one, interleaved in one run:
``python -m bench --only submit,triage --baseline /path/to/old/checkout``.

Absolute CPU figures move with the machine and its load (other work on a shared machine slows
everything and spoils caches), so a figure measured last week on another machine says little about
a change. This compares two checkouts side by side instead: per engine, two gunicorn servers
(2 sync workers each, a fresh database each, migrated by their own code) run at the same time, and
the measurement alternates between them in short segments, the order flipped at every repetition,
so both see the same load; all triage repetitions first, then all submission repetitions (a
submission phase leaves deferred work, e.g. autovacuum, that would be charged to what follows it).
Measured:

* ``submit``: anonymous góp ý submissions (``/gui/gop_y``, the figure of issue 8) for ``--seconds``
  per segment, ``--concurrency`` clients;
* ``triage``: an inspector accepts (thụ lý) new complaints through the case page's form, ``ACCEPTS``
  per segment, one at a time (the complaints are filed beforehand through each checkout's own services,
  the inspector signs in once with password and TOTP).

Each segment's figure is the CPU time (user + system, ``/proc/<pid>/stat``) of the gunicorn master
and workers, and on PostgreSQL of the backends connected to that server's database, divided by the
requests answered as expected (303). The ratio pairs the two checkouts' segments of the same
repetition; the summary quotes the median and the range over the repetitions.

The old checkout is typically a ``git worktree`` of an older commit with ``.venv`` linked to this
one's (``git worktree add /tmp/old <commit> && ln -s "$PWD/.venv" /tmp/old/.venv``); it is served with
its own code (``cwd`` and ``PYTHONPATH`` set to it) and the same Python environment.
"""
from __future__ import annotations

import json
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import table
from .server import CLK_TCK, ROOT, Server, _stat, cpu_seconds
from .submit import KINDS, Client, _rng, run_segment
from .triage import _CSRF, PASSWORD, Session

ACCEPTS = 80  # accepts per triage segment (CPU is read in 10 ms ticks)
# One inspector at a time: before issue 8, two accepts at once on SQLite could fail with a 503 (a
# deferred transaction refused the upgrade to a write), whose CPU would be charged to the accepts
# that went through. The comparison is of the cost of an action, not of contention.
TRIAGE_CLIENTS = 1
TARGET = 1.10  # issue 8: within 10% of the cost before the write rule

# Filed through the served checkout's own services (its schema, its code): an inspector and ``n``
# complaints. Run with ``cwd`` = that checkout, so ``danvan_feedback`` is its package. Only calls
# that every version since the benchmarks exist has, with the same signatures.
_SEED = r"""
import json, sys
from datetime import datetime, timezone
import pyotp
from danvan_feedback import create_app
from danvan_feedback.extensions import db
from danvan_feedback.models import Case, CaseKind, User
from danvan_feedback.passwords import hash_password
from danvan_feedback.services.intake import submission_from, submit_case
from danvan_feedback.storage import LocalStorage
n, password = int(sys.argv[1]), sys.argv[2]
app = create_app({"SKIP_DOTENV": True})
secret = pyotp.random_base32()
with app.app_context():
    db.session.add(User(username="bench_thanhtra", role="inspector", password_hash=hash_password(password),
                        full_name="Thanh tra đo hiệu năng", totp_secret=secret))
    db.session.commit()
    kind = db.session.get(CaseKind, "khieu_nai")
    data = {"subject": "Khiếu nại đo hiệu năng", "content": "Nội dung khiếu nại dùng để đo thao tác thụ lý.",
            "submitter_type": "citizen", "full_name": "Nguyễn Văn An", "phone": "0912345678",
            "address": "Số 1, đường Lê Lợi", "complained_decision": "Quyết định số 12/QĐ-UBND",
            "request_text": "Đề nghị xem xét lại"}
    ids = []
    for i in range(n):
        sub = submission_from("khieu_nai", kind.anonymous, data, token=f"bench-triage-{i}", channel="web", locale="vi")
        code = submit_case(sub, [], storage=LocalStorage(app.config["UPLOAD_DIR"]), pin_key=app.config["PIN_HMAC_KEY"],
                           now=datetime.now(timezone.utc), tz="Asia/Ho_Chi_Minh").code
        ids.append(db.session.execute(db.select(Case.id).where(Case.tracking_code == code)).scalar_one())
print(json.dumps({"ids": ids, "secret": secret}))
"""


def _seed(srv: Server, n: int) -> tuple[list[int], str]:
    r = subprocess.run([sys.executable, "-c", _SEED, str(n), PASSWORD], cwd=srv.root, env=srv.env(),
                       capture_output=True, text=True, timeout=1800)
    if r.returncode != 0:
        raise RuntimeError(f"seeding {srv.root} failed:\n{(r.stdout + r.stderr)[-2000:]}")
    out = json.loads(r.stdout.strip().splitlines()[-1])
    return out["ids"], out["secret"]


def _pg_ticks(srv: Server) -> dict[int, int]:
    out = {}
    for p in srv.pg_backends():
        f = _stat(p)
        if f:
            out[p] = int(f[11]) + int(f[12])
    return out


class Triage:
    """One server's inspector, its complaints still to accept, and its measured segments."""

    def __init__(self, srv: Server, ids: list[int], secret: str):
        self.srv, self.ids = srv, list(ids)
        self.sess = Session(srv.port)
        self.sess.login(secret)
        _s, html, _h = self.sess.request("GET", f"/can-bo/ho-so/{self.ids[0]}")
        self.token = _CSRF.search(html).group(1)

    def segment(self, n: int) -> tuple[float, int, dict]:
        """Accept ``n`` complaints; (CPU ms per accept, accepts answered 303, statuses)."""
        batch, self.ids = self.ids[:n], self.ids[n:]
        if len(batch) < n:
            raise RuntimeError("not enough complaints seeded for the triage segments")
        lock, statuses = threading.Lock(), {}

        def act(cid: int) -> None:
            try:
                s, _b, _h = self.sess.request("POST", f"/can-bo/ho-so/{cid}/thao-tac/accept",
                                              {"csrf_token": self.token, "seq": "1", "attempt": "1"},
                                              keep_cookies=False)
            except Exception as exc:  # a refused or reset connection counts as a failure
                s = exc.__class__.__name__
            with lock:
                statuses[s] = statuses.get(s, 0) + 1

        pg0 = _pg_ticks(self.srv)
        u0, s0, _w = cpu_seconds(self.srv.proc.pid)
        with ThreadPoolExecutor(TRIAGE_CLIENTS) as ex:
            list(ex.map(act, batch))
        u1, s1, _w = cpu_seconds(self.srv.proc.pid)
        pg1 = _pg_ticks(self.srv)
        ok = statuses.get(303, 0)
        pg = sum(t - pg0.get(p, 0) for p, t in pg1.items()) / CLK_TCK
        cpu = (u1 - u0) + (s1 - s0) + pg
        self.pg_ms = pg * 1000 / ok if ok else float("nan")
        return (cpu * 1000 / ok if ok else float("nan")), ok, statuses


def compare(engine: str, baseline: Path, *, measures: set[str], reps: int, seconds: float,
            concurrency: int) -> dict:
    """One interleaved run on ``engine``: {measure: {"current": [ms…], "baseline": [ms…], "ratio": […]}}."""
    gop_y = next(k for k in KINDS if k.name == "gop_y_anon")
    print(f"\n== {engine}: this checkout ({ROOT}) and the baseline ({baseline}), gunicorn -w 2 each, "
          f"{reps} interleaved repetitions ==")
    figures = {m: {"current": [], "baseline": [], "ratio": []} for m in measures}
    failures: list[str] = []
    with Server(engine, label="current") as cur, Server(engine, root=baseline, label="baseline") as base:
        servers = {"current": cur, "baseline": base}
        triage = {}
        if "triage" in measures:
            for name, srv in servers.items():
                ids, secret = _seed(srv, ACCEPTS * (reps + 1))
                triage[name] = Triage(srv, ids, secret)
        clients = {name: [Client(srv) for _ in range(concurrency)] for name, srv in servers.items()}
        counter = [0]
        try:
            if "submit" in measures:
                for cs in clients.values():
                    for c in cs:
                        c.prepare()
            # One phase per measure, triage first: a submission phase leaves deferred work behind
            # (autovacuum of the rows it wrote, on PostgreSQL; garbage in the workers) that would be
            # charged to whatever is measured next, and the cheaper checkout writes more rows.
            for m in [x for x in ("triage", "submit") if x in measures]:
                for rep in range(0, reps + 1):  # repetition 0 warms up (imports, pools, caches)
                    order = ["current", "baseline"] if rep % 2 else ["baseline", "current"]
                    got, pg_part = {}, {}
                    for name in order:
                        if m == "submit":
                            seg = run_segment(servers[name], clients[name], gop_y, rep,
                                              seconds if rep else 1.5, counter)
                            got[name] = seg.ms
                            pg_part[name] = seg.pg_cpu * 1000 / seg.ok if seg.ok else float("nan")
                            if seg.first_failure:
                                failures.append(f"submit {name} rep {rep}: {seg.first_failure[:200]}")
                        else:
                            got[name], ok, statuses = triage[name].segment(ACCEPTS)
                            pg_part[name] = triage[name].pg_ms
                            if ok != ACCEPTS:
                                failures.append(f"triage {name} rep {rep}: {statuses}")
                    if rep == 0:
                        continue
                    c, b = got["current"], got["baseline"]
                    figures[m]["current"].append(c)
                    figures[m]["baseline"].append(b)
                    figures[m]["ratio"].append(c / b if b == b and b else float("nan"))
                    pgs = (f"  (of which postgres {pg_part['current']:.2f} / {pg_part['baseline']:.2f})"
                           if engine == "postgresql" else "")
                    print(f"  rep {rep} {m:<6} current {c:6.2f} ms  baseline {b:6.2f} ms  ratio {c / b:5.2f}{pgs}",
                          flush=True)
        finally:
            for cs in clients.values():
                for c in cs:
                    c.close()
        for name, srv in servers.items():
            for ln in srv.log_problems()[:5]:
                failures.append(f"{name} gunicorn log: {ln[:200]}")
    for f in failures:
        print(f"  problem: {f}")
    return {"engine": engine, "figures": figures, "failed": bool(failures)}


def summary(results: list[dict], baseline: Path, reps: int) -> str:
    rows = []
    for r in results:
        for m, f in r["figures"].items():
            ratio = [x for x in f["ratio"] if x == x]
            med = statistics.median(ratio) if ratio else float("nan")
            verdict = "OK" if med <= TARGET else "OVER"
            what = "góp ý, anonymous" if m == "submit" else "accept (thụ lý)"
            rows.append([r["engine"], what, _rng(f["current"], "{:.2f}"), _rng(f["baseline"], "{:.2f}"),
                         _rng(ratio, "{:.2f}×"), f"≤ {TARGET:.2f}×  {verdict}"])
    head = (f"\n== Summary: server CPU ms per request (gunicorn master + workers, + postgres backends), "
            f"median (min–max) of {reps} interleaved repetitions; baseline {baseline} ==\n")
    return head + table(["engine", "request", "current ms", "baseline ms", "current ÷ baseline", "target"],
                        rows, right={2, 3, 4})


def main(engines: list[str], baseline: Path, *, measures: set[str], reps: int, seconds: float,
         concurrency: int) -> int:
    from .server import pg_unavailable_reason
    baseline = Path(baseline).resolve()
    results = []
    t0 = time.monotonic()
    for e in engines:
        reason = pg_unavailable_reason() if e == "postgresql" else None
        if reason:
            print(f"SKIP postgresql: {reason}")
            continue
        results.append(compare(e, baseline, measures=measures, reps=reps, seconds=seconds, concurrency=concurrency))
    if results:
        print(summary(results, baseline, reps))
    print(f"total {time.monotonic() - t0:.1f} s; load average now {' '.join(open('/proc/loadavg').read().split()[:3])}")
    return 1 if any(r["failed"] for r in results) else 0
