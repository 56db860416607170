"""Public submissions per second and server CPU per submission, with C concurrent clients."""
from __future__ import annotations

import http.client
import math
import os
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

from . import HOST, form_inputs, table, text_snippet
from .server import Server, machine_busy_seconds

FORM_PATH = "/gui/gop_y"
REQUEST_TIMEOUT = 20.0  # seconds, per request
# From the project brief: a minimal Flask app spends this many ms of server CPU per submission,
# and ours should stay within 1.5x of it.
REFERENCE_MS = {"sqlite": 3.1, "postgresql": 5.6}
LIMIT_MS = {"sqlite": 4.6, "postgresql": 8.4}


class Client:
    """One simulated citizen: its own HTTP/1.1 connection (reopened when the server closes it,
    which gunicorn's sync workers do after every response) and its own cookies."""

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
        self.cookies: dict[str, str] = {}
        self.fields: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None,
                content_type: str | None = None) -> tuple[int, bytes]:
        headers = {"User-Agent": "danvan-bench", "Accept": "text/html"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
        try:
            self.conn.request(method, path, body=body, headers=headers)
            resp = self.conn.getresponse()
            data = resp.read()
        except BaseException:
            self.conn.close()
            raise
        for sc in resp.headers.get_all("Set-Cookie") or []:
            name, _, rest = sc.partition("=")
            value = rest.split(";", 1)[0]
            low = sc.lower()
            if "max-age=0" in low or "expires=thu, 01 jan 1970" in low:
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value
        return resp.status, data

    def prepare(self) -> None:
        status, body = self.request("GET", FORM_PATH)
        if status != 200:
            raise RuntimeError(f"GET {FORM_PATH} -> {status}: {text_snippet(body)}")
        self.fields = form_inputs(body.decode("utf-8", "replace"))
        missing = {"csrf_token", "token"} - self.fields.keys()
        if missing:
            raise RuntimeError(f"GET {FORM_PATH}: no {', '.join(sorted(missing))} field in the form")

    def submit(self, n: int) -> tuple[int, bytes]:
        body = urlencode({
            "subject": f"Góp ý thử tải số {n}",
            "content": "Nội dung góp ý dùng để đo hiệu năng: thủ tục cần rõ ràng hơn, "
                       "thời gian chờ ở bộ phận một cửa còn dài.",
            "submitter_type": "citizen", "anonymous": "y",
            "csrf_token": self.fields["csrf_token"], "token": uuid.uuid4().hex,
        }).encode()
        return self.request("POST", FORM_PATH, body, "application/x-www-form-urlencoded")

    def close(self) -> None:
        self.conn.close()


class Load:
    """``n`` POSTs spread over the clients, each client one thread, bounded by a deadline."""

    def __init__(self, clients: list[Client], n: int, deadline: float, server: Server):
        self.clients, self.n, self.deadline, self.server = clients, n, deadline, server
        self.lock = threading.Lock()
        self.next = 0
        self.latencies: list[float] = []
        self.statuses: Counter = Counter()
        self.first_failure: str | None = None
        self.ok = 0
        self.failed = 0
        self.stopped = ""

    def _take(self) -> int | None:
        with self.lock:
            if self.stopped or self.next >= self.n:
                return None
            if time.monotonic() > self.deadline:
                self.stopped = "deadline reached"
                return None
            if self.failed >= 100 and self.ok == 0:
                self.stopped = "100 failures and no success"
                return None
            self.next += 1
            return self.next

    def _worker(self, client: Client) -> None:
        while (i := self._take()) is not None:
            t0 = time.perf_counter()
            try:
                status, body = client.submit(i)
                key, detail = status, f"HTTP {status}: {text_snippet(body)}"
            except Exception as exc:  # a refused/reset/timed-out connection is a failure too
                key, detail = exc.__class__.__name__, f"{exc.__class__.__name__}: {exc}"
            dt = time.perf_counter() - t0
            with self.lock:
                self.statuses[key] += 1
                if key == 303:
                    self.ok += 1
                    self.latencies.append(dt)
                else:
                    self.failed += 1
                    if self.first_failure is None:
                        self.first_failure = detail
            if key != 303 and not self.server.alive():
                with self.lock:
                    self.stopped = "gunicorn exited"

    def run(self) -> float:
        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=len(self.clients)) as pool:
            try:
                for f in [pool.submit(self._worker, c) for c in self.clients]:
                    f.result()
            except BaseException:  # Ctrl-C / SIGTERM: let the threads finish their request and stop
                with self.lock:
                    self.stopped = "interrupted"
                raise
        return time.perf_counter() - t0


def _pct(sorted_vals: list[float], p: float) -> float:
    if not sorted_vals:
        return float("nan")
    k = max(0, min(len(sorted_vals) - 1, math.ceil(p / 100 * len(sorted_vals)) - 1))  # nearest rank
    return sorted_vals[k]


def run(server: Server, requests: int, concurrency: int, warmup: int, seconds: float) -> dict:
    """Warm up, then measure. Returns a dict of figures (also printed)."""
    deadline = time.monotonic() + seconds
    engine = server.engine
    print(f"\n== Submissions: {engine}, gunicorn -w {server.workers} (sync), "
          f"{concurrency} clients, {requests} POST {FORM_PATH} after {warmup} warm-up ==")
    clients = [Client(server.port) for _ in range(concurrency)]
    try:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            list(pool.map(lambda c: c.prepare(), clients))
        warm = Load(clients, warmup, deadline, server)
        warm.run()
        if warm.ok == 0:
            raise RuntimeError(f"every warm-up submission failed; first: {warm.first_failure}")
        user0, sys0, workers0 = server.cpu()
        proc0, busy0 = time.process_time(), machine_busy_seconds()
        load = Load(clients, requests, deadline, server)
        wall = load.run()
        proc1, busy1 = time.process_time(), machine_busy_seconds()
        user1, sys1, workers1 = server.cpu() if server.alive() else (float("nan"), float("nan"), [])
    finally:
        for c in clients:
            c.close()
    expected = warm.ok + load.ok
    try:
        in_db = server.count_cases()
    except Exception as exc:
        in_db = f"error: {exc}"
    lat = sorted(load.latencies)
    user, system = user1 - user0, sys1 - sys0
    cpu = user + system
    ms_per = cpu * 1000 / load.ok if load.ok else float("nan")
    ref = REFERENCE_MS[engine]
    res = dict(engine=engine, ok=load.ok, failed=load.failed, wall=wall, rps=load.ok / wall if wall else 0,
               p50=_pct(lat, 50) * 1000, p95=_pct(lat, 95) * 1000, p99=_pct(lat, 99) * 1000,
               cpu=cpu, user=user, system=system, ms_per=ms_per, ref=ref, limit=LIMIT_MS[engine],
               expected=expected, in_db=in_db, statuses=load.statuses, stopped=load.stopped,
               first_failure=load.first_failure or warm.first_failure, warm_failed=warm.failed,
               client_cpu=proc1 - proc0, other_cpu=max(0.0, (busy1 - busy0) - cpu - (proc1 - proc0)), workers_changed=workers0 != workers1)
    rows = [
        ["submissions OK / failed", f"{load.ok} / {load.failed}"
         + (f"   (warm-up: {warm.ok} OK / {warm.failed} failed)" if warm.failed else "")],
        ["statuses", ", ".join(f"{k}×{v}" for k, v in sorted(load.statuses.items(), key=str))],
        ["wall time", f"{wall:.2f} s" + (f"   STOPPED EARLY: {load.stopped}" if load.stopped else "")],
        ["throughput", f"{res['rps']:.1f} submissions/s"],
        ["latency p50 / p95 / p99", f"{res['p50']:.1f} / {res['p95']:.1f} / {res['p99']:.1f} ms"],
        ["server CPU (master+workers)", f"{cpu:.2f} s (user {user:.2f} + system {system:.2f})"
         f" = {cpu / wall * 100 if wall else 0:.0f}% of one core; {os.cpu_count()} CPUs here"],
        ["server CPU per submission", f"{ms_per:.2f} ms (user {user * 1000 / max(load.ok, 1):.2f}"
         f" + system {system * 1000 / max(load.ok, 1):.2f})   target ≤ {res['limit']} ms"
         f" (1.5 × {ref} ms, minimal Flask app) -> {'OK' if ms_per <= res['limit'] else 'OVER'}"],
        ["load generator CPU", f"{res['client_cpu']:.2f} s (this process, same machine)"],
        ["other CPU on the machine", f"{res['other_cpu']:.2f} s during the run"
         + (" (PostgreSQL server and anything else running)" if engine == "postgresql"
            else " (anything else running: figures are noisier when this is large)")],
        ["rows in cases", f"{in_db} (expected {expected} = {warm.ok} warm-up + {load.ok} measured)"
         f" -> {'OK' if in_db == expected else 'MISMATCH'}"],
    ]
    if res["workers_changed"]:
        rows.append(["WARNING", f"worker pids changed during the run ({workers0} -> {workers1}); "
                                "a worker was restarted"])
    print(table(["", ""], rows))
    if res["first_failure"]:
        print(f"\nfirst failure: {res['first_failure']}")
    problems = server.log_problems()
    if problems or res["first_failure"]:
        print("gunicorn log lines that look like trouble:" if problems else "gunicorn log: nothing suspicious")
        for ln in problems:
            print("  " + ln[:300])
    return res
